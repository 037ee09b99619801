// The kernel function and its packed wrapper, the O3 pipeline and the backend. Floating-point
// operations carry exactly one fast-math flag, `contract`: fusing a*b+c into an FMA is what
// register-blocked kernels need and it is deterministic for a given target. Reassociation is off
// because it reorders reductions away from the reference (results would drift past tolerances on
// long sums), nnan/ninf are off because min/max and guards must keep NaN/inf semantics, and afn
// buys nothing on x86 where exp/log stay libm calls.
#include "codegen/llvm_codegen.h"

#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/raw_ostream.h>

#include <unordered_set>

#include "codegen/internal/codegen_llvm.h"
#include "codegen/internal/llvm_support.h"
#include "ir/error.h"

namespace tt {

namespace codegen_internal {

CodeGenLLVM::CodeGenLLVM(llvm::Module& module, const Target& target)
    : context_(module.getContext()),
      module_(module),
      target_(target),
      builder_(module.getContext()) {
  llvm::FastMathFlags flags;
  flags.setAllowContract(true);
  builder_.setFastMathFlags(flags);
}

void CodeGenLLVM::set_function_attributes(llvm::Function* function) {
  function->addFnAttr(llvm::Attribute::NoUnwind);
  function->addFnAttr("target-cpu", target_.cpu);
  function->addFnAttr("target-features", llvm_feature_string(target_));
  // Explicit 512-bit vectors stay whole (not split into two 256-bit halves) only when the
  // function says it wants them; with AVX2 this is 256, LLVM's default anyway.
  std::string width = std::to_string(target_.vector_bits());
  function->addFnAttr("prefer-vector-width", width);
  function->addFnAttr("min-legal-vector-width", width);
}

void CodeGenLLVM::add_buffer_param_attributes(llvm::Function* function, unsigned index,
                                              const BufferNode* buffer) {
  function->addParamAttr(index, llvm::Attribute::NoAlias);
  function->addParamAttr(index, llvm::Attribute::NoCapture);
  function->addParamAttr(
      index, llvm::Attribute::getWithAlignment(context_, llvm::Align(kBufferAlignment)));
  int64_t bytes = buffer->size * buffer->dtype.bytes();
  if (bytes > 0) function->addDereferenceableParamAttr(index, uint64_t(bytes));
  function->getArg(index)->setName(buffer->name);
}

void CodeGenLLVM::emit_kernel(const LoweredFunc& func) {
  kernel_name_ = func.name;
  std::unordered_set<const BufferNode*> distinct;
  for (const Buffer& buffer : func.params) {
    TT_ASSERT(buffer->scope == BufferScope::Param, "parameter '{}' of {} is not a Param buffer",
              buffer->name, func.name);
    TT_ASSERT(distinct.insert(buffer.get()).second, "buffer '{}' is a parameter of {} twice",
              buffer->name, func.name);
  }
  auto* ptr = builder_.getPtrTy();
  std::vector<llvm::Type*> params(func.params.size(), ptr);
  auto* kernel =
      llvm::Function::Create(llvm::FunctionType::get(builder_.getVoidTy(), params, false),
                             llvm::Function::ExternalLinkage, func.name, module_);
  set_function_attributes(kernel);
  for (unsigned i = 0; i < func.params.size(); ++i) {
    add_buffer_param_attributes(kernel, i, func.params[i].get());
    buffers_[func.params[i].get()] = kernel->getArg(i);
  }
  function_ = kernel;
  builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", kernel));
  emit(func.body);
  builder_.CreateRetVoid();
  buffers_.clear();

  auto* packed = llvm::Function::Create(llvm::FunctionType::get(builder_.getVoidTy(), {ptr}, false),
                                        llvm::Function::ExternalLinkage,
                                        packed_function_name(func.name), module_);
  set_function_attributes(packed);
  builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", packed));
  std::vector<llvm::Value*> args;
  for (unsigned i = 0; i < func.params.size(); ++i) {
    llvm::Value* slot = builder_.CreateConstInBoundsGEP1_64(ptr, packed->getArg(0), i);
    args.push_back(builder_.CreateAlignedLoad(ptr, slot, llvm::Align(sizeof(void*))));
  }
  builder_.CreateCall(kernel, args);
  builder_.CreateRetVoid();
}

std::string packed_function_name(const std::string& kernel_name) { return kernel_name + "_packed"; }

std::unique_ptr<llvm::Module> build_module(const LoweredFunc& func, const Target& target,
                                           llvm::TargetMachine& machine,
                                           llvm::LLVMContext& context) {
  verify(func);
  auto module = std::make_unique<llvm::Module>(func.name, context);
  module->setTargetTriple(target.triple);
  module->setDataLayout(machine.createDataLayout());
  CodeGenLLVM(*module, target).emit_kernel(func);
  std::string problems;
  llvm::raw_string_ostream stream(problems);
  if (llvm::verifyModule(*module, &stream)) {
    internal_error("codegen of {} produced invalid LLVM IR: {}", func.name, stream.str());
  }
  return module;
}

void optimize_module(llvm::Module& module, llvm::TargetMachine& machine) {
  // Declared in this order so they are destroyed in the reverse (they reference each other).
  llvm::LoopAnalysisManager loop_analyses;
  llvm::FunctionAnalysisManager function_analyses;
  llvm::CGSCCAnalysisManager cgscc_analyses;
  llvm::ModuleAnalysisManager module_analyses;
  llvm::PassBuilder builder(&machine);
  builder.registerModuleAnalyses(module_analyses);
  builder.registerCGSCCAnalyses(cgscc_analyses);
  builder.registerFunctionAnalyses(function_analyses);
  builder.registerLoopAnalyses(loop_analyses);
  builder.crossRegisterProxies(loop_analyses, function_analyses, cgscc_analyses, module_analyses);
  builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3).run(module, module_analyses);
}

std::string emit_machine_code(llvm::Module& module, llvm::TargetMachine& machine,
                              llvm::CodeGenFileType file_type) {
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream stream(buffer);
  llvm::legacy::PassManager passes;
  bool unsupported = machine.addPassesToEmitFile(passes, stream, nullptr, file_type);
  TT_ASSERT(!unsupported, "LLVM cannot emit this file type for {}",
            machine.getTargetTriple().str());
  passes.run(module);
  return std::string(buffer.begin(), buffer.end());
}

}  // namespace codegen_internal

namespace {

std::string module_text(const LoweredFunc& func, const Target& target, bool optimize) {
  codegen_internal::initialize_llvm();
  llvm::LLVMContext context;
  auto machine = codegen_internal::make_target_machine(target);
  auto module = codegen_internal::build_module(func, target, *machine, context);
  if (optimize) codegen_internal::optimize_module(*module, *machine);
  std::string text;
  llvm::raw_string_ostream stream(text);
  module->print(stream, nullptr);
  return stream.str();
}

}  // namespace

std::string emit_llvm_ir(const LoweredFunc& func, const Target& target) {
  return module_text(func, target, true);
}

std::string emit_unoptimized_llvm_ir(const LoweredFunc& func, const Target& target) {
  return module_text(func, target, false);
}

std::string emit_assembly(const LoweredFunc& func, const Target& target) {
  codegen_internal::initialize_llvm();
  llvm::LLVMContext context;
  auto machine = codegen_internal::make_target_machine(target);
  auto module = codegen_internal::build_module(func, target, *machine, context);
  codegen_internal::optimize_module(*module, *machine);
  return codegen_internal::emit_machine_code(*module, *machine,
                                             llvm::CodeGenFileType::AssemblyFile);
}

}  // namespace tt
