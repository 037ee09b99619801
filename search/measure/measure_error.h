// The outcome codes of measuring one candidate (DESIGN.md, measurement). A failing candidate is not an
// exception that crosses the search: it is a measured result with one of these codes, recorded in the
// tuning log and never chosen. The numeric values are stored in logs: append, never renumber.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tt {

enum class MeasureError : uint8_t {
  None = 0,            // built, ran, output matched the reference, timed
  Instantiation = 1,   // applying the steps (or a template config) failed, or lowering rejected them
  Compile = 2,         // code generation or LLVM failed
  CompileTimeout = 3,  // the build ran past its timeout
  Runtime = 4,         // the kernel crashed (signal) or its worker died while running it
  RunTimeout = 5,      // the kernel ran past the run timeout; its worker was killed and replaced
  WrongAnswer = 6,     // an output differs from the reference beyond rtol/atol
};

inline constexpr int kNumMeasureErrors = 7;

// "none", "instantiation", "compile", "compile_timeout", "runtime", "run_timeout", "wrong_answer".
inline const char* measure_error_name(MeasureError e) {
  switch (e) {
    case MeasureError::None: return "none";
    case MeasureError::Instantiation: return "instantiation";
    case MeasureError::Compile: return "compile";
    case MeasureError::CompileTimeout: return "compile_timeout";
    case MeasureError::Runtime: return "runtime";
    case MeasureError::RunTimeout: return "run_timeout";
    case MeasureError::WrongAnswer: return "wrong_answer";
  }
  return "unknown";
}

inline std::optional<MeasureError> measure_error_from_name(const std::string& name) {
  for (int i = 0; i < kNumMeasureErrors; ++i)
    if (name == measure_error_name(MeasureError(i))) return MeasureError(i);
  return std::nullopt;
}

}  // namespace tt
