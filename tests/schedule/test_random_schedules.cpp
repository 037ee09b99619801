// Randomized schedule testing: random legal schedules (split, fuse, reorder, vectorize, parallel,
// unroll, compute_at, compute_inline, cache_write, cache_read, rfactor, pragma) applied to random
// operator shapes; every kernel is compiled, run and checked against the TE interpreter. Steps the
// state rejects are skipped: the test is about every accepted schedule computing the right thing.
#include <gtest/gtest.h>

#include "tests/ir/te_test_util.h"

#include <cstring>
#include <optional>
#include <random>

#include "codegen/runtime.h"
#include "ir/error.h"
#include "ir/te/ops.h"
#include "search/measure/build.h"

namespace tt {
namespace {

using Rng = std::mt19937_64;

int64_t uniform(Rng& rng, int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }

template <typename T>
const T& pick(Rng& rng, const std::vector<T>& v) {
  return v[size_t(uniform(rng, 0, int64_t(v.size()) - 1))];
}

using test::input;

// A random workload: one of the operator families the searches will meet, with small shapes.
std::vector<Tensor> random_workload(Rng& rng, std::string* description) {
  int kind = int(uniform(rng, 0, 9));
  auto d = [&](int64_t lo, int64_t hi) { return uniform(rng, lo, hi); };
  switch (kind) {
    case 0: {
      int64_t m = d(1, 24), n = d(1, 40), k = d(1, 24);
      *description = fmt::format("matmul {}x{}x{}", m, n, k);
      return {ops::matmul(input({m, k}, "A"), input({k, n}, "B"))};
    }
    case 1: {
      int64_t m = d(1, 16), n = d(1, 32), k = d(1, 16);
      *description = fmt::format("matmul+bias+relu {}x{}x{}", m, n, k);
      return {ops::relu(ops::bias_add(ops::matmul(input({m, k}, "A"), input({k, n}, "B")), input({n}, "bias"), 1))};
    }
    case 2: {
      ops::Conv2dParams p;
      int64_t r = pick(rng, std::vector<int64_t>{1, 3}), pad = d(0, 1), c = d(1, 5), k = d(1, 8), h = d(r, 10);
      p.padding = {pad, pad, pad, pad};
      p.stride = {d(1, 2), d(1, 2)};
      *description = fmt::format("conv2d c{} k{} h{} r{} pad{} stride{}", c, k, h, r, pad, p.stride[0]);
      return {ops::conv2d(input({1, c, h, h + 1}, "X"), input({k, c, r, r}, "W"), p)};
    }
    case 3: {
      ops::Conv2dParams p;
      int64_t c = d(1, 8), h = d(3, 10);
      p.padding = {1, 1, 1, 1};
      p.groups = c;
      *description = fmt::format("depthwise c{} h{}", c, h);
      return {ops::relu6(ops::conv2d(input({1, c, h, h}, "X"), input({c, 1, 3, 3}, "W"), p))};
    }
    case 4: {
      int64_t m = d(1, 4), n = d(1, 20), k = d(1, 40);
      *description = fmt::format("dense {}x{}x{}", m, n, k);
      return {ops::dense(input({m, k}, "X"), input({n, k}, "W"), input({n}, "b"))};
    }
    case 5: {
      int64_t a = d(1, 4), b = d(1, 9), c = d(1, 17);
      *description = fmt::format("elementwise {}x{}x{}", a, b, c);
      return {ops::sigmoid(ops::add(input({a, b, c}, "X"), input({1, b, 1}, "Y")))};
    }
    case 6: {
      ops::Pool2dParams p;
      p.kernel = {3, 3};
      p.stride = {2, 2};
      p.padding = {1, 1, 1, 1};
      int64_t c = d(1, 6), h = d(3, 12);
      *description = fmt::format("max_pool c{} h{}", c, h);
      return {ops::max_pool2d(input({1, c, h, h}, "X"), p)};
    }
    case 7: {
      int64_t a = d(1, 6), b = d(2, 20);
      *description = fmt::format("softmax {}x{}", a, b);
      return {ops::softmax(input({a, b}, "X"))};
    }
    case 8: {
      // The detection models' injective operators, feeding an element-wise consumer.
      int64_t c = d(1, 6), h = d(2, 9);
      if (d(0, 1) == 0) {
        ops::ResizeParams p;
        p.mode = d(0, 1) ? "linear" : "nearest";
        p.coordinate_mode = d(0, 1) ? "half_pixel" : "asymmetric";
        p.nearest_mode = "floor";
        *description = fmt::format("resize2d {} {} c{} h{}", p.mode, p.coordinate_mode, c, h);
        return {ops::add(ops::resize2d(input({1, c, h, h}, "X"), {2 * h, 2 * h + 1}, p), input({1, c, 1, 1}, "Y"))};
      }
      *description = fmt::format("space_to_depth+leaky_relu c{} h{}", c, h);
      return {ops::leaky_relu(ops::space_to_depth(input({1, c, 2 * h, 2 * h}, "X"), 2), 0.1f)};
    }
    default: {
      int64_t b = d(1, 3), m = d(1, 10), n = d(1, 20), k = d(1, 10);
      *description = fmt::format("batch_matmul {}x{}x{}x{}", b, m, n, k);
      return {ops::batch_matmul(input({b, m, k}, "A"), input({b, k, n}, "B"))};
    }
  }
}

std::vector<std::string> leaf_names(const Stage& st) {
  std::vector<std::string> names;
  for (int leaf : st.leaves) names.push_back(st.iters[leaf].name);
  return names;
}

// One random step proposal against the current state.
Step random_step(Rng& rng, const ScheduleState& state) {
  std::vector<const Stage*> stages;
  for (const Stage& s : state.stages())
    if (s.attach != AttachKind::Inline) stages.push_back(&s);
  const Stage& st = *pick(rng, stages);
  std::vector<std::string> loops = leaf_names(st);
  const std::string& loop = pick(rng, loops);
  int64_t extent = st.iters[st.leaves[st.find_leaf(loop)]].extent;
  switch (uniform(rng, 0, 13)) {
    case 0:
    case 1: {
      std::vector<int64_t> factors{uniform(rng, 1, extent + 2)};
      if (uniform(rng, 0, 3) == 0) factors.push_back(uniform(rng, 1, 4));
      return SplitStep{st.name(), loop, factors, false};
    }
    case 2: return SplitStep{st.name(), loop, {uniform(rng, 1, extent + 1)}, true};
    case 3: {
      int p = int(uniform(rng, 0, int64_t(loops.size()) - 1));
      if (p + 1 < int(loops.size())) return FuseStep{st.name(), {loops[p], loops[p + 1]}};
      return FuseStep{st.name(), {loops[p]}};
    }
    case 4:
    case 5: {
      std::vector<std::string> order = loops;
      std::shuffle(order.begin(), order.end(), rng);
      return ReorderStep{st.name(), order};
    }
    case 6: return AnnotateStep{st.name(), loops.back(), LoopAnnotation::Vectorize};
    case 7: return AnnotateStep{st.name(), loop, LoopAnnotation::Parallel};
    case 8: return AnnotateStep{st.name(), loop, LoopAnnotation::Unroll};
    case 9: {
      auto users = state.effective_consumers(st.name());
      if (users.empty()) return ComputeRootStep{st.name()};
      const Stage& target = state.stage(users[0]);
      return ComputeAtStep{st.name(), target.name(), pick(rng, leaf_names(target))};
    }
    case 10: return ComputeInlineStep{st.name()};
    case 11: {
      if (uniform(rng, 0, 1)) return CacheWriteStep{st.name()};
      auto inputs = st.op->input_ops();
      if (inputs.empty()) return CacheWriteStep{st.name()};
      return CacheReadStep{pick(rng, inputs)->name, st.name()};
    }
    case 12: return RfactorStep{st.name(), loop};
    default: return PragmaStep{st.name(), loop, "auto_unroll_max_step", uniform(rng, 0, 64)};
  }
}

TEST(RandomSchedules, AllAcceptedSchedulesComputeTheReference) {
  constexpr int kWorkloads = 110;
  constexpr int kSchedulesPerWorkload = 5;
  KernelCompiler compiler;
  Rng rng(20261123);
  int checked = 0, steps_applied = 0, steps_rejected = 0, unlowerable = 0;
  for (int w = 0; w < kWorkloads; ++w) {
    std::string description;
    std::vector<Tensor> outputs = random_workload(rng, &description);
    ScheduleState initial(outputs);
    std::vector<Tensor> inputs = initial.inputs();
    std::vector<NDArray> values = random_inputs(inputs, uint64_t(w));
    std::vector<NDArray> expected = reference_outputs(outputs, inputs, values);
    for (int s = 0; s < kSchedulesPerWorkload; ++s) {
      ScheduleState state(outputs);
      int num_steps = int(uniform(rng, 1, 12));
      for (int i = 0; i < num_steps; ++i) {
        Step step = random_step(rng, state);
        try {
          state.apply(step);
          ++steps_applied;
        } catch (const UserError&) {
          ++steps_rejected;
        }
      }
      std::string steps_text;
      for (const Step& step : state.steps()) steps_text += "  " + to_string(step) + "\n";
      SCOPED_TRACE(description + " with steps:\n" + steps_text);
      set_num_threads(int(uniform(rng, 1, 2)));
      std::optional<BuiltKernel> built;
      try {
        built.emplace(build_kernel(outputs, state.steps(), compiler, "random"));
      } catch (const UserError& e) {
        // A later step can undo what an earlier compute_at relied on; lowering says so.
        ++unlowerable;
        continue;
      }
      std::vector<NDArray> actual = run_kernel(built->kernel, values, outputs);
      CompareResult r = compare_outputs(actual, expected);
      ASSERT_TRUE(r.ok) << r.describe() << "\n" << to_string(built->func);
      ++checked;
    }
  }
  set_num_threads(1);
  std::printf("random schedules checked: %d, not lowerable: %d (steps applied %d, rejected %d)\n", checked, unlowerable,
              steps_applied, steps_rejected);
  EXPECT_LT(unlowerable, checked / 20);
  EXPECT_GE(checked, 500);
  EXPECT_GT(steps_applied, 2 * checked);  // the schedules are not mostly empty
}

// The same steps build bit-identical outputs, on one thread or two.
TEST(RandomSchedules, OutputsAreBitIdenticalAcrossBuildsAndThreads) {
  KernelCompiler compiler;
  Tensor a = input({37, 29}, "A"), b = input({29, 45}, "B");
  std::vector<Tensor> outputs{ops::matmul(a, b)};
  std::vector<Step> steps{CacheWriteStep{"matmul"},
                          SplitStep{"matmul", "i", {4}, false},
                          SplitStep{"matmul", "j", {8}, false},
                          ReorderStep{"matmul", {"i.0", "j.0", "i.1", "j.1"}},
                          AnnotateStep{"matmul", "i.0", LoopAnnotation::Parallel},
                          ComputeAtStep{"matmul.local", "matmul", "j.0"},
                          ReorderStep{"matmul.local", {"rk", "i", "j"}},
                          AnnotateStep{"matmul.local", "j", LoopAnnotation::Vectorize}};
  std::vector<NDArray> values = random_inputs({a, b}, 3);
  std::vector<NDArray> first;
  for (int threads : {1, 2, 1, 2}) {
    set_num_threads(threads);
    BuiltKernel built = build_kernel(outputs, steps, compiler, "det");
    std::vector<NDArray> out = run_kernel(built.kernel, values, outputs);
    if (first.empty()) {
      first = std::move(out);
      continue;
    }
    ASSERT_EQ(0, std::memcmp(first[0].data(), out[0].data(), out[0].bytes())) << "threads " << threads;
  }
  set_num_threads(1);
}

}  // namespace
}  // namespace tt
