// The store-by-store record of a lowered function that feature extraction reads: every store
// with its enclosing loops, its operation counts, and how each of its accesses' indices moves with
// each loop. Internal to search/cost_model.
#pragma once

#include <array>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "ir/loop/stmt.h"

namespace tt::cost_model_detail {

// Operation kinds counted per store; features.cpp writes them as its first columns in this order.
enum OpKind : int {
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
  kNumOpKinds
};

// Operations of one execution of a store statement. A float add or subtract with a multiply
// operand counts as one multiply-add: LLVM contracts those into FMAs on every target here.
struct OpCounts {
  std::array<double, kNumOpKinds> by_kind{};  // lane operations (a vector op counts its lanes)
  double float_scalar = 0, float_vector = 0;  // float instructions by width

  double flops() const {
    return 2 * by_kind[kFloatMad] + by_kind[kFloatAddSub] + by_kind[kFloatMul] +
           by_kind[kFloatDivMod] + by_kind[kFloatCmp] + by_kind[kFloatMath];
  }
};

// An enclosing loop, its bounds evaluated (1 iteration when the extent is not a constant).
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

// One store statement where it sits: its loops (outer to inner), the IfThenElse guards around it,
// its lanes, operations, and accesses (the loads it reads, then the store itself).
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

// Every store of a function body, in program order, and the loop-extent product around each
// local buffer's allocation.
struct StoreRecords {
  std::vector<StoreRecord> stores;
  std::unordered_map<const BufferNode*, double> alloc_outer_prod;
};

StoreRecords record_stores(const Stmt& body);

}  // namespace tt::cost_model_detail
