// The layout conversion kernel; see layout_conversion.h.
#include "ir/schedule/layout_conversion.h"

#include <fmt/format.h>

#include "ir/error.h"
#include "ir/schedule/default_schedule.h"
#include "ir/schedule/layout.h"
#include "ir/schedule/state.h"
#include "ir/te/canonical.h"
#include "ir/te/ops.h"

namespace tt {

namespace {

int64_t stored_elements(const std::optional<LayoutRewriteStep>& layout, const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t e : layout ? packed_shape(*layout, shape) : shape) n *= e;
  return n;
}

// The layout part of the key: factors and order, never the tensor name.
std::string layout_text(const std::optional<LayoutRewriteStep>& layout, const std::vector<int64_t>& shape) {
  if (!layout) return "model";
  std::string text;
  for (const std::vector<int64_t>& f : layout->factors) text += shape_to_string(f) + ";";
  for (const auto& [dim, sub] : layout->order) text += fmt::format("{}.{},", dim, sub);
  return text + "=" + shape_to_string(packed_shape(*layout, shape));
}

// The copy's loops tiled like the blocked side: a channel-blocked dimension (NCHW[x]c) is split by
// its block and the block's loop moved inside the other outer dimensions, just outside the
// innermost (vectorized) one, so that each tile of one block of channels by one row is read and
// written whole while it is in L1 (the plain copy walks every channel's whole map before the next,
// writing one float per cache line of the blocked side: 12 ms instead of about 1 for a 1x64x224x224
// map at 2 threads on a Xeon). Without a blocked dimension before the innermost, the default
// schedule of a copy.
std::vector<Step> conversion_schedule(const Tensor& output, const std::optional<LayoutRewriteStep>& from,
                                      const std::optional<LayoutRewriteStep>& to, const HardwareParams& hw) {
  const std::vector<int64_t>& shape = output.shape();
  const int n = int(shape.size());
  auto blocks_outer_dims = [&](const std::optional<LayoutRewriteStep>& l) {
    if (!l || int(l->factors.size()) != n || !l->factors[size_t(n - 1)].empty()) return false;
    for (int d = 0; d + 1 < n; ++d)
      if (!l->factors[size_t(d)].empty()) return true;
    return false;
  };
  const std::optional<LayoutRewriteStep>& blocked = blocks_outer_dims(to) ? to : from;
  if (n < 2 || !blocks_outer_dims(blocked)) return default_schedule({output}, hw);
  ScheduleState state({output});
  const std::string stage = output.name();
  std::vector<std::string> axes;
  for (const IterInfo& it : state.stage(stage).iters) axes.push_back(it.name);
  auto apply = [&](const Step& s) { state.apply(s); };
  std::vector<std::string> outer, inner, last;
  for (int d = 0; d + 1 < n; ++d) {
    const std::vector<int64_t>& f = blocked->factors[size_t(d)];
    if (f.empty()) {
      outer.push_back(axes[size_t(d)]);
      continue;
    }
    apply(SplitStep{stage, axes[size_t(d)], f});
    outer.push_back(axes[size_t(d)] + ".0");
    for (size_t k = 1; k <= f.size(); ++k) inner.push_back(axes[size_t(d)] + "." + std::to_string(k));
  }
  const std::string& w = axes[size_t(n - 1)];
  const bool vectorize = shape[size_t(n - 1)] >= hw.vector_lanes;
  if (vectorize) {
    apply(SplitStep{stage, w, {hw.vector_lanes}});
    last = {w + ".0", w + ".1"};
  } else {
    last = {w};
  }
  std::vector<std::string> order = outer;
  order.insert(order.end(), inner.begin(), inner.end());
  order.insert(order.end(), last.begin(), last.end());
  apply(ReorderStep{stage, order});
  if (vectorize) apply(AnnotateStep{stage, w + ".1", LoopAnnotation::Vectorize});
  if (hw.num_threads > 1) parallelize_loops(state, stage, outer);
  return state.steps();
}

}  // namespace

LayoutConversionKernel layout_conversion_kernel(const std::vector<int64_t>& shape, DType dtype,
                                                const std::optional<LayoutRewriteStep>& from,
                                                const std::optional<LayoutRewriteStep>& to, const HardwareParams& hw) {
  TT_ASSERT(from.has_value() || to.has_value(), "a layout conversion of {} between the model's layout and itself",
            shape_to_string(shape));
  LayoutConversionKernel k;
  k.input = placeholder(shape, dtype, "x");
  k.output = compute(
      shape, [&](const std::vector<Var>& i) { return k.input(std::vector<Expr>(i.begin(), i.end())); }, "converted",
      ops::kTagInjective);
  k.steps = conversion_schedule(k.output, from, to, hw);
  if (from) k.steps.push_back(LayoutRewriteStep{"x", from->factors, from->order});
  if (to) k.steps.push_back(LayoutRewriteStep{"converted", to->factors, to->order});
  k.workload_key = canonical_workload_key(canonical_workload_text({k.output}, {k.input}, {false}) + "\nlayout " +
                                          layout_text(from, shape) + " -> " + layout_text(to, shape));
  auto stored = [&](const std::optional<LayoutRewriteStep>& l) {
    return l ? shape_to_string(packed_shape(*l, shape)) : shape_to_string(shape);
  };
  k.description = fmt::format("layout conversion {}: {} -> {}", shape_to_string(shape), stored(from), stored(to));
  k.bytes = (stored_elements(from, shape) + stored_elements(to, shape)) * dtype.bytes();
  return k;
}

}  // namespace tt
