#!/usr/bin/python3
"""Tuning benchmarks: what search buys, against the peers, and what it costs.

Steps (each one command of the tensortune CLI, results printed as Markdown; progress on stderr):
  matmul      `tune op matmul --m 1024 --n 1024 --k 1024 --trials 1000 --threads 1 --cost-model xgb`;
              its best against OpenBLAS and oneDNN at 1 thread (bench_kernels, rounds of separate
              processes) and the measured FMA peak.
  convs       `tune resnet18 --trials N --threads 1` with N = per-task budget x tasks; each conv2d
              task's best (tasks[i] of --json) against oneDNN on the same shape (bench_kernels);
              geometric mean of oneDNN time / tuned time.
  e2e         `tune resnet18|mobilenet_v2 --trials 2000 --threads T` for T in 1, 2, then
              bench_models.py --log (tuned and untuned tensortune against PyTorch's best path).
  efficiency  the matmul tuned again with `--cost-model random` (same sketches, same budget and
              seed): from the logs (`compare --log L --json`, or --csv, or the log's records) the
              trials each needed to come within 10% of its final best, and of the xgb run's best;
              plus the cost model's pairwise accuracy (tune --json: cost_model.pairwise_accuracy).
  Every tune run also gives wall time per measured trial split into search / build / run / model
  update / log (tune --json: seconds, measured_this_run).

- strategies: the template-free search and the four template tuners (tune --strategy ansor |
  autotvm --tuner xgb|ga|random|grid) on matmul and the ResNet-18 tasks with the same budgets:
  best GFLOP/s after each budget, tuning time, the peers, the trials xgb needs to reach GA's
  final best, and one SVG per workload (bench/strategies-WORKLOAD.svg, from tensortune compare).

Usage: /usr/bin/python3 bench/bench_tuning.py [--quick] [--steps matmul,convs,e2e,efficiency,strategies]
           [--matmul-trials 1000] [--conv-trials-per-task 500] [--model-trials 2000] [--seed 1]
           [--rounds 5] [--threads 1,2] [--models resnet18,mobilenet_v2] [--log-prefix tuning_logs/bench-DATE]
           [--binary build/tensortune] [--json]
Logs are kept (tuning_logs/ is ignored by git); rerunning with the same --log-prefix resumes them.
"""
import argparse
import csv
import datetime
import io
import json
import math
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as common  # noqa: E402

BENCH_MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_models.py")
# "Within 10% of the final best": the usual measure of how fast a search converges.
CONVERGENCE_MARGIN = 1.10
PHASES = ("search", "build", "run", "model_update", "log")


# ---- running the tools ----

def run_live(command, what, env=None):
    """Runs a long command with its stderr (progress) passed through; returns stdout as JSON."""
    common.progress("$ " + " ".join(command))
    out = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {out.returncode})")
    try:
        return json.loads(out.stdout)
    except json.JSONDecodeError as e:
        raise RuntimeError(f"{what} printed no JSON ({e})")


def has_subcommand(binary, name):
    """Whether `binary --help` lists the subcommand (CLI11 prints the main help, exit 0, for an
    unknown one followed by --help, so its exit status says nothing)."""
    out = subprocess.run([binary, "--help"], capture_output=True, text=True)
    return any(line.split()[:1] == [name] for line in out.stdout.splitlines())


def bench_kernels_binary():
    path = os.path.join(common.BENCH_BUILD, "bench", "bench_kernels")
    if not os.path.exists(path):
        common.fma_peak_binary()  # configures build-bench
        subprocess.run(["cmake", "--build", common.BENCH_BUILD, "--target", "bench_kernels", "-j",
                        os.environ.get("TT_BENCH_JOBS", "2")], check=True, stdout=sys.stderr)
    return path


def peer_kernels(args, workloads):
    """bench_kernels at 1 thread on `workloads`: {workload id: result} (medians over rounds)."""
    command = [bench_kernels_binary(), "--threads", "1", "--json", "--rounds", str(args.rounds),
               "--workloads", ",".join(workloads)]
    if args.quick:
        command += ["--repeat", "1", "--min-repeat-ms", "20"]
    common.progress("$ " + " ".join(command))
    out = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    # Exit 1 means a wrong or failed measurement: the JSON still says which; keep the rest.
    data = json.loads(out.stdout)
    return {r["workload"]: r for r in data["results"]}, data


def op_accepts_log(binary):
    out = subprocess.run([binary, "op", "matmul", "--help"], capture_output=True, text=True)
    return "--log" in out.stdout


def matmul_rounds(args, log):
    """The tuned matmul (`op matmul --log L`: the log's best record replayed and timed by the op
    command) alternating with bench_kernels' tensortune default schedule, OpenBLAS and oneDNN, each
    in its own process at 1 thread, the order rotated each round: {side: [GFLOP/s per round]}."""
    size = str(args.matmul_size)
    kernels = bench_kernels_binary()
    timing = ["--repeat", "1", "--min-repeat-ms", "20"] if args.quick else []
    sides = ["tuned", "tensortune", "openblas", "onednn"]
    rounds = {side: [] for side in sides}
    env = common.thread_env(1)
    for r in range(args.rounds):
        for side in sides[r % len(sides):] + sides[:r % len(sides)]:
            try:
                if side == "tuned":
                    out = common.run_json([args.binary, "op", "matmul", "--m", size, "--n", size, "--k", size,
                                           "--threads", "1", "--log", log, "--json"] +
                                          (["--repeat", "3"] if args.quick else []), env=env, what="op matmul --log")
                    rounds[side].append(2 * args.matmul_size ** 3 / out["latency_ms"]["median"] * 1e-6)
                else:
                    out = common.run_json([kernels, "--only", side, "--threads", "1", "--workloads", "matmul"] + timing,
                                          env=env, what=f"bench_kernels --only {side}")
                    m = out["runs"][0]["measurement"]
                    rounds[side].append(m["gflops"] if m else None)
            except (RuntimeError, KeyError, TypeError) as e:
                common.progress(f"matmul round {r + 1}, {side}: {e}")
                rounds[side].append(None)
        common.progress(f"[matmul] round {r + 1}: " + ", ".join(
            f"{side} {fmt(rounds[side][-1], '.1f')}" for side in sides))
    return rounds


