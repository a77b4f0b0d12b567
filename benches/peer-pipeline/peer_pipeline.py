#!/usr/bin/env python3
"""The HER2 pipeline a researcher would write with the usual Python tools, for the end-to-end
race against `her2 score` (docs/benchmarks.md, "End to end against a Python pipeline").

Same stages and settings as `her2`'s defaults, written the plain way:
1. openslide-python reads the slide's thumbnail (longest side 2048 px); tissue = Otsu on the
   HSV saturation (OpenCV), closed by 50 um, pieces under 10,000 um^2 dropped.
2. A grid of 256 x 256 px patches at 0.5 um/px (read with `read_region` from the best level,
   resized with OpenCV when the level is not exactly 0.5 um/px); patches at least half tissue
   go, 32 at a time, through onnxruntime's ResNet-34 (ImageNet normalisation, NCHW float32).
3. Every patch called tumour (probability >= 0.5) is analysed as soon as its batch is
   classified (memory stays flat): colour deconvolution (numpy, Ruifrok-Johnston H-DAB),
   nuclei by Otsu on the hematoxylin, opening, distance transform, local-maximum markers and
   OpenCV's watershed; each background pixel goes to its nearest nucleus
   (`distanceTransformWithLabels`); the ring 1-10 um out is the membrane; per cell, stained
   ring pixels (DAB OD >= 0.1) give positivity (>= 6 um^2), 24 angular sectors give the
   completeness (>= 90% of the sectors with >= 8% stained pixels) and the mean OD of the
   stained ring pixels the intensity class (0.1 / 0.24 / 0.58).
4. numpy turns the cell counts into the ASCO/CAP percentages and a score.

It is deliberately not tuned beyond what a careful researcher would do: one process, the
libraries' own threads (onnxruntime and OpenCV with 2 threads).

Usage: peer_pipeline.py SLIDE --onnx resnet34.onnx [--threads 2] [--out result.json]
Prints one JSON line (also written to --out): counts, score, seconds per stage, peak RSS.
"""
import argparse
import json
import os
import resource
import time

import cv2
import numpy as np
import onnxruntime as ort
import openslide

PATCH, PATCH_MPP, BATCH = 256, 0.5, 32
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
# Ruifrok & Johnston's H-DAB vectors (rows: hematoxylin, eosin, DAB); unmixing = inverse.
STAINS = np.array([[0.65, 0.70, 0.29], [0.07, 0.99, 0.11], [0.27, 0.57, 0.78]], dtype=np.float32)
STAINS /= np.linalg.norm(STAINS, axis=1, keepdims=True)
UNMIX = np.linalg.inv(STAINS).astype(np.float32)
STAINED_OD, CUTS = 0.1, (0.1, 0.24, 0.58)
RING_GAP_UM, RING_WIDTH_UM, SECTORS = 1.0, 9.0, 24
MIN_NUCLEUS_UM2, MIN_STAINED_UM2 = 8.0, 6.0


