// The default schedules; see default_schedule.h for what each shape of computation gets. Vector
// axes at least a native vector wide get native vectors; when those do not divide the extent, the
// split leaves a guarded tail, which lowering partitions into guard-free full vectors and one
// shorter vector (ir/lower/partition.cpp), so odd extents (7, 17, 35, 71, 147) keep their vectors.
#include "ir/schedule/default_schedule.h"

#include <algorithm>
#include <optional>
#include <set>

#include "ir/error.h"
#include "ir/int_math.h"
#include "ir/expr/simplify.h"
#include "ir/schedule/analysis.h"

namespace tt {

namespace {

// Work below this many output elements runs on one thread: a parallel launch costs more.
constexpr int64_t kMinParallelElements = 1 << 14;
// Largest number of accumulator rows of a register tile.
constexpr int64_t kMaxTileRows = 8;

bool is_injective(const Stage& st) { return !st.has_reduction(); }

// The largest divisor of `extent` between 4 and `native` lanes (1 if none): a vector of 7 lanes
// for a 7-wide feature map still beats scalar code, and divisors leave no tail to guard.
int64_t vector_width(int64_t extent, int native) {
  for (int64_t lanes = native; lanes >= 4; --lanes)
    if (extent % lanes == 0) return lanes;
  return 1;
}

// The lanes for a vector axis whose tail lowering can partition: native vectors once the axis is
// that wide (a tail, if any, becomes one shorter vector: 35 = 4 x 8 + 3, four one-instruction
// vectors and a short one, where LLVM would split each of 5 odd 7-lane vectors into several loads
// and stores), else one vector of the whole axis. The dot-product schedule still takes divisors:
// its tail is a select inside the rfactor stage, which partitioning does not remove.
int64_t partitioned_vector_width(int64_t extent, int native) {
  return extent >= native ? native : vector_width(extent, native);
}


// The largest divisor of `extent` that is at most `limit`.
int64_t largest_divisor(int64_t extent, int64_t limit) {
  for (int64_t d = std::min(extent, limit); d > 1; --d)
    if (extent % d == 0) return d;
  return 1;
}

// How a reduction's reads use its axes, which decides its schedule (from the stage analysis the
// sketch rules use too).
struct ReductionShape {
  int vector_axis = -1;  // the last data-parallel axis, if every read uses it only innermost
  int row_axis = -1;     // data-parallel axis the vector operand does not depend on, or -1
  bool dot_product = false;  // the innermost reduce axis is read innermost instead
  // Every read along the vector axis steps one element per lane (a stride-2 pooling window does
  // not); only then do native vectors with a partitioned tail pay off (see choose_register_tile).
  bool unit_stride_vectors = true;
  std::optional<std::string> packable;  // an input read as [.., reduce.., vector axis]
};

ReductionShape analyze(const StageAnalysis& analysis, const std::string& stage) {
  ReductionShape shape;
  const OperationNode& op = *analysis.state().stage(stage).op;
  const int n = int(op.axes.size());
  if (n > 0 && op.axes[n - 1].extent() > 1 && analysis.used_only_in_last_index(stage, n - 1)) {
    shape.vector_axis = n - 1;
    shape.unit_stride_vectors = analysis.reads_with_unit_stride(stage, n - 1);
    shape.row_axis = analysis.reuse_axis(stage, n - 1);
    shape.packable = analysis.packable_input(stage, n - 1);
  } else if (!op.reduce_axes().empty()) {
    shape.dot_product = analysis.used_only_in_last_index(stage, int(op.reduce_axes().size()) - 1, true);
  }
  return shape;
}

struct RegisterTile {
  int64_t lanes = 1, vectors = 1, rows = 1;
};

class Scheduler {
 public:
  Scheduler(const std::vector<Tensor>& outputs, const HardwareParams& hw) : state_(outputs), hw_(hw) {}

  std::vector<Step> run() {
    // Pick each reduction's epilogue: the chain of same-shape injective stages ending at an output
    // that consumes nothing else computed here. It is inlined into one tile stage.
    std::set<std::string> scheduled;
    std::vector<std::string> names;
    for (const Stage& st : state_.stages()) names.push_back(st.name());
    for (const std::string& name : names) {
      const Stage& st = state_.stage(name);
      if (!st.has_reduction() || scheduled.count(name)) continue;
      std::vector<std::string> chain = epilogue_chain(st);
      for (const std::string& c : chain) scheduled.insert(c);
      scheduled.insert(name);
      schedule_reduction(name, chain);
    }
    for (const std::string& name : names) {
      if (scheduled.count(name)) continue;
      const Stage& st = state_.stage(name);
      if (is_injective(st) && !st.is_output && st.op->tag != "pad" && st.attach == AttachKind::Root &&
          !state_.consumers(name).empty()) {
        apply(ComputeInlineStep{name});
      } else if (is_injective(st)) {
        schedule_injective(name);
      }
    }
    return state_.steps();
  }

