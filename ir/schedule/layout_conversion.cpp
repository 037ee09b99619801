// The layout conversion kernel; see layout_conversion.h.
#include "ir/schedule/layout_conversion.h"

#include <fmt/format.h>

#include "ir/error.h"
#include "ir/schedule/default_schedule.h"
#include "ir/schedule/layout.h"
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
  k.steps = default_schedule({k.output}, hw);
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
