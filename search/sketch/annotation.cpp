// The emitter behind Annotator::materialize: applies the sketch's structural actions, then walks
// its stages consumers first, emitting each stage's splits, order, annotations and compute
// location from its decisions (drawing the open ones) and applying every step to a state as it
// goes, so loop names and legality come from the real schedule state.
#include "search/sketch/annotation.h"

#include <algorithm>
#include <optional>

#include "ir/error.h"
#include "ir/schedule/analysis.h"
#include "ir/schedule/layout.h"
#include "ir/schedule/state.h"

namespace tt {

namespace {

int64_t product_of(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t x : v) p *= x;
  return p;
}

// A compute location of a Simple stage.
struct Location {
  enum class Kind : uint8_t { Root, Inline, At } kind = Kind::Root;
  std::string stage, loop;
};

class Emitter {
 public:
  Emitter(Annotator& annotator, const Sketch& sketch, Decisions& decisions, std::mt19937_64* rng)
      : an_(annotator), sketch_(sketch), dec_(decisions), rng_(rng), state_(annotator.outputs()) {
    dec_.stages.resize(sketch.stages.size());
  }

  std::vector<Step> run() {
    for (const SketchAction& a : sketch_.actions) {
      if (a.kind == SketchAction::Kind::Fixed) {
        emit(a.step);
      } else {
        emit_rfactor(a);
      }
    }
    for (size_t i = 0; i < sketch_.stages.size(); ++i) {
      const SketchStage& s = sketch_.stages[i];
      switch (s.role) {
        case StageRole::Inlined:
          break;
        case StageRole::Tiled:
          emit_tiled(int(i));
          break;
        case StageRole::TiledFused:
          emit_tiled_fused(int(i));
          break;
        case StageRole::FusedConsumer:
          emit_fused_consumer(int(i));
          break;
        case StageRole::Simple:
          emit_simple(int(i));
          break;
      }
    }
    if (an_.params().layout_rewrite) {
      std::vector<LayoutRewriteStep> layouts;
      for (const std::string& weight : an_.constant_inputs())
        if (const Stage* reader = sole_reader(state_, weight); reader && reader->has_reduction())
          if (std::optional<LayoutRewriteStep> layout = follow_loops_layout(state_, weight)) layouts.push_back(*layout);
      dec_.packable_weights = int(layouts.size());
      if (!layouts.empty() && dec_.layout_rewrite < 0)
        dec_.layout_rewrite = std::bernoulli_distribution(an_.params().layout_rewrite_probability)(rng()) ? 1 : 0;
      if (dec_.layout_rewrite == 1 || weights_must_follow_)
        for (const LayoutRewriteStep& layout : layouts) emit(layout);
    }
    return steps_;
  }

 private:
  void emit(const Step& s) {
    state_.apply(s);
    steps_.push_back(s);
  }

  std::mt19937_64& rng() {
    TT_ASSERT(rng_ != nullptr, "an open sketch decision needs a random generator");
    return *rng_;
  }
  int64_t uniform(int64_t n) { return std::uniform_int_distribution<int64_t>(0, n - 1)(rng()); }

  std::vector<int64_t> draw_lengths(int64_t extent, int parts, int64_t max_innermost) {
    const auto& options = an_.factorizations(extent, parts, max_innermost);
    TT_ASSERT(!options.empty(), "no factorization of {}", extent);
    return options[uniform(int64_t(options.size()))];
  }

  const SketchParams& params() const { return an_.params(); }

  // Spatial axes in tiling order: `last` innermost (by default the unit-stride axis, so the
  // innermost, vectorized tile runs along contiguous memory), the others in axis order.
  std::vector<int> spatial_order(const std::string& stage, int last = -2) {
    int n = int(state_.stage(stage).op->axes.size());
    if (last == -2) last = StageAnalysis(state_).unit_stride_axis(stage);
    std::vector<int> order;
    for (int a = 0; a < n; ++a)
      if (a != last) order.push_back(a);
    if (last >= 0) order.push_back(last);
    return order;
  }

  // The axes a TiledFused stage may vectorize: the unit-stride one (or the last), then every other
  // spatial axis at least one native vector long.
  std::vector<int> vector_axis_candidates(const std::string& stage) {
    const Stage& st = state_.stage(stage);
    int n = int(st.op->axes.size());
    int unit = StageAnalysis(state_).unit_stride_axis(stage);
    std::vector<int> out = {unit >= 0 ? unit : n - 1};
    if (!params().vector_axis_choice || !params().layout_rewrite || an_.constant_inputs().empty())
      return out;
    for (int a = 0; a < n; ++a)
      if (a != out[0] && st.iters[a].extent >= std::max(2, an_.hardware().vector_lanes)) out.push_back(a);
    return out;
  }