 private:
  void apply(const Step& s) { state_.apply(s); }

  // The accumulator tile, rows x (vectors x lanes): the candidate with enough accumulators to hide
  // the FMA latency and the most FMAs per load, weighted by how much of a native vector register
  // each vector fills (7 lanes of 8 count 7/8, 4 lanes of 8 only half). The rows, the vectors of
  // the operand and one broadcast must fit the registers.
  // A vector block that does not divide the axis leaves a tail; each vector counts by the share of
  // its lanes the axis fills, over all its vectors (17 in vectors of 8: 17/24).
  // With `allow_tail` false (strided vector reads: each vector costs several loads and shuffles, so
  // a mostly empty tail vector costs about as much as a full one and measured slower than scalar
  // code on a 147-wide stride-2 pooling), only lane counts and blocks dividing the axis are tried.
  RegisterTile choose_register_tile(int64_t v_extent, int64_t r_extent, bool allow_tail) const {
    RegisterTile best;
    double best_score = 0;
    std::vector<int64_t> lane_choices;
    if (allow_tail) {
      lane_choices.push_back(partitioned_vector_width(v_extent, hw_.vector_lanes));
    } else {
      for (int64_t lanes = hw_.vector_lanes; lanes >= 4; --lanes)
        if (v_extent % lanes == 0) lane_choices.push_back(lanes);
    }
    for (int64_t lanes : lane_choices) {
      if (lanes <= 1) continue;
      double fill = double(v_extent) / double(ceil_div(v_extent, lanes) * lanes);
      for (int64_t nv : {1, 2, 3}) {
        if (nv * lanes > v_extent || (!allow_tail && v_extent % (nv * lanes) != 0)) continue;
        int64_t max_rows = std::min<int64_t>(kMaxTileRows, (hw_.vector_registers - nv - 1) / nv);
        if (max_rows < 1) continue;
        int64_t rows = r_extent > 1 ? largest_divisor(r_extent, max_rows) : 1;
        // A guarded tail beats tiny tiles.
        if (r_extent > max_rows && rows * 2 < max_rows) rows = max_rows;
        // Enough accumulators to cover the FMA latency (about 8-12), then FMAs per load.
        double accumulators = double(nv * rows);
        double score = fill * double(lanes) / double(hw_.vector_lanes) *
                       (std::min(accumulators, 12.0) + 2 * accumulators / double(nv + rows));
        if (score > best_score + 1e-9) {
          best_score = score;
          best = RegisterTile{lanes, nv, rows};
        }
      }
    }
    if (best_score == 0 && r_extent > 1) best.rows = largest_divisor(r_extent, kMaxTileRows);
    return best;
  }

  std::vector<std::string> epilogue_chain(const Stage& st) {
    std::vector<std::string> chain;
    std::string current = st.name();
    while (true) {
      auto users = state_.consumers(current);
      if (users.size() != 1) return {};
      const Stage& u = state_.stage(users[0]);
      if (!is_injective(u) || u.op->shape != st.op->shape) return {};
      // The epilogue may read other tensors (a bias, a residual), but none computed by a stage.
      for (const Operation& in : u.op->input_ops())
        if (!in->is_placeholder() && in->name != current) return {};
      chain.push_back(u.name());
      if (u.is_output) return chain;
      current = u.name();
    }
  }

  void schedule_injective(const std::string& name) {
    const Stage& st = state_.stage(name);
    const auto& op = *st.op;
    int n = int(op.axes.size());
    if (n == 0) return;  // a scalar: one point, no loops to schedule
    int64_t total = 1;
    for (int64_t d : op.shape) total *= d;
    std::vector<std::string> outer;
    for (int a = 0; a + 1 < n; ++a) outer.push_back(st.iters[a].name);
    const std::string last = st.iters[n - 1].name;
    int64_t lanes = partitioned_vector_width(op.shape[n - 1], hw_.vector_lanes);
    if (lanes > 1) {
      apply(SplitStep{name, last, {lanes}});
      // A guarded tail is partitioned along last.0, which therefore stays a loop of its own (not
      // fused into the parallel loop, where the guard would depend on a division).
      if (op.shape[n - 1] % lanes == 0 || n == 1) outer.push_back(last + ".0");
      apply(AnnotateStep{name, last + ".1", LoopAnnotation::Vectorize});
    } else if (n == 1) {
      outer.push_back(last);
    }
    if (total >= kMinParallelElements && hw_.num_threads > 1 && !outer.empty()) parallelize(name, outer);
  }

