// Tests of the canonical workload text and key (ir/te/canonical.h): the grammar on a small graph,
// pinned keys of real tasks, invariance under renaming and tags, sensitivity to shapes, dtypes,
// constants and structure.
#include <gtest/gtest.h>

#include "graph_test_util.h"
#include "ir/graph/fusion.h"
#include "ir/graph/task.h"
#include "ir/te/canonical.h"
#include "ir/te/ops.h"

namespace tt {
namespace {

std::string key_of(const std::vector<Tensor>& outputs) {
  return canonical_workload_key(canonical_workload_text(outputs));
}

// C[m, n] = sum_k A[m, k] * B[k, n], with every name chosen by the caller.
Tensor named_matmul(int64_t m, int64_t n, int64_t k, const std::string& a_name, const std::string& b_name,
                    const std::string& c_name, const std::string& k_name, const std::string& tag = "dense") {
  Tensor a = test::input({m, k}, a_name), b = test::input({k, n}, b_name);
  IterVar rk = reduce_axis(k, k_name);
  return compute(
      {m, n}, [&](const std::vector<Var>& i) { return sum(a(i[0], rk.var) * b(rk.var, i[1]), {rk}); }, c_name, tag);
}

TEST(CanonicalWorkloadText, WritesTheDocumentedGrammar) {
  Tensor x = test::input({4, 3}, "x");
  Tensor y = compute(
      {4}, [&](const std::vector<Var>& i) { return x(i[0], 2) * 2.0f + 1.0f; }, "y", "elemwise");
  Tensor c = named_matmul(2, 5, 3, "a", "b", "c", "rk");
  EXPECT_EQ(canonical_workload_text({y}),
            "workload v2\n"
            "t0 placeholder f32 [4,3]\n"
            "t1 compute f32 [4] (a0 0 4) = "
            "(add (mul (read t0 a0 i32:2) f32:0x4000000000000000) f32:0x3ff0000000000000)\n"
            "output t1\n");
  EXPECT_EQ(canonical_workload_text({c}),
            "workload v2\n"
            "t0 placeholder f32 [2,3]\n"
            "t1 placeholder f32 [3,5]\n"
            "t2 compute f32 [2,5] (a0 0 2) (a1 0 5) = "
            "(reduce sum (r0 0 3) (mul (read t0 a0 r0) (read t1 r0 a1)))\n"
            "output t2\n");
  // Two outputs sharing an input: the input appears once, outputs in the order given.
  Tensor z = compute(
      {4}, [&](const std::vector<Var>& i) { return max(x(i[0], 0), 0.0f); }, "z");
  EXPECT_EQ(canonical_workload_text({z, y}),
            "workload v2\n"
            "t0 placeholder f32 [4,3]\n"
            "t1 compute f32 [4] (a0 0 4) = (max (read t0 a0 i32:0) f32:0x0000000000000000)\n"
            "t2 compute f32 [4] (a0 0 4) = "
            "(add (mul (read t0 a0 i32:2) f32:0x4000000000000000) f32:0x3ff0000000000000)\n"
            "output t1 t2\n");
}

TEST(CanonicalWorkloadText, WritesEveryNodeKindOfTensorExpressions) {
  Tensor x = test::input({4, 3}, "x");
  Tensor y = compute(
      {4},
      [&](const std::vector<Var>& i) {
        Expr cond = ((i[0] % 2 == 0) && !(i[0] >= 3)) || (i[0] < 1) || (i[0] != 2 && i[0] <= 2 && i[0] > -1);
        return select(cond, cast(DType::float32(), i[0] / 2) - 0.5f,
                      call(Intrinsic::exp, {x(min(i[0] + 1, 3), max(i[0] - 1, 0))}) / 3.0f);
      },
      "y");
  IterVar r = reduce_axis(4, "r"), s = reduce_axis(2, "s");
  Tensor z = compute(
      {3},
      [&](const std::vector<Var>& i) {
        return reduce_max(x(r.var, i[0]) * y(r.var) + cast(DType::float32(), s.var), {r, s});
      },
      "z");
  EXPECT_EQ(canonical_workload_text({z}),
            "workload v2\n"
            "t0 placeholder f32 [4,3]\n"
            "t1 compute f32 [4] (a0 0 4) = (select (or (or (and (eq (mod a0 i32:2) i32:0) (not (ge a0 i32:3))) "
            "(lt a0 i32:1)) (and (and (ne a0 i32:2) (le a0 i32:2)) (gt a0 i32:-1))) "
            "(sub (cast f32 (div a0 i32:2)) f32:0x3fe0000000000000) "
            "(div (call exp (read t0 (min (add a0 i32:1) i32:3) (max (sub a0 i32:1) i32:0))) f32:0x4008000000000000))\n"
            "t2 compute f32 [3] (a0 0 3) = (reduce max (r0 0 4) (r1 0 2) "
            "(add (mul (read t0 r0 a0) (read t1 r0)) (cast f32 r1)))\n"
            "output t2\n");
}

// These literals are what every tuning log on every user's disk is keyed by. If one changes,
// every record written before stops applying (the tuner starts from scratch and replay falls back
// to default schedules): change them only together with kCanonicalWorkloadVersion, deliberately.
TEST(CanonicalWorkloadKey, PinnedKeysOfRealTasks) {
  EXPECT_EQ(key_of({named_matmul(64, 64, 64, "A", "B", "C", "k")}), "2fbe2e5510a019e2");
  EXPECT_EQ(key_of({ops::matmul(test::input({512, 256}, "a"), test::input({256, 128}, "b"))}), "9326cec1aa5855d4");

  // The conv2d (bias inside) + relu of ResNet-18's layer1 (tests/cli checks the zoo model has it).
  graph::Graph g;
  graph::NodeId x = g.add_input("data", {{1, 64, 56, 56}});
  graph::NodeId w = g.add_constant("w", test::random_array({64, 64, 3, 3}, 1));
  graph::NodeId b = g.add_constant("b", test::random_array({64}, 2));
  graph::NodeId conv = g.add_call("conv2d", {x, w, b}, {{"padding", std::vector<int64_t>{1, 1, 1, 1}}}, "conv");
  g.set_outputs({g.add_call("relu", {conv}, {}, "relu")});
  auto groups = graph::fuse_operators(g);
  ASSERT_EQ(groups.size(), 1u);
  graph::Task task = graph::lower_group(g, groups[0]);
  EXPECT_EQ(task.description, "conv2d+relu 1x64x56x56 <- 1x64x56x56, 64x64x3x3, 64");
  EXPECT_EQ(task.workload_key, "0d10a025692dcab3");
}

TEST(CanonicalWorkloadKey, RenamingStagesAxesAndTagsKeepsTheKey) {
  std::string base = canonical_workload_text({named_matmul(16, 8, 4, "A", "B", "C", "k")});
  EXPECT_EQ(canonical_workload_text({named_matmul(16, 8, 4, "lhs", "rhs", "out", "reduce_k")}), base);
  EXPECT_EQ(canonical_workload_text({named_matmul(16, 8, 4, "A", "B", "C", "k", "my_tag")}), base);
  // Two inputs of one shape read in the other order are the same workload with its inputs
  // renamed: the operations are numbered by first read, not by name.
  Tensor x = test::input({8}, "x"), y = test::input({8}, "y");
  auto sub = [](const Tensor& a, const Tensor& b) {
    return compute(
        {8}, [&](const std::vector<Var>& i) { return a(i[0]) - b(i[0]); }, "z");
  };
  EXPECT_EQ(canonical_workload_text({sub(x, y)}), canonical_workload_text({sub(y, x)}));
  // Given the arguments in order, they are not: the kernels take their arguments differently.
  EXPECT_NE(canonical_workload_text({sub(x, y)}, {x, y}), canonical_workload_text({sub(y, x)}, {x, y}));
  EXPECT_EQ(canonical_workload_text({sub(x, y)}, {x, y}), canonical_workload_text({sub(y, x)}, {y, x}));
}

TEST(CanonicalWorkloadText, ConstantInputsAreMarked) {
  // A weight may be repacked at load and an activation may not: the same graph over each is a
  // different workload.
  Tensor x = test::input({4}, "x"), w = test::input({4}, "w");
  Tensor y = compute(
      {4}, [&](const std::vector<Var>& i) { return x(i[0]) * w(i[0]); }, "y");
  std::string text = canonical_workload_text({y}, {x, w}, {false, true});
  EXPECT_NE(text.find("t0 placeholder f32 [4]\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t1 placeholder f32 [4] const\n"), std::string::npos) << text;
  EXPECT_NE(text, canonical_workload_text({y}, {x, w}));
  EXPECT_EQ(canonical_workload_text({y}, {x, w}, {false, false}), canonical_workload_text({y}, {x, w}));
}

TEST(CanonicalWorkloadText, ArgumentsComeFirstInTheirOrder) {
  Tensor x = test::input({4}, "x"), unused = test::input({2, 2}, "unused");
  Tensor y = compute(
      {4}, [&](const std::vector<Var>& i) { return x(i[0]) + 1.0f; }, "y");
  EXPECT_EQ(canonical_workload_text({y}, {unused, x}),
            "workload v2\n"
            "t0 placeholder f32 [2,2]\n"
            "t1 placeholder f32 [4]\n"
            "t2 compute f32 [4] (a0 0 4) = (add (read t1 a0) f32:0x3ff0000000000000)\n"
            "output t2\n");
  // An argument the kernel never reads still changes its signature.
  EXPECT_NE(canonical_workload_text({y}, {unused, x}), canonical_workload_text({y}, {x}));
  EXPECT_THROW(canonical_workload_text({y}, {unused}),
               InternalError);  // x read but not an argument
}

TEST(CanonicalWorkloadKey, ShapesDtypesConstantsAndStructureChangeTheKey) {
  std::string base = key_of({named_matmul(16, 8, 4, "A", "B", "C", "k")});
  EXPECT_NE(key_of({named_matmul(16, 8, 8, "A", "B", "C", "k")}), base);  // reduce extent
  EXPECT_NE(key_of({named_matmul(16, 4, 4, "A", "B", "C", "k")}), base);  // output shape
  EXPECT_NE(key_of({named_matmul(8, 16, 4, "A", "B", "C", "k")}), base);  // transposed shapes

  Tensor x = test::input({8}, "x");
  auto scaled = [&](float factor) {
    return key_of({compute(
        {8}, [&](const std::vector<Var>& i) { return x(i[0]) * factor; }, "y")});
  };
  EXPECT_NE(scaled(2.0f), scaled(3.0f));
  EXPECT_EQ(scaled(2.0f), scaled(2.0f));
  // The same shape in another dtype.
  Tensor xi = placeholder({8}, DType::int32(), "x");
  EXPECT_NE(key_of({compute(
                {8}, [&](const std::vector<Var>& i) { return x(i[0]) + 1.0f; }, "y")}),
            key_of({compute(
                {8}, [&](const std::vector<Var>& i) { return cast(DType::float32(), xi(i[0])) + 1.0f; }, "y")}));
  // Operand order and operator.
  auto unary = [&](Expr (*f)(Expr)) {
    return key_of({compute(
        {8}, [&](const std::vector<Var>& i) { return f(x(i[0])); }, "z")});
  };
  EXPECT_NE(unary([](Expr a) { return a - 1.0f; }), unary([](Expr a) { return 1.0f - a; }));
  EXPECT_NE(unary([](Expr a) { return a + 1.0f; }), unary([](Expr a) { return a * 1.0f; }));
  EXPECT_NE(unary([](Expr a) { return min(a, 1.0f); }), unary([](Expr a) { return max(a, 1.0f); }));
  EXPECT_NE(unary([](Expr a) { return call(Intrinsic::exp, {a}); }),
            unary([](Expr a) { return call(Intrinsic::log, {a}); }));
  // A different input shape, even where the compute reads the same points.
  Tensor wide = test::input({16}, "x");
  EXPECT_NE(key_of({compute(
                {8}, [&](const std::vector<Var>& i) { return wide(i[0]) + 1.0f; }, "y")}),
            key_of({compute(
                {8}, [&](const std::vector<Var>& i) { return x(i[0]) + 1.0f; }, "y")}));
}

}  // namespace
}  // namespace tt
