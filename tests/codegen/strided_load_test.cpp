// Vector loads with a constant stride (stride-2 convolutions and pooling read input[2 * ow + rx]
// with ow vectorized): strides 2 to 4 become contiguous loads and a shuffle, never reading past the
// last element the lanes need; other strides stay gathers; broadcast and stride-0 indices are one
// scalar access. Each kernel is checked against plain C++.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "codegen/llvm_codegen.h"
#include "codegen_test_util.h"

namespace tt {
namespace {

using namespace tt::testing;

// `count` elements of 4 bytes ending exactly at a PROT_NONE page: a load one element past the end
// faults. The start is 64-byte aligned (kernels assume it), so count must be a multiple of 16.
class GuardedArray {
 public:
  explicit GuardedArray(int64_t count) {
    page_ = size_t(sysconf(_SC_PAGESIZE));
    size_t bytes = size_t(count) * 4;
    size_t data_pages = (bytes + page_ - 1) / page_;
    mapped_ = (data_pages + 1) * page_;
    void* base = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_NE(base, MAP_FAILED);
    base_ = static_cast<char*>(base);
    EXPECT_EQ(mprotect(base_ + data_pages * page_, page_, PROT_NONE), 0);
    data_ = base_ + data_pages * page_ - bytes;
  }
  ~GuardedArray() { munmap(base_, mapped_); }
  GuardedArray(const GuardedArray&) = delete;
  GuardedArray& operator=(const GuardedArray&) = delete;
  void* data() const { return data_; }

