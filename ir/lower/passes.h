// The loop-IR passes of the lowering pipeline, each a function from statement to statement.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "ir/loop/stmt.h"

namespace tt {

// The base of passes that delete statements (a mutation returning an undefined Stmt): a block drops
// its deleted statements, and a block or allocation left with nothing is deleted in turn.
class PruningStmtMutator : public StmtMutator {
 protected:
  Stmt mutate_Allocate(const AllocateNode* n, const Stmt& self) override {
    Stmt body = mutate_stmt(n->body);
    if (!body.defined()) return Stmt();
    return body.same_as(n->body) ? self : AllocateNode::make(n->buffer, body);
  }

  Stmt mutate_Block(const BlockNode* n, const Stmt& self) override {
    std::vector<Stmt> stmts;
    bool changed = false;
    for (const Stmt& s : n->stmts) {
      Stmt m = mutate_stmt(s);
      changed |= !m.same_as(s);
      if (m.defined()) stmts.push_back(m);
    }
    if (!changed) return self;
    if (stmts.empty()) return Stmt();
    return BlockNode::make(stmts);
  }
};

// Simplifies every expression with the ranges of the enclosing loops; folds decided ifs, turns
// one-iteration loops into substitutions.
Stmt simplify_stmt(const Stmt& s);

// simplify_stmt for a part of a kernel: the result may be undefined (nothing left to run).
Stmt simplify_substmt(const Stmt& s);

// Vectorized loops wider than this are cut into shorter vectors (partition_vector_tails) or, if
// left, stay serial: LLVM splits wider vectors into many registers and its scheduler slows down.
constexpr int64_t kMaxVectorLanes = 64;

// Removes lane-varying guards from vectorized loops so they keep their vectors: splits the loops
// the guards depend on into a guard-free main range and peeled tail iterations, shortens a
// vectorized loop to the lanes its guard admits, and strip-mines vectorized loops wider than
// kMaxVectorLanes (see partition.cpp).
Stmt partition_vector_tails(const Stmt& s);

// Marks as Unrolled every serial loop nested in a loop carrying auto_unroll_max_step whose whole
// iteration count (its extent times that of the loops inside it) is at most that step.
Stmt apply_auto_unroll(const Stmt& s, const std::unordered_map<const VarNode*, int64_t>& max_steps);

// Replaces each Unrolled loop by copies of its body, one per iteration.
Stmt unroll_loops(const Stmt& s);

// Turns each Vectorized loop into vector statements (Ramp indices, vector loads and stores); a
// select of a load under a lane-varying condition (a padding read) stays a vector select, which
// codegen emits as a masked load. A loop whose body cannot be vectorized safely (inner loops,
// guards that vary by lane, other loads under lane-varying selects, reductions into one element)
// stays a serial loop.
Stmt vectorize_loops(const Stmt& s);

}  // namespace tt
