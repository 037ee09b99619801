#!/usr/bin/python3
"""Checks of the benchmark scripts' own logic (no timing): the conv task parser maps every conv2d
task of the real ResNet-18 (`tensortune inspect resnet18 --json`) to a bench_kernels workload, the
convergence curves from each source format agree, and "trials to within 10%" counts as intended.

Usage: /usr/bin/python3 bench/test_bench_scripts.py [-v]
"""
import json
import os
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as common  # noqa: E402
import bench_tuning as tuning  # noqa: E402


class ConvTasks(unittest.TestCase):
    def test_description(self):
        self.assertEqual(tuning.parse_conv("conv2d+relu 1x64x56x56 <- 1x64x56x56, 64x64x3x3, 64"), (64, 56, 64, 3, 1, 1))
        self.assertEqual(tuning.parse_conv("conv2d 1x128x28x28 <- 1x64x56x56, 128x64x1x1, 128"), (64, 56, 128, 1, 2, 0))
        self.assertIsNone(tuning.parse_conv("max_pool2d 1x64x56x56 <- 1x64x112x112"))
        self.assertIsNone(tuning.parse_conv("dense 1x1000 <- 1x512, 1000x512, 1000"))

    @unittest.skipUnless(os.path.exists(common.DEFAULT_BINARY), "needs build/tensortune")
    def test_every_resnet18_conv_task_has_a_peer_workload(self):
        out = subprocess.run([common.DEFAULT_BINARY, "inspect", "resnet18", "--json"], capture_output=True, text=True,
                             check=True)
        tasks = json.loads(out.stdout)["tasks"]
        convs = [t for t in tasks if t["description"].startswith("conv2d")]
        self.assertGreaterEqual(len(convs), 11)
        shapes = {tuning.parse_conv(t["description"]) for t in convs}
        self.assertEqual(shapes, set(tuning.KERNEL_CONVS))


class TuneSpec(unittest.TestCase):
    def test_gaps_name_the_missing_fields(self):
        full = {"tasks": [{"best_latency_ms": 1.0, "description": "d", "flops": 2, "trials": 3}],
                "cost_model": {"pairwise_accuracy": 0.5}, "seconds": {p: 1.0 for p in tuning.PHASES},
                "measured_this_run": 3}
        self.assertEqual(tuning.spec_gaps("run", full), "")
        del full["seconds"]["model_update"]
        del full["tasks"][0]["trials"]
        self.assertEqual(tuning.spec_gaps("run", full), "run: tune --json lacks tasks[].trials, seconds.model_update")


class Curves(unittest.TestCase):
    POINTS = [(1, 10.0), (2, 12.0), (4, 5.0), (8, 4.8), (16, 4.4), (32, 4.0)]

    def test_monotone(self):
        curve = tuning.curve_from_points(self.POINTS)
        self.assertEqual([b for _, b in curve], [10.0, 10.0, 5.0, 4.8, 4.4, 4.0])

    def test_sources_agree(self):
        from_json = tuning.curve_from_compare_json([{"trials": t, "latency_ms": l} for t, l in self.POINTS])
        from_dict = tuning.curve_from_compare_json({"curve": [{"trials": t, "latency_ms": l} for t, l in self.POINTS]})
        text = "task,trials,best_latency_ms\n" + "".join(f"matmul,{t},{l}\n" for t, l in self.POINTS)
        from_csv = tuning.curve_from_csv(text)
        self.assertEqual(from_json, tuning.curve_from_points(self.POINTS))
        self.assertEqual(from_dict, from_json)
        self.assertEqual(from_csv, from_json)

    def test_trials_to_within_ten_percent(self):
        curve = tuning.curve_from_points(self.POINTS)
        final = curve[-1][1]
        self.assertEqual(tuning.trials_to_reach(curve, final * tuning.CONVERGENCE_MARGIN), 16)  # 4.4 <= 4.4
        self.assertEqual(tuning.trials_to_reach(curve, 4.79), 16)
        self.assertIsNone(tuning.trials_to_reach(curve, 3.0))

    def test_geomean(self):
        self.assertAlmostEqual(tuning.geomean([0.5, 2.0]), 1.0)
        self.assertIsNone(tuning.geomean([]))


