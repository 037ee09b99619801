// The loop IR → LLVM IR emitter (codegen-internal: includes LLVM). One CodeGenLLVM builds one
// kernel into a module: expressions in codegen_expr.cpp, statements and parallel outlining in
// codegen_stmt.cpp, the kernel and its packed wrapper in llvm_codegen.cpp.
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/CodeGen.h>
#include <llvm/Target/TargetMachine.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "codegen/target.h"
#include "ir/loop/stmt.h"

namespace tt::codegen_internal {

// Local buffers up to this size live on the stack (an alloca in the function's entry block);
// larger ones come from tt_alloc, since worker threads have small stacks.
constexpr int64_t kMaxStackBufferBytes = 256 * 1024;
// Every kernel buffer (parameter, alloca, tt_alloc block) starts on this boundary.
constexpr int64_t kBufferAlignment = 64;

// Builds the unoptimized module holding `void NAME(ptr...)` and `void NAME_packed(ptr args)`.
std::unique_ptr<llvm::Module> build_module(const LoweredFunc& func, const Target& target,
                                           llvm::TargetMachine& machine,
                                           llvm::LLVMContext& context);
// Runs LLVM's O3 module pipeline for `machine`.
void optimize_module(llvm::Module& module, llvm::TargetMachine& machine);
// Runs the backend: an object file or assembly text of the (optimized) module.
std::string emit_machine_code(llvm::Module& module, llvm::TargetMachine& machine,
                              llvm::CodeGenFileType file_type);
// A vector index whose lanes step by a constant: lane i addresses base + i * stride.
struct ConstantStrideIndex {
  Expr base;  // scalar
  int64_t stride = 0;
};
// The base and stride of ramp(b, s, n) with a constant s, or of such a ramp plus or minus a
// broadcast (a form an unsimplified index may take); nullopt for any other index.
std::optional<ConstantStrideIndex> constant_stride_index(const Expr& index);
// The scalar first index of a unit-stride vector index (one contiguous vector access), or an
// undefined Expr for any other index.
Expr unit_stride_base(const Expr& index);
// Strided loads with a constant stride in [2, kMaxShuffledLoadStride] of 32-bit elements read the
// span the lanes cover with contiguous loads and pick the lanes with a shuffle; a larger stride
// would load mostly unused elements, so it stays a gather.
constexpr int64_t kMaxShuffledLoadStride = 4;
// The name of the host-callable wrapper: `void NAME_packed(void** args)`.
std::string packed_function_name(const std::string& kernel_name);

class CodeGenLLVM {
 public:
  CodeGenLLVM(llvm::Module& module, const Target& target);
  void emit_kernel(const LoweredFunc& func);

 private:
  // ---- expressions (codegen_expr.cpp) ----
  llvm::Value* emit(const Expr& e);
#define TT_DECLARE(name) llvm::Value* emit_##name(const name##Node* op);
  TT_EXPR_NODES(TT_DECLARE)
#undef TT_DECLARE
  llvm::Value* emit_floor_div(const BinaryNode* op, llvm::Value* a, llvm::Value* b);
  llvm::Value* emit_floor_mod(const BinaryNode* op, llvm::Value* a, llvm::Value* b);
  llvm::Value* emit_branching_select(const SelectNode* op);
  // A vector load of the lanes `mask` selects; the others are taken from `passthru`.
  llvm::Value* emit_masked_load(const LoadNode* op, llvm::Value* mask, llvm::Value* passthru);
  // A vector expression evaluated only in the lanes of `mask`: its loads masked, its selects' branches
  // under the mask and their condition (the vectorizer admits only loads, load-free expressions and
  // selects of those where a lane-varying condition guards loads).
  llvm::Value* emit_guarded(const Expr& e, llvm::Value* mask);
  llvm::Value* emit_guarded_select(const SelectNode* op, llvm::Value* mask);
  llvm::Value* emit_libm_call(const char* float_name, const char* double_name, llvm::Value* x);
  llvm::Value* emit_shuffled_load(const BufferNode* buffer, const Expr& first, int64_t stride,
                                  int lanes);
  llvm::Type* llvm_type(DType type);
  llvm::Type* storage_type(const BufferNode* buffer);
  llvm::Value* buffer_pointer(const BufferNode* buffer);
  llvm::Value* to_int64(llvm::Value* index);
  // The alignment of &buffer[index] for a scalar index (or a ramp's base) known statically.
  llvm::Align element_alignment(const BufferNode* buffer, const Expr& index);
  int64_t known_multiple(const Expr& e);

  // ---- statements (codegen_stmt.cpp) ----
  void emit(const Stmt& s);
#define TT_DECLARE(name) void emit_##name(const name##Node* op);
  TT_STMT_NODES(TT_DECLARE)
#undef TT_DECLARE
  void emit_serial_loop(const VarNode* var, llvm::Value* begin, llvm::Value* end, const Stmt& body);
  void emit_parallel_loop(const ForNode* op);
  llvm::Value* entry_alloca(llvm::Type* type, int64_t count, const std::string& name);
  void set_function_attributes(llvm::Function* function);
  void add_buffer_param_attributes(llvm::Function* function, unsigned index,
                                   const BufferNode* buffer);

  llvm::LLVMContext& context_;
  llvm::Module& module_;
  Target target_;
  llvm::IRBuilder<> builder_;
  std::string kernel_name_;
  llvm::Function* function_ =
      nullptr;  // the function being filled (the kernel or an outlined body)
  std::unordered_map<const VarNode*, llvm::Value*> vars_;
  std::unordered_map<const BufferNode*, llvm::Value*> buffers_;
  bool in_parallel_ = false;  // inside an outlined parallel body: nested parallel loops are serial
  int parallel_count_ = 0;
};

}  // namespace tt::codegen_internal
