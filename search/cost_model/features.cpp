// Feature extraction: one walk over the loop IR records every store with its enclosing loops, its
// operation counts and an affine summary of each buffer access (how the index moves per loop),
// taken while the loop and let scopes are live; the rows are then assembled per written buffer.
//
// Index expressions are summarized numerically, not symbolically: the index is evaluated with every
// loop at its first iteration, then with one loop moved one step and to its last iteration. That
// gives the per-loop stride and span even through the floor div/mod of fused loops, and costs a few
// evaluations of a small expression per loop, which keeps extraction within the search's budget.
#include "search/cost_model/features.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <unordered_map>
#include <utility>

#include "ir/error.h"

namespace tt {

namespace {

// Cache-line size used for the line counts; 64 bytes on every x86 CPU this project targets.
constexpr double kCacheLineBytes = 64;

enum Column : int {
  kFloatMad,
  kFloatAddSub,
  kFloatMul,
  kFloatDivMod,
  kFloatCmp,
  kFloatMath,
  kIntAddSub,
  kIntMul,
  kIntDivMod,
  kIntCmp,
  kBoolOp,
  kSelectOp,
  kCastOp,
  kFloatScalarOps,
  kFloatVectorOps,
  kVecLanes,
  kVecLanesOverNative,
  kVecStoreShare,
  kVecLoops,
  kVecLoopProd,
  kUnrollLoops,
  kUnrollProd,
  kUnrollCopies,
  kParLoops,
  kParProd,
  kParInnermostExtent,
  kParOutermost,
  kParInner,
  kParChunksPerThread,
  kParBalance,
  kNumLoops,
  kOuterProd,
  kInnermostExtent,
  kNumGuards,
  kNumStores,
  kInnerLoopBase,  // kInnerLoopLevels x kInnerLoopColumns
  kBufferBase = kInnerLoopBase + 2 * 4,
  kIntensityBase = kBufferBase + kMaxBuffersPerRow * kBufferFeatures,
  kAllocSize = kIntensityBase + kIntensityCurvePoints,
  kAllocProd,
  kAllocOuterProd,
  kAllocInnerProd,
  kAllocRegisters,
  kArithmeticIntensity,
  kColumnEnd
};
static_assert(kColumnEnd == kFeatureLength, "the column list and kFeatureLength disagree");

constexpr int kNumOpKinds = kCastOp + 1;

// The two innermost running loops of the dominant store, each: extent, and the share of the
// accesses that stay in place (stride 0), move by one element (stride +-1) or jump. LLVM fully
// unrolls a short innermost loop and vectorizes the one outside it when every access there is
// contiguous or invariant, so both levels matter even for kernels the schedule did not vectorize.
constexpr int kInnerLoopLevels = 2;
enum InnerLoopColumn : int {
  kInnerExtent,
  kInnerInvariant,
  kInnerUnit,
  kInnerStrided,
  kInnerLoopColumns
};
static_assert(kBufferBase == kInnerLoopBase + kInnerLoopLevels * kInnerLoopColumns);

enum BufferColumn : int {
  kIsRead,
  kIsWrite,
  kIsReadWrite,
  kBytes,
  kUniqueBytes,
  kLines,
  kUniqueLines,
  kReuseLoop,
  kReuseSerial,
  kReuseNone,
  kReuseDistanceIters,
  kReuseDistanceBytes,
  kReuseCount,
  kBytesPerReuse,
  kUniqueBytesPerReuse,
  kLinesPerReuse,
  kUniqueLinesPerReuse,
  kStride,
  kAccessLanes,
  kBufferColumnEnd
};
static_assert(kBufferColumnEnd == kBufferFeatures,
              "the buffer column list and kBufferFeatures disagree");

// Column names, space-separated: those before the buffer block, one buffer's, and those after.
constexpr const char* kLeadingNames =
    "float_mad float_addsub float_mul float_divmod float_cmp float_math int_addsub int_mul "
    "int_divmod int_cmp bool_op select_op cast_op float_scalar_instrs float_vector_instrs "
    "vec_lanes vec_lanes_over_native vec_store_share vec_loops vec_loop_prod unroll_loops "
    "unroll_prod unroll_copies par_loops par_prod par_innermost_extent par_pos_outermost "
    "par_pos_inner par_chunks_per_thread par_balance num_loops outer_prod innermost_extent "
    "num_guards num_stores inner0_extent inner0_invariant_share inner0_unit_stride_share "
    "inner0_strided_share inner1_extent inner1_invariant_share inner1_unit_stride_share "
    "inner1_strided_share ";
constexpr const char* kBufferNames =
    "is_read is_write is_read_write bytes unique_bytes lines unique_lines reuse_loop "
    "reuse_serial reuse_none reuse_dis_iter reuse_dis_bytes reuse_ct bytes_d_reuse_ct "
    "unique_bytes_d_reuse_ct lines_d_reuse_ct unique_lines_d_reuse_ct stride lanes ";
constexpr const char* kTrailingNames =
    "alloc_size alloc_prod alloc_outer_prod alloc_inner_prod alloc_registers arith_intensity ";

std::vector<std::string> split_names(const char* names) {
  std::vector<std::string> out;
  std::string current;
  for (const char* c = names; *c; ++c) {
    if (*c != ' ')
      current += *c;
    else if (!current.empty())
      out.push_back(std::exchange(current, std::string()));
  }
  if (!current.empty()) out.push_back(current);
  return out;
}

double log2p(double x) { return x < 0 ? -std::log2(1 - x) : std::log2(1 + x); }

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

// ---- operation counts ----

struct OpCounts {
  std::array<double, kNumOpKinds>
      by_kind{};  // lane operations per kind, one execution of the store
  double float_scalar = 0, float_vector = 0;  // float instructions, one execution of the store

