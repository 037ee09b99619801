// Array comparison against a reference; see compare.h for the rule.
#include "ir/compare.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "ir/error.h"

namespace tt {

namespace {

double element(const NDArray& a, int64_t i) {
  DType t = a.dtype();
  if (t == DType::float32()) return a.as<float>()[i];
  if (t == DType::int32()) return a.as<int32_t>()[i];
  return double(a.as<int64_t>()[i]);
}

}  // namespace

CompareResult compare(const NDArray& actual, const NDArray& expected, double rtol, double atol) {
  if (actual.shape() != expected.shape() || actual.dtype() != expected.dtype()) {
    user_error("compare: result is {} {} but the reference is {} {}",
               shape_to_string(actual.shape()), actual.dtype().to_string(),
               shape_to_string(expected.shape()), expected.dtype().to_string());
  }
  DType t = actual.dtype();
  if (t != DType::float32() && t != DType::int32() && t != DType::int64()) {
    user_error("compare: dtype {} is not supported", t.to_string());
  }
  CompareResult r;
  r.rtol = rtol;
  r.atol = atol;
  r.num_elements = actual.num_elements();
  for (int64_t i = 0; i < r.num_elements; ++i) {
    double a = element(actual, i), e = element(expected, i);
    bool bad;
    if (std::isnan(a) || std::isnan(e)) {
      bad = std::isnan(a) != std::isnan(e);
    } else if (a == e) {
      bad = false;  // includes equal infinities, whose difference would be NaN
    } else if (std::isinf(a) || std::isinf(e)) {
      bad = true;  // no tolerance covers an infinity that the other side does not have
    } else {
      double diff = std::fabs(a - e);
      bad = !(diff <= atol + rtol * std::fabs(e));
      r.max_abs_error = std::max(r.max_abs_error, diff);
      if (e != 0) r.max_rel_error = std::max(r.max_rel_error, diff / std::fabs(e));
    }
    if (!bad) continue;
    if (r.num_bad++ == 0) {
      r.first_bad_index = i;
      r.first_bad_actual = a;
      r.first_bad_expected = e;
    }
  }
  r.ok = r.num_bad == 0;
  if (!r.ok) {
    r.first_bad_coords.assign(actual.shape().size(), 0);
    int64_t rest = r.first_bad_index;
    for (size_t d = actual.shape().size(); d-- > 0;) {
      r.first_bad_coords[d] = rest % actual.shape()[d];
      rest /= actual.shape()[d];
    }
  }
  return r;
}

std::string CompareResult::describe() const {
  std::string errors =
      fmt::format("max abs error {:.3g}, max rel error {:.3g}", max_abs_error, max_rel_error);
  if (ok) return fmt::format("ok ({})", errors);
  return fmt::format(
      "{} of {} elements differ beyond atol {:.3g} + rtol {:.3g}·|expected|; first at [{}] (flat "
      "{}): {:.9g} vs expected {:.9g}; {}",
      num_bad, num_elements, atol, rtol, fmt::join(first_bad_coords, ", "), first_bad_index,
      first_bad_actual, first_bad_expected, errors);
}

}  // namespace tt
