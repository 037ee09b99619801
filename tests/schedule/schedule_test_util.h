// What the schedule tests share: one kernel compiler for the host, made on first use.
#pragma once

#include "codegen/jit.h"

namespace tt::test {

inline KernelCompiler& compiler() {
  static KernelCompiler instance;
  return instance;
}

}  // namespace tt::test