  double flops() const {
    return 2 * by_kind[kFloatMad] + by_kind[kFloatAddSub] + by_kind[kFloatMul] +
           by_kind[kFloatDivMod] + by_kind[kFloatCmp] + by_kind[kFloatMath];
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

// ---- the walk ----

struct Loop {
  const ForNode* node;
  int64_t min;
  int64_t extent;
};

// How one access's index moves with each enclosing loop (outer to inner).
struct Access {
  const BufferNode* buffer;
  Expr index;
  size_t index_hash;  // structural hash of `index`, to find repeated accesses quickly
  bool write;
  int lanes;
  int64_t lane_stride;        // elements between consecutive lanes
  std::vector<int64_t> step;  // change of the index when the loop advances one iteration
  std::vector<int64_t> span;  // |change| from the loop's first to its last iteration
};

struct StoreRecord {
  const BufferNode* buffer;
  std::vector<Loop> loops;
  int guards;
  int lanes;
  double outer_prod;  // product of the enclosing loop extents
  OpCounts counts;
  std::vector<Access> accesses;
  const ForNode* innermost() const { return loops.empty() ? nullptr : loops.back().node; }
};

class FeatureWalker {
 public:
  std::vector<StoreRecord> stores;
  std::unordered_map<const BufferNode*, double> alloc_outer_prod;

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
        alloc_outer_prod[n->buffer.get()] = loop_product();
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
    stores.push_back(std::move(r));
  }
};

// ---- per-access quantities ----

double elem_bytes(const Access& a) { return a.buffer->dtype.bytes(); }

// Distinct elements the access touches while the loops from `first_level` inwards run: the smaller
// of the iteration count of the loops it depends on and the address span, capped by the buffer.
double unique_elements(const StoreRecord& s, const Access& a, size_t first_level) {
  double product = a.lanes;
  double span = double(a.lanes - 1) * double(std::abs(a.lane_stride)) + 1;
  for (size_t l = first_level; l < s.loops.size(); ++l) {
    if (a.step[l] == 0 && a.span[l] == 0) continue;
    product *= double(s.loops[l].extent);
    span += double(a.span[l]);
  }
  return std::min({product, span, double(std::max<int64_t>(1, a.buffer->size))});
}

// Index of the innermost loop that runs more than once, or -1.
int innermost_running_loop(const StoreRecord& s) {
  for (int l = int(s.loops.size()) - 1; l >= 0; --l)
    if (s.loops[size_t(l)].extent > 1) return l;
  return -1;
}

// Cache lines the access brings in over the whole nest, counting the reuse between consecutive
// iterations of the innermost loop (a unit-stride scalar walk touches a new line every 16 floats).
double cache_lines(const StoreRecord& s, const Access& a) {
  double eb = elem_bytes(a);
  double lane_stride_bytes = double(std::abs(a.lane_stride)) * eb;
  double footprint = (double(a.lanes - 1) * double(std::abs(a.lane_stride)) + 1) * eb;
  double per_access =
      lane_stride_bytes >= kCacheLineBytes ? a.lanes : std::max(1.0, footprint / kCacheLineBytes);
  int inner = innermost_running_loop(s);
  if (inner < 0) return per_access * s.outer_prod;
  double extent = double(s.loops[size_t(inner)].extent);
  double step_bytes = double(std::abs(a.step[size_t(inner)])) * eb;
  double new_per_step = step_bytes >= kCacheLineBytes
                            ? per_access
                            : std::min(per_access, step_bytes / kCacheLineBytes);
  return (per_access + (extent - 1) * new_per_step) * (s.outer_prod / extent);
}

double unique_lines(const StoreRecord& s, const Access& a) {
  double elements = unique_elements(s, a, 0);
  int inner = innermost_running_loop(s);
  bool strided = a.lanes == 1 && inner >= 0 &&
                 double(std::abs(a.step[size_t(inner)])) * elem_bytes(a) >= kCacheLineBytes;
  return strided ? elements : std::max(1.0, elements * elem_bytes(a) / kCacheLineBytes);
}

enum class ReuseKind { LoopMultipleRead, SerialMultipleReadWrite, None };

struct Reuse {
  ReuseKind kind = ReuseKind::None;
  double count = 0, distance_iters = 0, distance_bytes = 0;
};

// Ansor's reuse analysis, walking the loops inner to outer: the first loop the index does not
// depend on re-reads the same data `extent` times, after the inner loops' iterations and bytes;
// failing that, several accesses of the buffer in one statement reuse it serially.
Reuse reuse_of(const StoreRecord& s, const Access& a) {
  Reuse r;
  for (int l = int(s.loops.size()) - 1; l >= 0; --l) {
    const Loop& loop = s.loops[size_t(l)];
    if (loop.extent <= 1 || a.step[size_t(l)] != 0 || a.span[size_t(l)] != 0) continue;
    r.kind = ReuseKind::LoopMultipleRead;
    r.count = double(loop.extent);
    r.distance_iters = 1;
    for (size_t m = size_t(l) + 1; m < s.loops.size(); ++m)
      r.distance_iters *= double(s.loops[m].extent);
    for (const Access& b : s.accesses)
      r.distance_bytes += unique_elements(s, b, size_t(l) + 1) * elem_bytes(b);
    return r;
  }
  int same_buffer = 0;
  double statement_bytes = 0;
  for (const Access& b : s.accesses) {
    same_buffer += b.buffer == a.buffer;
    statement_bytes += double(b.lanes) * elem_bytes(b);
  }
  if (same_buffer >= 2) {
    r.kind = ReuseKind::SerialMultipleReadWrite;
    r.count = same_buffer;
    r.distance_iters = 1;
    r.distance_bytes = statement_bytes;
  }
  return r;
}

// ---- rows ----

struct BufferSummary {
  const BufferNode* buffer;
  bool read = false, write = false;
  double bytes = 0, unique_bytes = 0, lines = 0, unique_lines = 0;
  const StoreRecord* rep_store =
      nullptr;  // the access with the most bytes stands for reuse and stride
  const Access* rep_access = nullptr;
  double rep_bytes = -1;
  size_t first_seen = 0;
};

bool same_access(const Access& a, const Access& b) {
  return a.buffer == b.buffer && a.index_hash == b.index_hash && structural_equal(a.index, b.index);
}

class RowBuilder {
 public:
  explicit RowBuilder(std::vector<float>* row) : row_(row) {}
  void set(int column, double value) { (*row_)[size_t(column)] = float(log2p(value)); }
  void set_flag(int column, bool value) { (*row_)[size_t(column)] = value ? 1.0f : 0.0f; }

