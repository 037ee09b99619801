#!/usr/bin/python3
"""End-to-end model latency: tensortune against PyTorch on its best CPU path, batch 1.

For each model and thread count, in alternating rounds (each side once per round, the order rotated
from round to round), each measurement in its own fresh process with OMP_NUM_THREADS and
OPENBLAS_NUM_THREADS set to the thread count before it starts:
  - `tensortune run MODEL --threads T --json` (default schedules), and with `--log FILE` also
    `tensortune run MODEL --log FILE` (the tuned records applied);
  - PyTorch: the same torchvision architecture (random weights; latency does not depend on them)
    traced, frozen and passed through torch.jit.optimize_for_inference (bench/torch_model_latency.py;
    a fallback to the frozen model is printed as a note).
Prints Markdown: the median latency of each side over rounds, and the median (lowest-highest) of
the per-round ratios PyTorch / tensortune (above 1: tensortune is faster). Progress goes to stderr.

Usage: /usr/bin/python3 bench/bench_models.py [--rounds 5] [--repeat 30] [--warmup 5]
           [--models resnet18,mobilenet_v2] [--threads 1,2] [--log FILE | --log MODEL=FILE ...]
           [--binary build/tensortune] [--quick]
Needs Debian's python3-torch and python3-torchvision (use /usr/bin/python3, not another python).
"""
import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as common  # noqa: E402

TORCH_CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_model_latency.py")


def time_tensortune(binary, model, threads, repeat, warmup, log):
    command = [binary, "run", model, "--threads", str(threads), "--repeat", str(repeat), "--warmup", str(warmup),
               "--json"]
    if log:
        command += ["--log", log]
    out = common.run_json(command, env=common.thread_env(threads), what="tensortune run" + (" --log" if log else ""))
    return {"median_ms": out["latency_ms"]["median"], "threads_used": out.get("threads"), "raw": out}


def time_torch(model, threads, repeat, warmup, policy=None):
    env = common.thread_env(threads)
    if policy:
        env["OMP_WAIT_POLICY"] = policy
    out = common.run_json([common.TORCH_PYTHON, TORCH_CHILD, model, str(threads), str(repeat), str(warmup)],
                          env=env, what="PyTorch")
    out["wait_policy"] = policy or os.environ.get("OMP_WAIT_POLICY", "default")
    # Both of torch's pools: its intra-op (OpenMP) threads and the OpenBLAS it calls for BLAS.
    return {"median_ms": out["median_ms"], "threads_used": (out["torch_threads"], out["openblas_threads"]), "raw": out}


def log_for(args, model):
    """The log given for `model`: MODEL=FILE entries first, else a plain FILE for every model."""
    plain = None
    for entry in args.log or []:
        if "=" in entry:
            name, path = entry.split("=", 1)
            if name == model:
                return path
        else:
            plain = entry
    return plain


def ms_text(ms):
    return "–" if ms != ms else f"{ms:.2f}"


