// The CPU a kernel is compiled for: LLVM's CPU name, the vector features that decide code
// generation, and the target triple. Parsed from and printed as TVM-style target strings
// ("llvm -mcpu=znver3 -mattr=+avx2,+fma"); the tuning log keys its records by that string.
#pragma once

#include <string>
#include <vector>

#include "ir/expr/dtype.h"

namespace tt {

struct Target {
  std::string cpu;                    // LLVM's name: "znver3", "skylake-avx512", "x86-64"
  std::vector<std::string> features;  // as LLVM applies them: any other -mattr given, then
                                      // "+avx2", "+fma", ...: the tracked features it has, then
                                      // "-name" for tracked ones off that the CPU has by default
  std::string triple;                 // "x86_64-pc-linux-gnu"
  int num_cores = 1;                  // hardware threads of this machine

  // The features that change generated code and are printed in to_string(); any other feature
  // follows from the CPU name.
  static const std::vector<std::string>& tracked_features();

  // Whether the target has `feature` ("avx2" or "+avx2").
  bool has(const std::string& feature) const;
  // 512 with AVX-512F, 256 with AVX2, else 128.
  int vector_bits() const;
  // How many lanes of `type` (its element type) fill one native vector register.
  int vector_lanes(DType type) const;
  // "llvm -mcpu=znver3 -mattr=+sse4.2,+avx,+avx2,+fma,+f16c"; parse(to_string()) gives it back.
  std::string to_string() const;

  // This machine: its CPU name and the features it reports.
  static Target host();
  // "llvm" is the host; "-mcpu=NAME" replaces the CPU and its features, "-mattr=+a,-b" then
  // adds or removes features, "-mtriple=T" sets the triple. Anything else is a UserError naming
  // the token.
  static Target parse(const std::string& text);
  // parse(text), or the host for an empty text (an option left unset).
  static Target parse_or_host(const std::string& text) { return text.empty() ? host() : parse(text); }

  bool operator==(const Target& other) const { return to_string() == other.to_string(); }
};

// Whether this machine can run code compiled for `target` (every tracked feature the target has,
// the host has too). Running AVX-512 code on a CPU without it dies of SIGILL; callers check first.
bool host_supports(const Target& target);
// Throws UserError naming the missing features unless host_supports(target).
void check_host_supports(const Target& target);

}  // namespace tt
