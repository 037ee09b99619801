// Feature extraction: the function's stores are recorded (store_records.h), grouped by the buffer
// they write, and each group becomes one row: arithmetic, loop annotations, the accessed buffers'
// bytes, cache lines and reuse (Ansor's analysis), arithmetic intensity, allocation.
#include "search/cost_model/features.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <unordered_map>
#include <utility>

#include "ir/error.h"
#include "search/cost_model/store_records.h"

namespace tt {

namespace {

using namespace cost_model_detail;

// Cache-line size used for the line counts; 64 bytes on every x86 CPU this project targets.
constexpr double kCacheLineBytes = 64;

// The two innermost running loops of the dominant store, each: extent, and the share of the
// accesses that stay in place (stride 0), move by one element (stride +-1) or jump. LLVM fully
// unrolls a short innermost loop and vectorizes the one outside it when every access there is
// contiguous or invariant, so both levels matter even for kernels the schedule did not vectorize.
constexpr int kInnerLoopLevels = 2;
enum InnerLoopColumn : int {
  kInnerExtent,
  kInnerInvariant,
  kInnerUnit,
  kInnerStrided,
  kInnerLoopColumns
};

// The row's columns, in order (features.h documents the groups).
enum Column : int {
  // [0, kNumOpKinds): the OpKind counts, in OpKind order
  kFloatScalarOps = kNumOpKinds,
  kFloatVectorOps,
  kVecLanes,
  kVecLanesOverNative,
  kVecStoreShare,
  kVecLoops,
  kVecLoopProd,
  kUnrollLoops,
  kUnrollProd,
  kUnrollCopies,
  kParLoops,
  kParProd,
  kParInnermostExtent,
  kParOutermost,
  kParInner,
  kParChunksPerThread,
  kParBalance,
  kNumLoops,
  kOuterProd,
  kInnermostExtent,
  kNumGuards,
  kNumStores,
  kInnerLoopBase,  // kInnerLoopLevels x kInnerLoopColumns
  kBufferBase = kInnerLoopBase + kInnerLoopLevels * kInnerLoopColumns,
  kIntensityBase = kBufferBase + kMaxBuffersPerRow * kBufferFeatures,
  kAllocSize = kIntensityBase + kIntensityCurvePoints,
  kAllocProd,
  kAllocOuterProd,
  kAllocInnerProd,
  kAllocRegisters,
  kArithmeticIntensity,
  kColumnEnd
};
static_assert(kColumnEnd == kFeatureLength, "the column list and kFeatureLength disagree");

enum BufferColumn : int {
  kIsRead,
  kIsWrite,
  kIsReadWrite,
  kBytes,
  kUniqueBytes,
  kLines,
  kUniqueLines,
  kReuseLoop,
  kReuseSerial,
  kReuseNone,
  kReuseDistanceIters,
  kReuseDistanceBytes,
  kReuseCount,
  kBytesPerReuse,
  kUniqueBytesPerReuse,
  kLinesPerReuse,
  kUniqueLinesPerReuse,
  kStride,
  kAccessLanes,
  kBufferColumnEnd
};
static_assert(kBufferColumnEnd == kBufferFeatures,
              "the buffer column list and kBufferFeatures disagree");

// Column names, space-separated: those before the buffer block, one buffer's, and those after.
constexpr const char* kLeadingNames =
    "float_mad float_addsub float_mul float_divmod float_cmp float_math int_addsub int_mul "
    "int_divmod int_cmp bool_op select_op cast_op float_scalar_instrs float_vector_instrs "
    "vec_lanes vec_lanes_over_native vec_store_share vec_loops vec_loop_prod unroll_loops "
    "unroll_prod unroll_copies par_loops par_prod par_innermost_extent par_pos_outermost "
    "par_pos_inner par_chunks_per_thread par_balance num_loops outer_prod innermost_extent "
    "num_guards num_stores inner0_extent inner0_invariant_share inner0_unit_stride_share "
    "inner0_strided_share inner1_extent inner1_invariant_share inner1_unit_stride_share "
    "inner1_strided_share ";
constexpr const char* kBufferNames =
    "is_read is_write is_read_write bytes unique_bytes lines unique_lines reuse_loop "
    "reuse_serial reuse_none reuse_dis_iter reuse_dis_bytes reuse_ct bytes_d_reuse_ct "
    "unique_bytes_d_reuse_ct lines_d_reuse_ct unique_lines_d_reuse_ct stride lanes ";
constexpr const char* kTrailingNames =
    "alloc_size alloc_prod alloc_outer_prod alloc_inner_prod alloc_registers arith_intensity ";

std::vector<std::string> split_names(const char* names) {
  std::vector<std::string> out;
  std::string current;
  for (const char* c = names; *c; ++c) {
    if (*c != ' ')
      current += *c;
    else if (!current.empty())
      out.push_back(std::exchange(current, std::string()));
  }
  if (!current.empty()) out.push_back(current);
  return out;
}

double log2p(double x) { return x < 0 ? -std::log2(1 - x) : std::log2(1 + x); }

// ---- per-access quantities ----

double elem_bytes(const Access& a) { return a.buffer->dtype.bytes(); }

// Distinct elements the access touches while the loops from `first_level` inwards run: the smaller
// of the iteration count of the loops it depends on and the address span, capped by the buffer.
double unique_elements(const StoreRecord& s, const Access& a, size_t first_level) {
  double product = a.lanes;
  double span = double(a.lanes - 1) * double(std::abs(a.lane_stride)) + 1;
  for (size_t l = first_level; l < s.loops.size(); ++l) {
    if (a.step[l] == 0 && a.span[l] == 0) continue;
    product *= double(s.loops[l].extent);
    span += double(a.span[l]);
  }
  return std::min({product, span, double(std::max<int64_t>(1, a.buffer->size))});
}

// Index of the innermost loop that runs more than once, or -1.
int innermost_running_loop(const StoreRecord& s) {
  for (int l = int(s.loops.size()) - 1; l >= 0; --l)
    if (s.loops[size_t(l)].extent > 1) return l;
  return -1;
}

// Cache lines the access brings in over the whole nest, counting the reuse between consecutive
// iterations of the innermost loop (a unit-stride scalar walk touches a new line every 16 floats).
double cache_lines(const StoreRecord& s, const Access& a) {
  double eb = elem_bytes(a);
  double lane_stride_bytes = double(std::abs(a.lane_stride)) * eb;
  double footprint = (double(a.lanes - 1) * double(std::abs(a.lane_stride)) + 1) * eb;
  double per_access =
      lane_stride_bytes >= kCacheLineBytes ? a.lanes : std::max(1.0, footprint / kCacheLineBytes);
  int inner = innermost_running_loop(s);
  if (inner < 0) return per_access * s.outer_prod;
  double extent = double(s.loops[size_t(inner)].extent);
  double step_bytes = double(std::abs(a.step[size_t(inner)])) * eb;
  double new_per_step = step_bytes >= kCacheLineBytes
                            ? per_access
                            : std::min(per_access, step_bytes / kCacheLineBytes);
  return (per_access + (extent - 1) * new_per_step) * (s.outer_prod / extent);
}

double unique_lines(const StoreRecord& s, const Access& a) {
  double elements = unique_elements(s, a, 0);
  int inner = innermost_running_loop(s);
  bool strided = a.lanes == 1 && inner >= 0 &&
                 double(std::abs(a.step[size_t(inner)])) * elem_bytes(a) >= kCacheLineBytes;
  return strided ? elements : std::max(1.0, elements * elem_bytes(a) / kCacheLineBytes);
}

enum class ReuseKind { LoopMultipleRead, SerialMultipleReadWrite, None };

struct Reuse {
  ReuseKind kind = ReuseKind::None;
  double count = 0, distance_iters = 0, distance_bytes = 0;
};

// Ansor's reuse analysis, walking the loops inner to outer: the first loop the index does not
// depend on re-reads the same data `extent` times, after the inner loops' iterations and bytes;
// failing that, several accesses of the buffer in one statement reuse it serially.
Reuse reuse_of(const StoreRecord& s, const Access& a) {
  Reuse r;
  for (int l = int(s.loops.size()) - 1; l >= 0; --l) {
    const Loop& loop = s.loops[size_t(l)];
    if (loop.extent <= 1 || a.step[size_t(l)] != 0 || a.span[size_t(l)] != 0) continue;
    r.kind = ReuseKind::LoopMultipleRead;
    r.count = double(loop.extent);
    r.distance_iters = 1;
    for (size_t m = size_t(l) + 1; m < s.loops.size(); ++m)
      r.distance_iters *= double(s.loops[m].extent);
    for (const Access& b : s.accesses)
      r.distance_bytes += unique_elements(s, b, size_t(l) + 1) * elem_bytes(b);
    return r;
  }
  int same_buffer = 0;
  double statement_bytes = 0;
  for (const Access& b : s.accesses) {
    same_buffer += b.buffer == a.buffer;
    statement_bytes += double(b.lanes) * elem_bytes(b);
  }
  if (same_buffer >= 2) {
    r.kind = ReuseKind::SerialMultipleReadWrite;
    r.count = same_buffer;
    r.distance_iters = 1;
    r.distance_bytes = statement_bytes;
  }
  return r;
}

// ---- rows ----

struct BufferSummary {
  const BufferNode* buffer;
  bool read = false, write = false;
  double bytes = 0, unique_bytes = 0, lines = 0, unique_lines = 0;
  const StoreRecord* rep_store =
      nullptr;  // the access with the most bytes stands for reuse and stride
  const Access* rep_access = nullptr;
  double rep_bytes = -1;
  size_t first_seen = 0;
};

bool same_access(const Access& a, const Access& b) {
  return a.buffer == b.buffer && a.index_hash == b.index_hash && structural_equal(a.index, b.index);
}

class RowBuilder {
 public:
  explicit RowBuilder(std::vector<float>* row) : row_(row) {}
  void set(int column, double value) { (*row_)[size_t(column)] = float(log2p(value)); }
  void set_flag(int column, bool value) { (*row_)[size_t(column)] = value ? 1.0f : 0.0f; }

