"""What the Python benchmark scripts share: where the binaries are, the machine's description for a
report header (date, CPU, LLVM host target, load, the measured FMA peak), the thread environment a
peer process starts with, running a child for its JSON, and medians.

Progress goes to stderr; the scripts print Markdown on stdout.
"""
import datetime
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BINARY = os.path.join(ROOT, "build", "tensortune")
BENCH_BUILD = os.path.join(ROOT, "build-bench")
# Debian's interpreter, the one with python3-torch (DEPS.md: the python3 first on PATH may not be).
TORCH_PYTHON = "/usr/bin/python3"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "GOTO_NUM_THREADS")


def progress(text):
    print(text, file=sys.stderr, flush=True)


def median(values):
    return statistics.median(values) if values else float("nan")


def thread_env(threads):
    """The environment of a child measured at `threads`: every pool's variable set before it starts
    (Debian's torch does its BLAS in OpenBLAS, whose pool torch.set_num_threads does not size)."""
    env = dict(os.environ)
    for key in THREAD_VARIABLES:
        env[key] = str(threads)
    return env


def run_json(command, env=None, what=None):
    """Runs `command`, returns its stdout parsed as JSON (the last line that parses, or the whole
    text). Raises RuntimeError with the tail of its stderr when it fails."""
    out = subprocess.run(command, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        tail = "\n".join(out.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"{what or command[0]} failed (exit {out.returncode}): {tail}")
    try:
        return json.loads(out.stdout)
    except json.JSONDecodeError:
        for line in reversed(out.stdout.strip().splitlines()):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    raise RuntimeError(f"{what or command[0]} printed no JSON")


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


# OpenBLAS's x86-64 kernel sets with AVX2 FMA or wider (bench/kernel_peers.cpp keeps the same list).
OPENBLAS_FMA_CORES = {"haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"}


def openblas_weakness(core):
    """Empty, or why the OpenBLAS kernel set `core` is a weakened peer on this CPU (Debian's 0.3.21
    has picked its SSE3 Prescott kernels on Sapphire Rapids)."""
    flags = cpu_flags()
    if "avx2" not in flags or core.lower() in OPENBLAS_FMA_CORES or core == "not loaded":
        return ""
    wide = "avx512f" in flags
    return (f"OpenBLAS picked its {core} kernels on a CPU with {'AVX-512' if wide else 'AVX2'}: a weakened peer; "
            f"re-run with OPENBLAS_CORETYPE={'SkylakeX' if wide else 'Haswell'}")


def load_average():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def llvm_host(binary):
    """The target string tensortune compiles for on this machine."""
    try:
        return run_json([binary, "op", "relu", "--shape", "8", "--json", "--repeat", "1"], what="tensortune op")["target"]
    except (RuntimeError, OSError, KeyError) as e:
        return f"unknown ({e})"


def fma_peak_binary():
    """build-bench/bench/fma_peak, built (and configured) on first use."""
    path = os.path.join(BENCH_BUILD, "bench", "fma_peak")
    if not os.path.exists(path):
        progress("building fma_peak in build-bench/ ...")
        configure = ["cmake", "-S", ROOT, "-B", BENCH_BUILD, "-DCMAKE_BUILD_TYPE=Release", "-DTT_BUILD_BENCH=ON"]
        if not os.path.exists(os.path.join(BENCH_BUILD, "CMakeCache.txt")):
            configure += ["-G", "Ninja"]
        subprocess.run(configure, check=True, stdout=sys.stderr)
        subprocess.run(["cmake", "--build", BENCH_BUILD, "--target", "fma_peak", "-j", os.environ.get("TT_BENCH_JOBS", "2")],
                       check=True, stdout=sys.stderr)
    return path


def fma_peaks(thread_counts, rounds=3):
    """{threads: GFLOP/s}: the host's fp32 FMA peak, the highest of `rounds` fresh processes (load
    only slows the loop, so the highest is the best estimate of the capability), plus the ISA."""
    try:
        binary = fma_peak_binary()
    except (subprocess.CalledProcessError, OSError) as e:
        progress(f"no FMA peak: {e}")
        return {}, "unknown"
    peaks, isa = {}, "unknown"
    for _ in range(rounds):
        for entry in run_json([binary, "--json", "--threads", ",".join(map(str, thread_counts))], what="fma_peak"):
            peaks[entry["threads"]] = max(peaks.get(entry["threads"], 0.0), entry["gflops"])
            isa = f'{entry["isa"]}, {entry["accumulators"]} independent chains'
    return peaks, isa


def header_lines(binary, thread_counts, peaks, isa):
    lines = [
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- cpu: {cpu_model()} ({os.cpu_count()} hardware threads)",
        f"- LLVM host: {llvm_host(binary)}",
        f"- load average at start: {load_average()}",
        "- FMA peak (fp32, measured, highest of 3 processes): "
        + "; ".join(f"{t} thread{'s' if t > 1 else ''} {peaks[t]:.1f} GFLOP/s" for t in thread_counts if t in peaks)
        + f" ({isa})",
        "- environment given: " + " ".join(f"{k}={os.environ.get(k, 'unset')}" for k in
                                           ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE",
                                            "OMP_WAIT_POLICY")),
    ]
    return lines


def git_source():
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no", "--", "ir",
                                "codegen", "search", "src"], capture_output=True, text=True).stdout.strip()
        return f"commit {head}" + (f", plus uncommitted changes to {len(dirty.splitlines())} tracked files under "
                                   "ir/ codegen/ search/ src/" if dirty else "")
    except (subprocess.CalledProcessError, OSError):
        return "unknown"
