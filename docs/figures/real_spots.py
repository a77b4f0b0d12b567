#!/usr/bin/env python3
"""Draws docs/figures/cells-her2-tma.jpg: the cells `her2 score` found on the five real HER2
spots of ../shared/real/her2-tma, a 512 x 512 px (128 um) crop of each where its tumour cells
are densest, nuclei outlined in their class colour (blue negative; yellow, orange, red faint,
weak-moderate, intense), cells with a complete membrane ringed green.

    for f in ../shared/real/her2-tma/*.jpg; do
        her2 score "$f" --mpp 0.25 --all-tissue --out results/$(basename "$f" .jpg | cut -c1-10)
    done
    python3 docs/figures/real_spots.py ../shared/real/her2-tma results docs/figures/cells-her2-tma.jpg

Needs Pillow. Reads each result folder's cells.geojson and report.json.
"""
import json
import sys
from pathlib import Path

from PIL import Image, ImageDraw

CROP = 512
COLOURS = {"negative": (60, 90, 255), "faint": (255, 235, 60), "weak_moderate": (255, 150, 0),
           "intense": (230, 20, 20)}


def densest_window(centres, width, height):
    """Top-left corner of the CROP x CROP window (on a 128 px grid) holding most centres."""
    best, corner = -1, (0, 0)
    for y in range(0, max(1, height - CROP), 128):
        for x in range(0, max(1, width - CROP), 128):
            n = sum(1 for cx, cy in centres if x <= cx < x + CROP and y <= cy < y + CROP)
            if n > best:
                best, corner = n, (x, y)
    return corner


def panel(image_path, results):
    image = Image.open(image_path).convert("RGB")
    cells = json.loads((results / "cells.geojson").read_text())["features"]
    report = json.loads((results / "report.json").read_text())
    centres = []
    for cell in cells:
        ring = cell["nucleusGeometry"]["coordinates"][0]
        centres.append((sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)))
    x0, y0 = densest_window(centres, *image.size)
    crop = image.crop((x0, y0, x0 + CROP, y0 + CROP))
    draw = ImageDraw.Draw(crop)
    for cell, (cx, cy) in zip(cells, centres):
        if not (x0 <= cx < x0 + CROP and y0 <= cy < y0 + CROP):
            continue
        props = cell["properties"]
        m = props["measurements"]
        cls = props.get("metadata", {}).get("HER2 membrane intensity", "none")
        colour = COLOURS.get(cls, COLOURS["negative"]) if m.get("Membrane: positive") else COLOURS["negative"]
        nucleus = [(p[0] - x0, p[1] - y0) for p in cell["nucleusGeometry"]["coordinates"][0]]
        draw.line(nucleus + nucleus[:1], fill=colour, width=2)
        if m.get("Membrane: complete"):
            boundary = [(p[0] - x0, p[1] - y0) for p in cell["geometry"]["coordinates"][0]]
            draw.line(boundary + boundary[:1], fill=(0, 200, 0), width=2)
    category = {"null": "0 (null)", "ultralow": "0 (ultralow)", "one": "1+", "two": "2+",
                "three": "3+"}[report["assessment"]["category"]]
    label = image_path.name.split("_")[0]
    title = f"{image_path.name[:10]}  label {label}{'+' if label != '0' else ''}  ->  {category}"
    return crop, title, report


def main():
    spots, results, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    panels = []
    for image_path in sorted(spots.glob("*.jpg")):
        panels.append(panel(image_path, results / image_path.stem[:10]))
    figure = Image.new("RGB", (len(panels) * (CROP + 8), CROP + 24), "white")
    draw = ImageDraw.Draw(figure)
    for i, (crop, title, _) in enumerate(panels):
        figure.paste(crop, (i * (CROP + 8), 24))
        draw.text((i * (CROP + 8) + 4, 6), title, fill="black")
    figure.save(out, quality=88)
    for _, title, report in panels:
        f = report["features"]
        print(title, f"{f['cells']} cells, {f['tumour_area_mm2']:.3f} mm2")


if __name__ == "__main__":
    main()