def tissue_mask(slide, mpp):
    """Thumbnail, tissue mask and level-0 pixels per thumbnail pixel."""
    thumb = np.asarray(slide.get_thumbnail((2048, 2048)).convert("RGB"))
    scale = slide.dimensions[0] / thumb.shape[1]
    sat = cv2.cvtColor(thumb, cv2.COLOR_RGB2HSV)[..., 1]
    _, mask = cv2.threshold(sat, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    um = mpp * scale
    r = max(1, round(50.0 / um))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = np.zeros(n, dtype=bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] * um * um >= 10_000.0
    return keep[labels], scale


def tissue_patches(slide, mpp, mask, scale):
    """Level-0 corners of the grid's patches that are at least half tissue, and their side."""
    side = PATCH * PATCH_MPP / mpp
    w, h = slide.dimensions
    cols, rows = int(w // side), int(h // side)
    grid = cv2.resize(mask.astype(np.float32), (cols, rows), interpolation=cv2.INTER_AREA)
    return [(int(c * side), int(r * side)) for r in range(rows) for c in range(cols)
            if grid[r, c] >= 0.5], side


def read_patch(slide, x, y, side):
    """A PATCH x PATCH RGB patch at PATCH_MPP whose level-0 corner is (x, y)."""
    level = slide.get_best_level_for_downsample(side / PATCH)
    ds = slide.level_downsamples[level]
    n = int(round(side / ds))
    rgb = np.asarray(slide.read_region((x, y), level, (n, n)).convert("RGB"))
    if n != PATCH:
        rgb = cv2.resize(rgb, (PATCH, PATCH), interpolation=cv2.INTER_AREA)
    return rgb


def cells(rgb, mpp):
    """Per-cell (positive, complete, intensity class 0-3) arrays of one patch."""
    od = -np.log10(np.maximum(rgb.astype(np.float32), 1.0) / 255.0)
    stains = od.reshape(-1, 3) @ UNMIX
    hema = stains[:, 0].reshape(rgb.shape[:2])
    dab = stains[:, 2].reshape(rgb.shape[:2])
    h8 = np.clip(hema * 255.0, 0, 255).astype(np.uint8)
    _, nuclei = cv2.threshold(h8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    nuclei = cv2.morphologyEx(nuclei, cv2.MORPH_OPEN,
                              cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    dist = cv2.distanceTransform(nuclei, cv2.DIST_L2, 5)
    peaks = ((dist == cv2.dilate(dist, np.ones((5, 5), np.uint8))) & (dist >= 2.0)).astype(np.uint8)
    _, markers = cv2.connectedComponents(peaks)
    markers = markers + 1
    markers[(nuclei > 0) & (peaks == 0)] = 0
    labels = cv2.watershed(np.ascontiguousarray(rgb[..., ::-1]), markers.astype(np.int32))
    labels = np.where(labels > 1, labels - 1, 0)
    n = int(labels.max())
    if n == 0:
        return np.zeros(0, bool), np.zeros(0, bool), np.zeros(0, np.int64)
    area = np.bincount(labels.ravel(), minlength=n + 1)[1:] * mpp * mpp
    # every background pixel -> its nearest nucleus pixel -> that nucleus' label
    background = (labels == 0).astype(np.uint8)
    d, nearest = cv2.distanceTransformWithLabels(background, cv2.DIST_L2, 5,
                                                 labelType=cv2.DIST_LABEL_PIXEL)
    owner = np.zeros(int(nearest.max()) + 1, np.int64)
    owner[1:] = labels[background == 0]
    cell = owner[nearest]
    d_um = d * mpp
    ring = (background > 0) & (d_um > RING_GAP_UM) & (d_um <= RING_GAP_UM + RING_WIDTH_UM)
    ys, xs = np.nonzero(ring)
    c = cell[ys, xs]
    v = dab[ys, xs]
    stained = v >= STAINED_OD
    yy, xx = np.indices(labels.shape)
    count = np.bincount(labels.ravel(), minlength=n + 1)
    cy = np.bincount(labels.ravel(), yy.ravel(), n + 1) / np.maximum(count, 1)
    cx = np.bincount(labels.ravel(), xx.ravel(), n + 1) / np.maximum(count, 1)
    angle = np.arctan2(ys - cy[c], xs - cx[c])
    sector = ((angle + np.pi) / (2 * np.pi) * SECTORS).astype(np.int64) % SECTORS
    key = c * SECTORS + sector
    seen = np.bincount(key, minlength=(n + 1) * SECTORS).reshape(n + 1, SECTORS)
    hit = np.bincount(key, stained, (n + 1) * SECTORS).reshape(n + 1, SECTORS)
    covered = (hit >= 1) & (hit >= 0.08 * seen)
    coverage = covered.sum(1) / np.maximum((seen > 0).sum(1), 1)
    stained_px = np.bincount(c, stained, n + 1)
    stained_od = np.bincount(c, np.where(stained, v, 0.0), n + 1) / np.maximum(stained_px, 1)
    positive = stained_px * mpp * mpp >= MIN_STAINED_UM2
    intensity = np.where(positive, np.searchsorted(CUTS, stained_od, side="right"), 0)
    keep = np.concatenate([[False], area >= MIN_NUCLEUS_UM2])
    complete = positive & (coverage >= 0.9)
    return positive[keep], complete[keep], intensity[keep]


def guideline(positive, complete, intensity):
    """ASCO/CAP 2023 percentages and score from every counted cell."""
    n = max(len(positive), 1)
    pct = lambda m: 100.0 * np.count_nonzero(m) / n  # noqa: E731
    intense_complete = pct(complete & (intensity == 3))
    moderate_complete = pct(complete & (intensity >= 2))
    stained = pct(positive & (intensity >= 1))
    if intense_complete > 10:
        score = "3+"
    elif moderate_complete > 10 or intense_complete > 1:
        score = "2+"
    elif stained > 10:
        score = "1+"
    else:
        score = "0"
    return score, {"intense_complete": intense_complete, "moderate_complete": moderate_complete,
                   "stained": stained}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("slide")
    parser.add_argument("--onnx", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out")
    args = parser.parse_args()
    cv2.setNumThreads(args.threads)
    t0 = time.perf_counter()
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])
    slide = openslide.OpenSlide(args.slide)
    mpp = float(slide.properties[openslide.PROPERTY_NAME_MPP_X])
    mask, scale = tissue_mask(slide, mpp)
    corners, side = tissue_patches(slide, mpp, mask, scale)
    t1 = time.perf_counter()
    seconds = {"read": 0.0, "classify": 0.0, "cells": 0.0}
    pos, comp, inten = [], [], []
    tumour = 0
    for start in range(0, len(corners), BATCH):
        t = time.perf_counter()
        batch = [read_patch(slide, x, y, side) for x, y in corners[start:start + BATCH]]
        seconds["read"] += time.perf_counter() - t
        t = time.perf_counter()
        x = ((np.stack(batch).astype(np.float32) / 255.0 - MEAN) / STD).transpose(0, 3, 1, 2)
        logits = session.run(["logits"], {"input": np.ascontiguousarray(x)})[0]
        e = np.exp(logits - logits.max(1, keepdims=True))
        prob = e[:, 1] / e.sum(1)
        seconds["classify"] += time.perf_counter() - t
        t = time.perf_counter()
        for rgb, p in zip(batch, prob):
            if p >= 0.5:
                tumour += 1
                a, b, c = cells(rgb, PATCH_MPP)
                pos.append(a)
                comp.append(b)
                inten.append(c)
        seconds["cells"] += time.perf_counter() - t
    t2 = time.perf_counter()
    positive = np.concatenate(pos) if pos else np.zeros(0, bool)
    complete = np.concatenate(comp) if comp else np.zeros(0, bool)
    intensity = np.concatenate(inten) if inten else np.zeros(0, np.int64)
    score, percent = guideline(positive, complete, intensity)
    result = {
        "slide": os.path.abspath(args.slide), "threads": args.threads,
        "tissue_patches": len(corners), "tumour_patches": tumour, "cells": int(len(positive)),
        "positive": int(positive.sum()), "complete": int(complete.sum()),
        "percent": percent, "score": score,
        "seconds": {"tissue": t1 - t0, **seconds, "total": time.perf_counter() - t0},
        "patches_per_s": len(corners) / max(t2 - t1, 1e-9),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "versions": {"onnxruntime": ort.__version__, "opencv": cv2.__version__,
                     "numpy": np.__version__, "openslide": openslide.__library_version__},
    }
    line = json.dumps(result)
    print(line)
    if args.out:
        with open(args.out + ".tmp", "w") as f:
            f.write(line + "\n")
        os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
