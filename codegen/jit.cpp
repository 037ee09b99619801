// The JIT: each kernel is optimized and compiled to an object file by our own TargetMachine (so the
// code that runs is exactly what emit_assembly shows), then linked by ORC into a JITDylib of its
// own, which the runtime and libm symbols resolve against. Destroying the kernel removes the
// JITDylib and frees its memory. Compilation holds no lock: a TargetMachine is not safe to share
// between threads, so each thread keeps its own per target string, and each call its own context.
#include "codegen/jit.h"

#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Support/MemoryBuffer.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "codegen/internal/codegen_llvm.h"
#include "codegen/internal/llvm_support.h"
#include "codegen/runtime.h"
#include "ir/error.h"

namespace tt {

struct KernelCompiler::State {
  explicit State(Target t) : target(std::move(t)), target_key(target.to_string()) {}
  std::mutex mutex;  // guards jit, runtime and kernel_count (loading and releasing kernels)
  const Target target;
  const std::string target_key;  // target.to_string(), the key of the per-thread machines
  std::atomic<bool> host_checked{false};
  std::unique_ptr<llvm::orc::LLJIT> jit;
  llvm::orc::JITDylib* runtime = nullptr;  // the runtime ABI and libm, as absolute symbols
  uint64_t kernel_count = 0;
};

struct CompiledKernel::Impl {
  std::shared_ptr<KernelCompiler::State> state;
  llvm::orc::JITDylib* dylib = nullptr;
  std::string name;
  std::vector<Buffer> params;
  PackedFunction function = nullptr;

