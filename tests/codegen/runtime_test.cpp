// The kernel runtime on its own: deterministic chunks, nested calls inline, aligned allocation.
#include "codegen/runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <vector>

namespace tt {
namespace {

struct Chunks {
  std::mutex mutex;
  std::vector<std::pair<int64_t, int64_t>> ranges;
};

void record(int64_t begin, int64_t end, void* closure) {
  auto* chunks = static_cast<Chunks*>(closure);
  std::lock_guard<std::mutex> lock(chunks->mutex);
  chunks->ranges.emplace_back(begin, end);
}

std::vector<std::pair<int64_t, int64_t>> chunks_of(int64_t n) {
  Chunks chunks;
  tt_parallel_for(n, &record, &chunks);
  std::sort(chunks.ranges.begin(), chunks.ranges.end());
  return chunks.ranges;
}

TEST(Runtime, StaticChunks) {
  int saved = num_threads();
  set_num_threads(1);
  EXPECT_EQ(chunks_of(10), (std::vector<std::pair<int64_t, int64_t>>{{0, 10}}));
  set_num_threads(2);
  EXPECT_EQ(num_threads(), 2);
  for (int repeat = 0; repeat < 20; ++repeat) {
    EXPECT_EQ(chunks_of(11), (std::vector<std::pair<int64_t, int64_t>>{{0, 5}, {5, 11}}));
  }
  EXPECT_EQ(chunks_of(1), (std::vector<std::pair<int64_t, int64_t>>{{0, 1}}));
  EXPECT_TRUE(chunks_of(0).empty());
  set_num_threads(3);  // more threads than cores still gives three fixed chunks
  EXPECT_EQ(chunks_of(9), (std::vector<std::pair<int64_t, int64_t>>{{0, 3}, {3, 6}, {6, 9}}));
  set_num_threads(saved);
}

void nested(int64_t begin, int64_t end, void* closure) {
  auto* inner = static_cast<std::vector<Chunks>*>(closure);
  for (int64_t i = begin; i < end; ++i) tt_parallel_for(8, &record, &(*inner)[size_t(i)]);
}

TEST(Runtime, NestedCallsRunInline) {
  int saved = num_threads();
  set_num_threads(2);
  std::vector<Chunks> inner(4);
  tt_parallel_for(4, &nested, &inner);
  for (Chunks& chunks : inner) {
    EXPECT_EQ(chunks.ranges, (std::vector<std::pair<int64_t, int64_t>>{{0, 8}}));
  }
  set_num_threads(saved);
}

TEST(Runtime, AlignedAllocation) {
  for (int64_t bytes : {0, 1, 63, 64, 1000, 1 << 20}) {
    void* p = tt_alloc(bytes);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
    tt_free(p);
  }
}

}  // namespace
}  // namespace tt