def impl_gflops(result, impl):
    entry = result.get("implementations", {}).get(impl) if result else None
    return entry.get("median_gflops") if entry else None


# ---- what tune --json reports ----

def tasks_of(tune_json):
    tasks = tune_json.get("tasks")
    if isinstance(tasks, list):
        return tasks
    # A single-operator tune may report one task at the top level.
    return [tune_json] if "best_latency_ms" in tune_json else []


def spec_gaps(name, tune_json):
    """The fields of the tune --json spec this output lacks, as one line (empty when none): the
    report shows '–' for them, and this says why."""
    missing = []
    tasks = tasks_of(tune_json)
    if not tasks:
        missing.append("tasks")
    for key in ("best_latency_ms", "description", "flops", "trials"):
        if tasks and any(key not in t for t in tasks):
            missing.append(f"tasks[].{key}")
    if pairwise_accuracy(tune_json) is None:
        missing.append("cost_model.pairwise_accuracy")
    seconds = tune_json.get("seconds")
    if not isinstance(seconds, dict):
        missing.append("seconds")
    else:
        missing += [f"seconds.{p}" for p in PHASES if p not in seconds]
    if "measured_this_run" not in tune_json:
        missing.append("measured_this_run")
    return f"{name}: tune --json lacks {', '.join(missing)}" if missing else ""


def phase_times(name, tune_json):
    gaps = spec_gaps(name, tune_json)
    if gaps:
        common.progress("warning: " + gaps)
    seconds = tune_json.get("seconds") or {}
    measured = tune_json.get("measured_this_run")
    return {"run": name, "measured": measured, "seconds": {p: seconds.get(p) for p in PHASES}, "spec_gaps": gaps,
            "total_s": sum(v for v in seconds.values() if isinstance(v, (int, float)))}


def pairwise_accuracy(tune_json):
    model = tune_json.get("cost_model")
    return model.get("pairwise_accuracy") if isinstance(model, dict) else None


# ---- convergence curves ----

def curve_from_points(points):
    """[(trials, best latency ms so far)] sorted by trials, made monotone (a best never worsens)."""
    curve, best = [], math.inf
    for trials, latency in sorted(points):
        if latency is None or not math.isfinite(latency) or latency <= 0:
            continue
        best = min(best, latency)
        curve.append((trials, best))
    return curve


def curve_from_compare_json(data):
    if isinstance(data, dict) and isinstance(data.get("logs"), list) and data["logs"]:
        return curve_from_compare_json(data["logs"][0])
    if isinstance(data, dict):
        for key in ("curve", "end_to_end", "points", "history"):
            if isinstance(data.get(key), list):
                return curve_from_compare_json(data[key])
        return None
    if isinstance(data, list) and data and isinstance(data[0], dict) and "trials" in data[0]:
        key = "latency_ms" if "latency_ms" in data[0] else next((k for k in data[0] if "latency" in k), None)
        if key:
            return curve_from_points([(int(p["trials"]), p[key]) for p in data])
    return None


def curve_from_csv(text):
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        return None
    trial_key = next((k for k in rows[0] if k and "trial" in k.lower()), None)
    latency_key = next((k for k in rows[0] if k and "latency" in k.lower()), None)
    if not trial_key or not latency_key:
        return None
    points = []
    for row in rows:
        try:
            points.append((int(float(row[trial_key])), float(row[latency_key])))
        except (TypeError, ValueError):
            continue
    return curve_from_points(points)