  // Fuses the leading loops `loops` (adjacent, outermost first) and marks the result parallel;
  // returns the fused loop's name.
  std::string parallelize(const std::string& stage, const std::vector<std::string>& loops) {
    return parallelize_loops(state_, stage, loops);
  }

  void schedule_reduction(const std::string& name, const std::vector<std::string>& chain) {
    ReductionShape shape = analyze(StageAnalysis(state_), name);
    if (shape.vector_axis >= 0) return schedule_tiled(name, chain, shape);
    for (size_t c = 0; c + 1 < chain.size(); ++c) apply(ComputeInlineStep{chain[c]});
    if (!chain.empty()) schedule_injective(chain.back());
    if (shape.dot_product) return schedule_dot_product(name);
    schedule_plain_reduction(name);
  }

  // Reductions without a vectorizable layout: parallel over the data-parallel loops.
  void schedule_plain_reduction(const std::string& name) {
    const Stage& st = state_.stage(name);
    std::vector<std::string> spatial;
    int64_t total = 1;
    for (size_t a = 0; a < st.op->axes.size(); ++a) {
      spatial.push_back(st.iters[a].name);
      total *= st.op->shape[a];
    }
    int64_t work = total;
    for (const IterVar& r : st.op->reduce_axes()) work *= r.extent();
    if (!spatial.empty() && total >= hw_.num_threads && work >= kMinParallelElements && hw_.num_threads > 1)
      parallelize(name, spatial);
  }

  // y[.., n] = sum_k x[.., k] * w[n, k]: vector partial sums over k, then one horizontal sum.
  void schedule_dot_product(const std::string& name) {
    const Stage& st = state_.stage(name);
    const int64_t k_extent = st.op->reduce_axes().back().extent();
    int64_t lanes = vector_width(k_extent, hw_.vector_lanes);
    if (lanes <= 1) return schedule_plain_reduction(name);
    std::string kname = st.iters[st.num_roots - 1].name;
    apply(SplitStep{name, kname, {lanes}});
    apply(RfactorStep{name, kname + ".1"});
    const std::string rf = name + ".rf";
    const Stage& rfs = state_.stage(rf);
    // rf loops: the data-parallel axes, then the factored lane axis, then the remaining reductions.
    std::vector<std::string> order;
    for (int r = int(rfs.op->axes.size()); r < rfs.num_roots; ++r) order.push_back(rfs.iters[r].name);
    order.push_back(kname + ".1");
    apply(ReorderStep{rf, order});
    apply(AnnotateStep{rf, kname + ".1", LoopAnnotation::Vectorize});
    std::vector<std::string> spatial;
    int64_t total = 1;
    for (size_t a = 0; a + 1 < rfs.op->axes.size(); ++a) {
      spatial.push_back(rfs.iters[a].name);
      total *= rfs.op->shape[a];
    }
    if (!spatial.empty() && hw_.num_threads > 1 && total * k_extent >= kMinParallelElements) parallelize(rf, spatial);
  }

