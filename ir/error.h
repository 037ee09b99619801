// The two error kinds of the whole project (see DESIGN.md): UserError for bad input — a flag, a
// shape, a schedule step, a file — whose message names the input and the problem; InternalError for
// bugs. Both carry a ready-to-print message built with fmt.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

#include "tensortune/error.h"

namespace tt {

// The public API's error types (include/tensortune/error.h) are the library's own.
using UserError = tensortune::UserError;
using InternalError = tensortune::InternalError;

template <typename... Args>
[[noreturn]] void user_error(fmt::format_string<Args...> format, Args&&... args) {
  throw UserError(fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
[[noreturn]] void internal_error(fmt::format_string<Args...> format, Args&&... args) {
  throw InternalError(fmt::format(format, std::forward<Args>(args)...));
}

// Checks an invariant that only a bug can break.
#define TT_ASSERT(cond, ...)                                                                  \
  do {                                                                                        \
    if (!(cond)) ::tt::internal_error("{}:{}: assertion '{}' failed: {}", __FILE__, __LINE__, \
                                      #cond, ::fmt::format(__VA_ARGS__));                     \
  } while (0)

}  // namespace tt
