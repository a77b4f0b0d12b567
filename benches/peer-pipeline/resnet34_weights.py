#!/usr/bin/env python3
"""Writes one full-width ResNet-34 (2 classes, torchvision's layer names) twice: as an ONNX
graph for onnxruntime (the peer pipeline) and as a safetensors state dict that `her2` imports
(`her2 import-model`), so that both pipelines of
the race classify with the same weights.

The weights are random (speed does not depend on them) but tame: He-initialised convolutions,
batch norm with random statistics, the last batch norm of each residual block damped, and a
classifier whose tumour logit is 8 above the other, so that both pipelines take every tissue
patch as tumour and then analyse the cells of all of them: the same work on both sides
whatever the slide's layout.

Also writes `resnet34-check.png` (a patch) and `resnet34-check.txt` (onnxruntime's class
probabilities on it), which `her2 import-model --check-patch --expect` checks the import
against (so a wrong import cannot pass as a fast one).

Usage: resnet34_weights.py OUT_DIR [--seed 20230119]. Needs numpy, onnx, onnxruntime, opencv.
"""
import argparse
import json
import os
import struct

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

STAGES = [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]  # channels, blocks, stride
EPS = 1e-5


def resnet34_state(rng):
    """torchvision resnet34(num_classes=2)'s state dict (float32 numpy arrays, in order)."""
    state = {}

    def conv(name, cout, cin, k):
        std = np.sqrt(2.0 / (cin * k * k))
        state[name + ".weight"] = (rng.standard_normal((cout, cin, k, k)) * std).astype(np.float32)

    def bn(name, c, gain=1.0):
        state[name + ".weight"] = (gain * (0.5 + 0.5 * rng.random(c))).astype(np.float32)
        state[name + ".bias"] = (0.1 * rng.standard_normal(c)).astype(np.float32)
        state[name + ".running_mean"] = (0.1 * rng.standard_normal(c)).astype(np.float32)
        state[name + ".running_var"] = (0.5 + rng.random(c)).astype(np.float32)

    conv("conv1", 64, 3, 7)
    bn("bn1", 64)
    cin = 64
    for stage, (c, blocks, stride) in enumerate(STAGES, start=1):
        for b in range(blocks):
            p = f"layer{stage}.{b}"
            s = stride if b == 0 else 1
            conv(p + ".conv1", c, cin, 3)
            bn(p + ".bn1", c)
            conv(p + ".conv2", c, c, 3)
            bn(p + ".bn2", c, gain=0.2)
            if s != 1 or cin != c:
                conv(p + ".downsample.0", c, cin, 1)
                bn(p + ".downsample.1", c)
            cin = c
    state["fc.weight"] = (1e-2 * rng.standard_normal((2, 512))).astype(np.float32)
    state["fc.bias"] = np.array([-4.0, 4.0], dtype=np.float32)
    return state


def onnx_graph(state):
    """The network as an ONNX graph (opset 17, dynamic batch) over `state`'s weights."""
    nodes, inits = [], []
    counter = [0]

    def fresh(prefix):
        counter[0] += 1
        return f"{prefix}_{counter[0]}"

    def weight(name):
        inits.append(numpy_helper.from_array(state[name], name))
        return name

    def conv_bn(x, conv, bn, stride, pad, relu):
        k = state[conv + ".weight"].shape[-1]
        y = fresh("conv")
        nodes.append(helper.make_node("Conv", [x, weight(conv + ".weight")], [y],
                                      kernel_shape=[k, k], strides=[stride, stride],
                                      pads=[pad] * 4))
        z = fresh("bn")
        nodes.append(helper.make_node(
            "BatchNormalization",
            [y] + [weight(f"{bn}.{p}") for p in ("weight", "bias", "running_mean", "running_var")],
            [z], epsilon=EPS))
        if not relu:
            return z
        r = fresh("relu")
        nodes.append(helper.make_node("Relu", [z], [r]))
        return r

    x = conv_bn("input", "conv1", "bn1", 2, 3, True)
    pooled = fresh("pool")
    nodes.append(helper.make_node("MaxPool", [x], [pooled], kernel_shape=[3, 3], strides=[2, 2],
                                  pads=[1, 1, 1, 1]))
    x = pooled
    for stage, (_, blocks, stride) in enumerate(STAGES, start=1):
        for b in range(blocks):
            p = f"layer{stage}.{b}"
            s = stride if b == 0 else 1
            y = conv_bn(x, p + ".conv1", p + ".bn1", s, 1, True)
            y = conv_bn(y, p + ".conv2", p + ".bn2", 1, 1, False)
            shortcut = x
            if p + ".downsample.0.weight" in state:
                shortcut = conv_bn(x, p + ".downsample.0", p + ".downsample.1", s, 0, False)
            added, out = fresh("add"), fresh("relu")
            nodes.append(helper.make_node("Add", [y, shortcut], [added]))
            nodes.append(helper.make_node("Relu", [added], [out]))
            x = out
    gap, flat = fresh("gap"), fresh("flat")
    nodes.append(helper.make_node("GlobalAveragePool", [x], [gap]))
    nodes.append(helper.make_node("Flatten", [gap], [flat], axis=1))
    nodes.append(helper.make_node("Gemm", [flat, weight("fc.weight"), weight("fc.bias")],
                                  ["logits"], transB=1))
    graph = helper.make_graph(
        nodes, "resnet34",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, "height", "width"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 2])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model


def write_safetensors(path, state):
    """A safetensors file (header JSON, then little-endian float32 data) of `state`."""
    header, blobs, offset = {}, [], 0
    for name, a in state.items():
        raw = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * ((8 - len(head) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for raw in blobs:
            f.write(raw)
    os.replace(tmp, path)


def check_patch(size=256):
    """A deterministic RGB patch (uint8, HWC) with tissue-like colours and structure."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    r = 200 + 40 * np.sin(0.11 * x + 0.05 * y)
    g = 160 + 60 * np.sin(0.07 * x - 0.13 * y)
    b = 190 + 50 * np.cos(0.09 * (x + y))
    return np.clip(np.stack([r, g, b], -1), 0, 255).astype(np.uint8)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=20230119)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    state = resnet34_state(np.random.default_rng(args.seed))
    model = onnx_graph(state)
    onnx_path = os.path.join(args.out, "resnet34.onnx")
    onnx.save(model, onnx_path + ".tmp")
    os.replace(onnx_path + ".tmp", onnx_path)
    write_safetensors(os.path.join(args.out, "resnet34.safetensors"), state)

    import cv2
    import onnxruntime as ort
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    patch = check_patch()
    cv2.imwrite(os.path.join(args.out, "resnet34-check.png"), patch[..., ::-1])
    mean = np.array([0.485, 0.456, 0.406], dtype=np.float32)
    std = np.array([0.229, 0.224, 0.225], dtype=np.float32)
    x = ((patch.astype(np.float32) / 255.0 - mean) / std).transpose(2, 0, 1)[None]
    logits = session.run(["logits"], {"input": np.ascontiguousarray(x)})[0][0].astype(np.float64)
    probabilities = np.exp(logits - logits.max())
    probabilities /= probabilities.sum()
    with open(os.path.join(args.out, "resnet34-check.txt"), "w") as f:
        f.write(",".join(f"{p:.9e}" for p in probabilities) + "\n")
    print(f"{args.out}: resnet34.onnx, resnet34.safetensors, resnet34-check.png and its "
          f"onnxruntime probabilities {probabilities.tolist()} in resnet34-check.txt")


if __name__ == "__main__":
    main()
