// A layout conversion as a kernel of its own: an element-wise copy of a value whose input is stored
// in one layout and output in another (either may be the model's). The executor runs it between
// groups that disagree; the tuner times it as a workload like any task, so that replay can weigh
// the measured cost of a conversion against the faster kernels that would need it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/schedule/hardware.h"
#include "ir/schedule/step.h"
#include "ir/te/tensor.h"

namespace tt {

struct LayoutConversionKernel {
  Tensor input;   // placeholder "x" of the value's logical shape
  Tensor output;  // "converted": x copied, element by element
  // The copy tiled by the blocked side's channel block (layout_conversion.cpp) plus the two
  // layout_rewrite steps.
  std::vector<Step> steps;
  // 16 hex digits, distinct per (shape, dtype, from, to): the copy's canonical workload text with the
  // two layouts appended, so conversion records never share a key with a task's.
  std::string workload_key;
  std::string description;  // "layout conversion 1x96x56x56: 1x6x56x56x16 -> 1x96x56x56"
  int64_t bytes = 0;        // bytes read plus bytes written (padding included)
};

// `from` / `to`: the layouts the value is stored in and read in (nullopt: the model's layout); the
// layout steps' tensor names are ignored. The two must differ.
LayoutConversionKernel layout_conversion_kernel(const std::vector<int64_t>& shape, DType dtype,
                                                const std::optional<LayoutRewriteStep>& from,
                                                const std::optional<LayoutRewriteStep>& to, const HardwareParams& hw);

}  // namespace tt