  // The lengths of every axis of a tiled stage (4 levels per spatial axis, 2 per reduce axis).
  void ensure_tiles(int index) {
    StageDecision& d = dec_.stages[index];
    const Stage& st = state_.stage(sketch_.stages[index].name);
    size_t n = st.op->axes.size();
    if (d.tiles.size() == size_t(st.num_roots)) return;
    TT_ASSERT(d.tiles.empty(), "stage {} has {} tile entries for {} axes", st.name(),
              d.tiles.size(), st.num_roots);
    for (int r = 0; r < st.num_roots; ++r)
      d.tiles.push_back(draw_lengths(st.iters[r].extent, size_t(r) < n ? 4 : 2,
                                     params().max_innermost_split_factor));
  }

  int64_t draw_unroll() {
    const auto& c = params().auto_unroll_candidates;
    return c.empty() ? 0 : c[uniform(int64_t(c.size()))];
  }

  // Fuses the first `depth` of `loops` (adjacent, outermost first) and marks the result parallel;
  // returns the loop that now stands for loops[depth - 1].
  std::string parallelize(const std::string& stage, const std::vector<std::string>& loops,
                          int depth) {
    if (depth <= 0) return "";
    std::string loop = loops[0];
    if (depth > 1) {
      emit(FuseStep{stage, std::vector<std::string>(loops.begin(), loops.begin() + depth)});
      loop = state_.stage(stage).iters.back().name;
    }
    emit(AnnotateStep{stage, loop, LoopAnnotation::Parallel});
    return loop;
  }

  // The parallel depth among `loops` (with these state extents): drawn as Ansor does (fuse until
  // chunks_per_thread × threads iterations), serial for one thread or a small stage; clamped.
  int parallel_depth(StageDecision& d, const std::vector<int64_t>& extents, int64_t elements) {
    d.parallel_candidates = int(extents.size());
    if (d.parallel_depth < 0) {
      int depth = 0;
      if (an_.hardware().num_threads > 1 && elements >= params().min_parallel_elements) {
        int64_t chunks = 1;
        const int64_t wanted = params().parallel_chunks_per_thread * an_.hardware().num_threads;
        while (depth < int(extents.size()) && chunks < wanted) chunks *= extents[depth++];
      }
      d.parallel_depth = depth;
    }
    return std::clamp(d.parallel_depth, 0, int(extents.size()));
  }

  void vectorize_innermost(const std::string& stage) {
    const Stage& st = state_.stage(stage);
    const IterInfo& it = st.iters[st.leaves.back()];
    if (it.kind == IterKind::DataParallel && an_.is_vector_width(it.extent))
      emit(AnnotateStep{stage, it.name, LoopAnnotation::Vectorize});
  }

  void unroll_pragma(const std::string& stage, StageDecision& d) {
    const Stage& st = state_.stage(stage);
    if (!st.has_reduction()) return;
    if (d.auto_unroll < 0) d.auto_unroll = draw_unroll();
    if (d.auto_unroll > 0)
      emit(PragmaStep{stage, st.iters[st.leaves[0]].name, "auto_unroll_max_step", d.auto_unroll});
  }

  void emit_rfactor(const SketchAction& a) {
    int index = sketch_.stage_index(a.stage);
    TT_ASSERT(index >= 0, "rfactor of unknown stage {}", a.stage);
    StageDecision& d = dec_.stages[index];
    const Stage& st = state_.stage(a.stage);
    std::vector<std::string> loops;
    int64_t extent = 1;
    for (int r = int(st.op->axes.size()); r < st.num_roots; ++r) {
      loops.push_back(st.iters[r].name);
      extent *= st.iters[r].extent;
    }
    std::string fused = loops[0];
    if (loops.size() > 1) {
      emit(FuseStep{a.stage, loops});
      fused = state_.stage(a.stage).iters.back().name;
    }
    if (d.rfactor_lengths.size() != 2) {
      // A part of length 1 makes the rfactor pointless (no partial sums, or one), so both parts
      // are longer where the extent allows it.
      std::vector<std::vector<int64_t>> options;
      for (const auto& f : an_.factorizations(extent, 2, params().max_innermost_split_factor))
        if (f[0] > 1 && f[1] > 1) options.push_back(f);
      d.rfactor_lengths = options.empty()
                              ? draw_lengths(extent, 2, params().max_innermost_split_factor)
                              : options[uniform(int64_t(options.size()))];
    }
    emit(SplitStep{a.stage, fused, {d.rfactor_lengths[1]}});
    emit(RfactorStep{a.stage, fused + (a.factor_inner ? ".1" : ".0")});
  }