  ~Impl() {
    std::lock_guard<std::mutex> lock(state->mutex);
    if (auto error = state->jit->getExecutionSession().removeJITDylib(*dylib)) {
      llvm::consumeError(std::move(error));  // a destructor cannot report it; the memory leaks
    }
  }
};

namespace {

std::string error_text(llvm::Error error) { return llvm::toString(std::move(error)); }

// The functions generated code may call: the runtime, and the libm functions LLVM lowers its math
// intrinsics to (a vector llvm.exp becomes one expf per lane) or that codegen calls directly.
llvm::orc::SymbolMap runtime_symbols(llvm::orc::LLJIT& jit) {
  using Unary = float (*)(float);
  using UnaryDouble = double (*)(double);
  std::vector<std::pair<const char*, void*>> symbols = {
      {"tt_parallel_for", reinterpret_cast<void*>(&tt_parallel_for)},
      {"tt_alloc", reinterpret_cast<void*>(&tt_alloc)},
      {"tt_free", reinterpret_cast<void*>(&tt_free)},
      {"expf", reinterpret_cast<void*>(static_cast<Unary>(&::expf))},
      {"exp", reinterpret_cast<void*>(static_cast<UnaryDouble>(&::exp))},
      {"exp2f", reinterpret_cast<void*>(static_cast<Unary>(&::exp2f))},
      {"logf", reinterpret_cast<void*>(static_cast<Unary>(&::logf))},
      {"log", reinterpret_cast<void*>(static_cast<UnaryDouble>(&::log))},
      {"tanhf", reinterpret_cast<void*>(static_cast<Unary>(&::tanhf))},
      {"tanh", reinterpret_cast<void*>(static_cast<UnaryDouble>(&::tanh))},
      {"erff", reinterpret_cast<void*>(static_cast<Unary>(&::erff))},
      {"erf", reinterpret_cast<void*>(static_cast<UnaryDouble>(&::erf))},
      {"sqrtf", reinterpret_cast<void*>(static_cast<Unary>(&::sqrtf))},
      {"sqrt", reinterpret_cast<void*>(static_cast<UnaryDouble>(&::sqrt))},
      {"floorf", reinterpret_cast<void*>(static_cast<Unary>(&::floorf))},
      {"floor", reinterpret_cast<void*>(static_cast<UnaryDouble>(&::floor))},
      {"ceilf", reinterpret_cast<void*>(static_cast<Unary>(&::ceilf))},
      {"ceil", reinterpret_cast<void*>(static_cast<UnaryDouble>(&::ceil))},
      {"powf", reinterpret_cast<void*>(static_cast<float (*)(float, float)>(&::powf))},
      {"pow", reinterpret_cast<void*>(static_cast<double (*)(double, double)>(&::pow))},
      {"memcpy", reinterpret_cast<void*>(&::memcpy)},
      {"memmove", reinterpret_cast<void*>(&::memmove)},
      {"memset", reinterpret_cast<void*>(&::memset)},
  };
  llvm::orc::SymbolMap map;
  for (const auto& [name, address] : symbols) {
    map[jit.mangleAndIntern(name)] = {
        llvm::orc::ExecutorAddr::fromPtr(address),
        llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable};
  }
  return map;
}

// A kernel for a CPU this host cannot run is refused (UserError) once, before anything is built.
void check_host_once(KernelCompiler::State& state) {
  if (state.host_checked.load()) return;
  check_host_supports(state.target);
  state.host_checked.store(true);
}

void start_jit(KernelCompiler::State& state) {
  auto jit = llvm::orc::LLJITBuilder().create();
  if (!jit) internal_error("cannot start the LLVM JIT: {}", error_text(jit.takeError()));
  state.jit = std::move(*jit);
  state.runtime = &state.jit->getExecutionSession().createBareJITDylib("tt_runtime");
  if (auto error = state.runtime->define(llvm::orc::absoluteSymbols(runtime_symbols(*state.jit)))) {
    internal_error("cannot define the kernel runtime symbols: {}", error_text(std::move(error)));
  }
}

// This thread's TargetMachine for `target`. Machines are created on first use and live as long as
// the thread; a build thread typically compiles for one target, so the map stays at one entry.
llvm::TargetMachine& thread_target_machine(const Target& target, const std::string& key) {
  thread_local std::unordered_map<std::string, std::unique_ptr<llvm::TargetMachine>> machines;
  std::unique_ptr<llvm::TargetMachine>& machine = machines[key];
  if (!machine) machine = codegen_internal::make_target_machine(target);
  return *machine;
}

void check_args(const CompiledKernel& kernel, size_t count) {
  if (count != kernel.params().size()) {
    user_error("kernel '{}' takes {} arguments, got {}", kernel.name(), kernel.params().size(),
               count);
  }
}

}  // namespace

CompiledKernel::CompiledKernel() = default;
CompiledKernel::~CompiledKernel() = default;
CompiledKernel::CompiledKernel(CompiledKernel&&) noexcept = default;
CompiledKernel& CompiledKernel::operator=(CompiledKernel&&) noexcept = default;

const std::string& CompiledKernel::name() const {
  TT_ASSERT(defined(), "name of an empty CompiledKernel");
  return impl_->name;
}

const std::vector<Buffer>& CompiledKernel::params() const {
  TT_ASSERT(defined(), "params of an empty CompiledKernel");
  return impl_->params;
}

CompiledKernel::PackedFunction CompiledKernel::packed_function() const {
  TT_ASSERT(defined(), "running an empty CompiledKernel");
  return impl_->function;
}

void CompiledKernel::run_raw(const std::vector<void*>& args) const {
  check_args(*this, args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    if (reinterpret_cast<uintptr_t>(args[i]) % codegen_internal::kBufferAlignment != 0) {
      user_error("kernel '{}': argument {} ('{}') is not {}-byte aligned", name(), i,
                 impl_->params[i]->name, codegen_internal::kBufferAlignment);
    }
  }
  std::vector<void*> packed = args;
  impl_->function(packed.data());
}

void CompiledKernel::run(const std::vector<NDArray*>& args) const {
  check_args(*this, args.size());
  std::vector<void*> pointers;
  for (size_t i = 0; i < args.size(); ++i) {
    const BufferNode& param = *impl_->params[i];
    const NDArray& array = *args[i];
    if (array.dtype() != param.dtype) {
      user_error("kernel '{}': argument {} ('{}') must be {}, got {}", name(), i, param.name,
                 param.dtype.to_string(), array.dtype().to_string());
    }
    bool shape_ok =
        param.shape.empty() ? array.num_elements() == param.size : array.shape() == param.shape;
    if (!shape_ok || array.num_elements() != param.size) {
      user_error("kernel '{}': argument {} ('{}') must have shape {}, got {}", name(), i,
                 param.name, shape_to_string(param.shape), shape_to_string(array.shape()));
    }
    pointers.push_back(args[i]->data());
  }
  run_raw(pointers);
}

KernelCompiler::KernelCompiler(Target target)
    : state_(std::make_shared<State>(std::move(target))) {}

KernelCompiler::~KernelCompiler() = default;

const Target& KernelCompiler::target() const { return state_->target; }

ObjectCode KernelCompiler::compile_object(const LoweredFunc& func) const {
  const State& state = *state_;
  codegen_internal::initialize_llvm();
  llvm::TargetMachine& machine = thread_target_machine(state.target, state.target_key);
  llvm::LLVMContext context;
  auto module = codegen_internal::build_module(func, state.target, machine, context);
  codegen_internal::optimize_module(*module, machine);
  ObjectCode object;
  object.name = func.name;
  object.bytes =
      codegen_internal::emit_machine_code(*module, machine, llvm::CodeGenFileType::ObjectFile);
  object.params = func.params;
  return object;
}

CompiledKernel KernelCompiler::compile(const LoweredFunc& func) {
  check_host_once(*state_);
  return load(compile_object(func));
}

CompiledKernel KernelCompiler::load(const ObjectCode& object) {
  State& state = *state_;
  check_host_once(state);
  std::lock_guard<std::mutex> lock(state.mutex);
  codegen_internal::initialize_llvm();
  if (!state.jit) start_jit(state);

  auto dylib = state.jit->createJITDylib("tt_kernel_" + std::to_string(state.kernel_count++));
  if (!dylib) internal_error("cannot create a JITDylib: {}", error_text(dylib.takeError()));
  // Runtime first: our aligned allocator and parallel-for win over anything the process exports.
  dylib->setLinkOrder({{state.runtime, llvm::orc::JITDylibLookupFlags::MatchAllSymbols}}, true);
  for (const auto& link : state.jit->defaultLinkOrder())
    dylib->addToLinkOrder(*link.first, link.second);

  auto fail = [&](const char* what, llvm::Error error) {
    std::string text = error_text(std::move(error));
    llvm::consumeError(state.jit->getExecutionSession().removeJITDylib(*dylib));
    internal_error("cannot {} the compiled kernel {}: {}", what, object.name, text);
  };
  if (auto error = state.jit->addObjectFile(
          *dylib, llvm::MemoryBuffer::getMemBufferCopy(object.bytes, object.name))) {
    fail("load", std::move(error));
  }
  auto address = state.jit->lookup(*dylib, codegen_internal::packed_function_name(object.name));
  if (!address) fail("link", address.takeError());

  // Built last: its destructor takes the mutex held here, so it must not die in this scope.
  CompiledKernel kernel;
  kernel.impl_ = std::make_unique<CompiledKernel::Impl>();
  kernel.impl_->state = state_;
  kernel.impl_->dylib = &*dylib;
  kernel.impl_->name = object.name;
  kernel.impl_->params = object.params;
  kernel.impl_->function = address->toPtr<CompiledKernel::PackedFunction>();
  return kernel;
}

}  // namespace tt
