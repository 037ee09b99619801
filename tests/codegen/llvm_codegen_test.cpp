// Kernels built by hand in loop IR, compiled for the host and checked against plain C++:
// arithmetic, lets, floor division, selects, every intrinsic, vector loads/stores/gathers, the loop
// kinds and allocation.
#include "codegen/llvm_codegen.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "codegen/runtime.h"
#include "codegen_test_util.h"
#include "ir/error.h"

namespace tt {
namespace {

using namespace tt::testing;

TEST(LLVMCodegen, ScalarAdd) {
  const int n = 1000;
  Buffer a = param("a", {n}), b = param("b", {n}), c = param("c", {n});
  Var i("i");
  auto kernel = compile("scalar_add", {a, b, c}, loop(i, n, store(c, i, load(a, i) + load(b, i))));
  NDArray x = filled({n}, -1, 1, 1), y = filled({n}, -1, 1, 2), z({n}, DType::float32());
  kernel.run({&x, &y, &z});
  for (int k = 0; k < n; ++k) ASSERT_EQ(z.as<float>()[k], x.as<float>()[k] + y.as<float>()[k]);
}

TEST(LLVMCodegen, TwoDimensionalLoopWithLet) {
  const int rows = 7, cols = 9;
  Buffer a = param("a", {rows, cols}), c = param("c", {rows, cols});
  Var i("i"), j("j"), offset("offset");
  Stmt body =
      LetStmtNode::make(offset, i * cols + j, store(c, offset, load(a, offset) * 2.0f + 1.0f));
  auto kernel = compile("let_2d", {a, c}, loop(i, rows, loop(j, cols, body)));
  NDArray x = filled({rows, cols}, -1, 1), z({rows, cols}, DType::float32());
  kernel.run({&x, &z});
  for (int k = 0; k < rows * cols; ++k) {
    ASSERT_FLOAT_EQ(z.as<float>()[k], x.as<float>()[k] * 2.0f + 1.0f);
  }
}

int floor_div(int a, int b) { return int(std::floor(double(a) / double(b))); }
int floor_mod(int a, int b) { return a - floor_div(a, b) * b; }

TEST(LLVMCodegen, FloorDivisionAndModulo) {
  const int n = 41;
  DType i32 = DType::int32();
  Buffer x = param("x", {n}, i32), y = param("y", {n}, i32);
  std::vector<Buffer> outs;
  for (const char* name : {"d4", "m4", "d3", "m3", "dv", "mv"})
    outs.push_back(param(name, {n}, i32));
  Var i("i");
  Expr a = load(x, i), v = load(y, i);
  Stmt body = BlockNode::make({store(outs[0], i, a / 4), store(outs[1], i, a % 4),
                               store(outs[2], i, a / 3), store(outs[3], i, a % 3),
                               store(outs[4], i, a / v), store(outs[5], i, a % v)});
  std::vector<Buffer> params = {x, y};
  params.insert(params.end(), outs.begin(), outs.end());
  auto kernel = compile("floor_div_mod", params, loop(i, n, body));

  NDArray xs({n}, i32), ys({n}, i32);
  std::vector<NDArray> results;  // one by one: NDArray copies share their data
  for (int k = 0; k < 6; ++k) results.emplace_back(std::vector<int64_t>{n}, i32);
  const int divisors[] = {3, -3, 5, -7, 1, -1, 2};
  for (int k = 0; k < n; ++k) {
    xs.as<int>()[k] = k - 20;
    ys.as<int>()[k] = divisors[k % 7];
  }
  std::vector<NDArray*> args = {&xs, &ys};
  for (NDArray& r : results) args.push_back(&r);
  kernel.run(args);
  for (int k = 0; k < n; ++k) {
    int value = k - 20, divisor = divisors[k % 7];
    ASSERT_EQ(results[0].as<int>()[k], floor_div(value, 4)) << value;
    ASSERT_EQ(results[1].as<int>()[k], floor_mod(value, 4)) << value;
    ASSERT_EQ(results[2].as<int>()[k], floor_div(value, 3)) << value;
    ASSERT_EQ(results[3].as<int>()[k], floor_mod(value, 3)) << value;
    ASSERT_EQ(results[4].as<int>()[k], floor_div(value, divisor)) << value << "/" << divisor;
    ASSERT_EQ(results[5].as<int>()[k], floor_mod(value, divisor)) << value << "%" << divisor;
  }
}

TEST(LLVMCodegen, SelectMinMax) {
  const int n = 257;
  Buffer a = param("a", {n}), b = param("b", {n});
  Buffer sel = param("sel", {n}), lo = param("lo", {n}), hi = param("hi", {n});
  Buffer ilo = param("ilo", {n}, DType::int32()), ihi = param("ihi", {n}, DType::int32());
  Var i("i");
  Expr x = load(a, i), y = load(b, i);
  Stmt body = BlockNode::make({
      store(sel, i, select(x > y, x - y, select(x < 0.0f, 1.5f, -2.5f))),
      store(lo, i, min(x, y)),
      store(hi, i, max(x, y)),
      store(ilo, i, min(i - 100, 50 - i)),
      store(ihi, i, max(i - 100, 50 - i)),
  });
  auto kernel = compile("select_min_max", {a, b, sel, lo, hi, ilo, ihi}, loop(i, n, body));
  NDArray xs = filled({n}, -1, 1, 3), ys = filled({n}, -1, 1, 4);
  NDArray r_sel({n}, DType::float32()), r_lo({n}, DType::float32()), r_hi({n}, DType::float32());
  NDArray r_ilo({n}, DType::int32()), r_ihi({n}, DType::int32());
  kernel.run({&xs, &ys, &r_sel, &r_lo, &r_hi, &r_ilo, &r_ihi});
  for (int k = 0; k < n; ++k) {
    float p = xs.as<float>()[k], q = ys.as<float>()[k];
    ASSERT_EQ(r_sel.as<float>()[k], p > q ? p - q : (p < 0 ? 1.5f : -2.5f));
    ASSERT_EQ(r_lo.as<float>()[k], std::min(p, q));
    ASSERT_EQ(r_hi.as<float>()[k], std::max(p, q));
    ASSERT_EQ(r_ilo.as<int>()[k], std::min(k - 100, 50 - k));
    ASSERT_EQ(r_ihi.as<int>()[k], std::max(k - 100, 50 - k));
  }
}

// Every intrinsic, scalar and as 8-lane vectors, against the C++ library.
TEST(LLVMCodegen, Intrinsics) {
  struct Case {
    Intrinsic op;
    float low, high;
    std::function<float(float, float)> reference;
    double rel, abs;
  };
  std::vector<Case> cases = {
      {Intrinsic::exp, -10, 10, [](float x, float) { return std::exp(x); }, 1e-5, 0},
      {Intrinsic::log, 0.01f, 100, [](float x, float) { return std::log(x); }, 1e-5, 1e-7},
      {Intrinsic::sqrt, 0, 100, [](float x, float) { return std::sqrt(x); }, 1e-6, 0},
      {Intrinsic::tanh, -6, 6, [](float x, float) { return std::tanh(x); }, 0, 1e-6},
      {Intrinsic::sigmoid, -20, 20, [](float x, float) { return 1.0f / (1.0f + std::exp(-x)); },
       1e-5, 1e-7},
      {Intrinsic::erf, -4, 4, [](float x, float) { return std::erf(x); }, 0, 1e-6},
      {Intrinsic::pow, 0.1f, 4, [](float x, float y) { return std::pow(x, y); }, 1e-5, 0},
      {Intrinsic::fabs, -5, 5, [](float x, float) { return std::fabs(x); }, 0, 0},
      {Intrinsic::floor, -5, 5, [](float x, float) { return std::floor(x); }, 0, 0},
      {Intrinsic::ceil, -5, 5, [](float x, float) { return std::ceil(x); }, 0, 0},
  };
  const int n = 64, lanes = 8;
  for (const Case& c : cases) {
    SCOPED_TRACE(intrinsic_name(c.op));
    Buffer a = param("a", {n}), b = param("b", {n}), s = param("s", {n}), v = param("v", {n});
    Var i("i"), vi("vi");
    auto args_at = [&](Expr index) {
      std::vector<Expr> args = {load(a, index)};
      if (intrinsic_arity(c.op) == 2) args.push_back(load(b, index));
      return args;
    };
    Expr vector_index = ramp(vi * lanes, 1, lanes);
    Stmt body = BlockNode::make(
        {loop(i, n, store(s, i, call(c.op, args_at(i)))),
         loop(vi, n / lanes, store(v, vector_index, call(c.op, args_at(vector_index))))});
    auto kernel = compile(std::string("intrinsic_") + intrinsic_name(c.op), {a, b, s, v}, body);
    NDArray xs = filled({n}, c.low, c.high, 5), ys = filled({n}, -2, 3, 6);
    NDArray scalar({n}, DType::float32()), vector({n}, DType::float32());
    kernel.run({&xs, &ys, &scalar, &vector});
    for (int k = 0; k < n; ++k) {
      double expected = c.reference(xs.as<float>()[k], ys.as<float>()[k]);
      double tolerance = c.abs + c.rel * std::fabs(expected);
      ASSERT_NEAR(scalar.as<float>()[k], expected, tolerance) << "x=" << xs.as<float>()[k];
      ASSERT_NEAR(vector.as<float>()[k], expected, tolerance) << "x=" << xs.as<float>()[k];
    }
  }
}

TEST(LLVMCodegen, VectorRampAndBroadcast) {
  const int n = 256, lanes = 8;
  Buffer a = param("a", {n}), b = param("b", {n}), c = param("c", {n});
  Var io("io");
  Expr index = ramp(io * lanes, 1, lanes);
  // The same contiguous lanes written as ramp + broadcast: still one vector load.
  Expr shifted = ramp(io * lanes - 4, 1, lanes) + broadcast(Expr(4), lanes);
  Stmt body = store(c, index, load(a, index) * broadcast(Expr(3.0f), lanes) + load(b, shifted));
  auto kernel = compile("vector_fma", {a, b, c}, loop(io, n / lanes, body));
  LoweredFunc func{"vector_fma", {a, b, c}, loop(io, n / lanes, body)};
  std::string ir = emit_unoptimized_llvm_ir(func, Target::host());
  EXPECT_EQ(ir.find("gather"), std::string::npos) << ir;
  EXPECT_NE(ir.find("load <8 x float>"), std::string::npos) << ir;
  NDArray x = filled({n}, -1, 1, 1), y = filled({n}, -1, 1, 2), z({n}, DType::float32());
  kernel.run({&x, &y, &z});
  for (int k = 0; k < n; ++k) {
    ASSERT_NEAR(z.as<float>()[k], x.as<float>()[k] * 3.0f + y.as<float>()[k], 1e-6);
  }
}

TEST(LLVMCodegen, GatherAndScatter) {
  const int n = 64, lanes = 8;
  Buffer a = param("a", {2 * n}), c = param("c", {n}), t = param("t", {n});
  Var io("io");
  // c[8io + l] = a[16io + 2l] (stride 2: loads and a shuffle, strided_load_test.cpp has the
  // gathers); t[io + 8l] = c[8io + l] (a scatter).
  Stmt body = BlockNode::make(
      {store(c, ramp(io * lanes, 1, lanes), load(a, ramp(io * 2 * lanes, 2, lanes))),
       store(t, ramp(io, n / lanes, lanes), load(c, ramp(io * lanes, 1, lanes)))});
  auto kernel = compile("gather_scatter", {a, c, t}, loop(io, n / lanes, body));
  NDArray x = filled({2 * n}, -1, 1), y({n}, DType::float32()), z({n}, DType::float32());
  kernel.run({&x, &y, &z});
  for (int k = 0; k < n; ++k) {
    ASSERT_EQ(y.as<float>()[k], x.as<float>()[2 * k]);
    int block = k / lanes, lane = k % lanes;
    ASSERT_EQ(z.as<float>()[block + lane * (n / lanes)], y.as<float>()[k]);
  }
}

TEST(LLVMCodegen, ParallelLoopIsDeterministic) {
  const int rows = 97, cols = 33;
  Buffer a = param("a", {rows, cols}), scale = param("scale", {1}), c = param("c", {rows});
  Var i("i"), k("k"), j("j"), base("base"), factor("factor", DType::float32());
  // c[i] = sum_k a[i, k] * scale * (k + 1), accumulated in order; an inner parallel loop over a
  // second index runs serially inside the outer one.
  Stmt reduce = BlockNode::make({
      store(c, i, Expr(0.0f)),
      loop(k, cols,
           store(c, i, load(c, i) + load(a, base + k) * factor * cast(DType::float32(), k + 1))),
      loop(j, 4, store(c, i, load(c, i) + cast(DType::float32(), j) * 0.0f), ForKind::Parallel),
  });
  Stmt body = LetStmtNode::make(
      factor, load(scale, 0),
      loop(i, rows, LetStmtNode::make(base, i * cols, reduce), ForKind::Parallel));
  auto kernel = compile("parallel_rows", {a, scale, c}, body);
  NDArray x = filled({rows, cols}, -1, 1), s({1}, DType::float32());
  s.as<float>()[0] = 0.5f;
  NDArray one({rows}, DType::float32()), two({rows}, DType::float32());
  int saved = num_threads();
  set_num_threads(1);
  kernel.run({&x, &s, &one});
  set_num_threads(2);
  kernel.run({&x, &s, &two});
  set_num_threads(saved);
  for (int r = 0; r < rows; ++r) {
    double expected = 0;
    for (int q = 0; q < cols; ++q) expected += double(x.as<float>()[r * cols + q]) * 0.5 * (q + 1);
    ASSERT_NEAR(one.as<float>()[r], expected, 1e-4);
    ASSERT_EQ(one.as<float>()[r], two.as<float>()[r]);
  }
}

TEST(LLVMCodegen, UnrolledLoop) {
  const int n = 50, width = 4;
  Buffer a = param("a", {n, width}), c = param("c", {n, width});
  Var i("i"), j("j");
  Stmt body = store(c, i * width + j, load(a, i * width + j) * cast(DType::float32(), j));
  auto kernel = compile("unrolled", {a, c}, loop(i, n, loop(j, width, body, ForKind::Unrolled)));
  NDArray x = filled({n, width}, -1, 1), z({n, width}, DType::float32());
  kernel.run({&x, &z});
  for (int k = 0; k < n * width; ++k)
    ASSERT_EQ(z.as<float>()[k], x.as<float>()[k] * float(k % width));
}

// A local buffer: small ones are stack allocas, big ones (over 256 KiB) heap blocks.
void check_local_buffer(int block) {
  const int blocks = 3;
  Buffer a = param("a", {blocks, block}), c = param("c", {blocks, block});
  Buffer scratch = local("scratch", {block});
  Var i("i"), j("j"), k("k");
  Stmt body = AllocateNode::make(
      scratch, BlockNode::make(
                   {loop(j, block, store(scratch, j, load(a, i * block + j) * 2.0f)),
                    loop(k, block, store(c, i * block + k, load(scratch, block - 1 - k) + 1.0f))}));
  auto kernel =
      compile("local_" + std::to_string(block), {a, c}, loop(i, blocks, body, ForKind::Parallel));
  NDArray x = filled({blocks, block}, -1, 1), z({blocks, block}, DType::float32());
  kernel.run({&x, &z});
  for (int r = 0; r < blocks; ++r) {
    for (int q = 0; q < block; ++q) {
      ASSERT_EQ(z.as<float>()[r * block + q],
                x.as<float>()[r * block + block - 1 - q] * 2.0f + 1.0f);
    }
  }
}

TEST(LLVMCodegen, SmallLocalBuffer) { check_local_buffer(64); }
TEST(LLVMCodegen, BigLocalBuffer) { check_local_buffer(200000); }

// select(i < 1, a[i * 10^8], 0): the excluded load is 400 MB past the buffer's end and must never
// execute.
TEST(LLVMCodegen, GuardedLoadNeverRunsOutOfBounds) {
  const int n = 16;
  Buffer a = param("a", {1}), c = param("c", {n});
  Var i("i");
  Stmt body = store(c, i, select(i < 1, load(a, i * 100000000), Expr(-1.0f)));
  auto kernel = compile("guarded_load", {a, c}, loop(i, n, body));
  NDArray x({1}, DType::float32()), z({n}, DType::float32());
  x.as<float>()[0] = 42.0f;
  kernel.run({&x, &z});
  EXPECT_EQ(z.as<float>()[0], 42.0f);
  for (int k = 1; k < n; ++k) ASSERT_EQ(z.as<float>()[k], -1.0f);
}

TEST(LLVMCodegen, ChecksArguments) {
  Buffer a = param("a", {4, 4}), c = param("c", {4, 4});
  Var i("i");
  auto kernel = compile("copy16", {a, c}, loop(i, 16, store(c, i, load(a, i))));
  NDArray x({4, 4}, DType::float32()), z({4, 4}, DType::float32());
  NDArray wrong_shape({16}, DType::float32()), wrong_type({4, 4}, DType::int32());
  EXPECT_NO_THROW(kernel.run({&x, &z}));
  EXPECT_THROW(kernel.run({&x}), UserError);
  EXPECT_THROW(kernel.run({&x, &wrong_shape}), UserError);
  EXPECT_THROW(kernel.run({&wrong_type, &z}), UserError);
  EXPECT_THROW(kernel.run_raw({x.data(), static_cast<char*>(z.data()) + 4}), UserError);
}

}  // namespace
}  // namespace tt
