// Compiling loop IR into callable kernels in two halves: compile_object turns a LoweredFunc into an
// object file (the costly part, safe to run on many threads at once), load links an object through
// LLVM's ORC JIT into a CompiledKernel that runs on real buffers. Each kernel owns its machine code
// and frees it when destroyed, so a search may compile thousands.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "codegen/target.h"
#include "ir/loop/stmt.h"
#include "ir/ndarray.h"

namespace tt {

class KernelCompiler;

// One kernel compiled to a relocatable object file: what a build thread hands a measuring worker
// process. `bytes` is deterministic (the same LoweredFunc and target give the same bytes), so two
// builds of one schedule can be compared byte for byte.
struct ObjectCode {
  std::string name;            // the kernel's name; the object defines NAME and NAME_packed
  std::string bytes;           // the ELF object file
  std::vector<Buffer> params;  // the kernel's parameters, in call order
};

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

  // One kernel compiled to a relocatable object file: what a build thread hands a measuring worker
  // process. `bytes` is deterministic (the same LoweredFunc and target give the same bytes), so two
  // builds of one schedule can be compared byte for byte.
  struct ObjectCode {
    std::string name;            // the kernel's name; the object defines NAME and NAME_packed
    std::string bytes;           // the ELF object file
    std::vector<Buffer> params;  // the kernel's parameters, in call order
  };
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Compiles kernels for one target. compile_object takes no lock: each call has its own LLVMContext
// and each thread its own TargetMachine, so build threads compile side by side. One LLJIT per
// compiler, created at the first load; each kernel lives in its own JITDylib. Loads and releases
// share a short mutex (the linking, never the optimization).
class KernelCompiler {
 public:
  explicit KernelCompiler(Target target = Target::host());
  ~KernelCompiler();
  KernelCompiler(const KernelCompiler&) = delete;
  KernelCompiler& operator=(const KernelCompiler&) = delete;

  const Target& target() const;
  // Codegen, O3 and object emission for the compiler's target (which need not be this machine's).
  // Thread-safe. InternalError when the IR is malformed.
  ObjectCode compile_object(const LoweredFunc& func) const;
  // Links an object made by compile_object for this compiler's target. UserError when this
  // machine cannot run the target's code (e.g. AVX-512 on a CPU without it); InternalError when the
  // object does not link. Thread-safe.
  CompiledKernel load(const ObjectCode& object);
  // load(compile_object(func)).
  CompiledKernel compile(const LoweredFunc& func);

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace tt
