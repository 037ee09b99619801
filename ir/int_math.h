// Small integer helpers the IR layers share.
#pragma once

#include <cstdint>

namespace tt {

// a / b rounded up, for a >= 0 and b > 0 (the number of tiles of length b covering a).
constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace tt
