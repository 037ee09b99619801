// TuningRecord helpers; see tuning_record.h.
#include "search/record/tuning_record.h"

#include <algorithm>
#include <limits>

namespace tt {

double TuningRecord::cost() const {
  if (!valid()) return std::numeric_limits<double>::infinity();
  std::vector<double> sorted = costs_s;
  std::sort(sorted.begin(), sorted.end());
  size_t n = sorted.size();
  return n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

}  // namespace tt
