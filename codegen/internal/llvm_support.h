// Codegen-internal helpers shared by the target parser, the IR emitter and the JIT: one-time LLVM
// initialization and the TargetMachine of a Target. Includes LLVM headers, so nothing outside
// codegen/ may include this file.
#pragma once

#include <llvm/Target/TargetMachine.h>

#include <memory>
#include <string>

#include "codegen/target.h"

namespace tt::codegen_internal {

// Registers the native target, its assembly printer and parser; safe to call from any thread.
void initialize_llvm();

// The LLVM feature string of a target: every tracked feature explicitly on or off (so a CPU name
// whose default set differs from a masked virtual machine's cannot sneak AVX-512 in), then extras.
std::string llvm_feature_string(const Target& target);

// A TargetMachine for `target`: position-independent, small code model (the JIT links the object
// anywhere and reaches libm through stubs), aggressive codegen, FMA contraction allowed.
std::unique_ptr<llvm::TargetMachine> make_target_machine(const Target& target);

}  // namespace tt::codegen_internal
