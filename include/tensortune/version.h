// The tensortune release version, printed by `tensortune --version` and written into tuning logs.
#pragma once

#define TENSORTUNE_VERSION "0.1.0"

namespace tensortune {
inline constexpr const char* kVersion = TENSORTUNE_VERSION;
}  // namespace tensortune
