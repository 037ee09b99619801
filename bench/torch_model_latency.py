#!/usr/bin/python3
"""One PyTorch latency measurement, run by bench_models.py in a fresh process whose thread
variables (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS) were set before it started: a torchvision model
(random weights, eval, no_grad, batch 1) on PyTorch's best CPU path — torch.jit.trace, then
torch.jit.freeze, then torch.jit.optimize_for_inference (its oneDNN path) — falling back to the
frozen model, with a note, only if that fails. Prints one JSON object.

Usage: OMP_NUM_THREADS=T OPENBLAS_NUM_THREADS=T /usr/bin/python3 torch_model_latency.py MODEL T RUNS WARMUP
"""
import ctypes
import json
import sys
import time

import torch
import torchvision

from detection_models import DETECTION_MODELS


def model_gflop(model, x):
    """2 x multiply-adds of the Conv2d and Linear layers (how the peer figures count FLOPs)."""
    macs = []

    def hook(m, i, o):
        if isinstance(m, torch.nn.Conv2d):
            macs.append(o.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1])
        elif isinstance(m, torch.nn.Linear):
            macs.append(o.numel() * m.in_features)

    hooks = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    model(x)
    for h in hooks:
        h.remove()
    return 2 * sum(macs) / 1e9


def openblas_state():
    """The kernel set and thread count of the OpenBLAS this process loaded (torch's BLAS on Debian)."""
    with open("/proc/self/maps") as f:
        paths = sorted({line.split()[-1] for line in f if "libopenblas" in line and line.split()[-1].startswith("/")})
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib.openblas_get_corename().decode(), lib.openblas_get_num_threads(), path
        except (OSError, AttributeError):
            continue
    return "not loaded", 0, ""


def main():
    name, threads, runs, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    if name in DETECTION_MODELS:  # the zoo's detection models, up to their raw outputs
        build, size, _ = DETECTION_MODELS[name]
        model = build().eval()
    else:
        model, size = getattr(torchvision.models, name)(weights=None).eval(), 299 if name == "inception_v3" else 224
    x = torch.rand(1, 3, size, size)
    with torch.no_grad():
        gflop = model_gflop(model, x)
        reference = model(x)
        frozen = torch.jit.freeze(torch.jit.trace(model, x))
        mode, note = "trace+freeze", ""
        try:
            frozen = torch.jit.optimize_for_inference(frozen)
            mode = "trace+freeze+optimize_for_inference"
        except Exception as e:  # the fallback the report must show
            note = "optimize_for_inference failed: " + str(e).splitlines()[0][:200]
        got = frozen(x)
        pairs = zip(got, reference) if isinstance(reference, tuple) else [(got, reference)]
        error = max(float((g - r).abs().max() / r.abs().max()) for g, r in pairs)
        for _ in range(warmup):
            frozen(x)
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            frozen(x)
            samples.append((time.perf_counter() - start) * 1e3)
    samples_sorted = sorted(samples)
    n = len(samples_sorted)
    median = samples_sorted[n // 2] if n % 2 else 0.5 * (samples_sorted[n // 2 - 1] + samples_sorted[n // 2])
    core, blas_threads, blas_path = openblas_state()
    print(json.dumps(dict(model=name, threads=threads, torch_threads=torch.get_num_threads(), mode=mode, note=note,
                          median_ms=median, runs_ms=[round(v, 4) for v in samples], gflop=gflop,
                          max_rel_error_vs_eager=error, torch=torch.__version__,
                          mkldnn=torch.backends.mkldnn.is_available(), openblas_core=core,
                          openblas_threads=blas_threads, openblas_path=blas_path)))


if __name__ == "__main__":
    main()
