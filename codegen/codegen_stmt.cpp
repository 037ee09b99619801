// Statements → LLVM control flow: loops by kind (serial, fully unrolled by substitution, parallel
// outlined to the runtime's tt_parallel_for), lets as SSA values, guarded blocks, allocation on
// the stack or the heap, and stores (vector stores for unit-stride ramps, one scalar store for a
// broadcast index, scatters otherwise).
#include <algorithm>
#include <unordered_set>

#include "codegen/internal/codegen_llvm.h"
#include "ir/error.h"

namespace tt::codegen_internal {

namespace {

// The variables and buffers a parallel body reads from its enclosing function, in order of first
// use (the closure layout must not depend on pointer values, or code would differ run to run).
struct CaptureCollector : StmtVisitor {
  const std::unordered_map<const VarNode*, llvm::Value*>& outer_vars;
  const std::unordered_map<const BufferNode*, llvm::Value*>& outer_buffers;
  std::vector<const VarNode*> vars;
  std::vector<const BufferNode*> buffers;
  std::unordered_set<const void*> seen;

  CaptureCollector(const std::unordered_map<const VarNode*, llvm::Value*>& v,
                   const std::unordered_map<const BufferNode*, llvm::Value*>& b)
      : outer_vars(v), outer_buffers(b) {}