  // Splits each spatial axis of `stage` into the given levels and each reduce axis into 2, and
  // orders the loops by `structure` ('S': the next spatial level of every axis, 'R': the next
  // reduce level). `spatial_lengths[a]` are the inner lengths to split axis a by.
  std::vector<std::string> tile(const std::string& stage, const std::vector<int>& axis_order,
                                const std::vector<std::vector<int64_t>>& spatial_inner,
                                const std::vector<int64_t>& reduce_inner,
                                const std::string& structure) {
    const Stage& st = state_.stage(stage);
    const int n = int(st.op->axes.size());
    std::vector<std::string> roots;
    for (int r = 0; r < st.num_roots; ++r) roots.push_back(st.iters[r].name);
    for (int a = 0; a < n; ++a) emit(SplitStep{stage, roots[a], spatial_inner[a]});
    for (int r = n; r < int(roots.size()); ++r)
      emit(SplitStep{stage, roots[r], {reduce_inner[r - n]}});
    std::vector<std::string> order;
    int s_level = 0, r_level = 0;
    for (char c : structure) {
      if (c == 'S') {
        for (int a : axis_order) order.push_back(roots[a] + "." + std::to_string(s_level));
        ++s_level;
      } else {
        for (int r = n; r < int(roots.size()); ++r)
          order.push_back(roots[r] + "." + std::to_string(r_level));
        ++r_level;
      }
    }
    emit(ReorderStep{stage, order});
    return order;
  }

  std::vector<int64_t> extents_of(const std::string& stage, const std::vector<std::string>& loops) {
    const Stage& st = state_.stage(stage);
    std::vector<int64_t> out;
    for (const std::string& l : loops) out.push_back(st.iters[st.leaves[st.find_leaf(l)]].extent);
    return out;
  }

  void emit_tiled(int index) {
    const std::string name = sketch_.stages[index].name;
    ensure_tiles(index);
    StageDecision& d = dec_.stages[index];
    const Stage& st = state_.stage(name);
    const int n = int(st.op->axes.size());
    std::vector<std::vector<int64_t>> spatial;
    std::vector<int64_t> reduce;
    for (int a = 0; a < n; ++a) spatial.push_back({d.tiles[a][1], d.tiles[a][2], d.tiles[a][3]});
    for (int r = n; r < st.num_roots; ++r) reduce.push_back(d.tiles[r][1]);
    const int64_t elements = product_of(st.op->shape);
    std::vector<std::string> order = tile(name, spatial_order(name), spatial, reduce, "SSRSRS");
    vectorize_innermost(name);
    std::vector<std::string> outer(order.begin(), order.begin() + 2 * n);
    parallelize(name, outer, parallel_depth(d, extents_of(name, outer), elements));
    unroll_pragma(name, d);
  }

  void emit_fused_consumer(int index) {
    const SketchStage& s = sketch_.stages[index];
    int producer = sketch_.stage_index(s.fused_with);
    TT_ASSERT(producer >= 0, "fused consumer {} of unknown stage {}", s.name, s.fused_with);
    ensure_tiles(producer);
    const std::vector<std::vector<int64_t>>& t = dec_.stages[producer].tiles;
    const Stage& st = state_.stage(s.name);
    const int n = int(st.op->axes.size());
    std::vector<std::vector<int64_t>> spatial;
    for (int a = 0; a < n; ++a) spatial.push_back({t[a][1], t[a][2], t[a][3]});
    const int64_t elements = product_of(st.op->shape);
    std::vector<std::string> order = tile(s.name, spatial_order(s.fused_with), spatial, {}, "SSSS");
    vectorize_innermost(s.name);
    const int outer_count = s.fuse_level * n;
    std::vector<std::string> outer(order.begin(), order.begin() + outer_count);
    StageDecision& d = dec_.stages[index];
    int depth = parallel_depth(d, extents_of(s.name, outer), elements);
    std::string fused = parallelize(s.name, outer, depth);
    // The producer goes at the last outer loop, which the parallel loop may have absorbed.
    attach_[s.fused_with] = depth == outer_count && depth > 0 ? fused : outer.back();
  }