 private:
  std::vector<float>* row_;
};

std::vector<BufferSummary> summarize_buffers(const std::vector<const StoreRecord*>& stores) {
  std::vector<BufferSummary> out;
  std::unordered_map<const BufferNode*, size_t> slot;
  std::vector<std::pair<const StoreRecord*, const Access*>>
      distinct;  // accesses counted for unique bytes
  for (const StoreRecord* s : stores) {
    for (const Access& a : s->accesses) {
      auto [it, inserted] = slot.try_emplace(a.buffer, out.size());
      if (inserted) {
        out.push_back(BufferSummary{a.buffer});
        out.back().first_seen = out.size() - 1;
      }
      BufferSummary& b = out[it->second];
      (a.write ? b.write : b.read) = true;
      double bytes = s->outer_prod * double(a.lanes) * elem_bytes(a);
      b.bytes += bytes;
      b.lines += cache_lines(*s, a);
      if (bytes > b.rep_bytes) {
        b.rep_bytes = bytes;
        b.rep_store = s;
        b.rep_access = &a;
      }
      bool seen = std::any_of(distinct.begin(), distinct.end(),
                              [&](const auto& d) { return same_access(*d.second, a); });
      if (seen) continue;
      distinct.push_back({s, &a});
      b.unique_bytes += unique_elements(*s, a, 0) * elem_bytes(a);
      b.unique_lines += unique_lines(*s, a);
    }
  }
  for (BufferSummary& b : out) {
    double size_bytes = double(std::max<int64_t>(1, b.buffer->size)) * b.buffer->dtype.bytes();
    b.unique_bytes = std::min(b.unique_bytes, size_bytes);
    b.unique_lines = std::min(b.unique_lines, std::ceil(size_bytes / kCacheLineBytes));
  }
  return out;
}

void write_buffer_columns(RowBuilder& row, int base, const BufferSummary& b) {
  row.set_flag(base + kIsRead, b.read && !b.write);
  row.set_flag(base + kIsWrite, b.write && !b.read);
  row.set_flag(base + kIsReadWrite, b.read && b.write);
  row.set(base + kBytes, b.bytes);
  row.set(base + kUniqueBytes, b.unique_bytes);
  row.set(base + kLines, b.lines);
  row.set(base + kUniqueLines, b.unique_lines);
  Reuse reuse = reuse_of(*b.rep_store, *b.rep_access);
  row.set_flag(base + kReuseLoop, reuse.kind == ReuseKind::LoopMultipleRead);
  row.set_flag(base + kReuseSerial, reuse.kind == ReuseKind::SerialMultipleReadWrite);
  row.set_flag(base + kReuseNone, reuse.kind == ReuseKind::None);
  row.set(base + kReuseDistanceIters, reuse.distance_iters);
  row.set(base + kReuseDistanceBytes, reuse.distance_bytes);
  row.set(base + kReuseCount, reuse.count);
  double divisor = std::max(1.0, reuse.count);
  row.set(base + kBytesPerReuse, b.bytes / divisor);
  row.set(base + kUniqueBytesPerReuse, b.unique_bytes / divisor);
  row.set(base + kLinesPerReuse, b.lines / divisor);
  row.set(base + kUniqueLinesPerReuse, b.unique_lines / divisor);
  const Access& a = *b.rep_access;
  int inner = innermost_running_loop(*b.rep_store);
  int64_t stride = a.lanes > 1 ? a.lane_stride : inner >= 0 ? a.step[size_t(inner)] : 0;
  row.set(base + kStride, double(stride));
  row.set(base + kAccessLanes, a.lanes);
}

// Flops per byte of distinct data for the statement group of the dominant store, as the loops from
// the innermost outwards are included: high values at the inner levels mean register or cache
// blocking. Sampled at kIntensityCurvePoints evenly spaced loop levels.
void write_intensity_curve(RowBuilder& row, const StoreRecord& dominant,
                           const std::vector<const StoreRecord*>& group) {
  size_t depth = dominant.loops.size();
  std::vector<std::pair<const StoreRecord*, const Access*>> distinct;
  double flops_per_iteration = 0;
  for (const StoreRecord* s : group) {
    flops_per_iteration += s->counts.flops();
    for (const Access& a : s->accesses) {
      bool seen = std::any_of(distinct.begin(), distinct.end(),
                              [&](const auto& d) { return same_access(*d.second, a); });
      if (!seen) distinct.push_back({s, &a});
    }
  }
  for (int j = 0; j < kIntensityCurvePoints; ++j) {
    size_t k = size_t(std::lround(double(j) * double(depth) / double(kIntensityCurvePoints - 1)));
    size_t first = depth - k;
    double iterations = 1;
    for (size_t l = first; l < depth; ++l) iterations *= double(dominant.loops[l].extent);
    double bytes = 0;
    for (const auto& [s, a] : distinct) bytes += unique_elements(*s, *a, first) * elem_bytes(*a);
    row.set(kIntensityBase + j, bytes > 0 ? flops_per_iteration * iterations / bytes : 0);
  }
}

void write_inner_loops(RowBuilder& row, const StoreRecord& dominant,
                       const std::vector<const StoreRecord*>& group) {
  int level = 0;
  for (int l = int(dominant.loops.size()) - 1; l >= 0 && level < kInnerLoopLevels; --l) {
    if (dominant.loops[size_t(l)].extent <= 1) continue;
    double invariant = 0, unit = 0, strided = 0;
    for (const StoreRecord* s : group) {
      for (const Access& a : s->accesses) {
        int64_t step = a.step[size_t(l)];
        (step == 0 ? invariant : std::abs(step) == 1 ? unit : strided) += 1;
      }
    }
    double total = invariant + unit + strided;
    int base = kInnerLoopBase + level * kInnerLoopColumns;
    row.set(base + kInnerExtent, double(dominant.loops[size_t(l)].extent));
    row.set(base + kInnerInvariant, total > 0 ? invariant / total : 0);
    row.set(base + kInnerUnit, total > 0 ? unit / total : 0);
    row.set(base + kInnerStrided, total > 0 ? strided / total : 0);
    ++level;
  }
}

std::vector<float> build_row(const BufferNode* buffer,
                             const std::vector<const StoreRecord*>& stores,
                             const FeatureWalker& walker, const HardwareParams& hw) {
  std::vector<float> values(size_t(kFeatureLength), 0.0f);
  RowBuilder row(&values);

  const StoreRecord* dominant = stores.front();
  for (const StoreRecord* s : stores)
    if (s->outer_prod * s->lanes > dominant->outer_prod * dominant->lanes) dominant = s;

  // Arithmetic and vector width.
  OpCounts total;
  double vector_weight = 0, all_weight = 0, flops = 0;
  int max_lanes = 1;
  for (const StoreRecord* s : stores) {
    for (int k = 0; k < kNumOpKinds; ++k)
      total.by_kind[size_t(k)] += s->counts.by_kind[size_t(k)] * s->outer_prod;
    total.float_scalar += s->counts.float_scalar * s->outer_prod;
    total.float_vector += s->counts.float_vector * s->outer_prod;
    flops += s->counts.flops() * s->outer_prod;
    max_lanes = std::max(max_lanes, s->lanes);
    all_weight += s->outer_prod;
    if (s->lanes > 1) vector_weight += s->outer_prod;
  }
  for (int k = 0; k < kNumOpKinds; ++k) row.set(k, total.by_kind[size_t(k)]);
  row.set(kFloatScalarOps, total.float_scalar);
  row.set(kFloatVectorOps, total.float_vector);
  row.set(kVecLanes, max_lanes);
  row.set(kVecLanesOverNative, double(max_lanes) / double(std::max(1, hw.vector_lanes)));
  row.set(kVecStoreShare, all_weight > 0 ? vector_weight / all_weight : 0);

  // Loop annotations around the dominant store (vectorized and unrolled loops only exist in IR
  // taken before those passes; after them, lanes and unrolled copies carry the same information).
  int vec_loops = 0, unroll_loops = 0, par_loops = 0;
  double vec_prod = 1, unroll_prod = 1, par_prod = 1, par_innermost = 0;
  bool par_outermost = false, par_inner = false;
  for (size_t l = 0; l < dominant->loops.size(); ++l) {
    const Loop& loop = dominant->loops[l];
    switch (loop.node->for_kind) {
      case ForKind::Serial:
        break;
      case ForKind::Vectorized:
        ++vec_loops;
        vec_prod *= double(loop.extent);
        break;
      case ForKind::Unrolled:
        ++unroll_loops;
        unroll_prod *= double(loop.extent);
        break;
      case ForKind::Parallel:
        ++par_loops;
        par_prod *= double(loop.extent);
        par_innermost = double(loop.extent);
        (l == 0 ? par_outermost : par_inner) = true;
        break;
    }
  }
  int copies = 0;
  for (const StoreRecord* s : stores)
    copies += s->innermost() == dominant->innermost() && s->loops.size() == dominant->loops.size();
  row.set(kVecLoops, vec_loops);
  row.set(kVecLoopProd, vec_loops ? vec_prod : 0);
  row.set(kUnrollLoops, unroll_loops);
  row.set(kUnrollProd, unroll_loops ? unroll_prod : 0);
  row.set(kUnrollCopies, copies);
  double threads = std::max(1, hw.num_threads);
  double chunks = par_loops ? par_prod : 1;
  row.set(kParLoops, par_loops);
  row.set(kParProd, par_loops ? par_prod : 0);
  row.set(kParInnermostExtent, par_innermost);
  row.set_flag(kParOutermost, par_outermost);
  row.set_flag(kParInner, par_inner);
  row.set(kParChunksPerThread, par_loops ? par_prod / threads : 0);
  row.set(kParBalance, chunks / (std::ceil(chunks / threads) * threads));

  row.set(kNumLoops, double(dominant->loops.size()));
  row.set(kOuterProd, dominant->outer_prod);
  row.set(kInnermostExtent, dominant->loops.empty() ? 1.0 : double(dominant->loops.back().extent));
  row.set(kNumGuards, dominant->guards);
  row.set(kNumStores, double(stores.size()));

  // Buffer accesses: the kMaxBuffersPerRow with the most cache lines, then bytes, then first seen.
  std::vector<BufferSummary> buffers = summarize_buffers(stores);
  double all_unique_bytes = 0;
  for (const BufferSummary& b : buffers) all_unique_bytes += b.unique_bytes;
  std::sort(buffers.begin(), buffers.end(), [](const BufferSummary& a, const BufferSummary& b) {
    if (a.lines != b.lines) return a.lines > b.lines;
    if (a.bytes != b.bytes) return a.bytes > b.bytes;
    return a.first_seen < b.first_seen;
  });
  for (size_t i = 0; i < buffers.size() && i < size_t(kMaxBuffersPerRow); ++i)
    write_buffer_columns(row, kBufferBase + int(i) * kBufferFeatures, buffers[i]);

  std::vector<const StoreRecord*> group;
  for (const StoreRecord* s : stores)
    if (s->innermost() == dominant->innermost() && s->loops.size() == dominant->loops.size())
      group.push_back(s);
  write_intensity_curve(row, *dominant, group);
  write_inner_loops(row, *dominant, group);

  if (buffer->scope == BufferScope::Local) {
    auto it = walker.alloc_outer_prod.find(buffer);
    double outer = it != walker.alloc_outer_prod.end() ? it->second : 1;
    double size = double(buffer->size), bytes = size * buffer->dtype.bytes();
    row.set(kAllocSize, bytes);
    row.set(kAllocProd, size * outer);
    row.set(kAllocOuterProd, outer);
    row.set(kAllocInnerProd, dominant->outer_prod / outer);
    double register_file_bytes =
        double(std::max(1, hw.vector_registers)) * std::max(1, hw.vector_lanes) * 4.0;
    row.set(kAllocRegisters, bytes / register_file_bytes);
  }
  row.set(kArithmeticIntensity, all_unique_bytes > 0 ? flops / all_unique_bytes : 0);
  return values;
}

}  // namespace

const std::vector<std::string>& feature_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = split_names(kLeadingNames);
    TT_ASSERT(int(n.size()) == kBufferBase, "{} names before the buffer block", n.size());
    std::vector<std::string> per_buffer = split_names(kBufferNames);
    TT_ASSERT(int(per_buffer.size()) == kBufferFeatures, "{} names per buffer", per_buffer.size());
    for (int b = 0; b < kMaxBuffersPerRow; ++b)
      for (const std::string& name : per_buffer) n.push_back(fmt::format("buf{}.{}", b, name));
    for (int j = 0; j < kIntensityCurvePoints; ++j)
      n.push_back(fmt::format("arith_intensity_curve_{}", j));
    for (const std::string& name : split_names(kTrailingNames)) n.push_back(name);
    TT_ASSERT(int(n.size()) == kFeatureLength, "{} feature names for {} columns", n.size(),
              kFeatureLength);
    return n;
  }();
  return names;
}

ProgramFeatures extract_features(const LoweredFunc& func, const HardwareParams& hw) {
  FeatureWalker walker;
  walker.walk(func.body);
  // Rows in the order of each buffer's first store; stores of one buffer (init and update of a
  // reduction, unrolled copies) share the row.
  std::vector<const BufferNode*> order;
  std::unordered_map<const BufferNode*, std::vector<const StoreRecord*>> by_buffer;
  for (const StoreRecord& s : walker.stores) {
    auto [it, inserted] = by_buffer.try_emplace(s.buffer);
    if (inserted) order.push_back(s.buffer);
    it->second.push_back(&s);
  }
  ProgramFeatures features;
  for (const BufferNode* b : order)
    features.rows.push_back(build_row(b, by_buffer.at(b), walker, hw));
  return features;
}

}  // namespace tt
