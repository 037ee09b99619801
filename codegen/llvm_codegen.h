// Text views of the code a LoweredFunc compiles to, for `--print llvm|asm` and for tests: the
// optimized LLVM IR and the target's assembly. Running kernels goes through jit.h.
#pragma once

#include <string>

#include "codegen/target.h"
#include "ir/loop/stmt.h"

namespace tt {

// The kernel ABI, for every target:
//   void NAME(ptr noalias align 64 p0, ..., ptr noalias align 64 pN)
//     each parameter is the data pointer of the LoweredFunc's param buffer, in order;
//   void NAME_packed(void** args)
//     the same with args[i] = data pointer of param i; this is what the host calls.
// Parallel loops call tt_parallel_for (codegen/runtime.h); big local buffers call tt_alloc/tt_free.

// The module after LLVM's O3 pipeline for `target`.
std::string emit_llvm_ir(const LoweredFunc& func, const Target& target);
// The module before any optimization (what codegen itself wrote).
std::string emit_unoptimized_llvm_ir(const LoweredFunc& func, const Target& target);
// The target's assembly (AT&T syntax) of the optimized module.
std::string emit_assembly(const LoweredFunc& func, const Target& target);

}  // namespace tt
