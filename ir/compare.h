// Element-wise comparison of an array against a reference, with numpy.allclose's tolerance rule.
// Measurement uses it to call a candidate WRONG_ANSWER, tests use it for every operator check, and
// describe() is the one-line message both print.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/ndarray.h"

namespace tt {

struct CompareResult {
  double max_abs_error = 0;      // over elements where both values are finite
  double max_rel_error = 0;      // |actual - expected| / |expected|, over non-zero expected values
  int64_t first_bad_index = -1;  // flat index of the first bad element, -1 if none
  std::vector<int64_t> first_bad_coords;  // the same as coordinates
  double first_bad_actual = 0, first_bad_expected = 0;
  int64_t num_bad = 0;
  int64_t num_elements = 0;
  double rtol = 0, atol = 0;
  bool ok = true;

  // "ok (max abs error 1.2e-07, max rel error 3e-07)" or "3 of 64 elements differ ..., first at
  // [0, 1, 2]: 1.5 vs expected 1.25".
  std::string describe() const;
};

// An element is bad when |actual - expected| > atol + rtol·|expected|, when exactly one of the two
// is NaN, or when they are unequal infinities. Shapes and dtypes must match (UserError otherwise);
// float32, int32 and int64 are supported.
CompareResult compare(const NDArray& actual, const NDArray& expected, double rtol = 1e-3,
                      double atol = 1e-5);

}  // namespace tt
