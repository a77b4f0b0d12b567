#!/usr/bin/env python3
"""PyTorch's throughput for the paper's classifier on one device, the figure `scripts/gpu-check`
sets beside ours: torchvision's resnet34(num_classes=2) in eval mode under inference_mode,
256 x 256 float32 inputs, batches of the sizes given, the median of --repeats timed runs after
a warm-up (CUDA synchronised around each).

Usage: torch_resnet34.py [BATCH ...] [--device cuda] [--repeats 10]
Prints one JSON line: patches per second per batch size, the device and torch's version.
Exits 3 when torch (or the device) is not available, so the caller can say so.
"""
import argparse
import json
import statistics
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("batches", nargs="*", type=int, default=[1, 8, 32])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    try:
        import torch
        import torchvision
    except ImportError as e:
        print(f"torch_resnet34: {e}", file=sys.stderr)
        sys.exit(3)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("torch_resnet34: torch sees no CUDA device", file=sys.stderr)
        sys.exit(3)
    device = torch.device(args.device)
    model = torchvision.models.resnet34(num_classes=2).eval().to(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    result = {"device": str(device), "torch": torch.__version__, "patches_per_s": {}}
    if device.type == "cuda":
        result["gpu"] = torch.cuda.get_device_name(device)
    with torch.inference_mode():
        for batch in args.batches:
            x = torch.rand(batch, 3, 256, 256, device=device)
            for _ in range(3):
                model(x)
            sync()
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                model(x)
                sync()
                times.append(time.perf_counter() - start)
            result["patches_per_s"][str(batch)] = batch / statistics.median(times)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