  void emit_tiled_fused(int index) {
    const SketchStage& s = sketch_.stages[index];
    ensure_tiles(index);
    auto at = attach_.find(s.name);
    TT_ASSERT(at != attach_.end(), "{} is emitted before its consumer {}", s.name, s.fused_with);
    emit(ComputeAtStep{s.name, s.fused_with, at->second});
    StageDecision& d = dec_.stages[index];
    const Stage& st = state_.stage(s.name);
    const int n = int(st.op->axes.size());
    // Below the consumer's loops only levels fuse_level..3 remain: "SRSRS" or "RSRS".
    std::vector<std::vector<int64_t>> spatial;
    std::vector<int64_t> reduce;
    for (int a = 0; a < n; ++a)
      spatial.push_back(s.fuse_level == 1 ? std::vector<int64_t>{d.tiles[a][2], d.tiles[a][3]}
                                          : std::vector<int64_t>{d.tiles[a][3]});
    for (int r = n; r < st.num_roots; ++r) reduce.push_back(d.tiles[r][1]);
    std::vector<int> vector_axes = vector_axis_candidates(s.name);
    d.vector_axis_count = int(vector_axes.size());
    if (d.vector_axis < 0) d.vector_axis = vector_axes.size() > 1 ? int(uniform(int64_t(vector_axes.size()))) : 0;
    const int vector_axis = vector_axes[size_t(d.vector_axis) % vector_axes.size()];
    tile(s.name, spatial_order(s.name, vector_axis), spatial, reduce, s.fuse_level == 1 ? "SRSRS" : "RSRS");
    vectorize_innermost(s.name);
    if (vector_axis != vector_axes[0]) {
      // The tile is stored with the vector axis last, so each vector is contiguous, and the
      // weights follow the loops (their vector loads contiguous too).
      LayoutRewriteStep storage{s.name, std::vector<std::vector<int64_t>>(size_t(n)), {}};
      for (int a = 0; a < n; ++a)
        if (a != vector_axis) storage.order.push_back({a, 0});
      storage.order.push_back({vector_axis, 0});
      emit(storage);
      weights_must_follow_ = true;
    }
    d.parallel_candidates = 0;
    unroll_pragma(s.name, d);
  }

  // The legal locations of a Simple stage: the root; inlined (no reduction, not an output); or
  // at a loop of its single consumer, or of the stage that consumer is computed in (outside the
  // consumer), stopping at reduction, vectorized and unrolled loops.
  std::vector<Location> locations(const std::string& name) {
    const Stage& st = state_.stage(name);
    std::vector<Location> out = {Location{Location::Kind::Root, "", ""}};
    if (st.is_output) return out;
    if (!st.has_reduction() && !state_.consumers(name).empty())
      out.push_back(Location{Location::Kind::Inline, "", ""});
    std::vector<std::string> users = state_.effective_consumers(name);
    if (users.size() != 1) return out;
    auto add_loops = [&](const Stage& target, const std::string& last) {
      for (int leaf : target.leaves) {
        const IterInfo& it = target.iters[leaf];
        if (it.kind != IterKind::DataParallel || it.annotation == LoopAnnotation::Vectorize ||
            it.annotation == LoopAnnotation::Unroll)
          return;
        if (it.extent > 1) out.push_back(Location{Location::Kind::At, target.name(), it.name});
        if (it.name == last) return;
      }
    };
    const Stage& consumer = state_.stage(users[0]);
    if (consumer.attach == AttachKind::At)
      add_loops(state_.stage(consumer.attach_stage), consumer.attach_loop);
    if (consumer.attach != AttachKind::Inline) add_loops(consumer, "");
    return out;
  }

