// Compiling loop IR into callable kernels: KernelCompiler turns a LoweredFunc into a
// CompiledKernel through LLVM's ORC JIT, and a CompiledKernel runs on real buffers. Each kernel
// owns its machine code and frees it when destroyed, so a search may compile thousands.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "codegen/target.h"
#include "ir/loop/stmt.h"
#include "ir/ndarray.h"

namespace tt {

class KernelCompiler;

// A kernel in memory. Move-only; the machine code is released when the last handle goes.
class CompiledKernel {
 public:
  using PackedFunction = void (*)(void** args);

  CompiledKernel();
  ~CompiledKernel();
  CompiledKernel(CompiledKernel&&) noexcept;
  CompiledKernel& operator=(CompiledKernel&&) noexcept;

  bool defined() const { return impl_ != nullptr; }
  const std::string& name() const;
  const std::vector<Buffer>& params() const;

  // Runs on arrays, checking count, dtype, shape and element count against the params.
  void run(const std::vector<NDArray*>& args) const;
  // Runs on raw data pointers, args[i] the data of param i; checks only their count and their
  // 64-byte alignment (the kernel is compiled assuming it). UserError on a mismatch.
  void run_raw(const std::vector<void*>& args) const;
  // The raw entry point, for timing loops that checked their arguments once already.
  PackedFunction packed_function() const;

 private:
  friend class KernelCompiler;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Compiles kernels for one target. One LLJIT per compiler, created at the first compile; each
// kernel lives in its own JITDylib. Thread-safe: compiles and releases are serialized by a mutex.
class KernelCompiler {
 public:
  explicit KernelCompiler(Target target = Target::host());
  ~KernelCompiler();
  KernelCompiler(const KernelCompiler&) = delete;
  KernelCompiler& operator=(const KernelCompiler&) = delete;

  const Target& target() const;
  // UserError when this machine cannot run the target's code (e.g. AVX-512 on a CPU without it);
  // InternalError when the IR is malformed.
  CompiledKernel compile(const LoweredFunc& func);

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace tt