  // The register-blocked schedule: the output tile stage T loops over (outer axes, vector block,
  // row block); the accumulator A is computed at the row block with its reduction outermost and the
  // rows x vectors tile unrolled, so the tile lives in registers; a GEMM's packed operand is copied
  // once per vector block into a contiguous panel.
  void schedule_tiled(const std::string& name, const std::vector<std::string>& chain, const ReductionShape& shape) {
    std::string tile, acc;
    if (!chain.empty()) {
      for (size_t c = 0; c + 1 < chain.size(); ++c) apply(ComputeInlineStep{chain[c]});
      tile = chain.back();
      acc = name;
    } else {
      apply(CacheWriteStep{name});
      tile = name;
      acc = name + ".local";
    }
    const Stage& acc_stage = state_.stage(acc);
    const auto& op = *acc_stage.op;
    int n = int(op.axes.size());
    int64_t v_extent = op.shape[shape.vector_axis];
    int64_t r_extent = shape.row_axis >= 0 ? op.shape[shape.row_axis] : 1;
    RegisterTile t = choose_register_tile(v_extent, r_extent, shape.unit_stride_vectors);
    int64_t lanes = t.lanes, vectors = t.vectors, rows = t.rows;
    int64_t block = lanes * vectors;

    const Stage& ts = state_.stage(tile);
    std::vector<std::string> axis(n);
    for (int a = 0; a < n; ++a) axis[a] = ts.iters[a].name;
    const std::string v = axis[shape.vector_axis];
    std::string v_outer = v, v_inner;
    if (block > 1 && block < v_extent) {
      apply(SplitStep{tile, v, {block}});
      v_outer = v + ".0";
      v_inner = v + ".1";
    } else if (block > 1) {
      v_inner = v;
      v_outer.clear();
    }
    std::string r_outer, r_inner;
    if (shape.row_axis >= 0) {
      const std::string r = axis[shape.row_axis];
      apply(SplitStep{tile, r, {rows}});
      r_outer = r + ".0";
      r_inner = r + ".1";
    }
    // A vector block that does not divide the axis leaves a guarded tail. Lowering partitions it
    // along v_outer, so v_outer stays a serial loop of its own inside the parallel loop, the
    // accumulator is computed at it (one tile per iteration) and there is no packed panel.
    const bool v_tail = !v_outer.empty() && v_extent % block != 0;
    const bool pack = shape.packable && lanes > 1 && !v_tail;
    std::vector<std::string> order;
    for (int a = 0; a < n; ++a)
      if (a != shape.vector_axis && a != shape.row_axis) order.push_back(axis[a]);
    std::vector<std::string> parallel_loops = order;
    if (!v_outer.empty() && !v_tail) {
      order.push_back(v_outer);
      parallel_loops.push_back(v_outer);
    }
    if (!r_outer.empty()) order.push_back(r_outer);
    if (v_tail) order.push_back(v_outer);
    if (!r_inner.empty()) order.push_back(r_inner);
    if (!v_inner.empty()) order.push_back(v_inner);
    // Without a packed panel (which is built once per vector block and must stay outside the
    // rows), the row blocks join the parallel loop too: more, smaller chunks balance the threads
    // on small feature maps (a 7x7 map alone gives only 7 chunks).
    bool fuse_rows = !r_outer.empty() && !pack;
    if (fuse_rows) parallel_loops.push_back(r_outer);
    apply(ReorderStep{tile, order});
    if (!v_inner.empty()) apply(AnnotateStep{tile, v_inner, LoopAnnotation::Vectorize});
    int64_t total = 1;
    for (int64_t d : op.shape) total *= d;
    std::string panel_loop = parallel_loops.empty() ? "" : parallel_loops.back();
    if (!parallel_loops.empty() && hw_.num_threads > 1 && total >= kMinParallelElements / 16) {
      panel_loop = parallelize(tile, parallel_loops);
    } else if (parallel_loops.size() > 1) {
      apply(FuseStep{tile, parallel_loops});
      panel_loop = state_.stage(tile).iters.back().name;
    }
    std::string at = v_tail ? v_outer : !r_outer.empty() && !fuse_rows ? r_outer : panel_loop;
    if (at.empty()) return;
    apply(ComputeAtStep{acc, tile, at});

    // The accumulator: reductions outermost, then rows, then vectors; the tile unrolled.
    const Stage& as = state_.stage(acc);
    const std::string av = as.iters[shape.vector_axis].name;
    std::vector<std::string> acc_order;
    for (int r = n; r < as.num_roots; ++r) acc_order.push_back(as.iters[r].name);
    if (shape.row_axis >= 0) acc_order.push_back(as.iters[shape.row_axis].name);
    if (lanes > 1) {
      apply(SplitStep{acc, av, {lanes}});
      acc_order.insert(acc_order.end(), {av + ".0", av + ".1"});
    } else {
      acc_order.push_back(av);
    }
    apply(ReorderStep{acc, acc_order});
    if (shape.row_axis >= 0) apply(AnnotateStep{acc, as.iters[shape.row_axis].name, LoopAnnotation::Unroll});
    if (lanes > 1) {
      apply(AnnotateStep{acc, av + ".0", LoopAnnotation::Unroll});
      apply(AnnotateStep{acc, av + ".1", LoopAnnotation::Vectorize});
    }
    if (pack && !panel_loop.empty()) {
      const std::string packed = *shape.packable;
      apply(CacheReadStep{packed, acc});
      apply(ComputeAtStep{packed + ".cache", tile, panel_loop});
      const Stage& cs = state_.stage(packed + ".cache");
      apply(AnnotateStep{packed + ".cache", cs.iters[cs.leaves.back()].name, LoopAnnotation::Vectorize});
    }
  }

  ScheduleState state_;
  HardwareParams hw_;
};

}  // namespace

std::string parallelize_loops(ScheduleState& state, const std::string& stage, const std::vector<std::string>& loops) {
  TT_ASSERT(!loops.empty(), "parallelize_loops: no loops of '{}'", stage);
  std::string loop = loops[0];
  if (loops.size() > 1) {
    state.apply(FuseStep{stage, loops});
    loop = state.stage(stage).iters.back().name;
  }
  state.apply(AnnotateStep{stage, loop, LoopAnnotation::Parallel});
  return loop;
}

std::vector<Step> default_schedule(const std::vector<Tensor>& outputs, const HardwareParams& hw) {
  Scheduler s(outputs, hw);
  return s.run();
}

}  // namespace tt
