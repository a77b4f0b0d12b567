#!/usr/bin/env python3
"""Median Deep Zoom tile latency: `her2 view` against openslide-python's DeepZoomGenerator.

Both servers tile the same slide into 256 px JPEG tiles of quality 75 with no overlap, read
from the slide on demand. The openslide-python side is a minimal Flask app around
`openslide.deepzoom.DeepZoomGenerator` (what OpenSlide's deepzoom example server does per
tile), run with Flask's threaded server. A client on the same machine asks each server for the
same tiles (every tile of the four finest levels, shuffled with a fixed seed), one after
another on a new connection each, after one warm-up pass; it prints the median latency of each
and their ratio, then 200 concurrent requests to each.

    python3 benches/viewer/tile_latency.py SLIDE --her2 target/release/her2

Needs `pip install openslide-python openslide-bin flask` (docs/benchmarks.md).
"""

import argparse
import concurrent.futures
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openslide_server(slide_path, port):
    """Serves SLIDE's Deep Zoom tiles with openslide-python on 127.0.0.1:PORT (a thread)."""
    import io

    import openslide
    from flask import Flask, abort, make_response
    from openslide.deepzoom import DeepZoomGenerator

    slide = openslide.OpenSlide(slide_path)
    zoom = DeepZoomGenerator(slide, tile_size=256, overlap=0, limit_bounds=False)
    app = Flask("openslide-deepzoom")

    @app.route("/slide.dzi")
    def dzi():
        return zoom.get_dzi("jpeg")

    @app.route("/slide_files/<int:level>/<int:col>_<int:row>.jpeg")
    def tile(level, col, row):
        try:
            image = zoom.get_tile(level, (col, row))
        except ValueError:
            abort(404)
        buf = io.BytesIO()
        image.save(buf, "jpeg", quality=75)
        response = make_response(buf.getvalue())
        response.mimetype = "image/jpeg"
        return response

    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    thread = threading.Thread(
        target=lambda: app.run(host="127.0.0.1", port=port, threaded=True), daemon=True
    )
    thread.start()
    return zoom


def wait_until_up(url, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"no answer from {url}")


def fetch(url):
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as r:
        body = r.read()
        assert r.status == 200 and body[:2] == b"\xff\xd8", url
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slide")
    parser.add_argument("--her2", default="target/release/her2")
    parser.add_argument("--levels", type=int, default=4, help="finest levels to request")
    args = parser.parse_args()

    ours_port, theirs_port = free_port(), free_port()
    ours = subprocess.Popen(
        [args.her2, "view", args.slide, "--port", str(ours_port)],
        stdout=subprocess.DEVNULL,
    )
    try:
        zoom = openslide_server(args.slide, theirs_port)
        bases = {
            "her2 view": f"http://127.0.0.1:{ours_port}",
            "openslide-python": f"http://127.0.0.1:{theirs_port}",
        }
        for base in bases.values():
            wait_until_up(base + "/slide.dzi")
        tiles = []
        for level in range(zoom.level_count - args.levels, zoom.level_count):
            cols, rows = zoom.level_tiles[level]
            tiles += [(level, c, r) for c in range(cols) for r in range(rows)]
        random.Random(7).shuffle(tiles)
        print(f"{args.slide}: {len(tiles)} tiles of the {args.levels} finest levels")
        medians = {}
        for name, base in bases.items():
            urls = [f"{base}/slide_files/{l}/{c}_{r}.jpeg" for l, c, r in tiles]
            for url in urls:  # warm-up: the OS file cache, both servers' first reads
                fetch(url)
            latencies = [fetch(url) for url in urls]
            medians[name] = statistics.median(latencies)
            with concurrent.futures.ThreadPoolExecutor(200) as pool:
                started = time.perf_counter()
                burst = list(pool.map(fetch, (urls * (200 // len(urls) + 1))[:200]))
                wall = time.perf_counter() - started
            print(
                f"{name:17s} median {1e3 * medians[name]:6.2f} ms sequential; "
                f"200 concurrent: all 200 OK in {wall:.2f} s, median {1e3 * statistics.median(burst):.1f} ms"
            )
        ratio = medians["openslide-python"] / medians["her2 view"]
        print(f"median latency ratio openslide-python / her2 view: {ratio:.2f}")
    finally:
        ours.terminate()
        ours.wait()


if __name__ == "__main__":
    main()
