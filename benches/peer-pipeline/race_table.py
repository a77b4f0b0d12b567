#!/usr/bin/env python3
"""Prints the race's table (markdown) from the WORK_DIR that `race` filled: wall time and peak
RSS of `her2 score` and of peer_pipeline.py per slide side, medians over the runs, and what
each analysed (tissue patches, cells, score).

Usage: race_table.py WORK_DIR
"""
import glob
import json
import os
import re
import statistics
import sys


def time_v(path):
    """(wall seconds, peak RSS MiB) from a `/usr/bin/time -v` log."""
    text = open(path).read()
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)
    parts = [float(p) for p in m.group(1).split(":")]
    wall = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
    return wall, rss


def main():
    work = sys.argv[1]
    sides = sorted({int(re.search(r"her2-(\d+)-", p).group(1))
                    for p in glob.glob(os.path.join(work, "her2-*-*.time"))})
    print("| slide | her2 wall (s) | peer wall (s) | peer / her2 | her2 peak RSS (MiB) | "
          "peer peak RSS (MiB) | her2 / peer RSS | patches classified (her2 / peer) | "
          "cells (her2 / peer) | score (her2 / peer) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for side in sides:
        ours = [time_v(p) for p in sorted(glob.glob(f"{work}/her2-{side}-*.time"))]
        peer = [time_v(p) for p in sorted(glob.glob(f"{work}/peer-{side}-*.time"))]
        if not ours or not peer:
            continue
        ow, orss = statistics.median(w for w, _ in ours), statistics.median(r for _, r in ours)
        pw, prss = statistics.median(w for w, _ in peer), statistics.median(r for _, r in peer)
        report = json.load(open(f"{work}/her2-{side}-1/report.json"))
        peer_json = json.load(open(f"{work}/peer-{side}-1.json"))
        f = report["features"]
        tumour = report.get("tumor", {})
        patches = tumour.get("classified_patches", "?")
        print(f"| {side} x {side} | {ow:.0f} | {pw:.0f} | {pw / ow:.2f}x | {orss:.0f} | "
              f"{prss:.0f} | {orss / prss:.2f} | {patches} / {peer_json['tissue_patches']} | "
              f"{f.get('cells')} / {peer_json['cells']} | "
              f"{report['assessment']['score']} / {peer_json['score']} |")


if __name__ == "__main__":
    main()
