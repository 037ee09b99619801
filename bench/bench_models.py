#!/usr/bin/python3
"""End-to-end model latency: tensortune (default schedules, no tuning) against PyTorch.

For each model and thread count, runs `tensortune run <model> --json` and a frozen TorchScript
model of the same torchvision architecture (random weights; latency does not depend on them), each
in its own process so thread counts are set before the libraries start their pools. Prints a
Markdown table of median latencies and the ratio PyTorch / tensortune (above 1: tensortune faster).

Usage: /usr/bin/python3 bench/bench_models.py [--repeat N] [--models resnet18,mobilenet_v2]
Needs Debian's python3-torch and python3-torchvision (use /usr/bin/python3, not another python).
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "build", "tensortune")

TORCH_TIMER = r"""
import statistics, sys, time, torch, torchvision
name, threads, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
model = getattr(torchvision.models, name)(weights=None).eval()
x = torch.rand(1, 3, 224, 224)
with torch.no_grad():
    frozen = torch.jit.freeze(torch.jit.trace(model, x))
    for _ in range(5):
        frozen(x)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        frozen(x)
        samples.append(time.perf_counter() - start)
print(statistics.median(samples) * 1e3)
"""


def thread_env(threads):
    env = dict(os.environ)
    for key in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[key] = str(threads)
    return env


def time_torch(model, threads, repeat):
    out = subprocess.run([sys.executable, "-c", TORCH_TIMER, model, str(threads), str(repeat)],
                         env=thread_env(threads), check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def time_tensortune(model, threads, repeat):
    out = subprocess.run([BINARY, "run", model, "--threads", str(threads), "--repeat", str(repeat),
                          "--warmup", "5", "--json"], env=thread_env(threads), check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)["latency_ms"]["median"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--models", default="resnet18,mobilenet_v2")
    args = parser.parse_args()
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    target = json.loads(subprocess.run([BINARY, "op", "relu", "--shape", "8", "--json", "--repeat", "1"],
                                       capture_output=True, text=True).stdout)["target"]
    print(f"Date {datetime.date.today()}, CPU {cpu} ({target}), {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}; medians of {args.repeat} runs, batch 1.\n")
    print("| model | threads | tensortune ms | PyTorch ms | PyTorch / tensortune |")
    print("|---|--:|--:|--:|--:|")
    for model in args.models.split(","):
        for threads in (1, 2):
            ours = time_tensortune(model, threads, args.repeat)
            theirs = time_torch(model, threads, args.repeat)
            print(f"| {model} | {threads} | {ours:.2f} | {theirs:.2f} | {theirs / ours:.2f} |", flush=True)


if __name__ == "__main__":
    main()
