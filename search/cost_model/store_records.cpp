// Recording the stores of a lowered function for feature extraction (store_records.h). One walk
// keeps the loop and let scopes live, so each access is summarized where its variables are bound.
//
// Index expressions are summarized numerically, not symbolically: the index is evaluated with every
// loop at its first iteration, then with one loop moved one step and to its last iteration. That
// gives the per-loop stride and span even through the floor div/mod of fused loops, and costs a few
// evaluations of a small expression per loop, which keeps extraction within the search's budget.
#include "search/cost_model/store_records.h"

#include <algorithm>
#include <optional>

namespace tt::cost_model_detail {

namespace {

// ---- integer evaluation of index expressions ----

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Evaluates integer expressions with loop variables bound to values and let variables to their
// (live) definitions; `lane` picks the lane of a vector expression. nullopt for anything that is
// not a function of those (loads, floats, calls).
class IndexEvaluator {
 public:
  std::unordered_map<const VarNode*, int64_t> values;
  std::unordered_map<const VarNode*, Expr> lets;
  int lane = 0;

  std::optional<int64_t> eval(const Expr& e) const {
    switch (e.kind()) {
      case ExprKind::IntImm:
        return e.as<IntImmNode>()->value;
      case ExprKind::FloatImm:
        return std::nullopt;
      case ExprKind::Var: {
        const auto* v = static_cast<const VarNode*>(e.get());
        if (auto it = values.find(v); it != values.end()) return it->second;
        if (auto it = lets.find(v); it != lets.end()) return eval(it->second);
        return std::nullopt;
      }
      case ExprKind::Add:
        return binary(e, [](int64_t a, int64_t b) { return std::optional<int64_t>(a + b); });
      case ExprKind::Sub:
        return binary(e, [](int64_t a, int64_t b) { return std::optional<int64_t>(a - b); });
      case ExprKind::Mul:
        return binary(e, [](int64_t a, int64_t b) { return std::optional<int64_t>(a * b); });
      case ExprKind::Div:
        return binary(e, [](int64_t a, int64_t b) {
          return b == 0 ? std::nullopt : std::optional<int64_t>(floor_div(a, b));
        });
      case ExprKind::Mod:
        return binary(e, [](int64_t a, int64_t b) {
          return b == 0 ? std::nullopt : std::optional<int64_t>(a - floor_div(a, b) * b);
        });
      case ExprKind::Min:
        return binary(e,
                      [](int64_t a, int64_t b) { return std::optional<int64_t>(std::min(a, b)); });
      case ExprKind::Max:
        return binary(e,
                      [](int64_t a, int64_t b) { return std::optional<int64_t>(std::max(a, b)); });
      case ExprKind::EQ:
        return binary(e, [](int64_t a, int64_t b) { return std::optional<int64_t>(a == b); });
      case ExprKind::NE:
        return binary(e, [](int64_t a, int64_t b) { return std::optional<int64_t>(a != b); });
      case ExprKind::LT:
        return binary(e, [](int64_t a, int64_t b) { return std::optional<int64_t>(a < b); });
      case ExprKind::LE:
        return binary(e, [](int64_t a, int64_t b) { return std::optional<int64_t>(a <= b); });
      case ExprKind::GT:
        return binary(e, [](int64_t a, int64_t b) { return std::optional<int64_t>(a > b); });
      case ExprKind::GE:
        return binary(e, [](int64_t a, int64_t b) { return std::optional<int64_t>(a >= b); });
      case ExprKind::And:
        return binary(e, [](int64_t a, int64_t b) { return std::optional<int64_t>(a && b); });
      case ExprKind::Or:
        return binary(e, [](int64_t a, int64_t b) { return std::optional<int64_t>(a || b); });
      case ExprKind::Not: {
        auto a = eval(e.as<NotNode>()->a);
        return a ? std::optional<int64_t>(!*a) : std::nullopt;
      }
      case ExprKind::Select: {
        const auto* n = e.as<SelectNode>();
        auto c = eval(n->cond);
        if (!c) return std::nullopt;
        return eval(*c ? n->true_value : n->false_value);
      }
      case ExprKind::Cast: {
        const auto* n = e.as<CastNode>();
        return n->value.type().is_integer_like() ? eval(n->value) : std::nullopt;
      }
      case ExprKind::Call:
        return std::nullopt;
      case ExprKind::Ramp: {
        const auto* n = e.as<RampNode>();
        auto base = eval(n->base), stride = eval(n->stride);
        if (!base || !stride) return std::nullopt;
        return *base + int64_t(lane) * *stride;
      }
      case ExprKind::Broadcast:
        return eval(e.as<BroadcastNode>()->value);
      case ExprKind::Load:
      case ExprKind::TensorRead:
      case ExprKind::Reduce:
        return std::nullopt;
    }
    return std::nullopt;
  }

