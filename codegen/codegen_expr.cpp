// Expressions → LLVM values. Integer index arithmetic stays in i32 with nsw (an overflowing index
// is a bug either way, and nsw lets LLVM widen and hoist it); addresses are GEPs on the
// sign-extended index. Float operations carry only the `contract` fast-math flag (see CodeGenLLVM's
// constructor).
#include <llvm/IR/Intrinsics.h>

#include <algorithm>
#include <bit>
#include <numeric>

#include "codegen/internal/codegen_llvm.h"
#include "ir/error.h"
#include "ir/loop/stmt.h"

namespace tt::codegen_internal {

namespace {

// A constant integer, directly or broadcast to every lane.
bool const_int_of(const Expr& e, int64_t* value) {
  if (const auto* broadcast = e.as<BroadcastNode>()) return const_int_of(broadcast->value, value);
  return is_const_int(e, value);
}

bool is_power_of_two(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

int log2_of(int64_t v) {
  int shift = 0;
  while ((int64_t(1) << shift) < v) ++shift;
  return shift;
}

// Whether evaluating `e` reads memory (a load that a select's condition may be guarding).
bool contains_load(const Expr& e) {
  struct Finder : ExprVisitor {
    bool found = false;
    void visit_Load(const LoadNode*) override { found = true; }
  } finder;
  finder.visit(e);
  return finder.found;
}

}  // namespace

std::optional<ConstantStrideIndex> constant_stride_index(const Expr& index) {
  auto as_ramp = [](const Expr& e) -> std::optional<ConstantStrideIndex> {
    const auto* ramp = e.as<RampNode>();
    int64_t stride;
    if (!ramp || !is_const_int(ramp->stride, &stride)) return std::nullopt;
    return ConstantStrideIndex{ramp->base, stride};
  };
  if (auto ramp = as_ramp(index)) return ramp;
  const BinaryNode* op = index.as<AddNode>();
  if (!op) op = index.as<SubNode>();
  if (!op) return std::nullopt;
  // broadcast - ramp steps backwards; only ramp ± broadcast and broadcast + ramp keep the stride.
  const auto* right = op->b.as<BroadcastNode>();
  if (auto ramp = as_ramp(op->a); ramp && right) {
    ramp->base =
        index.kind() == ExprKind::Add ? ramp->base + right->value : ramp->base - right->value;
    return ramp;
  }
  const auto* left = op->a.as<BroadcastNode>();
  if (auto ramp = as_ramp(op->b); ramp && left && index.kind() == ExprKind::Add) {
    ramp->base = left->value + ramp->base;
    return ramp;
  }
  return std::nullopt;
}

Expr unit_stride_base(const Expr& index) {
  auto strided = constant_stride_index(index);
  return strided && strided->stride == 1 ? strided->base : Expr();
}

llvm::Type* CodeGenLLVM::llvm_type(DType type) {
  llvm::Type* element = nullptr;
  switch (type.code) {
    case TypeCode::Float:
      element = type.bits == 64   ? builder_.getDoubleTy()
                : type.bits == 16 ? builder_.getHalfTy()
                                  : builder_.getFloatTy();
      TT_ASSERT(type.bits == 16 || type.bits == 32 || type.bits == 64, "float{}", type.bits);
      break;
    case TypeCode::BFloat:
      element = builder_.getBFloatTy();
      break;
    case TypeCode::Int:
    case TypeCode::UInt:
      element = builder_.getIntNTy(type.bits);
      break;
  }
  return type.lanes > 1 ? llvm::FixedVectorType::get(element, type.lanes) : element;
}

llvm::Type* CodeGenLLVM::storage_type(const BufferNode* buffer) {
  TT_ASSERT(!buffer->dtype.is_bool(), "buffer '{}' stores bool, which has no memory layout",
            buffer->name);
  return llvm_type(buffer->dtype.element_of());
}

llvm::Value* CodeGenLLVM::buffer_pointer(const BufferNode* buffer) {
  auto it = buffers_.find(buffer);
  TT_ASSERT(it != buffers_.end(), "buffer '{}' used outside its parameter list or Allocate",
            buffer->name);
  return it->second;
}

llvm::Value* CodeGenLLVM::to_int64(llvm::Value* index) {
  llvm::Type* wide = builder_.getInt64Ty();
  if (auto* vector = llvm::dyn_cast<llvm::FixedVectorType>(index->getType())) {
    wide = llvm::FixedVectorType::get(wide, vector->getNumElements());
  }
  return builder_.CreateSExtOrTrunc(index, wide);
}

// A conservative multiple the value of `e` is known to be (1 when nothing is known); capped so
// products cannot overflow. Unrolled loop variables are constants by the time they are read.
int64_t CodeGenLLVM::known_multiple(const Expr& e) {
  constexpr int64_t kCap = int64_t(1) << 20;
  int64_t value;
  if (is_const_int(e, &value)) return value == 0 ? kCap : std::min(std::abs(value), kCap);
  if (const auto* var = e.as<VarNode>()) {
    auto it = vars_.find(var);
    if (it != vars_.end()) {
      if (auto* constant = llvm::dyn_cast<llvm::ConstantInt>(it->second)) {
        int64_t v = constant->getSExtValue();
        return v == 0 ? kCap : std::min(std::abs(v), kCap);
      }
    }
    return 1;
  }
  if (const auto* add = e.as<AddNode>())
    return std::gcd(known_multiple(add->a), known_multiple(add->b));
  if (const auto* sub = e.as<SubNode>())
    return std::gcd(known_multiple(sub->a), known_multiple(sub->b));
  if (const auto* mul = e.as<MulNode>()) {
    return std::min(known_multiple(mul->a) * known_multiple(mul->b), kCap);
  }
  return 1;
}

llvm::Align CodeGenLLVM::element_alignment(const BufferNode* buffer, const Expr& index) {
  int64_t bytes = buffer->dtype.bytes();
  // The gcd, not a cap: an index that is a multiple of 65 elements is only 4-byte aligned.
  int64_t multiple = known_multiple(index);
  return llvm::Align(std::max<int64_t>(bytes, std::gcd(kBufferAlignment, bytes * multiple)));
}

llvm::Value* CodeGenLLVM::emit(const Expr& e) {
  TT_ASSERT(e.defined(), "codegen of an undefined expression");
  switch (e.kind()) {
#define TT_CASE(name)  \
  case ExprKind::name: \
    return emit_##name(static_cast<const name##Node*>(e.get()));
    TT_EXPR_NODES(TT_CASE)
#undef TT_CASE
  }
  internal_error("unknown expression kind {}", int(e.kind()));
}

llvm::Value* CodeGenLLVM::emit_IntImm(const IntImmNode* op) {
  return llvm::ConstantInt::get(llvm_type(op->type), uint64_t(op->value), /*isSigned=*/true);
}

llvm::Value* CodeGenLLVM::emit_FloatImm(const FloatImmNode* op) {
  return llvm::ConstantFP::get(llvm_type(op->type), op->value);
}

llvm::Value* CodeGenLLVM::emit_Var(const VarNode* op) {
  auto it = vars_.find(op);
  TT_ASSERT(it != vars_.end(), "variable '{}' used outside its loop or let", op->name);
  return it->second;
}

llvm::Value* CodeGenLLVM::emit_Add(const AddNode* op) {
  llvm::Value *a = emit(op->a), *b = emit(op->b);
  if (op->type.is_float()) return builder_.CreateFAdd(a, b);
  return builder_.CreateAdd(a, b, "", false, op->type.is_int());
}

llvm::Value* CodeGenLLVM::emit_Sub(const SubNode* op) {
  llvm::Value *a = emit(op->a), *b = emit(op->b);
  if (op->type.is_float()) return builder_.CreateFSub(a, b);
  return builder_.CreateSub(a, b, "", false, op->type.is_int());
}

llvm::Value* CodeGenLLVM::emit_Mul(const MulNode* op) {
  llvm::Value *a = emit(op->a), *b = emit(op->b);
  if (op->type.is_float()) return builder_.CreateFMul(a, b);
  return builder_.CreateMul(a, b, "", false, op->type.is_int());
}

llvm::Value* CodeGenLLVM::emit_Div(const DivNode* op) {
  llvm::Value *a = emit(op->a), *b = emit(op->b);
  if (op->type.is_float()) return builder_.CreateFDiv(a, b);
  if (!op->type.is_int()) return builder_.CreateUDiv(a, b);
  return emit_floor_div(op, a, b);
}

llvm::Value* CodeGenLLVM::emit_Mod(const ModNode* op) {
  TT_ASSERT(!op->type.is_float(), "Mod of floats reached codegen: {}", op->type.to_string());
  llvm::Value *a = emit(op->a), *b = emit(op->b);
  if (!op->type.is_int()) return builder_.CreateURem(a, b);
  return emit_floor_mod(op, a, b);
}

// Floor division: sdiv truncates toward zero, so step down by one when the remainder is nonzero and
// its sign differs from the divisor's. A positive power of two is a plain arithmetic shift.
llvm::Value* CodeGenLLVM::emit_floor_div(const BinaryNode* op, llvm::Value* a, llvm::Value* b) {
  int64_t divisor;
  llvm::Type* type = a->getType();
  if (const_int_of(op->b, &divisor) && divisor > 0) {
    if (is_power_of_two(divisor)) {
      return builder_.CreateAShr(a, llvm::ConstantInt::get(type, log2_of(divisor)));
    }
    llvm::Value* quotient = builder_.CreateSDiv(a, b);
    llvm::Value* negative =
        builder_.CreateICmpSLT(builder_.CreateSRem(a, b), llvm::Constant::getNullValue(type));
    return builder_.CreateSub(quotient, builder_.CreateZExt(negative, type));
  }
  llvm::Value* quotient = builder_.CreateSDiv(a, b);
  llvm::Value* remainder = builder_.CreateSRem(a, b);
  llvm::Value* zero = llvm::Constant::getNullValue(type);
  llvm::Value* adjust =
      builder_.CreateAnd(builder_.CreateICmpNE(remainder, zero),
                         builder_.CreateICmpSLT(builder_.CreateXor(remainder, b), zero));
  return builder_.CreateSub(quotient, builder_.CreateZExt(adjust, type));
}

// Floor modulo: the result takes the divisor's sign. A positive power of two is a mask (two's
// complement makes `a & (d - 1)` the floor modulo for negative a too).
llvm::Value* CodeGenLLVM::emit_floor_mod(const BinaryNode* op, llvm::Value* a, llvm::Value* b) {
  int64_t divisor;
  llvm::Type* type = a->getType();
  llvm::Value* zero = llvm::Constant::getNullValue(type);
  if (const_int_of(op->b, &divisor) && divisor > 0) {
    if (is_power_of_two(divisor)) {
      return builder_.CreateAnd(a, llvm::ConstantInt::get(type, divisor - 1));
    }
    llvm::Value* remainder = builder_.CreateSRem(a, b);
    llvm::Value* negative = builder_.CreateICmpSLT(remainder, zero);
    return builder_.CreateAdd(remainder, builder_.CreateSelect(negative, b, zero));
  }
  llvm::Value* remainder = builder_.CreateSRem(a, b);
  llvm::Value* adjust =
      builder_.CreateAnd(builder_.CreateICmpNE(remainder, zero),
                         builder_.CreateICmpSLT(builder_.CreateXor(remainder, b), zero));
  return builder_.CreateAdd(remainder, builder_.CreateSelect(adjust, b, zero));
}

// Min and max are compare + select for floats too: min(a, b) = a < b ? a : b, so a NaN in `a`
// yields b and a NaN in `b` yields NaN, the same on every target (x86's minps behaves exactly so).
llvm::Value* CodeGenLLVM::emit_Min(const MinNode* op) {
  llvm::Value *a = emit(op->a), *b = emit(op->b);
  llvm::Value* less = op->type.is_float() ? builder_.CreateFCmpOLT(a, b)
                      : op->type.is_int() ? builder_.CreateICmpSLT(a, b)
                                          : builder_.CreateICmpULT(a, b);
  return builder_.CreateSelect(less, a, b);
}

llvm::Value* CodeGenLLVM::emit_Max(const MaxNode* op) {
  llvm::Value *a = emit(op->a), *b = emit(op->b);
  llvm::Value* greater = op->type.is_float() ? builder_.CreateFCmpOGT(a, b)
                         : op->type.is_int() ? builder_.CreateICmpSGT(a, b)
                                             : builder_.CreateICmpUGT(a, b);
  return builder_.CreateSelect(greater, a, b);
}

#define TT_COMPARISON(name, float_predicate, signed_predicate, unsigned_predicate)                 \
  llvm::Value* CodeGenLLVM::emit_##name(const name##Node* op) {                                    \
    llvm::Value *a = emit(op->a), *b = emit(op->b);                                                \
    DType operand = op->a.type();                                                                  \
    if (operand.is_float()) return builder_.CreateFCmp(llvm::CmpInst::float_predicate, a, b);      \
    return builder_.CreateICmp(                                                                    \
        operand.is_int() ? llvm::CmpInst::signed_predicate : llvm::CmpInst::unsigned_predicate, a, \
        b);                                                                                        \
  }
TT_COMPARISON(EQ, FCMP_OEQ, ICMP_EQ, ICMP_EQ)
TT_COMPARISON(NE, FCMP_UNE, ICMP_NE, ICMP_NE)
TT_COMPARISON(LT, FCMP_OLT, ICMP_SLT, ICMP_ULT)
TT_COMPARISON(LE, FCMP_OLE, ICMP_SLE, ICMP_ULE)
TT_COMPARISON(GT, FCMP_OGT, ICMP_SGT, ICMP_UGT)
TT_COMPARISON(GE, FCMP_OGE, ICMP_SGE, ICMP_UGE)
#undef TT_COMPARISON

llvm::Value* CodeGenLLVM::emit_And(const AndNode* op) {
  return builder_.CreateAnd(emit(op->a), emit(op->b));
}

llvm::Value* CodeGenLLVM::emit_Or(const OrNode* op) {
  return builder_.CreateOr(emit(op->a), emit(op->b));
}

llvm::Value* CodeGenLLVM::emit_Not(const NotNode* op) { return builder_.CreateNot(emit(op->a)); }

llvm::Value* CodeGenLLVM::emit_Select(const SelectNode* op) {
  if (!op->cond.type().is_vector() &&
      (contains_load(op->true_value) || contains_load(op->false_value))) {
    return emit_branching_select(op);
  }
  // A vector select of a load (padding read across a lane-varying bound, which the vectorizer
  // only allows when the load is the whole branch): a masked load, so excluded lanes touch no
  // memory; the other branch fills them.
  if (op->cond.type().is_vector()) {
    const auto* true_load = op->true_value.as<LoadNode>();
    const auto* false_load = op->false_value.as<LoadNode>();
    if (true_load && true_load->index.type().is_vector() && !contains_load(op->false_value))
      return emit_masked_load(true_load, emit(op->cond), emit(op->false_value));
    if (false_load && false_load->index.type().is_vector() && !contains_load(op->true_value))
      return emit_masked_load(false_load, builder_.CreateNot(emit(op->cond)), emit(op->true_value));
  }
  // Loads under selects of selects (a concatenation along a vectorized axis): each branch only in
  // the lanes its conditions choose.
  if (op->cond.type().is_vector() && (contains_load(op->true_value) || contains_load(op->false_value))) {
    auto* mask_type = llvm::FixedVectorType::get(builder_.getInt1Ty(), unsigned(op->type.lanes));
    return emit_guarded_select(op, llvm::Constant::getAllOnesValue(mask_type));
  }
  llvm::Value* cond = emit(op->cond);
  llvm::Value* true_value = emit(op->true_value);
  llvm::Value* false_value = emit(op->false_value);
  return builder_.CreateSelect(cond, true_value, false_value);
}

llvm::Value* CodeGenLLVM::emit_guarded(const Expr& e, llvm::Value* mask) {
  if (!contains_load(e)) return emit(e);
  if (const auto* load = e.as<LoadNode>()) {
    TT_ASSERT(load->index.type().is_vector() && !contains_load(load->index),
              "a guarded load needs a vector index without loads");
    return emit_masked_load(load, mask, llvm::Constant::getNullValue(llvm_type(load->type)));
  }
  const auto* select = e.as<SelectNode>();
  TT_ASSERT(select && select->type.is_vector(), "a guarded expression other than a load or a select");
  return emit_guarded_select(select, mask);
}

llvm::Value* CodeGenLLVM::emit_guarded_select(const SelectNode* select, llvm::Value* mask) {
  llvm::Value* cond = emit(select->cond);
  if (!select->cond.type().is_vector()) cond = builder_.CreateVectorSplat(unsigned(select->type.lanes), cond);
  llvm::Value* true_value = emit_guarded(select->true_value, builder_.CreateAnd(mask, cond));
  llvm::Value* false_value = emit_guarded(select->false_value, builder_.CreateAnd(mask, builder_.CreateNot(cond)));
  return builder_.CreateSelect(cond, true_value, false_value);
}

// A select whose branch loads is a guarded read (padding): the excluded load may be out of bounds,
// so only the chosen branch runs. LLVM still turns it back into a select where it can prove the
// load safe.
llvm::Value* CodeGenLLVM::emit_branching_select(const SelectNode* op) {
  llvm::Value* cond = emit(op->cond);
  auto* true_block = llvm::BasicBlock::Create(context_, "select_true", function_);
  auto* false_block = llvm::BasicBlock::Create(context_, "select_false", function_);
  auto* merge_block = llvm::BasicBlock::Create(context_, "select_merge", function_);
  builder_.CreateCondBr(cond, true_block, false_block);

  builder_.SetInsertPoint(true_block);
  llvm::Value* true_value = emit(op->true_value);
  llvm::BasicBlock* true_end = builder_.GetInsertBlock();
  builder_.CreateBr(merge_block);

  builder_.SetInsertPoint(false_block);
  llvm::Value* false_value = emit(op->false_value);
  llvm::BasicBlock* false_end = builder_.GetInsertBlock();
  builder_.CreateBr(merge_block);

  builder_.SetInsertPoint(merge_block);
  llvm::PHINode* phi = builder_.CreatePHI(true_value->getType(), 2);
  phi->addIncoming(true_value, true_end);
  phi->addIncoming(false_value, false_end);
  return phi;
}

llvm::Value* CodeGenLLVM::emit_Cast(const CastNode* op) {
  DType from = op->value.type(), to = op->type;
  llvm::Value* value = emit(op->value);
  llvm::Type* type = llvm_type(to);
  if (from == to) return value;
  if (to.is_bool()) {
    llvm::Value* zero = llvm::Constant::getNullValue(value->getType());
    return from.is_float() ? builder_.CreateFCmpUNE(value, zero)
                           : builder_.CreateICmpNE(value, zero);
  }
  if (from.is_float() && to.is_float()) return builder_.CreateFPCast(value, type);
  if (from.is_float()) {
    return to.is_int() ? builder_.CreateFPToSI(value, type) : builder_.CreateFPToUI(value, type);
  }
  if (to.is_float()) {
    return from.is_int() ? builder_.CreateSIToFP(value, type) : builder_.CreateUIToFP(value, type);
  }
  return builder_.CreateIntCast(value, type, from.is_int());
}

// tanh and erf: LLVM has no intrinsic for them, so they call libm's scalar functions (the JIT binds
// tanhf/erff), one call per lane for vectors. Exact to libm's accuracy; slow, but only epilogues
// (GELU, tanh activations) use them.
llvm::Value* CodeGenLLVM::emit_libm_call(const char* float_name, const char* double_name,
                                         llvm::Value* x) {
  llvm::Type* element = x->getType()->getScalarType();
  llvm::Type* compute = element->isDoubleTy() ? builder_.getDoubleTy() : builder_.getFloatTy();
  const char* name = element->isDoubleTy() ? double_name : float_name;
  llvm::FunctionCallee callee =
      module_.getOrInsertFunction(name, llvm::FunctionType::get(compute, {compute}, false));
  if (auto* function = llvm::dyn_cast<llvm::Function>(callee.getCallee())) {
    function->setDoesNotThrow();
    function->setWillReturn();
    function->setDoesNotAccessMemory();
  }
  auto scalar_call = [&](llvm::Value* lane) {
    llvm::Value* result = builder_.CreateCall(callee, {builder_.CreateFPCast(lane, compute)});
    return builder_.CreateFPCast(result, element);
  };
  auto* vector = llvm::dyn_cast<llvm::FixedVectorType>(x->getType());
  if (!vector) return scalar_call(x);
  llvm::Value* result = llvm::PoisonValue::get(vector);
  for (unsigned lane = 0; lane < vector->getNumElements(); ++lane) {
    result = builder_.CreateInsertElement(
        result, scalar_call(builder_.CreateExtractElement(x, lane)), lane);
  }
  return result;
}

llvm::Value* CodeGenLLVM::emit_Call(const CallNode* op) {
  std::vector<llvm::Value*> args;
  for (const Expr& arg : op->args) args.push_back(emit(arg));
  TT_ASSERT(op->type.is_float(), "intrinsic {} of non-float type {}", intrinsic_name(op->op),
            op->type.to_string());
  auto unary = [&](llvm::Intrinsic::ID id) { return builder_.CreateUnaryIntrinsic(id, args[0]); };
  switch (op->op) {
    case Intrinsic::exp:
      return unary(llvm::Intrinsic::exp);
    case Intrinsic::log:
      return unary(llvm::Intrinsic::log);
    case Intrinsic::sqrt:
      return unary(llvm::Intrinsic::sqrt);
    case Intrinsic::fabs:
      return unary(llvm::Intrinsic::fabs);
    case Intrinsic::floor:
      return unary(llvm::Intrinsic::floor);
    case Intrinsic::ceil:
      return unary(llvm::Intrinsic::ceil);
    case Intrinsic::pow:
      return builder_.CreateBinaryIntrinsic(llvm::Intrinsic::pow, args[0], args[1]);
    case Intrinsic::sigmoid: {
      // 1 / (1 + exp(-x)): exp overflows to inf for very negative x, giving exactly 0.
      llvm::Value* one = llvm::ConstantFP::get(args[0]->getType(), 1.0);
      llvm::Value* e =
          builder_.CreateUnaryIntrinsic(llvm::Intrinsic::exp, builder_.CreateFNeg(args[0]));
      return builder_.CreateFDiv(one, builder_.CreateFAdd(one, e));
    }
    case Intrinsic::tanh:
      return emit_libm_call("tanhf", "tanh", args[0]);
    case Intrinsic::erf:
      return emit_libm_call("erff", "erf", args[0]);
  }
  internal_error("unknown intrinsic {}", int(op->op));
}

llvm::Value* CodeGenLLVM::emit_Ramp(const RampNode* op) {
  llvm::Value* base = builder_.CreateVectorSplat(op->lanes, emit(op->base));
  llvm::Type* element = llvm_type(op->base.type());
  int64_t stride;
  llvm::Value* offsets;
  if (is_const_int(op->stride, &stride)) {
    std::vector<llvm::Constant*> lanes;
    for (int i = 0; i < op->lanes; ++i)
      lanes.push_back(llvm::ConstantInt::get(element, i * stride, true));
    offsets = llvm::ConstantVector::get(lanes);
  } else {
    std::vector<llvm::Constant*> lanes;
    for (int i = 0; i < op->lanes; ++i) lanes.push_back(llvm::ConstantInt::get(element, i));
    offsets = builder_.CreateMul(builder_.CreateVectorSplat(op->lanes, emit(op->stride)),
                                 llvm::ConstantVector::get(lanes), "", false, true);
  }
  return builder_.CreateAdd(base, offsets, "", false, op->type.is_int());
}

llvm::Value* CodeGenLLVM::emit_Broadcast(const BroadcastNode* op) {
  return builder_.CreateVectorSplat(op->lanes, emit(op->value));
}

// lanes elements at first, first + stride, ... (2 <= stride <= kMaxShuffledLoadStride) without a
// gather: contiguous loads of `width` elements cover the span [first, first + (lanes - 1) * stride]
// exactly, the last one placed to end at the span's last element (overlapping the one before it),
// since reading past it could leave the buffer, which is sized exactly. The loads are concatenated
// and one shuffle picks the lanes.
//
// Why chunks, and why this width: a single <span x T> load (span = 15 for 8 lanes at stride 2) is
// legal IR, but the backend splits an odd-length vector into power-of-two pieces down to single
// elements, so its tail becomes scalar loads and inserts. Chunks of min(bit_ceil(lanes), native
// lanes) are whole registers: on znver3 (llvm-mca, after O3) stride 2 at 8 lanes is 2 loads +
// vshufps + vpermpd, 1 cycle of reciprocal throughput against 3 for the single load and 14 for the
// gather (which the backend scalarizes into extracts and vinsertps). Strides 3 and 4, and 4, 7 or
// 16 lanes, come out as good as the single load or better, except stride 4 at 16 lanes (9 cycles
// against 7), which is rare. Chunks wider than a register get split again; narrower ones need more
// shuffles.
llvm::Value* CodeGenLLVM::emit_shuffled_load(const BufferNode* buffer, const Expr& first,
                                             int64_t stride, int lanes) {
  llvm::Type* element = storage_type(buffer);
  const int64_t span = (lanes - 1) * stride + 1;
  const int64_t width = std::min<int64_t>(
      {int64_t(std::bit_ceil(unsigned(lanes))), target_.vector_lanes(buffer->dtype), span});
  const int64_t chunks = (span + width - 1) / width;
  auto chunk_offset = [&](int64_t chunk) {
    return chunk + 1 < chunks ? chunk * width : span - width;
  };

  auto* chunk_type = llvm::FixedVectorType::get(element, unsigned(width));
  llvm::Value* start =
      builder_.CreateInBoundsGEP(element, buffer_pointer(buffer), to_int64(emit(first)));
  const llvm::Align align(buffer->dtype.bytes());
  std::vector<llvm::Value*> parts;
  for (int64_t chunk = 0; chunk < chunks; ++chunk) {
    llvm::Value* address =
        builder_.CreateConstInBoundsGEP1_64(element, start, uint64_t(chunk_offset(chunk)));
    parts.push_back(builder_.CreateAlignedLoad(chunk_type, address, align));
  }
  // Concatenate pairwise (shufflevector joins two vectors of one type); an odd one out is padded
  // with poison, which the final mask never selects.
  while (parts.size() > 1) {
    std::vector<llvm::Value*> joined;
    for (size_t i = 0; i < parts.size(); i += 2) {
      llvm::Value* a = parts[i];
      llvm::Value* b = i + 1 < parts.size() ? parts[i + 1] : llvm::PoisonValue::get(a->getType());
      unsigned n = llvm::cast<llvm::FixedVectorType>(a->getType())->getNumElements();
      std::vector<int> mask(2 * n);
      std::iota(mask.begin(), mask.end(), 0);
      joined.push_back(builder_.CreateShuffleVector(a, b, mask));
    }
    parts = std::move(joined);
  }
  // Element e of the span sits in chunk min(e / width, chunks - 1), at (e - that chunk's offset).
  std::vector<int> pick;
  for (int lane = 0; lane < lanes; ++lane) {
    int64_t e = lane * stride;
    int64_t chunk = std::min(e / width, chunks - 1);
    pick.push_back(int(chunk * width + e - chunk_offset(chunk)));
  }
  return builder_.CreateShuffleVector(parts[0], pick);
}

// A unit-stride ramp index is one vector load, a small constant stride contiguous loads and a
// shuffle (emit_shuffled_load), a broadcast (or stride-0) index one scalar load splatted; any other
// vector index is a gather.
llvm::Value* CodeGenLLVM::emit_Load(const LoadNode* op) {
  const BufferNode* buffer = op->buffer.get();
  llvm::Value* base = buffer_pointer(buffer);
  llvm::Type* element = storage_type(buffer);
  auto scalar_load = [&](const Expr& index) {
    llvm::Value* address = builder_.CreateInBoundsGEP(element, base, to_int64(emit(index)));
    return builder_.CreateAlignedLoad(element, address, element_alignment(buffer, index));
  };
  if (!op->index.type().is_vector()) return scalar_load(op->index);
  auto* type = llvm::cast<llvm::FixedVectorType>(llvm_type(op->type));
  int lanes = op->index.type().lanes;
  if (const auto* broadcast = op->index.as<BroadcastNode>()) {
    return builder_.CreateVectorSplat(lanes, scalar_load(broadcast->value));
  }
  if (auto strided = constant_stride_index(op->index)) {
    if (strided->stride == 0) return builder_.CreateVectorSplat(lanes, scalar_load(strided->base));
    if (strided->stride == 1) {
      llvm::Value* address =
          builder_.CreateInBoundsGEP(element, base, to_int64(emit(strided->base)));
      return builder_.CreateAlignedLoad(type, address, element_alignment(buffer, strided->base));
    }
    // 32-bit elements only: the chunk widths and the measurements behind them are for those.
    bool shuffled_type = buffer->dtype.bits == 32 && !buffer->dtype.is_vector() &&
                         (buffer->dtype.is_float() || buffer->dtype.is_integer_like());
    if (shuffled_type && strided->stride >= 2 && strided->stride <= kMaxShuffledLoadStride) {
      return emit_shuffled_load(buffer, strided->base, strided->stride, lanes);
    }
  }
  llvm::Value* addresses = builder_.CreateInBoundsGEP(element, base, to_int64(emit(op->index)));
  return builder_.CreateMaskedGather(type, addresses, llvm::Align(buffer->dtype.bytes()));
}

llvm::Value* CodeGenLLVM::emit_masked_load(const LoadNode* op, llvm::Value* mask, llvm::Value* passthru) {
  const BufferNode* buffer = op->buffer.get();
  llvm::Value* base = buffer_pointer(buffer);
  llvm::Type* element = storage_type(buffer);
  auto* type = llvm::cast<llvm::FixedVectorType>(llvm_type(op->type));
  const llvm::Align align(buffer->dtype.bytes());
  if (auto strided = constant_stride_index(op->index); strided && strided->stride == 1) {
    llvm::Value* address = builder_.CreateInBoundsGEP(element, base, to_int64(emit(strided->base)));
    return builder_.CreateMaskedLoad(type, address, align, mask, passthru);
  }
  llvm::Value* addresses = builder_.CreateGEP(element, base, to_int64(emit(op->index)));
  return builder_.CreateMaskedGather(type, addresses, align, mask, passthru);
}

llvm::Value* CodeGenLLVM::emit_TensorRead(const TensorReadNode* op) {
  internal_error("a TensorRead reached codegen; lowering replaces every tensor read by a Load");
}

llvm::Value* CodeGenLLVM::emit_Reduce(const ReduceNode* op) {
  internal_error("a Reduce reached codegen; lowering turns reductions into loops");
}

}  // namespace tt::codegen_internal
