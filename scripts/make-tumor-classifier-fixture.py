#!/usr/bin/env python3
"""Writes fixtures/tumor-classifier/: a tiny ResNet-18 (width 1/8, 2 classes) in PyTorch's
formats plus its logits on a fixed input, so that the Rust crate `tumor-classifier` can prove
that its architecture and its PyTorch import match torchvision's one to one (to 1e-4).

The network below is torchvision's ResNet (BasicBlock, `conv1`/`bn1`/`layerN.i.*`/
`downsample.0`/`downsample.1`/`fc`) with every width multiplied by WIDTH; at WIDTH=1 its
state_dict keys and shapes equal torchvision.models.resnet18's (checked when torchvision is
installed). BatchNorm statistics and affine parameters are randomised so that the test
exercises them, and the model is evaluated in eval() mode.

Usage: /work/main/.peerenv/bin/python scripts/make-tumor-classifier-fixture.py [OUT_DIR]
Needs: torch, numpy. Deterministic (seed 20230119).
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

SEED = 20230119
WIDTH = 0.125
SIZE = 64
BATCH = 2


def scaled(c):
    return max(1, int(round(c * WIDTH)))


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet18(nn.Module):
    def __init__(self, num_classes=2):
        super().__init__()
        stem = scaled(64)
        self.conv1 = nn.Conv2d(3, stem, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        inplanes = stem
        for i, (planes, stride) in enumerate(((64, 1), (128, 2), (256, 2), (512, 2)), start=1):
            planes = scaled(planes)
            layer = nn.Sequential(BasicBlock(inplanes, planes, stride), BasicBlock(planes, planes, 1))
            setattr(self, f"layer{i}", layer)
            inplanes = planes
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(inplanes, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def fixed_input():
    """x[n, c, h, w] = (1 + n) sin(0.37 n + 1.3 c + 0.11 h - 0.07 w) + 0.1 c; the Rust test rebuilds it."""
    n, c, h, w = np.meshgrid(np.arange(BATCH), np.arange(3), np.arange(SIZE), np.arange(SIZE), indexing="ij")
    return ((1 + n) * np.sin(0.37 * n + 1.3 * c + 0.11 * h - 0.07 * w) + 0.1 * c).astype(np.float32)


def write_safetensors(path, tensors):
    """Minimal safetensors writer (header JSON + little-endian F32 data), no extra package."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy())
        dtype = {np.dtype("float32"): "F32", np.dtype("int64"): "I64"}[a.dtype]
        raw = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * ((8 - len(head) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for raw in blobs:
            f.write(raw)


def check_against_torchvision():
    try:
        import torchvision
    except ImportError:
        print("torchvision not installed: key/shape check against it skipped", file=sys.stderr)
        return
    global WIDTH
    saved, WIDTH = WIDTH, 1.0
    ours = {k: tuple(v.shape) for k, v in ResNet18(2).state_dict().items()}
    WIDTH = saved
    theirs = {k: tuple(v.shape) for k, v in torchvision.models.resnet18(num_classes=2).state_dict().items()}
    assert ours == theirs, "layout differs from torchvision's resnet18"
    print("layout equals torchvision.models.resnet18 at width 1", file=sys.stderr)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "fixtures", "tumor-classifier")
    os.makedirs(out, exist_ok=True)
    check_against_torchvision()
    torch.manual_seed(SEED)
    model = ResNet18(2)
    g = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=g))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=g))
                m.running_mean.copy_(0.1 * torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))
                m.num_batches_tracked.fill_(7)
    model.eval()
    x = torch.from_numpy(fixed_input())
    with torch.no_grad():
        logits = model(x)
    state = model.state_dict()
    torch.save(state, os.path.join(out, "resnet18_w0125.pt"))
    write_safetensors(os.path.join(out, "resnet18_w0125.safetensors"), state)
    with open(os.path.join(out, "resnet18_w0125_logits.json"), "w") as f:
        json.dump({
            "arch": "resnet18", "width": WIDTH, "num_classes": 2, "seed": SEED,
            "input": {"shape": [BATCH, 3, SIZE, SIZE],
                      "formula": "(1 + n) sin(0.37 n + 1.3 c + 0.11 h - 0.07 w) + 0.1 c"},
            "torch_version": torch.__version__,
            "logits": logits.tolist(),
        }, f, indent=1)
    print("wrote", out, "logits", logits.tolist())


if __name__ == "__main__":
    main()
