// What every fuzz target checks: given any bytes, a reader either succeeds or throws UserError (the
// clear error the user sees). Anything else — a crash, a sanitizer report, an InternalError, an
// exception of a library we call (nlohmann, std::out_of_range) — is a bug: it escapes, the process
// aborts, and libFuzzer keeps the input that did it (crash-HASH in the working folder).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ir/error.h"

namespace tt::fuzz {

template <typename F>
void user_errors_only(F&& body) {
  try {
    body();
  } catch (const UserError&) {
  }
}

inline std::string as_string(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// A property of the input that must hold (a round trip that must give back what it read); a
// failure aborts, so libFuzzer reports it like a crash.
inline void require(bool holds, const char* what) {
  if (holds) return;
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

}  // namespace tt::fuzz