# A stand-in for the `tune` / `compare` commands that are not built yet: it answers in the shape the
# bench_tuning spec gives (tasks[i].best_latency_ms, cost_model.pairwise_accuracy, seconds,
# measured_this_run; compare's [{"trials", "latency_ms"}]) and hands everything else to the real
# binary, so the script's whole report path runs before the real commands exist. Its numbers are
# made up and never reach a report.
FAKE_CLI = r"""#!/usr/bin/python3
import json, os, subprocess, sys
REAL = os.environ["TT_REAL_BINARY"]
args = sys.argv[1:]
def value(flag):
    return args[args.index(flag) + 1]
if args == ["--help"]:
    print("Subcommands:\n  tune   Search\n  run    Run\n  op     Op\n  inspect Inspect\n  compare Compare")
elif args[0] == "tune":
    trials = int(value("--trials"))
    if args[1] == "op":
        tasks = [dict(description="matmul 1024x1024 <- 1024x1024, 1024x1024", flops=2 * 1024 ** 3, trials=trials,
                      best_latency_ms=25.0 if value("--cost-model") == "xgb" else 30.0)]
    else:
        real = json.loads(subprocess.run([REAL, "inspect", args[1], "--json"], capture_output=True, text=True).stdout)
        tasks = [dict(t, trials=trials // len(real["tasks"]), best_latency_ms=t["flops"] / 50e9 * 1e3)
                 for t in real["tasks"]]
    with open(value("--log"), "w") as f:
        json.dump([dict(trials=t, latency_ms=40.0 / (1 + t)) for t in range(1, trials + 1)], f)
    print(json.dumps(dict(tasks=tasks, cost_model=dict(pairwise_accuracy=0.75), measured_this_run=trials,
                          seconds=dict(search=1.0, build=2.0, run=3.0, model_update=0.5, log=0.1))))
elif args[0] == "compare" and "--json" in args:
    print(open(value("--log")).read())
elif args[0] == "run" and "--log" in args:
    i = args.index("--log")
    os.execv(REAL, [REAL] + args[:i] + args[i + 2:])
else:
    os.execv(REAL, [REAL] + args)
"""


@unittest.skipUnless(os.path.exists(common.DEFAULT_BINARY) and
                     os.path.exists(os.path.join(common.BENCH_BUILD, "bench", "bench_kernels")),
                     "needs build/tensortune and build-bench/bench/bench_kernels")
class TuningReport(unittest.TestCase):
    def test_quick_report_against_the_spec_shapes(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            fake = os.path.join(tmp, "tensortune")
            with open(fake, "w") as f:
                f.write(FAKE_CLI)
            os.chmod(fake, 0o755)
            env = dict(os.environ, TT_REAL_BINARY=common.DEFAULT_BINARY)
            out = subprocess.run([common.TORCH_PYTHON, os.path.join(os.path.dirname(__file__), "bench_tuning.py"),
                                  "--quick", "--steps", "matmul,convs,efficiency", "--binary", fake, "--log-prefix",
                                  os.path.join(tmp, "bench"), "--json"], capture_output=True, text=True, env=env)
            self.assertEqual(out.returncode, 0, out.stderr[-2000:])
            result = json.loads(out.stdout)
            data = result["data"]
        # The stand-in answers with every field of the spec, so no run reports a gap.
        self.assertEqual([p["spec_gaps"] for p in result["phases"]], ["", "", ""])
        self.assertAlmostEqual(data["matmul"]["best_while_tuning_gflops"], 2 * 1024 ** 3 / 25.0 * 1e-6)
        self.assertGreater(len(data["convs"]["ratios"]), 11)  # every conv task found its oneDNN shape
        self.assertIsNotNone(data["convs"]["geomean_onednn_over_tuned"])
        eff = data["efficiency"]
        self.assertEqual(eff["xgb"]["pairwise_accuracy"], 0.75)
        # 40 / (1 + t) is within 10% of its value at t = 16 from t = 15 on (40/16 <= 1.1 * 40/17).
        self.assertEqual(eff["xgb"]["trials_to_10pct_own"], 15)


if __name__ == "__main__":
    unittest.main()
