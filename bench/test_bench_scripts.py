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


if __name__ == "__main__":
    unittest.main()