 private:
  std::vector<float>* row_;
};

std::vector<BufferSummary> summarize_buffers(const std::vector<const StoreRecord*>& stores) {
  std::vector<BufferSummary> out;
  std::unordered_map<const BufferNode*, size_t> slot;
  std::vector<std::pair<const StoreRecord*, const Access*>>
      distinct;  // accesses counted for unique bytes
  for (const StoreRecord* s : stores) {
    for (const Access& a : s->accesses) {
      auto [it, inserted] = slot.try_emplace(a.buffer, out.size());
      if (inserted) {
        out.push_back(BufferSummary{a.buffer});
        out.back().first_seen = out.size() - 1;
      }
      BufferSummary& b = out[it->second];
      (a.write ? b.write : b.read) = true;
      double bytes = s->outer_prod * double(a.lanes) * elem_bytes(a);
      b.bytes += bytes;
      b.lines += cache_lines(*s, a);
      if (bytes > b.rep_bytes) {
        b.rep_bytes = bytes;
        b.rep_store = s;
        b.rep_access = &a;
      }
      bool seen = std::any_of(distinct.begin(), distinct.end(),
                              [&](const auto& d) { return same_access(*d.second, a); });
      if (seen) continue;
      distinct.push_back({s, &a});
      b.unique_bytes += unique_elements(*s, a, 0) * elem_bytes(a);
      b.unique_lines += unique_lines(*s, a);
    }
  }
  for (BufferSummary& b : out) {
    double size_bytes = double(std::max<int64_t>(1, b.buffer->size)) * b.buffer->dtype.bytes();
    b.unique_bytes = std::min(b.unique_bytes, size_bytes);
    b.unique_lines = std::min(b.unique_lines, std::ceil(size_bytes / kCacheLineBytes));
  }
  return out;
}

void write_buffer_columns(RowBuilder& row, int base, const BufferSummary& b) {
  row.set_flag(base + kIsRead, b.read && !b.write);
  row.set_flag(base + kIsWrite, b.write && !b.read);
  row.set_flag(base + kIsReadWrite, b.read && b.write);
  row.set(base + kBytes, b.bytes);
  row.set(base + kUniqueBytes, b.unique_bytes);
  row.set(base + kLines, b.lines);
  row.set(base + kUniqueLines, b.unique_lines);
  Reuse reuse = reuse_of(*b.rep_store, *b.rep_access);
  row.set_flag(base + kReuseLoop, reuse.kind == ReuseKind::LoopMultipleRead);
  row.set_flag(base + kReuseSerial, reuse.kind == ReuseKind::SerialMultipleReadWrite);
  row.set_flag(base + kReuseNone, reuse.kind == ReuseKind::None);
  row.set(base + kReuseDistanceIters, reuse.distance_iters);
  row.set(base + kReuseDistanceBytes, reuse.distance_bytes);
  row.set(base + kReuseCount, reuse.count);
  double divisor = std::max(1.0, reuse.count);
  row.set(base + kBytesPerReuse, b.bytes / divisor);
  row.set(base + kUniqueBytesPerReuse, b.unique_bytes / divisor);
  row.set(base + kLinesPerReuse, b.lines / divisor);
  row.set(base + kUniqueLinesPerReuse, b.unique_lines / divisor);
  const Access& a = *b.rep_access;
  int inner = innermost_running_loop(*b.rep_store);
  int64_t stride = a.lanes > 1 ? a.lane_stride : inner >= 0 ? a.step[size_t(inner)] : 0;
  row.set(base + kStride, double(stride));
  row.set(base + kAccessLanes, a.lanes);
}

// Flops per byte of distinct data for the statement group of the dominant store, as the loops from
// the innermost outwards are included: high values at the inner levels mean register or cache
// blocking. Sampled at kIntensityCurvePoints evenly spaced loop levels.
void write_intensity_curve(RowBuilder& row, const StoreRecord& dominant,
                           const std::vector<const StoreRecord*>& group) {
  size_t depth = dominant.loops.size();
  std::vector<std::pair<const StoreRecord*, const Access*>> distinct;
  double flops_per_iteration = 0;
  for (const StoreRecord* s : group) {
    flops_per_iteration += s->counts.flops();
    for (const Access& a : s->accesses) {
      bool seen = std::any_of(distinct.begin(), distinct.end(),
                              [&](const auto& d) { return same_access(*d.second, a); });
      if (!seen) distinct.push_back({s, &a});
    }
  }
  for (int j = 0; j < kIntensityCurvePoints; ++j) {
    size_t k = size_t(std::lround(double(j) * double(depth) / double(kIntensityCurvePoints - 1)));
    size_t first = depth - k;
    double iterations = 1;
    for (size_t l = first; l < depth; ++l) iterations *= double(dominant.loops[l].extent);
    double bytes = 0;
    for (const auto& [s, a] : distinct) bytes += unique_elements(*s, *a, first) * elem_bytes(*a);
    row.set(kIntensityBase + j, bytes > 0 ? flops_per_iteration * iterations / bytes : 0);
  }
}

void write_inner_loops(RowBuilder& row, const StoreRecord& dominant,
                       const std::vector<const StoreRecord*>& group) {
  int level = 0;
  for (int l = int(dominant.loops.size()) - 1; l >= 0 && level < kInnerLoopLevels; --l) {
    if (dominant.loops[size_t(l)].extent <= 1) continue;
    double invariant = 0, unit = 0, strided = 0;
    for (const StoreRecord* s : group) {
      for (const Access& a : s->accesses) {
        int64_t step = a.step[size_t(l)];
        (step == 0 ? invariant : std::abs(step) == 1 ? unit : strided) += 1;
      }
    }
    double total = invariant + unit + strided;
    int base = kInnerLoopBase + level * kInnerLoopColumns;
    row.set(base + kInnerExtent, double(dominant.loops[size_t(l)].extent));
    row.set(base + kInnerInvariant, total > 0 ? invariant / total : 0);
    row.set(base + kInnerUnit, total > 0 ? unit / total : 0);
    row.set(base + kInnerStrided, total > 0 ? strided / total : 0);
    ++level;
  }
}

std::vector<float> build_row(const BufferNode* buffer,
                             const std::vector<const StoreRecord*>& stores,
                             const StoreRecords& records, const HardwareParams& hw) {
  std::vector<float> values(size_t(kFeatureLength), 0.0f);
  RowBuilder row(&values);

  const StoreRecord* dominant = stores.front();
  for (const StoreRecord* s : stores)
    if (s->outer_prod * s->lanes > dominant->outer_prod * dominant->lanes) dominant = s;

  // Arithmetic and vector width.
  OpCounts total;
  double vector_weight = 0, all_weight = 0, flops = 0;
  int max_lanes = 1;
  for (const StoreRecord* s : stores) {
    for (int k = 0; k < kNumOpKinds; ++k)
      total.by_kind[size_t(k)] += s->counts.by_kind[size_t(k)] * s->outer_prod;
    total.float_scalar += s->counts.float_scalar * s->outer_prod;
    total.float_vector += s->counts.float_vector * s->outer_prod;
    flops += s->counts.flops() * s->outer_prod;
    max_lanes = std::max(max_lanes, s->lanes);
    all_weight += s->outer_prod;
    if (s->lanes > 1) vector_weight += s->outer_prod;
  }
  for (int k = 0; k < kNumOpKinds; ++k) row.set(k, total.by_kind[size_t(k)]);
  row.set(kFloatScalarOps, total.float_scalar);
  row.set(kFloatVectorOps, total.float_vector);
  row.set(kVecLanes, max_lanes);
  row.set(kVecLanesOverNative, double(max_lanes) / double(std::max(1, hw.vector_lanes)));
  row.set(kVecStoreShare, all_weight > 0 ? vector_weight / all_weight : 0);

  // Loop annotations around the dominant store (vectorized and unrolled loops only exist in IR
  // taken before those passes; after them, lanes and unrolled copies carry the same information).
  int vec_loops = 0, unroll_loops = 0, par_loops = 0;
  double vec_prod = 1, unroll_prod = 1, par_prod = 1, par_innermost = 0;
  bool par_outermost = false, par_inner = false;
  for (size_t l = 0; l < dominant->loops.size(); ++l) {
    const Loop& loop = dominant->loops[l];
    switch (loop.node->for_kind) {
      case ForKind::Serial:
        break;
      case ForKind::Vectorized:
        ++vec_loops;
        vec_prod *= double(loop.extent);
        break;
      case ForKind::Unrolled:
        ++unroll_loops;
        unroll_prod *= double(loop.extent);
        break;
      case ForKind::Parallel:
        ++par_loops;
        par_prod *= double(loop.extent);
        par_innermost = double(loop.extent);
        (l == 0 ? par_outermost : par_inner) = true;
        break;
    }
  }
  int copies = 0;
  for (const StoreRecord* s : stores)
    copies += s->innermost() == dominant->innermost() && s->loops.size() == dominant->loops.size();
  row.set(kVecLoops, vec_loops);
  row.set(kVecLoopProd, vec_loops ? vec_prod : 0);
  row.set(kUnrollLoops, unroll_loops);
  row.set(kUnrollProd, unroll_loops ? unroll_prod : 0);
  row.set(kUnrollCopies, copies);
  double threads = std::max(1, hw.num_threads);
  double chunks = par_loops ? par_prod : 1;
  row.set(kParLoops, par_loops);
  row.set(kParProd, par_loops ? par_prod : 0);
  row.set(kParInnermostExtent, par_innermost);
  row.set_flag(kParOutermost, par_outermost);
  row.set_flag(kParInner, par_inner);
  row.set(kParChunksPerThread, par_loops ? par_prod / threads : 0);
  row.set(kParBalance, chunks / (std::ceil(chunks / threads) * threads));

  row.set(kNumLoops, double(dominant->loops.size()));
  row.set(kOuterProd, dominant->outer_prod);
  row.set(kInnermostExtent, dominant->loops.empty() ? 1.0 : double(dominant->loops.back().extent));
  row.set(kNumGuards, dominant->guards);
  row.set(kNumStores, double(stores.size()));

  // Buffer accesses: the kMaxBuffersPerRow with the most cache lines, then bytes, then first seen.
  std::vector<BufferSummary> buffers = summarize_buffers(stores);
  double all_unique_bytes = 0;
  for (const BufferSummary& b : buffers) all_unique_bytes += b.unique_bytes;
  std::sort(buffers.begin(), buffers.end(), [](const BufferSummary& a, const BufferSummary& b) {
    if (a.lines != b.lines) return a.lines > b.lines;
    if (a.bytes != b.bytes) return a.bytes > b.bytes;
    return a.first_seen < b.first_seen;
  });
  for (size_t i = 0; i < buffers.size() && i < size_t(kMaxBuffersPerRow); ++i)
    write_buffer_columns(row, kBufferBase + int(i) * kBufferFeatures, buffers[i]);

  std::vector<const StoreRecord*> group;
  for (const StoreRecord* s : stores)
    if (s->innermost() == dominant->innermost() && s->loops.size() == dominant->loops.size())
      group.push_back(s);
  write_intensity_curve(row, *dominant, group);
  write_inner_loops(row, *dominant, group);

  if (buffer->scope == BufferScope::Local) {
    auto it = records.alloc_outer_prod.find(buffer);
    double outer = it != records.alloc_outer_prod.end() ? it->second : 1;
    double size = double(buffer->size), bytes = size * buffer->dtype.bytes();
    row.set(kAllocSize, bytes);
    row.set(kAllocProd, size * outer);
    row.set(kAllocOuterProd, outer);
    row.set(kAllocInnerProd, dominant->outer_prod / outer);
    double register_file_bytes =
        double(std::max(1, hw.vector_registers)) * std::max(1, hw.vector_lanes) * 4.0;
    row.set(kAllocRegisters, bytes / register_file_bytes);
  }
  row.set(kArithmeticIntensity, all_unique_bytes > 0 ? flops / all_unique_bytes : 0);
  return values;
}

}  // namespace

const std::vector<std::string>& feature_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = split_names(kLeadingNames);
    TT_ASSERT(int(n.size()) == kBufferBase, "{} names before the buffer block", n.size());
    std::vector<std::string> per_buffer = split_names(kBufferNames);
    TT_ASSERT(int(per_buffer.size()) == kBufferFeatures, "{} names per buffer", per_buffer.size());
    for (int b = 0; b < kMaxBuffersPerRow; ++b)
      for (const std::string& name : per_buffer) n.push_back(fmt::format("buf{}.{}", b, name));
    for (int j = 0; j < kIntensityCurvePoints; ++j)
      n.push_back(fmt::format("arith_intensity_curve_{}", j));
    for (const std::string& name : split_names(kTrailingNames)) n.push_back(name);
    TT_ASSERT(int(n.size()) == kFeatureLength, "{} feature names for {} columns", n.size(),
              kFeatureLength);
    return n;
  }();
  return names;
}

ProgramFeatures extract_features(const LoweredFunc& func, const HardwareParams& hw) {
  StoreRecords records = record_stores(func.body);
  // Rows in the order of each buffer's first store; stores of one buffer (init and update of a
  // reduction, unrolled copies) share the row.
  std::vector<const BufferNode*> order;
  std::unordered_map<const BufferNode*, std::vector<const StoreRecord*>> by_buffer;
  for (const StoreRecord& s : records.stores) {
    auto [it, inserted] = by_buffer.try_emplace(s.buffer);
    if (inserted) order.push_back(s.buffer);
    it->second.push_back(&s);
  }
  ProgramFeatures features;
  for (const BufferNode* b : order)
    features.rows.push_back(build_row(b, by_buffer.at(b), records, hw));
  return features;
}

}  // namespace tt
