#!/usr/bin/python3
"""Exports the detection models from PyTorch to ONNX (opsets 11 and 13) with an input and
PyTorch's outputs, then checks that tensortune imports each export and reproduces those outputs.

The exports are too large for the repository (RetinaNet 136 MB, YOLOv2 204 MB), so they are made
here: Debian's python3-torch and python3-torchvision (`bash .ci/install-deps --bench`).

- retinanet_resnet50_fpn: torchvision's model (random weights, eval mode) up to its heads' raw
  outputs, cls_logits [1, anchors, 91] and bbox_regression [1, anchors, 4], on a 512x512 input. The
  export computes the heads' shapes at run time (Shape/Gather/Unsqueeze/Concat chains) and the
  FPN's upsampling sizes from the lateral maps (Shape/Slice/Concat into Resize).
- yolov2: Darknet's yolov2.cfg written as a PyTorch module (torchvision has none): convolutions
  with batch norm and leaky ReLU 0.1, max pools, the passthrough as a view/permute reorg (ONNX's
  SpaceToDepth order), 416x416 input, output [1, 425, 13, 13].

    /usr/bin/python3 bench/export_detection_onnx.py --out /tmp/detection --binary build/tensortune

prints, per model and opset, the largest absolute and relative differences and whether they are
within rtol 1e-3 and an atol of 1e-4 times the output's largest magnitude.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision

from detection_models import DETECTION_MODELS


def randomize_batch_norms(model, generator):
    # Non-trivial statistics, so folding them is exercised (torchvision's FrozenBatchNorm2d and
    # fresh BatchNorm2d are identities otherwise).
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm2d, torchvision.ops.FrozenBatchNorm2d)):
            c = m.weight.shape[0]
            with torch.no_grad():
                m.weight.copy_(torch.rand(c, generator=generator) * 0.5 + 0.75)
                m.bias.copy_(torch.rand(c, generator=generator) * 0.2 - 0.1)
                m.running_mean.copy_(torch.rand(c, generator=generator) * 0.2 - 0.1)
                m.running_var.copy_(torch.rand(c, generator=generator) * 0.5 + 0.75)


def export(name, model, size, opset, out_dir, output_names):
    generator = torch.Generator().manual_seed(1)
    randomize_batch_norms(model, generator)
    model.eval()
    x = torch.rand(1, 3, size, size, generator=generator)
    with torch.no_grad():
        outputs = model(x)
    if isinstance(outputs, torch.Tensor):
        outputs = (outputs,)
    base = os.path.join(out_dir, f"{name}_opset{opset}")
    torch.onnx.export(model, x, base + ".onnx", opset_version=opset, input_names=["image"],
                      output_names=output_names, do_constant_folding=False)
    np.save(base + ".input.npy", x.numpy())
    refs = {}
    for n, o in zip(output_names, outputs):
        refs[n] = base + f".{n}.npy"
        np.save(refs[n], o.numpy())
    return base, refs


def check(binary, base, refs):
    """tensortune run on the export with PyTorch's input; the differences output by output."""
    outs = {n: f"{base}.{n}.tt.npy" for n in refs}
    cmd = [binary, "run", base + ".onnx", "--repeat", "1", "--warmup", "0", "--input", f"image={base}.input.npy",
           "--json"] + [a for n, f in outs.items() for a in ("--output", f"{n}={f}")]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        return {"error": run.stderr.strip()}
    report = {"latency_ms": json.loads(run.stdout)["latency_ms"]["median"]}
    for n, ref_path in refs.items():
        ref, got = np.load(ref_path), np.load(outs[n])
        magnitude = float(np.abs(ref).max())
        atol = 1e-4 * max(magnitude, 1.0)
        diff = np.abs(got.astype(np.float64) - ref)
        ok = bool(np.all(diff <= atol + 1e-3 * np.abs(ref)))
        report[n] = {"shape": list(ref.shape), "max_abs": float(diff.max()),
                     "max_rel": float((diff / np.maximum(np.abs(ref), 1e-6)).max()), "magnitude": magnitude,
                     "atol": atol, "within": ok}
    return report


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="/tmp/tensortune-detection-onnx")
    p.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "..", "build", "tensortune"))
    p.add_argument("--models", default="yolov2,retinanet_resnet50_fpn")
    p.add_argument("--opsets", default="11,13")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    results = {}
    for name in args.models.split(","):
        for opset in [int(o) for o in args.opsets.split(",")]:
            if name not in DETECTION_MODELS:
                sys.exit(f"unknown model {name} (known: {', '.join(DETECTION_MODELS)})")
            build, size, names = DETECTION_MODELS[name]
            model = build()
            print(f"exporting {name} at opset {opset}", file=sys.stderr)
            base, refs = export(name, model, size, opset, args.out, names)
            results[f"{name} opset {opset}"] = check(args.binary, base, refs)
            print(json.dumps({f"{name} opset {opset}": results[f"{name} opset {opset}"]}, indent=1), file=sys.stderr)
    print(json.dumps(results, indent=2))
    return 0 if all("error" not in r and all(v.get("within", True) for v in r.values() if isinstance(v, dict))
                    for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