  void emit_simple(int index) {
    const std::string name = sketch_.stages[index].name;
    StageDecision& d = dec_.stages[index];
    std::vector<Location> options = locations(name);
    d.compute_location_count = int(options.size());
    if (d.compute_location < 0) d.compute_location = uniform(int64_t(options.size()));
    const Location where = options[d.compute_location % int64_t(options.size())];
    if (where.kind == Location::Kind::Inline) {
      emit(ComputeInlineStep{name});
      return;
    }
    const Stage& st = state_.stage(name);
    const int n = int(st.op->axes.size());
    const int64_t elements = product_of(st.op->shape);
    std::string vector_loop;
    if (n > 0) {
      int axis = StageAnalysis(state_).unit_stride_axis(name);
      if (axis < 0) axis = n - 1;
      const std::string root = st.iters[axis].name;
      const int64_t extent = st.iters[axis].extent;
      if (d.tiles.size() != 1) {
        std::vector<std::vector<int64_t>> options;
        for (const auto& f : an_.factorizations(extent, 2, an_.max_vectorize_size()))
          if (f[1] == 1 || an_.is_vector_width(f[1])) options.push_back(f);
        d.tiles = {options[uniform(int64_t(options.size()))]};
      }
      const int64_t width = d.tiles[0][1];
      if (an_.is_vector_width(width)) {
        vector_loop = root;
        // Computed inside a consumer, the axis shrinks to the region that consumer needs: a split
        // keeps the vector at `width` lanes whatever that region is.
        if (width < extent || where.kind == Location::Kind::At) {
          emit(SplitStep{name, root, {width}});
          vector_loop = root + ".1";
        }
        const Stage& now = state_.stage(name);
        if (now.iters[now.leaves.back()].name != vector_loop) {
          std::vector<std::string> order;
          for (int leaf : now.leaves)
            if (now.iters[leaf].name != vector_loop) order.push_back(now.iters[leaf].name);
          order.push_back(vector_loop);
          emit(ReorderStep{name, order});
        }
        emit(AnnotateStep{name, vector_loop, LoopAnnotation::Vectorize});
      }
    }
    if (where.kind == Location::Kind::Root) {
      const Stage& now = state_.stage(name);
      std::vector<std::string> outer;
      for (int leaf : now.leaves) {
        const IterInfo& it = now.iters[leaf];
        if (it.kind != IterKind::DataParallel || it.name == vector_loop) break;
        outer.push_back(it.name);
      }
      parallelize(name, outer, parallel_depth(d, extents_of(name, outer), elements));
    } else {
      d.parallel_candidates = 0;
      emit(ComputeAtStep{name, where.stage, where.loop});
    }
    unroll_pragma(name, d);
  }

  Annotator& an_;
  const Sketch& sketch_;
  Decisions& dec_;
  std::mt19937_64* rng_;
  ScheduleState state_;
  std::vector<Step> steps_;
  std::map<std::string, std::string> attach_;  // TiledFused stage -> its consumer's loop
  bool weights_must_follow_ = false;           // a stage vectorizes off its unit-stride axis
};

void enumerate(int64_t extent, int parts, int64_t max_innermost, std::vector<int64_t>& prefix,
               std::vector<std::vector<int64_t>>& out) {
  if (parts == 1) {
    if (extent <= max_innermost || prefix.empty()) {
      prefix.push_back(extent);
      out.push_back(prefix);
      prefix.pop_back();
    }
    return;
  }
  for (int64_t f = 1; f <= extent; ++f) {
    if (extent % f != 0) continue;
    prefix.push_back(f);
    enumerate(extent / f, parts - 1, max_innermost, prefix, out);
    prefix.pop_back();
  }
}

}  // namespace

Annotator::Annotator(std::vector<Tensor> outputs, const HardwareParams& hw,
                     const SketchParams& params, std::vector<std::string> constant_inputs)
    : outputs_(std::move(outputs)), hw_(hw), params_(params), constant_inputs_(std::move(constant_inputs)) {}

std::vector<Step> Annotator::materialize(const Sketch& sketch, Decisions& decisions,
                                         std::mt19937_64* rng) {
  return Emitter(*this, sketch, decisions, rng).run();
}

std::vector<Step> Annotator::sample(const Sketch& sketch, Decisions* decisions,
                                    std::mt19937_64& rng) {
  *decisions = Decisions{};
  return materialize(sketch, *decisions, &rng);
}

int64_t Annotator::max_vectorize_size() const {
  if (params_.max_vectorize_size > 0) return params_.max_vectorize_size;
  return int64_t(std::max(1, hw_.vector_lanes)) * std::max(1, params_.vectorize_native_multiple);
}

bool Annotator::is_vector_width(int64_t lanes) const {
  if (lanes < 2 || lanes > max_vectorize_size()) return false;
  const int64_t native = std::max(1, hw_.vector_lanes);
  return params_.allow_odd_vector_widths || (lanes & (lanes - 1)) == 0 || lanes % native == 0;
}

const std::vector<std::vector<int64_t>>& Annotator::factorizations(int64_t extent, int parts,
                                                                   int64_t max_innermost) {
  TT_ASSERT(extent >= 1 && parts >= 1, "factorizations of {} into {} parts", extent, parts);
  auto key = std::make_tuple(extent, parts, max_innermost);
  auto it = factorization_cache_.find(key);
  if (it != factorization_cache_.end()) return it->second;
  std::vector<std::vector<int64_t>> out;
  std::vector<int64_t> prefix;
  enumerate(extent, parts, max_innermost, prefix, out);
  return factorization_cache_[key] = std::move(out);
}

}  // namespace tt