 private:
  size_t page_ = 0, mapped_ = 0;
  char* base_ = nullptr;
  char* data_ = nullptr;
};

int count(const std::string& text, const std::string& part) {
  int found = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++found;
  return found;
}

struct StridedCase {
  int stride;
  int lanes;
  bool integer;
};

std::string case_name(const ::testing::TestParamInfo<StridedCase>& info) {
  // Appended piece by piece: `"s" + std::to_string(...)` trips GCC 12's false -Wrestrict.
  std::string name = "s";
  name += std::to_string(info.param.stride);
  name += "_l";
  name += std::to_string(info.param.lanes);
  name += info.param.integer ? "_i32" : "_f32";
  return name;
}

class StridedLoad : public ::testing::TestWithParam<StridedCase> {};

// c[lanes*io + l] = a[shift + stride*lanes*io + stride*l] for every block io, with `a` exactly as
// long as the last block's last lane needs: first as an NDArray of that size, then ending at a
// guard page. The shift makes the guarded size a multiple of 16 and varies the base's alignment.
TEST_P(StridedLoad, MatchesScalarReferenceWithinExactBuffer) {
  const auto [stride, lanes, integer] = GetParam();
  const int blocks = 5;
  const int64_t last_block_start = int64_t(blocks - 1) * lanes * stride;
  const int64_t unshifted = last_block_start + int64_t(lanes - 1) * stride + 1;
  const int64_t shift = (16 - unshifted % 16) % 16;
  const int64_t size = unshifted + shift;
  DType dtype = integer ? DType::int32() : DType::float32();

  Buffer a = param("a", {size}, dtype), c = param("c", {blocks * lanes}, dtype);
  Var io("io");
  Expr index = ramp(io * (lanes * stride) + int(shift), stride, lanes);
  Stmt body = store(c, ramp(io * lanes, 1, lanes), load(a, index));
  std::string name = "strided_" + case_name({GetParam(), 0});
  LoweredFunc func{name, {a, c}, loop(io, blocks, body)};
  std::string ir = emit_unoptimized_llvm_ir(func, Target::host());
  EXPECT_EQ(ir.find("gather"), std::string::npos) << ir;
  EXPECT_NE(ir.find("shufflevector"), std::string::npos) << ir;
  auto kernel = host_compiler().compile(func);

  NDArray x({size}, dtype), z({blocks * lanes}, dtype);
  for (int64_t k = 0; k < size; ++k) {
    if (integer) {
      x.as<int32_t>()[k] = int32_t(k * 7 - 100);
    } else {
      x.as<float>()[k] = float(k) * 0.5f - 3.0f;
    }
  }
  auto check = [&](const NDArray& result) {
    for (int block = 0; block < blocks; ++block) {
      for (int lane = 0; lane < lanes; ++lane) {
        int64_t from = shift + int64_t(block) * lanes * stride + int64_t(lane) * stride;
        int64_t to = int64_t(block) * lanes + lane;
        if (integer) {
          ASSERT_EQ(result.as<int32_t>()[to], x.as<int32_t>()[from]) << block << ":" << lane;
        } else {
          ASSERT_EQ(result.as<float>()[to], x.as<float>()[from]) << block << ":" << lane;
        }
      }
    }
  };
  kernel.run({&x, &z});
  check(z);

  GuardedArray guarded(size);
  std::memcpy(guarded.data(), x.data(), x.bytes());
  NDArray w({blocks * lanes}, dtype);
  kernel.run_raw({guarded.data(), w.data()});
  check(w);
}

INSTANTIATE_TEST_SUITE_P(
    Codegen, StridedLoad,
    ::testing::Values(StridedCase{2, 4, false}, StridedCase{2, 7, false}, StridedCase{2, 8, false},
                      StridedCase{2, 16, false}, StridedCase{3, 4, false}, StridedCase{3, 7, false},
                      StridedCase{3, 8, false}, StridedCase{3, 16, false}, StridedCase{4, 4, false},
                      StridedCase{4, 7, false}, StridedCase{4, 8, false}, StridedCase{4, 16, false},
                      StridedCase{2, 8, true}, StridedCase{3, 7, true}, StridedCase{4, 16, true}),
    case_name);

// The pooling shape: ramp(2*ow + rx, 2, 8) + broadcast(row) sums three overlapping windows; the
// ramp-plus-broadcast form takes the same path.
TEST(LLVMCodegen, StridedLoadPlusBroadcastIndex) {
  const int lanes = 8, width = 2 * 3 * lanes + 2, rows = 3;
  Buffer a = param("a", {rows * width}), c = param("c", {rows * 3 * lanes});
  Var r("r"), ow("ow");
  Expr sum = Expr(0.0f);
  for (int rx = 0; rx < 3; ++rx) {
    sum = sum + load(a, ramp(ow * (2 * lanes) + rx, 2, lanes) + broadcast(r * width, lanes));
  }
  Stmt body = store(c, ramp(r * (3 * lanes) + ow * lanes, 1, lanes), sum);
  LoweredFunc func{"strided_window", {a, c}, loop(r, rows, loop(ow, 3, body))};
  EXPECT_EQ(emit_unoptimized_llvm_ir(func, Target::host()).find("gather"), std::string::npos);
  auto kernel = host_compiler().compile(func);
  NDArray x = filled({rows * width}, -1, 1), z({rows * 3 * lanes}, DType::float32());
  kernel.run({&x, &z});
  for (int row = 0; row < rows; ++row) {
    for (int o = 0; o < 3 * lanes; ++o) {
      const float* in = x.as<float>() + row * width;
      float expected = 0.0f + in[2 * o] + in[2 * o + 1] + in[2 * o + 2];
      ASSERT_EQ(z.as<float>()[row * 3 * lanes + o], expected) << row << ":" << o;
    }
  }
}

// Strides outside [2, 4] (5, negative, not constant) and 64-bit elements keep the gather.
TEST(LLVMCodegen, OtherStridesStayGathers) {
  const int lanes = 8, n = 4;
  Buffer a = param("a", {5 * lanes * n}), s = param("s", {1}, DType::int32());
  Buffer c5 = param("c5", {lanes * n}), cn = param("cn", {lanes * n}),
         cv = param("cv", {lanes * n});
  Buffer d = param("d", {2 * lanes * n}, DType::int64());
  Buffer cd = param("cd", {lanes * n}, DType::int64());
  Var io("io");
  Expr out = ramp(io * lanes, 1, lanes);
  Expr step = load(s, 0);
  Stmt body = BlockNode::make({
      store(c5, out, load(a, ramp(io * (5 * lanes), 5, lanes))),
      store(cn, out, load(a, ramp(io * (2 * lanes) + (2 * lanes - 1), -2, lanes))),
      store(cv, out, load(a, RampNode::make(io * (3 * lanes), step, lanes))),
      store(cd, out, load(d, ramp(io * (2 * lanes), 2, lanes))),
  });
  LoweredFunc func{"other_strides", {a, s, c5, cn, cv, d, cd}, loop(io, n, body)};
  std::string ir = emit_unoptimized_llvm_ir(func, Target::host());
  EXPECT_EQ(count(ir, "@llvm.masked.gather.v8f32.v8p0(<8 x ptr> %"), 3) << ir;
  EXPECT_EQ(count(ir, "@llvm.masked.gather.v8i64.v8p0(<8 x ptr> %"), 1) << ir;
  auto kernel = host_compiler().compile(func);
  NDArray x = filled({5 * lanes * n}, -1, 1), step_value({1}, DType::int32());
  step_value.as<int32_t>()[0] = 3;
  NDArray y({2 * lanes * n}, DType::int64());
  for (int k = 0; k < 2 * lanes * n; ++k) y.as<int64_t>()[k] = int64_t(k) * 3 - 50;
  NDArray z5({lanes * n}, DType::float32()), zn({lanes * n}, DType::float32());
  NDArray zv({lanes * n}, DType::float32()), zd({lanes * n}, DType::int64());
  kernel.run({&x, &step_value, &z5, &zn, &zv, &y, &zd});
  for (int k = 0; k < lanes * n; ++k) {
    int block = k / lanes, lane = k % lanes;
    ASSERT_EQ(z5.as<float>()[k], x.as<float>()[5 * k]);
    ASSERT_EQ(zn.as<float>()[k], x.as<float>()[block * 2 * lanes + 2 * lanes - 1 - 2 * lane]);
    ASSERT_EQ(zv.as<float>()[k], x.as<float>()[3 * k]);
    ASSERT_EQ(zd.as<int64_t>()[k], y.as<int64_t>()[2 * k]);
  }
}

// Stride 1 is still one plain vector load, with no shuffle.
TEST(LLVMCodegen, UnitStrideLoadHasNoShuffle) {
  const int lanes = 8, n = 64;
  Buffer a = param("a", {n}), c = param("c", {n});
  Var io("io");
  Expr index = ramp(io * lanes, 1, lanes);
  LoweredFunc func{"unit_stride", {a, c}, loop(io, n / lanes, store(c, index, load(a, index)))};
  std::string ir = emit_unoptimized_llvm_ir(func, Target::host());
  EXPECT_NE(ir.find("load <8 x float>"), std::string::npos) << ir;
  EXPECT_EQ(ir.find("shufflevector"), std::string::npos) << ir;
  EXPECT_EQ(ir.find("gather"), std::string::npos) << ir;
}

// Every lane at one address: a broadcast or stride-0 load is one scalar load splatted, and such a
// store keeps the last lane's value (what a scatter's lane-ordered writes leave).
TEST(LLVMCodegen, BroadcastAndStrideZeroIndices) {
  const int lanes = 8, n = 16;
  Buffer a = param("a", {n}), c = param("c", {n * lanes}), t = param("t", {n});
  Var i("i");
  Expr out = ramp(i * lanes, 1, lanes);
  Stmt body = BlockNode::make({
      store(c, out, load(a, broadcast(i, lanes)) * 2.0f + load(a, ramp(i, 0, lanes))),
      store(t, broadcast(i, lanes), load(c, out) + cast(DType::float32(lanes), ramp(0, 1, lanes))),
  });
  LoweredFunc func{"same_address", {a, c, t}, loop(i, n, body)};
  std::string ir = emit_unoptimized_llvm_ir(func, Target::host());
  EXPECT_EQ(ir.find("gather"), std::string::npos) << ir;
  EXPECT_EQ(ir.find("scatter"), std::string::npos) << ir;
  auto kernel = host_compiler().compile(func);
  NDArray x = filled({n}, -1, 1), y({n * lanes}, DType::float32()), z({n}, DType::float32());
  kernel.run({&x, &y, &z});
  for (int k = 0; k < n; ++k) {
    float value = x.as<float>()[k] * 2.0f + x.as<float>()[k];
    for (int lane = 0; lane < lanes; ++lane) ASSERT_EQ(y.as<float>()[k * lanes + lane], value);
    ASSERT_EQ(z.as<float>()[k], value + float(lanes - 1));
  }
}

}  // namespace
}  // namespace tt
