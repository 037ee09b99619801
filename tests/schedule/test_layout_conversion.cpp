// Layout conversion kernels (ir/schedule/layout_conversion.h), compiled and run: between the model's
// layout and channel-blocked ones, between two block sizes, with blocks that leave padding, on 2-D
// to 5-D values and at one and two threads, each converted value equals the reference packing of
// the input; keys tell conversions apart and never depend on the schedule.
#include <gtest/gtest.h>

#include <random>

#include "ir/error.h"
#include "ir/schedule/layout.h"
#include "ir/schedule/layout_conversion.h"
#include "search/measure/build.h"
#include "tests/schedule/schedule_test_util.h"

namespace tt {
namespace {

using test::compiler;

// dim `d` of a rank-`rank` value blocked by `block`, the block innermost (NCHW[x]c for d = 1).
LayoutRewriteStep blocked(int rank, int d, int64_t block) {
  LayoutRewriteStep l;
  l.factors.assign(size_t(rank), {});
  l.factors[size_t(d)] = {block};
  for (int i = 0; i < rank; ++i) l.order.push_back({i, 0});
  l.order.push_back({d, 1});
  return l;
}

struct Case {
  std::vector<int64_t> shape;
  std::optional<LayoutRewriteStep> from, to;
};

TEST(LayoutConversion, EveryKernelEqualsTheReferencePacking) {
  std::vector<Case> cases = {
      {{1, 32, 7, 9}, std::nullopt, blocked(4, 1, 16)},          // NCHW -> NCHW16c, a row of 9 (a tail)
      {{1, 32, 7, 20}, blocked(4, 1, 16), std::nullopt},         // NCHW16c -> NCHW
      {{1, 48, 5, 17}, blocked(4, 1, 16), blocked(4, 1, 12)},    // between block sizes
      {{1, 24, 6, 16}, std::nullopt, blocked(4, 1, 16)},         // 24 channels: a padded last block
      {{2, 3, 4, 33}, std::nullopt, blocked(4, 1, 3)},           // a 3-channel stem, batch 2
      {{40, 18}, std::nullopt, blocked(2, 0, 8)},                // 2-D, rows blocked
      {{1, 16, 2, 3, 40}, blocked(5, 1, 8), std::nullopt},       // 5-D
      {{1, 8, 4, 4}, std::nullopt, blocked(4, 3, 2)},            // the innermost dim blocked: plain copy
  };
  std::mt19937_64 rng(3);
  for (int threads : {1, 2}) {
    HardwareParams hw;
    hw.vector_lanes = 16;
    hw.num_threads = threads;
    for (const Case& c : cases) {
      SCOPED_TRACE(shape_to_string(c.shape) + " threads " + std::to_string(threads));
      LayoutConversionKernel k = layout_conversion_kernel(c.shape, DType::float32(), c.from, c.to, hw);
      NDArray logical(c.shape, DType::float32());
      logical.fill_uniform(rng);
      NDArray in = c.from ? pack_layout(*c.from, logical) : logical;
      NDArray expected = c.to ? pack_layout(*c.to, logical) : logical;
      NDArray out(expected.shape(), DType::float32());
      // Padding the kernel does not write must not matter: compare the logical values.
      BuiltKernel built = build_kernel({k.output}, k.steps, compiler(), "convert");
      built.kernel.run({&in, &out});
      NDArray got = c.to ? unpack_layout(*c.to, out, c.shape) : out;
      ASSERT_EQ(got.num_elements(), logical.num_elements());
      for (int64_t i = 0; i < got.num_elements(); ++i)
        ASSERT_EQ(got.as<float>()[i], logical.as<float>()[i]) << "element " << i;
      EXPECT_EQ(k.bytes, (in.num_elements() + expected.num_elements()) * 4);
    }
  }
}

TEST(LayoutConversion, KeysNameShapeAndLayoutsButNotTheSchedule) {
  HardwareParams one, two;
  two.num_threads = 2;
  const std::vector<int64_t> shape{1, 32, 8, 8};
  auto key = [&](const std::optional<LayoutRewriteStep>& from, const std::optional<LayoutRewriteStep>& to,
                 const HardwareParams& hw, std::vector<int64_t> s) {
    return layout_conversion_kernel(s, DType::float32(), from, to, hw).workload_key;
  };
  const std::string a = key(std::nullopt, blocked(4, 1, 16), one, shape);
  EXPECT_EQ(a, key(std::nullopt, blocked(4, 1, 16), two, shape)) << "the schedule is not part of the key";
  EXPECT_NE(a, key(blocked(4, 1, 16), std::nullopt, one, shape));
  EXPECT_NE(a, key(std::nullopt, blocked(4, 1, 8), one, shape));
  EXPECT_NE(a, key(std::nullopt, blocked(4, 1, 16), one, {1, 32, 8, 9}));
  EXPECT_EQ(a.size(), 16u);
  EXPECT_NE(layout_conversion_kernel(shape, DType::float32(), std::nullopt, blocked(4, 1, 16), one).description.find(
                "1x32x8x8 -> 1x2x8x8x16"),
            std::string::npos);
}

}  // namespace
}  // namespace tt
