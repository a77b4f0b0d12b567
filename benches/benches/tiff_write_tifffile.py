#!/usr/bin/env python3
"""Peer of benches/benches/tiff_write.rs: tifffile + imagecodecs writing the same pyramid.

The same W x W mosaic of fixtures/external/ihc.png, 256-px tiles, levels halved (cv2 INTER_AREA,
a 2x2 box filter) until the longer side is <= 512, Aperio description, with JPEG Q 90 (YCbCr,
no subsampling), zlib (level 6) + horizontal predictor, and LZW + predictor. Tile encoding uses
tifffile's thread pool (maxworkers = all cores). Times the downsampling and the write, not the
mosaic. Prints the median level-0 MPix/s of each codec.

Run: /work/main/.peerenv/bin/python benches/benches/tiff_write_tifffile.py --size 4096 --repeats 5
"""
import argparse
import os
import statistics
import tempfile
import time

import cv2
import numpy as np
import tifffile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def mosaic(size):
    path = os.path.join(ROOT, "fixtures", "external", "ihc.png")
    ihc = cv2.imread(path, cv2.IMREAD_COLOR)
    if ihc is None:
        raise SystemExit(f"{path}: missing; run scripts/fetch-test-data first")
    ihc = cv2.cvtColor(ihc, cv2.COLOR_BGR2RGB)
    reps = (-(-size // ihc.shape[0]), -(-size // ihc.shape[1]), 1)
    return np.ascontiguousarray(np.tile(ihc, reps)[:size, :size])


def write(path, img, codec):
    kw = dict(tile=(256, 256), metadata=None, maxworkers=os.cpu_count())
    if codec == "jpeg_q90":
        kw.update(compression="jpeg", compressionargs={"level": 90}, photometric="ycbcr", subsampling=(1, 1))
    elif codec == "deflate":
        kw.update(compression="zlib", compressionargs={"level": 6}, predictor=True, photometric="rgb")
    else:
        kw.update(compression="lzw", predictor=True, photometric="rgb")
    h, w = img.shape[:2]
    desc = f"Aperio Image Library v12.0.15 \r\n{w}x{h} [0,0 {w}x{h}] (256x256) JPEG/RGB Q=90|AppMag = 20|MPP = 0.5"
    with tifffile.TiffWriter(path, bigtiff=False) as tw:
        tw.write(img, description=desc, **kw)
        level = img
        while max(level.shape[:2]) > 512:
            lh, lw = level.shape[:2]
            level = cv2.resize(level, ((lw + 1) // 2, (lh + 1) // 2), interpolation=cv2.INTER_AREA)
            tw.write(level, description=f"Aperio Image Library v12.0.15 \r\n{w}x{h} -> {level.shape[1]}x{level.shape[0]}", **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    img = mosaic(args.size)
    mpix = args.size * args.size / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        for codec in ["jpeg_q90", "deflate", "lzw"]:
            path = os.path.join(tmp, f"{codec}.svs")
            write(path, img, codec)  # warm-up
            times = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                write(path, img, codec)
                times.append(time.perf_counter() - t0)
            med = statistics.median(times)
            size_mb = os.path.getsize(path) / 1e6
            print(f"tifffile {codec} {args.size}px: median {med:.3f} s = {mpix / med:.1f} MPix/s "
                  f"(min {mpix / max(times):.1f}, max {mpix / min(times):.1f}), {size_mb:.2f} MB")


if __name__ == "__main__":
    main()