 private:
  template <typename F>
  std::optional<int64_t> binary(const Expr& e, F f) const {
    const auto* n = static_cast<const BinaryNode*>(e.get());
    auto a = eval(n->a);
    if (!a) return std::nullopt;
    auto b = eval(n->b);
    if (!b) return std::nullopt;
    return f(*a, *b);
  }
};

// Counts the operations of one statement and collects its loads. A float add or subtract with a
// multiply operand counts as one multiply-add: LLVM contracts those into FMAs on every target here.
class OpCounter : public ExprVisitor {
 public:
  OpCounts counts;
  std::vector<const LoadNode*> loads;

  void visit_Add(const AddNode* n) override { add_or_sub(n, kFloatAddSub, kIntAddSub); }
  void visit_Sub(const SubNode* n) override { add_or_sub(n, kFloatAddSub, kIntAddSub); }
  void visit_Mul(const MulNode* n) override { binary(n, kFloatMul, kIntMul); }
  void visit_Div(const DivNode* n) override { binary(n, kFloatDivMod, kIntDivMod); }
  void visit_Mod(const ModNode* n) override { binary(n, kFloatDivMod, kIntDivMod); }
  void visit_Min(const MinNode* n) override { binary(n, kFloatCmp, kIntCmp); }
  void visit_Max(const MaxNode* n) override { binary(n, kFloatCmp, kIntCmp); }
  void visit_EQ(const EQNode* n) override { comparison(n); }
  void visit_NE(const NENode* n) override { comparison(n); }
  void visit_LT(const LTNode* n) override { comparison(n); }
  void visit_LE(const LENode* n) override { comparison(n); }
  void visit_GT(const GTNode* n) override { comparison(n); }
  void visit_GE(const GENode* n) override { comparison(n); }
  void visit_And(const AndNode* n) override { logic(n, n->type); }
  void visit_Or(const OrNode* n) override { logic(n, n->type); }
  void visit_Not(const NotNode* n) override {
    add(kBoolOp, n->type);
    ExprVisitor::visit_Not(n);
  }
  void visit_Select(const SelectNode* n) override {
    add(kSelectOp, n->type);
    ExprVisitor::visit_Select(n);
  }
  void visit_Cast(const CastNode* n) override {
    add(kCastOp, n->type);
    ExprVisitor::visit_Cast(n);
  }
  void visit_Call(const CallNode* n) override {
    add(kFloatMath, n->type);
    ExprVisitor::visit_Call(n);
  }
  void visit_Load(const LoadNode* n) override {
    loads.push_back(n);
    ExprVisitor::visit_Load(n);
  }

 private:
  void add(int kind, DType type) {
    counts.by_kind[size_t(kind)] += type.lanes;
    if (kind <= kFloatMath) (type.lanes > 1 ? counts.float_vector : counts.float_scalar) += 1;
  }
  void binary(const BinaryNode* n, int float_kind, int int_kind) {
    add(n->type.is_float() ? float_kind : int_kind, n->type);
    visit(n->a);
    visit(n->b);
  }
  void comparison(const BinaryNode* n) {
    add(n->a.type().is_float() ? kFloatCmp : kIntCmp, n->type);
    visit(n->a);
    visit(n->b);
  }
  void logic(const BinaryNode* n, DType type) {
    add(kBoolOp, type);
    visit(n->a);
    visit(n->b);
  }
  void add_or_sub(const BinaryNode* n, int float_kind, int int_kind) {
    if (n->type.is_float()) {
      const MulNode* mul = n->a.as<MulNode>();
      const Expr* other = &n->b;
      if (!mul) {
        mul = n->b.as<MulNode>();
        other = &n->a;
      }
      if (mul) {
        add(kFloatMad, n->type);
        visit(mul->a);
        visit(mul->b);
        visit(*other);
        return;
      }
    }
    binary(n, float_kind, int_kind);
  }
};

class StoreRecorder {
 public:
  StoreRecords records;