def ratio_text(ratios):
    if not ratios:
        return "–"
    return f"{common.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds; each side measured once per round")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per measurement (their median is one sample)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs first")
    parser.add_argument("--models", default="resnet18,mobilenet_v2")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--log", action="append",
                        help="tuning log: FILE for every model, or MODEL=FILE (repeatable); adds a tuned column")
    parser.add_argument("--binary", default=common.DEFAULT_BINARY, help="the tensortune binary")
    parser.add_argument("--quick", action="store_true", help="smoke test: 2 rounds of 3 runs")
    parser.add_argument("--one-policy", action="store_true",
                        help="PyTorch above 1 thread only with the given OMP_WAIT_POLICY (default: measured with "
                             "libgomp's default and with passive in each round, the faster kept)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of Markdown")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.repeat, args.warmup = 2, 3, 1
    thread_counts = [int(t) for t in args.threads.split(",") if t]
    both_policies = not args.one_policy and "OMP_WAIT_POLICY" not in os.environ
    models = [m for m in args.models.split(",") if m]
    if not os.path.exists(args.binary):
        sys.exit(f"bench_models: no tensortune binary at {args.binary} (build it: cmake --build build --target tensortune)")

    peaks, isa = common.fma_peaks(thread_counts)
    header = common.header_lines(args.binary, thread_counts, peaks, isa)
    header.append(f"- protocol: {args.rounds} rounds per model and thread count; in each round every side measured "
                  f"once, each in its own fresh process, the order rotated each round; one measurement = {args.warmup} "
                  f"warm-up runs then the median of {args.repeat} timed runs; reported: the median over rounds, and "
                  "the median (lowest–highest) of the per-round ratios PyTorch / tensortune")
    header.append("- threads: OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = MKL_NUM_THREADS = T set before each process "
                  "starts; PyTorch also torch.set_num_threads(T), tensortune --threads T")
    header.append("- PyTorch's OpenMP wait policy: " + (
        "above 1 thread measured with libgomp's default and with OMP_WAIT_POLICY=passive in every round, the "
        "faster kept (the thread-control lines say how often passive was faster)" if both_policies else
        f"as given (OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')})"))
    if not args.json:
        print("## End to end: tensortune against PyTorch (batch 1)\n")
        print("\n".join(header), flush=True)

    rows = []
    torch_info = None
    errors = []
    for model in models:
        log = log_for(args, model)
        sides = [("tensortune", None)] + ([("tuned", log)] if log else []) + [("PyTorch", None)]
        for threads in thread_counts:
            rounds = {name: [] for name, _ in sides}
            for r in range(args.rounds):
                order = sides[r % len(sides):] + sides[:r % len(sides)]
                done = []
                for name, side_log in order:
                    try:
                        if name == "PyTorch" and both_policies and threads > 1:
                            # Its libgomp threads spin-wait by default, which a loaded machine
                            # punishes: measured under both policies, the faster kept (its best).
                            policies = [None, "passive"] if r % 2 == 0 else ["passive", None]
                            tries = [time_torch(model, threads, args.repeat, args.warmup, p) for p in policies]
                            result = min(tries, key=lambda x: x["median_ms"])
                            torch_info = torch_info or result["raw"]
                        elif name == "PyTorch":
                            result = time_torch(model, threads, args.repeat, args.warmup)
                            torch_info = torch_info or result["raw"]
                            if result["raw"]["note"]:
                                common.progress(f"PyTorch {model}: {result['raw']['note']}")
                        else:
                            result = time_tensortune(args.binary, model, threads, args.repeat, args.warmup, side_log)
                        rounds[name].append(result)
                        done.append(f"{name} {result['median_ms']:.2f} ms")
                    except (RuntimeError, OSError, KeyError) as e:
                        rounds[name].append(None)
                        errors.append(f"{model} at {threads} thread(s), {name}: {e}")
                        done.append(f"{name} failed")
                        common.progress(str(e))
                common.progress(f"[{model}, {threads} thread{'s' if threads > 1 else ''}] round {r + 1}: "
                                + ", ".join(done))
            row = {"model": model, "threads": threads, "log": log, "sides": {}}
            for name, _ in sides:
                ms = [x["median_ms"] for x in rounds[name] if x]
                row["sides"][name] = {"median_ms": common.median(ms), "rounds_ms": ms,
                                      "threads_used": sorted({x["threads_used"] for x in rounds[name] if x}),
                                      "wait_policies": [x["raw"].get("wait_policy") for x in rounds[name]
                                                        if x and name == "PyTorch"]}
            torch_rounds = rounds["PyTorch"]
            for name in [n for n, _ in sides if n != "PyTorch"]:
                row["sides"][name]["ratios"] = [t["median_ms"] / o["median_ms"] for t, o in zip(torch_rounds, rounds[name])
                                                if t and o]
            first_torch = next((x for x in torch_rounds if x), None)
            row["gflop"] = first_torch["raw"]["gflop"] if first_torch else None
            row["torch_mode"] = first_torch["raw"]["mode"] if first_torch else None
            rows.append(row)
            common.progress(f"[{model}, {threads}] done")

    if args.json:
        print(json.dumps({"header": header, "pytorch": torch_info, "rows": rows, "errors": errors,
                          "load_average_end": common.load_average(), "source": common.git_source()}, indent=2))
        return 1 if errors else 0

    if torch_info:
        print(f"- PyTorch: {torch_info['torch']}, {torch_info['mode']}"
              f"{' (' + torch_info['note'] + ')' if torch_info['note'] else ''}, mkldnn "
              f"{'available' if torch_info['mkldnn'] else 'NOT available'}, its OpenBLAS core "
              f"{torch_info['openblas_core']} ({torch_info['openblas_threads']} thread(s) in the {torch_info['threads']}-thread "
              f"process), output vs eager max rel. error {torch_info['max_rel_error_vs_eager']:.1e}")
        weakness = common.openblas_weakness(torch_info["openblas_core"])
        if weakness:
            print(f"- **WARNING**: inside PyTorch, {weakness}")
    tuned_any = any("tuned" in row["sides"] for row in rows)
    print()
    columns = ["model", "threads", "tensortune ms (default schedules)"]
    if tuned_any:
        columns.append("tensortune ms (tuned log)")
    columns += ["PyTorch ms", "PyTorch / tensortune"]
    if tuned_any:
        columns.append("PyTorch / tuned")
    columns.append("best tensortune GFLOP/s (% FMA peak)")
    print("| " + " | ".join(columns) + " |")
    print("|---|" + "--:|" * (len(columns) - 1))
    for row in rows:
        s = row["sides"]
        cells = [row["model"], str(row["threads"]), ms_text(s["tensortune"]["median_ms"])]
        if tuned_any:
            cells.append(ms_text(s["tuned"]["median_ms"]) if "tuned" in s else "–")
        cells += [ms_text(s["PyTorch"]["median_ms"]), ratio_text(s["tensortune"]["ratios"])]
        if tuned_any:
            cells.append(ratio_text(s["tuned"]["ratios"]) if "tuned" in s else "–")
        best_ms = min([v["median_ms"] for k, v in s.items() if k != "PyTorch" and v["median_ms"] == v["median_ms"]],
                      default=float("nan"))
        peak = peaks.get(row["threads"])
        if row["gflop"] and best_ms == best_ms:
            g = row["gflop"] / best_ms * 1e3
            cells.append(f"{g:.1f}" + (f" ({100 * g / peak:.0f}%)" if peak else ""))
        else:
            cells.append("–")
        print("| " + " | ".join(cells) + " |")
    print("\nCells: medians over rounds; ratios: median (lowest–highest) over rounds of PyTorch's latency / "
          "tensortune's in the same round (above 1: tensortune is faster). GFLOP counts 2 x multiply-adds of the "
          "convolutions and linear layers (from PyTorch's modules).")
    print("\nThread control (what each side reported using, over all rounds):\n")
    for row in rows:
        t = row["threads"]
        parts = []
        for name, side in row["sides"].items():
            used = side["threads_used"]
            if name == "PyTorch":
                shown = ", ".join(f"torch {a} / its OpenBLAS {b}" for a, b in used)
                ok = all(a == t and b == t for a, b in used)
                passive = side["wait_policies"].count("passive")
                if passive:
                    shown += f" (OMP_WAIT_POLICY=passive faster in {passive}/{len(side['wait_policies'])} rounds)"
            else:
                shown = ", ".join(str(u) for u in used)
                ok = all(u == t for u in used)
            parts.append(f"{name} {shown or '–'}" + ("" if ok else " <-- SUSPECT: not the thread count asked for"))
        print(f"- {row['model']} at {t} thread(s): " + "; ".join(parts))
    for row in rows:
        if row["log"]:
            print(f"- {row['model']}: tuned with log {row['log']}")
    for e in sorted(set(errors)):
        count = errors.count(e)
        print(f"- **error**{f' ({count} rounds)' if count > 1 else ''}: {e}")
    print(f"\nLoad average at the end: {common.load_average()}. Source: {common.git_source()}.")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