def curve_from_records(binary, log):
    """The best-so-far curve from the log's own records (`log export`), one point per trial."""
    out = subprocess.run([binary, "log", "export", log], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    points = []
    for line in out.stdout.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        error = str(record.get("error", "None"))
        costs = record.get("costs_s") or record.get("costs")
        trial = record.get("trial")
        if error.lower() not in ("none", "0", "") or not costs or trial is None or record.get("cut_short"):
            continue
        points.append((int(trial) + 1, 1e3 * sorted(costs)[len(costs) // 2]))
    return curve_from_points(points) or None


def convergence_curve(binary, log):
    """(curve, source): from `compare --json`, then `compare --csv`, then the records."""
    out = subprocess.run([binary, "compare", "--log", log, "--json"], capture_output=True, text=True)
    if out.returncode == 0:
        try:
            curve = curve_from_compare_json(json.loads(out.stdout))
            if curve:
                return curve, "compare --json"
        except json.JSONDecodeError:
            pass
    out = subprocess.run([binary, "compare", "--log", log, "--csv"], capture_output=True, text=True)
    if out.returncode == 0:
        curve = curve_from_csv(out.stdout)
        if curve:
            return curve, "compare --csv"
    curve = curve_from_records(binary, log)
    return (curve, "log export") if curve else (None, "none")


def trials_to_reach(curve, target_ms):
    for trials, best in curve:
        if best <= target_ms:
            return trials
    return None


# ---- formatting ----

def fmt(value, spec=".2f", empty="–"):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return empty
    return format(value, spec)


def geomean(values):
    values = [v for v in values if v and v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def parse_conv(description):
    """(C, H, K, R, stride, pad) of a task description such as
    'conv2d+relu 1x64x56x56 <- 1x64x56x56, 64x64x3x3, 64': output, then input and weight shapes.
    Padding as ResNet-18 has it (R // 2); the stride from the map sizes."""
    head, _, rest = description.partition(" ")
    if "conv2d" not in head or "<-" not in rest:
        return None
    output, _, inputs = rest.partition("<-")
    shapes = [s.strip() for s in inputs.split(",")]
    try:
        n, k, oh, ow = (int(x) for x in output.strip().split("x"))
        _, c, h, w = (int(x) for x in shapes[0].split("x"))
        k2, c2, r, s = (int(x) for x in shapes[1].split("x"))
    except (ValueError, IndexError):
        return None
    if k2 != k or c2 != c or h != w or r != s or oh == 0:
        return None
    return c, h, k, r, h // oh, r // 2


# The bench_kernels workload of each ResNet-18 convolution shape (bench/kernel_peers.cpp).
KERNEL_CONVS = {
    (3, 224, 64, 7, 2, 3): "conv1", (64, 56, 64, 3, 1, 1): "conv2", (64, 56, 128, 3, 2, 1): "conv3",
    (64, 56, 128, 1, 2, 0): "conv4", (128, 28, 128, 3, 1, 1): "conv5", (128, 28, 256, 3, 2, 1): "conv6",
    (128, 28, 256, 1, 2, 0): "conv7", (256, 14, 256, 3, 1, 1): "conv8", (256, 14, 512, 3, 2, 1): "conv9",
    (256, 14, 512, 1, 2, 0): "conv10", (512, 7, 512, 3, 1, 1): "conv11",
}


# ---- the steps ----

def tune_matmul(args, log, cost_model):
    return run_live([args.binary, "tune", "op", "matmul", "--m", str(args.matmul_size), "--n", str(args.matmul_size),
                     "--k", str(args.matmul_size), "--trials", str(args.matmul_trials), "--log", log, "--threads", "1",
                     "--cost-model", cost_model, "--seed", str(args.seed), "--json"],
                    f"tune op matmul --cost-model {cost_model}")


def step_matmul(args, report, state):
    log = f"{args.log_prefix}-matmul-xgb.db"
    tuned = tune_matmul(args, log, "xgb")
    state["matmul_xgb"] = (tuned, log)
    report["phases"].append(phase_times("matmul (xgb)", tuned))
    tasks = tasks_of(tuned)
    best_ms = tasks[0].get("best_latency_ms") if tasks else None
    flops = (tasks[0].get("flops") if tasks else None) or 2 * args.matmul_size ** 3
    while_tuning = flops / best_ms * 1e-6 if best_ms else None
    peak = state["peaks"].get(1)
    lines = [f"\n### matmul {args.matmul_size}³, 1 thread, {args.matmul_trials} trials (log {log})\n"]
    data = {"tune": tuned, "best_while_tuning_gflops": while_tuning}
    if args.matmul_size == 1024 and op_accepts_log(args.binary):
        # The honest comparison: the tuned kernel re-timed in the same alternating rounds as the peers.
        rounds = matmul_rounds(args, log)
        med = {side: common.median([g for g in v if g]) for side, v in rounds.items()}
        ratios = []
        for r in range(args.rounds):
            peers = [rounds[p][r] for p in ("openblas", "onednn") if rounds[p][r]]
            if rounds["tuned"][r] and peers:
                ratios.append(rounds["tuned"][r] / max(peers))
        lines += ["| | GFLOP/s, median of rounds | % FMA peak | ms |", "|---|--:|--:|--:|"]
        for name, g in (("tensortune tuned (op --log, re-timed)", med["tuned"]),
                        ("tensortune default schedule", med["tensortune"]), ("OpenBLAS", med["openblas"]),
                        ("oneDNN", med["onednn"]), ("(best measured while tuning)", while_tuning)):
            g = g if g == g else None
            lines.append(f"| {name} | {fmt(g, '.1f')} | {fmt(100 * g / peak if g and peak else None, '.0f')} | "
                         f"{fmt(flops / g * 1e-6 if g else None, '.3f')} |")
        lines.append(f"\ntuned / best peer: **{fmt(common.median(ratios) if ratios else None)}** (median of "
                     f"{len(ratios)} rounds{', range ' + fmt(min(ratios)) + '–' + fmt(max(ratios)) if ratios else ''}; "
                     "each side in its own process, order rotated); cost model pairwise accuracy "
                     f"{fmt(pairwise_accuracy(tuned), '.3f')}.")
        data.update(rounds=rounds, ratios=ratios)
    else:
        peers, kernels = peer_kernels(args, ["matmul"]) if args.matmul_size == 1024 else ({}, None)
        result = peers.get("matmul")
        blas, dnnl, default = (impl_gflops(result, i) for i in ("openblas", "onednn", "tensortune"))
        best_peer = max([g for g in (blas, dnnl) if g], default=None)
        lines += ["| | GFLOP/s | % FMA peak | ms |", "|---|--:|--:|--:|"]
        for name, g in (("tensortune tuned (best measured while tuning)", while_tuning),
                        ("tensortune default schedule (bench_kernels)", default), ("OpenBLAS", blas),
                        ("oneDNN", dnnl)):
            lines.append(f"| {name} | {fmt(g, '.1f')} | {fmt(100 * g / peak if g and peak else None, '.0f')} | "
                         f"{fmt(flops / g * 1e-6 if g else None, '.3f')} |")
        lines.append(f"\ntuned / best peer: **{fmt(while_tuning / best_peer if while_tuning and best_peer else None)}**; "
                     f"cost model pairwise accuracy {fmt(pairwise_accuracy(tuned), '.3f')}. `op` takes no --log in "
                     "this build, so the tuned figure is the best the tuner measured (its own protocol; the best of "
                     "many trials leans optimistic); the peers' are medians over bench_kernels rounds of separate "
                     "processes.")
        data["peers"] = result
    report["sections"].append("\n".join(lines))
    report["data"]["matmul"] = data


def model_trials(args, model):
    inspect = common.run_json([args.binary, "inspect", model, "--json"], what="tensortune inspect")
    return len(inspect.get("tasks", []))


def profile_by_task(args, model, threads, log):
    """{task description: ms} from `run MODEL --profile --json` (per fused group, in the executor;
    groups of one task averaged), with the log's records applied when `log` is given; None when the
    command fails (e.g. no --log in this build)."""
    command = [args.binary, "run", model, "--threads", str(threads), "--profile", "--json",
               "--repeat", "3" if args.quick else "20"]
    if log:
        command += ["--log", log]
    try:
        out = common.run_json(command, env=common.thread_env(threads), what="run --profile")
    except RuntimeError as e:
        common.progress(str(e))
        return None
    times = {}
    for group in out.get("profile", []):
        times.setdefault(group["task"], []).append(group["ms"])
    return {task: sum(v) / len(v) for task, v in times.items()}


def step_convs(args, report, state):
    n_tasks = model_trials(args, "resnet18")
    trials = args.conv_trials_per_task * n_tasks
    log = f"{args.log_prefix}-resnet18-t1-convs.db"
    tuned = run_live([args.binary, "tune", "resnet18", "--trials", str(trials), "--log", log, "--threads", "1",
                      "--seed", str(args.seed), "--json"] + args.tune_flags, "tune resnet18")
    report["phases"].append(phase_times("resnet18 conv tasks", tuned))
    conv_tasks = [t for t in tasks_of(tuned) if parse_conv(t.get("description", ""))]
    in_model = profile_by_task(args, "resnet18", 1, log)
    peers, _ = peer_kernels(args, sorted(set(KERNEL_CONVS.values()), key=lambda w: int(w[4:])))
    peak = state["peaks"].get(1)
    lines = [f"\n### ResNet-18 conv2d tasks, 1 thread ({trials} trials over {n_tasks} tasks; log {log})\n",
             "| task | trials | tuned ms (best while tuning) | tuned ms (in the model, run --log --profile) | "
             "tuned GFLOP/s (% peak) | default GFLOP/s | oneDNN GFLOP/s | oneDNN / tuned time |",
             "|---|--:|--:|--:|--:|--:|--:|--:|"]
    ratios, model_ratios = [], []
    for task in conv_tasks:
        shape = parse_conv(task["description"])
        result = peers.get(KERNEL_CONVS.get(shape, ""))
        dnnl, default = impl_gflops(result, "onednn"), impl_gflops(result, "tensortune")
        best_ms = task.get("best_latency_ms")
        model_ms = in_model.get(task["description"]) if in_model else None
        conv_flops = result["flops"] if result else None
        tuned_g = conv_flops / best_ms * 1e-6 if conv_flops and best_ms else None
        ratio = tuned_g / dnnl if tuned_g and dnnl else None
        if ratio:
            ratios.append(ratio)
        if model_ms and conv_flops and dnnl:
            model_ratios.append(conv_flops / model_ms * 1e-6 / dnnl)
        lines.append(f"| {task['description']} | {task.get('trials', '–')} | {fmt(best_ms, '.3f')} | "
                     f"{fmt(model_ms, '.3f')} | "
                     f"{fmt(tuned_g, '.1f')}{' (' + fmt(100 * tuned_g / peak, '.0f') + '%)' if tuned_g and peak else ''} | "
                     f"{fmt(default, '.1f')} | {fmt(dnnl, '.1f')} | {fmt(ratio)} |")
    g, gm = geomean(ratios), geomean(model_ratios)
    lines.append(f"\nGeometric mean over {len(ratios)} conv tasks of oneDNN time / tuned time: **{fmt(g)}** with the "
                 f"best times measured while tuning, **{fmt(gm)}** with the tuned kernels re-timed inside the model "
                 "(above 1: tensortune faster). GFLOP/s count the convolution's own FLOPs (padding taps included) for "
                 "both; tensortune's tasks also do the fused bias / add / relu, oneDNN's primitive does not; oneDNN "
                 "and the default schedule are medians over bench_kernels rounds of separate processes. Cost model "
                 f"pairwise accuracy {fmt(pairwise_accuracy(tuned), '.3f')}.")
    report["sections"].append("\n".join(lines))
    report["data"]["convs"] = {"tune": tuned, "in_model_ms": in_model, "geomean_onednn_over_tuned": g,
                               "geomean_in_model": gm, "ratios": ratios, "model_ratios": model_ratios}


def step_e2e(args, report, state):
    rows, logs = [], {}
    for threads in args.threads:
        log_args = []
        for model in args.models:
            log = f"{args.log_prefix}-{model}-t{threads}.db"
            tuned = run_live([args.binary, "tune", model, "--trials", str(args.model_trials), "--log", log,
                              "--threads", str(threads), "--seed", str(args.seed), "--json"] + args.tune_flags,
                             f"tune {model}")
            report["phases"].append(phase_times(f"{model} {threads} thread(s)", tuned))
            logs[(model, threads)] = log
            log_args += ["--log", f"{model}={log}"]
        command = [common.TORCH_PYTHON, BENCH_MODELS, "--models", ",".join(args.models), "--threads", str(threads),
                   "--rounds", str(args.rounds), "--binary", args.binary, "--json"] + log_args
        if args.quick:
            command.append("--quick")
        common.progress("$ " + " ".join(command))
        out = subprocess.run(command, stdout=subprocess.PIPE, text=True)
        data = json.loads(out.stdout)
        state.setdefault("e2e_header", data["header"])
        rows += data["rows"]
        report["errors"] += data["errors"]
    lines = [f"\n### End to end after `tune <model> --trials {args.model_trials}` (tuned at the thread count it runs "
             "at), against PyTorch (trace + freeze + optimize_for_inference)\n",
             "| model | threads | untuned ms | tuned ms | PyTorch ms | PyTorch / untuned | PyTorch / tuned |",
             "|---|--:|--:|--:|--:|--:|--:|"]

    def ratio(side):
        r = side.get("ratios") or []
        return f"{common.median(r):.2f} ({min(r):.2f}–{max(r):.2f})" if r else "–"

    for row in rows:
        s = row["sides"]
        lines.append(f"| {row['model']} | {row['threads']} | {fmt(s['tensortune']['median_ms'])} | "
                     f"{fmt(s.get('tuned', {}).get('median_ms'))} | {fmt(s['PyTorch']['median_ms'])} | "
                     f"{ratio(s['tensortune'])} | {ratio(s.get('tuned', {}))} |")
    lines.append("\nMedians over rounds of separate processes (bench_models.py); ratios: median (lowest–highest) "
                 "of the per-round PyTorch / tensortune.")
    report["sections"].append("\n".join(lines))
    report["data"]["e2e"] = {"rows": rows, "logs": {f"{m}@{t}": l for (m, t), l in logs.items()}}


def step_efficiency(args, report, state):
    if "matmul_xgb" not in state:
        log = f"{args.log_prefix}-matmul-xgb.db"
        tuned = tune_matmul(args, log, "xgb")
        report["phases"].append(phase_times("matmul (xgb)", tuned))
        state["matmul_xgb"] = (tuned, log)
    xgb_json, xgb_log = state["matmul_xgb"]
    random_log = f"{args.log_prefix}-matmul-random.db"
    random_json = tune_matmul(args, random_log, "random")
    report["phases"].append(phase_times("matmul (random)", random_json))
    curves = {name: convergence_curve(args.binary, log) for name, log in (("xgb", xgb_log), ("random", random_log))}
    xgb_final = curves["xgb"][0][-1][1] if curves["xgb"][0] else None
    lines = [f"\n### Search efficiency: matmul {args.matmul_size}³, {args.matmul_trials} trials, seed {args.seed}, "
             "same sketches\n",
             "| cost model | final best ms | trials to within 10% of its own best | trials to within 10% of xgb's best "
             "| pairwise accuracy | curve from |", "|---|--:|--:|--:|--:|---|"]
    data = {}
    for name, tuned in (("xgb", xgb_json), ("random", random_json)):
        curve, source = curves[name]
        final = curve[-1][1] if curve else None
        own = trials_to_reach(curve, final * CONVERGENCE_MARGIN) if curve else None
        vs_xgb = trials_to_reach(curve, xgb_final * CONVERGENCE_MARGIN) if curve and xgb_final else None
        acc = pairwise_accuracy(tuned)
        lines.append(f"| {name} | {fmt(final, '.3f')} | {fmt(own, 'd')} | "
                     f"{fmt(vs_xgb, 'd', empty='not reached')} | {fmt(acc, '.3f')} | {source} |")
        data[name] = {"curve": curve, "final_ms": final, "trials_to_10pct_own": own, "trials_to_10pct_xgb": vs_xgb,
                      "pairwise_accuracy": acc}
    report["sections"].append("\n".join(lines))
    report["data"]["efficiency"] = data


# The strategies a user chooses between (tune --strategy / --tuner), each run on the same budget.
STRATEGIES = [("ansor", ["--strategy", "ansor"]), ("autotvm xgb", ["--strategy", "autotvm", "--tuner", "xgb"]),
              ("autotvm ga", ["--strategy", "autotvm", "--tuner", "ga"]),
              ("autotvm random", ["--strategy", "autotvm", "--tuner", "random"]),
              ("autotvm grid", ["--strategy", "autotvm", "--tuner", "grid"])]


def chosen_strategies(args):
    """STRATEGIES filtered by --strategies (names or their last word: ansor, xgb, ga, random, grid)."""
    if not args.strategies:
        return STRATEGIES
    wanted = set(args.strategies)
    return [(n, f) for n, f in STRATEGIES if n in wanted or n.split()[-1] in wanted]


def compare_logs(args, logs, svg=None):
    """`compare --json` over several logs (and the SVG of their curves)."""
    command = [args.binary, "compare", "--json", "--budgets", ",".join(str(b) for b in args.strategy_budgets)]
    if svg:
        command += ["--svg", svg]
    for log in logs:
        command += ["--log", log]
    return common.run_json(command, what="tensortune compare")


def tune_strategy(args, report, workload, name, flags, command, trials):
    log = f"{args.log_prefix}-strategies-{workload}-{name.replace(' ', '-')}.db"
    tuned = run_live([args.binary] + command + ["--trials", str(trials), "--log", log, "--threads", "1",
                                              "--seed", str(args.seed), "--json"] + flags + strategy_flags(args, flags),
                     f"{workload}: {name}")
    report["phases"].append(phase_times(f"{workload}: {name}", tuned))
    return log, tuned


def strategy_flags(args, flags):
    """--tune-flags reach the autotvm runs of the strategies step (e.g. --conv-block 0, to search the
    blocks per shape); the template-free search takes none of them."""
    return args.tune_flags if "autotvm" in flags else []


def conv_command(shape):
    """`tune op conv2d` on a KERNEL_CONVS shape (C, H, K, R, stride, pad): the peers' exact workload."""
    c, h, k, r, stride, pad = shape
    return ["tune", "op", "conv2d", "--c", str(c), "--h", str(h), "--w", str(h), "--k", str(k), "--r", str(r),
            "--s", str(r), "--stride", str(stride), "--pad", str(pad)]


def svg_lines(title, x_label, y_label, curves):
    """A small standalone SVG line plot: curves {name: [(x, y)]}, x on a log scale."""
    width, height, left, right, top, bottom = 760, 420, 70, 190, 40, 50
    points = [p for c in curves.values() for p in c]
    if not points:
        return ""
    x0, x1 = math.log10(max(1, min(p[0] for p in points))), math.log10(max(p[0] for p in points))
    y0, y1 = 0.0, max(p[1] for p in points) * 1.08
    x1 = x1 if x1 > x0 else x0 + 1

    def sx(x):
        return left + (math.log10(max(1, x)) - x0) / (x1 - x0) * (width - left - right)

    def sy(y):
        return height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom)

    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
           f'font-size="12"><rect width="100%" height="100%" fill="white"/>',
           f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">{title}</text>',
           f'<text x="{(left + width - right) / 2}" y="{height - 10}" text-anchor="middle">{x_label}</text>',
           f'<text x="15" y="{(top + height - bottom) / 2}" text-anchor="middle" '
           f'transform="rotate(-90 15 {(top + height - bottom) / 2})">{y_label}</text>']
    for i in range(6):
        y = y0 + (y1 - y0) * i / 5
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:.2f}</text>')
    decade = 1
    while decade <= 10 ** x1:
        if decade >= 10 ** x0:
            out.append(f'<line x1="{sx(decade):.1f}" x2="{sx(decade):.1f}" y1="{top}" y2="{height - bottom}" '
                       f'stroke="#ddd"/><text x="{sx(decade):.1f}" y="{height - bottom + 16}" '
                       f'text-anchor="middle">{decade}</text>')
        decade *= 10
    for i, (name, curve) in enumerate(curves.items()):
        color = colors[i % len(colors)]
        path = " ".join(f"{'M' if j == 0 else 'L'}{sx(x):.1f},{sy(y):.1f}" for j, (x, y) in enumerate(curve))
        out.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        ly = top + 10 + 18 * i
        out.append(f'<line x1="{width - right + 10}" x2="{width - right + 30}" y1="{ly}" y2="{ly}" stroke="{color}" '
                   f'stroke-width="2"/><text x="{width - right + 36}" y="{ly + 4}">{name}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def matmul_strategies(args, report, peers):
    size = args.matmul_size
    budget = max(args.strategy_budgets)
    command = ["tune", "op", "matmul", "--m", str(size), "--n", str(size), "--k", str(size)]
    logs = [(name,) + tune_strategy(args, report, "matmul", name, flags, command, budget)
            for name, flags in chosen_strategies(args)]
    svg = os.path.join(common.ROOT, "bench", "strategies-matmul.svg")
    compared = compare_logs(args, [log for _, log, _ in logs], svg)
    lines = [f"\n### Strategies side by side: matmul, 1 thread, the same budgets (plot: bench/{os.path.basename(svg)})\n"]
    flops = 2 * size ** 3
    result = peers.get("matmul")
    blas, dnnl = impl_gflops(result, "openblas"), impl_gflops(result, "onednn")
    lines += [f"| strategy | " + " | ".join(f"GFLOP/s after {b}" for b in args.strategy_budgets) +
              " | tuning time | best / best peer |", "|---|" + "--:|" * (len(args.strategy_budgets) + 2)]
    best_peer = max([g for g in (blas, dnnl) if g], default=None)
    curves = {}
    for (name, log, tuned), entry in zip(logs, compared["logs"]):
        cells, best_g = [], None
        budgets = {p["budget"]: p for p in entry["budgets"]}
        for b in args.strategy_budgets:
            p = budgets.get(b) or budgets.get(entry["records"])
            g = flops / p["latency_ms"] * 1e-6 if p and p.get("latency_ms") else None
            cells.append(f"{fmt(g, '.1f')} ({fmt(p['elapsed_s'] / 60 if p else None, '.1f')} min)")
            best_g = g
        curves[name] = curve_from_compare_json(entry)
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {fmt(entry['tuning_s'] / 60, '.1f')} min | "
                     f"{fmt(best_g / best_peer if best_g and best_peer else None)} |")
    lines.append(f"\nPeers (bench_kernels medians over {args.rounds} rounds): OpenBLAS {fmt(blas, '.1f')}, "
                 f"oneDNN {fmt(dnnl, '.1f')} GFLOP/s. Cells: best GFLOP/s measured while tuning after that many "
                 "trials (and the tuning time it took).")
    ga, xgb = curves.get("autotvm ga"), curves.get("autotvm xgb")
    if ga and xgb:
        ga_final, ga_trials = ga[-1][1], ga[-1][0]
        reach = trials_to_reach(xgb, ga_final)
        lines.append(f"\nautotvm xgb reaches autotvm ga's final best ({fmt(ga_final, '.3f')} ms, after "
                     f"{ga_trials} trials) after **{fmt(reach, 'd', empty='never')}** trials"
                     f"{' (' + fmt(reach / ga_trials, '.2f') + ' of GA' + chr(39) + 's)' if reach else ''}.")
    return lines, {"logs": [(n, l) for n, l, _ in logs], "compare": compared}


def conv_strategies(args, report, peers):
    """Each distinct ResNet-18 conv2d shape tuned alone (`tune op conv2d`, the peers' workload) by every
    strategy with the same per-task budget, one log per shape and strategy; a task's best GFLOP/s
    against oneDNN after each budget, and per strategy the geometric mean over the shapes."""
    budget = max(args.strategy_budgets)
    strategies = chosen_strategies(args)
    shapes = sorted(KERNEL_CONVS.items(), key=lambda kv: int(kv[1][4:]))
    if args.conv_shapes:
        shapes = [kv for kv in shapes if kv[1] in args.conv_shapes]
    per_task = {}  # conv id -> {strategy: compare entry}
    tuning_s = {name: 0.0 for name, _ in strategies}
    for shape, conv in shapes:
        logs = [(name, tune_strategy(args, report, f"{conv}", name, flags, conv_command(shape), budget)[0])
                for name, flags in strategies]
        compared = compare_logs(args, [log for _, log in logs])
        per_task[conv] = {name: entry for (name, _), entry in zip(logs, compared["logs"])}
        for name, entry in per_task[conv].items():
            tuning_s[name] += entry["tuning_s"]

    def gflops_at(conv, name, trials):
        entry, result = per_task[conv][name], peers.get(conv)
        points = [p for p in entry["end_to_end"] if p["trials"] <= trials and p.get("latency_ms")]
        if not points or not result:
            return None
        return result["flops"] / min(p["latency_ms"] for p in points) * 1e-6

    lines = [f"\n### Strategies side by side: the {len(shapes)} distinct ResNet-18 conv2d shapes, 1 thread, "
             f"the same budget per shape (plot: bench/strategies-convs.svg)\n",
             "| strategy | " + " | ".join(f"geomean tuned / oneDNN after {b}" for b in args.strategy_budgets) +
             " | tuning time (all shapes) |", "|---|" + "--:|" * (len(args.strategy_budgets) + 1)]
    for name, _ in strategies:
        cells = []
        for b in args.strategy_budgets:
            ratios = [gflops_at(conv, name, b) / impl_gflops(peers.get(conv), "onednn")
                      for _, conv in shapes if gflops_at(conv, name, b) and impl_gflops(peers.get(conv), "onednn")]
            complete = len(ratios) == len(shapes) and all(
                per_task[conv][name]["records"] >= b for _, conv in shapes)
            cells.append(fmt(geomean(ratios)) + ("" if complete else " (fewer trials)"))
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {fmt(tuning_s[name] / 60, '.1f')} min |")
    lines += [f"\nBest GFLOP/s of each shape after {budget} trials (oneDNN and tensortune's default schedule: "
              f"bench_kernels medians over {args.rounds} rounds)\n",
              "| shape | " + " | ".join(name for name, _ in strategies) + " | default | oneDNN |",
              "|---|" + "--:|" * (len(strategies) + 2)]
    for _, conv in shapes:
        result = peers.get(conv)
        lines.append(f"| {conv} ({result['name'] if result and 'name' in result else conv}) | "
                     + " | ".join(fmt(gflops_at(conv, name, budget), ".1f") for name, _ in strategies)
                     + f" | {fmt(impl_gflops(result, 'tensortune'), '.1f')} | {fmt(impl_gflops(result, 'onednn'), '.1f')} |")
    # The plot: the geometric mean over the shapes of tuned / oneDNN against trials per shape.
    curves = {}
    steps = sorted({t for t in [1, 2, 4, 8, 16, 32, 64, 100, 128, 200, 256, 400, 500, 700, 1000, budget] if t <= budget})
    for name, _ in strategies:
        curve = []
        for t in steps:
            ratios = [gflops_at(conv, name, t) / impl_gflops(peers.get(conv), "onednn")
                      for _, conv in shapes if gflops_at(conv, name, t) and impl_gflops(peers.get(conv), "onednn")]
            if len(ratios) == len(shapes):
                curve.append((t, geomean(ratios)))
        curves[name] = curve
    svg = svg_lines(f"ResNet-18 conv2d shapes, 1 thread: geomean of tuned / oneDNN GFLOP/s",
                    "trials per shape", "tuned / oneDNN (geomean)", curves)
    if svg and len(shapes) == len(KERNEL_CONVS):
        with open(os.path.join(common.ROOT, "bench", "strategies-convs.svg"), "w") as f:
            f.write(svg)
    return lines, {"per_task": per_task, "tuning_s": tuning_s}


def step_strategies(args, report, state):
    """Every strategy and tuner on the same workloads and budgets: best GFLOP/s after each budget,
    tuning time, the peers in the same run, and the trials xgb needs to reach GA's final best."""
    wanted = (["matmul"] if "matmul" in args.strategy_workloads else []) + (
        sorted(set(KERNEL_CONVS.values()), key=lambda w: int(w[4:])) if "convs" in args.strategy_workloads else [])
    peers, _ = peer_kernels(args, wanted)
    data = {}
    for workload in args.strategy_workloads:
        if workload not in ("matmul", "convs"):
            raise ValueError(f"unknown strategy workload {workload!r} (matmul, convs)")
        lines, data[workload] = (matmul_strategies if workload == "matmul" else conv_strategies)(args, report, peers)
        report["sections"].append("\n".join(lines))
    report["data"]["strategies"] = data


def phases_section(phases):
    lines = ["\n### Wall time per measured trial (tune --json: seconds / measured_this_run)\n",
             "| tune run | measured trials | total s | " + " | ".join(f"{p} ms/trial" for p in PHASES) + " |",
             "|---|--:|--:|" + "--:|" * len(PHASES)]
    for p in phases:
        n = p["measured"]
        cells = [fmt(1e3 * p["seconds"][ph] / n if n and p["seconds"][ph] is not None else None, ".1f")
                 for ph in PHASES]
        lines.append(f"| {p['run']} | {fmt(n, 'd') if isinstance(n, int) else '–'} | {fmt(p['total_s'], '.1f')} | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="matmul,convs,e2e,efficiency")
    parser.add_argument("--matmul-trials", type=int, default=1000)
    parser.add_argument("--matmul-size", type=int, default=1024, help="M = N = K (peers only at 1024)")
    parser.add_argument("--conv-trials-per-task", type=int, default=500)
    parser.add_argument("--model-trials", type=int, default=2000)
    parser.add_argument("--threads", default="1,2", help="thread counts of the end-to-end step")
    parser.add_argument("--models", default="resnet18,mobilenet_v2", help="models of the end-to-end step")
    parser.add_argument("--strategy-budgets", default="200,1000", help="trial budgets of the strategies step")
    parser.add_argument("--strategy-workloads", default="matmul,convs", help="workloads of the strategies step")
    parser.add_argument("--strategies", default="", help="strategies of the strategies step (default all: "
                        "ansor,xgb,ga,random,grid)")
    parser.add_argument("--conv-shapes", default="", help="conv shapes of the strategies step (default all: "
                        "conv1,...,conv11)")
    parser.add_argument("--tune-flags", default="",
                        help="extra flags of the convs and e2e steps' tune runs, e.g. \"--strategy autotvm\"; "
                        "in the strategies step, of the autotvm runs (e.g. \"--conv-block 0\")")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the peer measurements")
    parser.add_argument("--log-prefix", default=None, help="log paths start with this (default tuning_logs/bench-DATE)")
    parser.add_argument("--binary", default=common.DEFAULT_BINARY)
    parser.add_argument("--quick", action="store_true", help="smoke test: tiny budgets, 1 round")
    parser.add_argument("--json", action="store_true", help="print the collected data as JSON instead")
    args = parser.parse_args()
    if args.quick:
        args.matmul_trials, args.conv_trials_per_task, args.model_trials, args.rounds = 16, 2, 32, 1
        args.strategy_budgets = "4,8"
    args.threads = [int(t) for t in args.threads.split(",") if t]
    args.models = [m for m in args.models.split(",") if m]
    args.strategy_budgets = [int(b) for b in args.strategy_budgets.split(",") if b]
    args.strategy_workloads = [w for w in args.strategy_workloads.split(",") if w]
    args.tune_flags = args.tune_flags.split()
    args.strategies = [s for s in args.strategies.split(",") if s]
    args.conv_shapes = [s for s in args.conv_shapes.split(",") if s]
    steps = [s for s in args.steps.split(",") if s]
    unknown = set(steps) - {"matmul", "convs", "e2e", "efficiency", "strategies"}
    if unknown:
        sys.exit(f"bench_tuning: unknown step(s) {', '.join(sorted(unknown))}")
    if not os.path.exists(args.binary):
        sys.exit(f"bench_tuning: no tensortune binary at {args.binary}")
    if args.log_prefix is None:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M")
        args.log_prefix = os.path.join(common.ROOT, "tuning_logs", f"bench-{stamp}")
    os.makedirs(os.path.dirname(os.path.abspath(args.log_prefix)), exist_ok=True)

    peaks, isa = common.fma_peaks(sorted(set([1] + args.threads)))
    header = common.header_lines(args.binary, sorted(set([1] + args.threads)), peaks, isa)
    budgets = (f"- budgets: matmul {args.matmul_trials} trials, {args.conv_trials_per_task} trials per ResNet-18 task, "
               f"{args.model_trials} per model end to end; seed {args.seed}; peers over {args.rounds} rounds"
               + (" (--quick: smoke-test budgets, not results)" if args.quick else ""))
    header.append(budgets + (f"; tune flags: {' '.join(args.tune_flags)}" if args.tune_flags else ""))
    report = {"sections": [], "phases": [], "errors": [], "data": {}}
    state = {"peaks": peaks}
    if not args.json:
        print("## Tuning benchmarks\n")
        print("\n".join(header), flush=True)

    if not has_subcommand(args.binary, "tune"):
        report["errors"].append(f"{args.binary} has no `tune` command yet: no tuning step can run")
        steps = []
    for step in steps:
        try:
            {"matmul": step_matmul, "convs": step_convs, "e2e": step_e2e, "efficiency": step_efficiency,
             "strategies": step_strategies}[step](
                args, report, state)
        except (RuntimeError, OSError, KeyError, ValueError, TypeError, subprocess.CalledProcessError) as e:
            report["errors"].append(f"step {step}: {type(e).__name__}: {e}")
            common.progress(f"step {step} failed: {e}")
        if not args.json and report["sections"]:
            print(report["sections"].pop(0), flush=True)
    if args.json:
        print(json.dumps({"header": header, "phases": report["phases"], "errors": report["errors"],
                          "data": report["data"]}, indent=2, default=str))
        return 1 if report["errors"] else 0
    for section in report["sections"]:
        print(section)
    if report["phases"]:
        print(phases_section(report["phases"]))
    for p in report["phases"]:
        if p["spec_gaps"]:
            print(f"\n- note: {p['spec_gaps']} (shown as –)")
    for e in report["errors"]:
        print(f"\n- **error**: {e}")
    print(f"\nLoad average at the end: {common.load_average()}. Source: {common.git_source()}.")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