  void add_buffer(const BufferNode* buffer) {
    if (outer_buffers.count(buffer) && seen.insert(buffer).second) buffers.push_back(buffer);
  }
  void visit_Var(const VarNode* op) override {
    if (outer_vars.count(op) && seen.insert(op).second) vars.push_back(op);
  }
  void visit_Load(const LoadNode* op) override {
    add_buffer(op->buffer.get());
    StmtVisitor::visit_Load(op);
  }
  void visit_Store(const StoreNode* op) override {
    add_buffer(op->buffer.get());
    StmtVisitor::visit_Store(op);
  }
};

}  // namespace

void CodeGenLLVM::emit(const Stmt& s) {
  TT_ASSERT(s.defined(), "codegen of an undefined statement");
  switch (s.kind()) {
#define TT_CASE(name)  \
  case StmtKind::name: \
    return emit_##name(static_cast<const name##Node*>(s.get()));
    TT_STMT_NODES(TT_CASE)
#undef TT_CASE
  }
  internal_error("unknown statement kind {}", int(s.kind()));
}

llvm::Value* CodeGenLLVM::entry_alloca(llvm::Type* type, int64_t count, const std::string& name) {
  llvm::BasicBlock& entry = function_->getEntryBlock();
  llvm::IRBuilder<> entry_builder(&entry, entry.begin());
  auto* alloca =
      entry_builder.CreateAlloca(type, entry_builder.getInt64(std::max<int64_t>(count, 1)), name);
  alloca->setAlignment(llvm::Align(kBufferAlignment));
  return alloca;
}

void CodeGenLLVM::emit_For(const ForNode* op) {
  if (op->for_kind == ForKind::Parallel && !in_parallel_) {
    emit_parallel_loop(op);
    return;
  }
  int64_t extent;
  if (op->for_kind == ForKind::Unrolled && is_const_int(op->extent, &extent)) {
    // Substitution rather than unroll metadata: each copy sees constant indices, so accumulators in
    // a local buffer become registers (SROA) and addresses fold.
    llvm::Value* min = emit(op->min);
    for (int64_t i = 0; i < extent; ++i) {
      vars_[op->var.get()] =
          builder_.CreateAdd(min, llvm::ConstantInt::get(min->getType(), i), "", false, true);
      emit(op->body);
    }
    vars_.erase(op->var.get());
    return;
  }
  llvm::Value* min = emit(op->min);
  llvm::Value* end = builder_.CreateAdd(min, emit(op->extent), "", false, true);
  emit_serial_loop(op->var.get(), min, end, op->body);
}

// for (var = begin; var < end; ++var): a guarded bottom-tested loop with an i32 (the variable's
// type) counter.
void CodeGenLLVM::emit_serial_loop(const VarNode* var, llvm::Value* begin, llvm::Value* end,
                                   const Stmt& body) {
  llvm::Type* type = llvm_type(var->type);
  begin = builder_.CreateIntCast(begin, type, true);
  end = builder_.CreateIntCast(end, type, true);
  llvm::BasicBlock* preheader = builder_.GetInsertBlock();
  auto* loop = llvm::BasicBlock::Create(context_, var->name + "_loop", function_);
  auto* exit = llvm::BasicBlock::Create(context_, var->name + "_exit", function_);
  builder_.CreateCondBr(builder_.CreateICmpSLT(begin, end), loop, exit);

  builder_.SetInsertPoint(loop);
  llvm::PHINode* counter = builder_.CreatePHI(type, 2, var->name);
  counter->addIncoming(begin, preheader);
  vars_[var] = counter;
  emit(body);
  vars_.erase(var);
  llvm::Value* next = builder_.CreateAdd(counter, llvm::ConstantInt::get(type, 1), "", false, true);
  counter->addIncoming(next, builder_.GetInsertBlock());
  builder_.CreateCondBr(builder_.CreateICmpSLT(next, end), loop, exit);
  builder_.SetInsertPoint(exit);
}

// A parallel loop becomes two functions: `NAME_parallel_K(i64 begin, i64 end, ptr closure)`, the
// tt_parallel_for callback that unpacks the closure, and `NAME_parallel_K_body(i32 begin, i32 end,
// captured values..., noalias buffers...)` holding the loop. The split exists for the noalias
// attributes: pointers loaded from a closure carry no aliasing facts, but arguments do, and the
// inliner keeps them as scoped alias metadata when it merges the two.
void CodeGenLLVM::emit_parallel_loop(const ForNode* op) {
  CaptureCollector captures(vars_, buffers_);
  captures.visit_stmt(op->body);
  llvm::Value* min = builder_.CreateIntCast(emit(op->min), llvm_type(op->var.type()), true);
  llvm::Value* extent = emit(op->extent);

  std::vector<llvm::Value*> fields = {min};
  for (const VarNode* var : captures.vars) fields.push_back(vars_.at(var));
  for (const BufferNode* buffer : captures.buffers) fields.push_back(buffers_.at(buffer));
  std::vector<llvm::Type*> field_types;
  for (llvm::Value* field : fields) field_types.push_back(field->getType());
  auto* closure_type = llvm::StructType::get(context_, field_types);

  std::string name = kernel_name_ + "_parallel_" + std::to_string(parallel_count_++);
  auto* ptr = builder_.getPtrTy();
  llvm::Type* loop_type = min->getType();
  std::vector<llvm::Type*> body_params = {loop_type, loop_type};
  for (size_t i = 1; i < fields.size(); ++i) body_params.push_back(field_types[i]);
  auto* body_function =
      llvm::Function::Create(llvm::FunctionType::get(builder_.getVoidTy(), body_params, false),
                             llvm::Function::InternalLinkage, name + "_body", module_);
  set_function_attributes(body_function);
  body_function->addFnAttr(llvm::Attribute::AlwaysInline);
  size_t first_buffer_arg = 2 + captures.vars.size();
  for (size_t i = 0; i < captures.buffers.size(); ++i) {
    add_buffer_param_attributes(body_function, unsigned(first_buffer_arg + i), captures.buffers[i]);
  }

  auto* callback = llvm::Function::Create(
      llvm::FunctionType::get(builder_.getVoidTy(),
                              {builder_.getInt64Ty(), builder_.getInt64Ty(), ptr}, false),
      llvm::Function::InternalLinkage, name, module_);
  set_function_attributes(callback);

  // The caller: fill the closure in an entry-block alloca and launch.
  llvm::Value* closure = entry_alloca(closure_type, 1, name + "_closure");
  for (size_t i = 0; i < fields.size(); ++i) {
    builder_.CreateStore(fields[i], builder_.CreateStructGEP(closure_type, closure, unsigned(i)));
  }
  llvm::FunctionCallee launch = module_.getOrInsertFunction("tt_parallel_for", builder_.getVoidTy(),
                                                            builder_.getInt64Ty(), ptr, ptr);
  builder_.CreateCall(launch, {to_int64(extent), callback, closure});

  llvm::IRBuilderBase::InsertPointGuard guard(builder_);
  // The callback: iterations [begin, end) of the loop are var = min + begin ... min + end - 1.
  builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", callback));
  std::vector<llvm::Value*> args;
  llvm::Value* closure_arg = callback->getArg(2);
  std::vector<llvm::Value*> unpacked;
  for (size_t i = 0; i < fields.size(); ++i) {
    unpacked.push_back(builder_.CreateLoad(
        field_types[i], builder_.CreateStructGEP(closure_type, closure_arg, unsigned(i))));
  }
  args.push_back(builder_.CreateAdd(builder_.CreateTrunc(callback->getArg(0), loop_type),
                                    unpacked[0], "", false, true));
  args.push_back(builder_.CreateAdd(builder_.CreateTrunc(callback->getArg(1), loop_type),
                                    unpacked[0], "", false, true));
  args.insert(args.end(), unpacked.begin() + 1, unpacked.end());
  builder_.CreateCall(body_function, args);
  builder_.CreateRetVoid();

  // The body: a fresh scope that sees only the captured values, under their new names.
  auto saved_vars = std::move(vars_);
  auto saved_buffers = std::move(buffers_);
  llvm::Function* saved_function = function_;
  vars_.clear();
  buffers_.clear();
  for (size_t i = 0; i < captures.vars.size(); ++i)
    vars_[captures.vars[i]] = body_function->getArg(unsigned(2 + i));
  for (size_t i = 0; i < captures.buffers.size(); ++i) {
    buffers_[captures.buffers[i]] = body_function->getArg(unsigned(first_buffer_arg + i));
  }
  function_ = body_function;
  in_parallel_ = true;
  builder_.SetInsertPoint(llvm::BasicBlock::Create(context_, "entry", body_function));
  emit_serial_loop(op->var.get(), body_function->getArg(0), body_function->getArg(1), op->body);
  builder_.CreateRetVoid();
  in_parallel_ = false;
  function_ = saved_function;
  vars_ = std::move(saved_vars);
  buffers_ = std::move(saved_buffers);
}

void CodeGenLLVM::emit_LetStmt(const LetStmtNode* op) {
  llvm::Value* value = emit(op->value);
  auto previous = vars_.find(op->var.get());
  llvm::Value* shadowed = previous == vars_.end() ? nullptr : previous->second;
  vars_[op->var.get()] = value;
  emit(op->body);
  if (shadowed) {
    vars_[op->var.get()] = shadowed;
  } else {
    vars_.erase(op->var.get());
  }
}

void CodeGenLLVM::emit_IfThenElse(const IfThenElseNode* op) {
  llvm::Value* cond = emit(op->cond);
  auto* then_block = llvm::BasicBlock::Create(context_, "then", function_);
  auto* merge_block = llvm::BasicBlock::Create(context_, "endif", function_);
  auto* else_block =
      op->else_case.defined() ? llvm::BasicBlock::Create(context_, "else", function_) : merge_block;
  builder_.CreateCondBr(cond, then_block, else_block);
  builder_.SetInsertPoint(then_block);
  emit(op->then_case);
  builder_.CreateBr(merge_block);
  if (op->else_case.defined()) {
    builder_.SetInsertPoint(else_block);
    emit(op->else_case);
    builder_.CreateBr(merge_block);
  }
  builder_.SetInsertPoint(merge_block);
}

void CodeGenLLVM::emit_Store(const StoreNode* op) {
  const BufferNode* buffer = op->buffer.get();
  llvm::Value* base = buffer_pointer(buffer);
  llvm::Type* element = storage_type(buffer);
  llvm::Value* value = emit(op->value);
  if (!op->index.type().is_vector()) {
    llvm::Value* address = builder_.CreateInBoundsGEP(element, base, to_int64(emit(op->index)));
    builder_.CreateAlignedStore(value, address, element_alignment(buffer, op->index));
    return;
  }
  int lanes = op->index.type().lanes;
  // Every lane writing one address (a broadcast or stride-0 index): a scatter orders overlapping
  // writes by lane, so the last lane's value is what remains; store just that.
  Expr same_address;
  if (const auto* broadcast = op->index.as<BroadcastNode>()) same_address = broadcast->value;
  if (auto strided = constant_stride_index(op->index); strided && strided->stride == 0) {
    same_address = strided->base;
  }
  if (same_address.defined()) {
    if (value->getType()->isVectorTy()) value = builder_.CreateExtractElement(value, lanes - 1);
    llvm::Value* address = builder_.CreateInBoundsGEP(element, base, to_int64(emit(same_address)));
    builder_.CreateAlignedStore(value, address, element_alignment(buffer, same_address));
    return;
  }
  if (!value->getType()->isVectorTy()) value = builder_.CreateVectorSplat(lanes, value);
  // A strided store stays a scatter: writing the covered span whole would overwrite the elements
  // between the lanes (racing with other iterations), and strided stores are rare in lowered code.
  if (Expr first = unit_stride_base(op->index); first.defined()) {
    llvm::Value* address = builder_.CreateInBoundsGEP(element, base, to_int64(emit(first)));
    builder_.CreateAlignedStore(value, address, element_alignment(buffer, first));
    return;
  }
  llvm::Value* addresses = builder_.CreateInBoundsGEP(element, base, to_int64(emit(op->index)));
  builder_.CreateMaskedScatter(value, addresses, llvm::Align(buffer->dtype.bytes()));
}

void CodeGenLLVM::emit_Allocate(const AllocateNode* op) {
  const BufferNode* buffer = op->buffer.get();
  TT_ASSERT(buffer->scope == BufferScope::Local, "Allocate of non-local buffer '{}'", buffer->name);
  llvm::Type* element = storage_type(buffer);
  int64_t bytes = buffer->size * buffer->dtype.bytes();
  if (bytes <= kMaxStackBufferBytes) {
    buffers_[buffer] = entry_alloca(element, buffer->size, buffer->name);
    emit(op->body);
    buffers_.erase(buffer);
    return;
  }
  llvm::FunctionCallee alloc =
      module_.getOrInsertFunction("tt_alloc", builder_.getPtrTy(), builder_.getInt64Ty());
  llvm::FunctionCallee free =
      module_.getOrInsertFunction("tt_free", builder_.getVoidTy(), builder_.getPtrTy());
  llvm::CallInst* pointer = builder_.CreateCall(alloc, {builder_.getInt64(bytes)}, buffer->name);
  pointer->addRetAttr(llvm::Attribute::NoAlias);
  pointer->addRetAttr(llvm::Attribute::getWithAlignment(context_, llvm::Align(kBufferAlignment)));
  pointer->addRetAttr(llvm::Attribute::getWithDereferenceableBytes(context_, uint64_t(bytes)));
  buffers_[buffer] = pointer;
  emit(op->body);
  buffers_.erase(buffer);
  builder_.CreateCall(free, {pointer});
}

void CodeGenLLVM::emit_Block(const BlockNode* op) {
  for (const Stmt& s : op->stmts) emit(s);
}

}  // namespace tt::codegen_internal