  void walk(const Stmt& s) {
    if (!s.defined()) return;
    switch (s.kind()) {
      case StmtKind::For:
        return walk_for(s.as<ForNode>());
      case StmtKind::LetStmt: {
        const auto* n = s.as<LetStmtNode>();
        const VarNode* v = n->var.get();
        auto previous = eval_.lets.find(v);
        std::optional<Expr> saved;
        if (previous != eval_.lets.end()) saved = previous->second;
        eval_.lets[v] = n->value;
        walk(n->body);
        if (saved)
          eval_.lets[v] = *saved;
        else
          eval_.lets.erase(v);
        return;
      }
      case StmtKind::IfThenElse: {
        const auto* n = s.as<IfThenElseNode>();
        ++guards_;
        walk(n->then_case);
        walk(n->else_case);
        --guards_;
        return;
      }
      case StmtKind::Store:
        return record_store(s.as<StoreNode>());
      case StmtKind::Allocate: {
        const auto* n = s.as<AllocateNode>();
        records.alloc_outer_prod[n->buffer.get()] = loop_product();
        walk(n->body);
        return;
      }
      case StmtKind::Block:
        for (const Stmt& c : s.as<BlockNode>()->stmts) walk(c);
        return;
    }
  }

 private:
  std::vector<Loop> loops_;
  int guards_ = 0;
  IndexEvaluator eval_;

  double loop_product() const {
    double p = 1;
    for (const Loop& l : loops_) p *= double(l.extent);
    return p;
  }

  void walk_for(const ForNode* n) {
    int64_t min = eval_.eval(n->min).value_or(0);
    int64_t extent = std::max<int64_t>(1, eval_.eval(n->extent).value_or(1));
    loops_.push_back({n, min, extent});
    eval_.values[n->var.get()] = min;
    walk(n->body);
    eval_.values.erase(n->var.get());
    loops_.pop_back();
  }

  Access summarize_access(const Buffer& buffer, const Expr& index, bool write) {
    Access a{buffer.get(), index, structural_hash(index), write, index.type().lanes, 0, {}, {}};
    a.step.assign(loops_.size(), 0);
    a.span.assign(loops_.size(), 0);
    std::optional<int64_t> base = eval_.eval(index);
    if (!base) {
      // Not an affine-like function of the loops (an indirect index): assume it moves with every
      // loop, the pessimistic reading for reuse and cache lines.
      for (size_t l = 0; l < loops_.size(); ++l) {
        a.step[l] = loops_[l].extent > 1 ? 1 : 0;
        a.span[l] = loops_[l].extent - 1;
      }
      a.lane_stride = 1;
      return a;
    }
    if (a.lanes > 1) {
      eval_.lane = 1;
      a.lane_stride = eval_.eval(index).value_or(*base + 1) - *base;
      eval_.lane = 0;
    }
    for (size_t l = 0; l < loops_.size(); ++l) {
      const Loop& loop = loops_[l];
      if (loop.extent <= 1) continue;
      int64_t& value = eval_.values[loop.node->var.get()];
      value = loop.min + 1;
      a.step[l] = eval_.eval(index).value_or(*base + 1) - *base;
      value = loop.min + loop.extent - 1;
      a.span[l] = std::abs(eval_.eval(index).value_or(*base + loop.extent - 1) - *base);
      value = loop.min;
    }
    return a;
  }

  void record_store(const StoreNode* n) {
    OpCounter counter;
    counter.visit(n->value);
    counter.visit(n->index);
    StoreRecord r{n->buffer.get(), loops_,         guards_, n->value.type().lanes,
                  loop_product(),  counter.counts, {}};
    for (const LoadNode* load : counter.loads)
      r.accesses.push_back(summarize_access(load->buffer, load->index, false));
    r.accesses.push_back(summarize_access(n->buffer, n->index, true));
    records.stores.push_back(std::move(r));
  }
};

}  // namespace

StoreRecords record_stores(const Stmt& body) {
  StoreRecorder recorder;
  recorder.walk(body);
  return std::move(recorder.records);
}

}  // namespace tt::cost_model_detail
