// Pins the loop IR: statement constructors' checks, Block flattening, the printer's text, and the
// verifier's catches (variables and buffers used outside their scope, TE reads left after
// lowering).
#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/loop/stmt.h"
#include "ir/te/tensor.h"

namespace tt {
namespace {

Buffer param(const std::string& name, std::vector<int64_t> shape) {
  return BufferNode::make(name, DType::float32(), std::move(shape), BufferScope::Param);
}

Buffer local(const std::string& name, std::vector<int64_t> shape) {
  return BufferNode::make(name, DType::float32(), std::move(shape), BufferScope::Local);
}

// The message of the InternalError verify() throws, or "" when it passes.
std::string verify_error(const LoweredFunc& f) {
  try {
    verify(f);
  } catch (const InternalError& e) {
    return e.what();
  }
  return "";
}

TEST(LoopIRConstruction, BuffersKnowTheirSize) {
  Buffer b = param("A", {4, 8});
  EXPECT_EQ(b->size, 32);
  EXPECT_EQ(b->shape, (std::vector<int64_t>{4, 8}));
  EXPECT_THROW(BufferNode::make("V", DType::float32(8), {4}, BufferScope::Param), InternalError);
  EXPECT_THROW(param("Z", {4, 0}), InternalError);
  // Kernels index in 32 bits: a buffer past 2^31 - 1 elements is a clear error, not a wrapped index.
  try {
    param("Big", {65536, 32768});
    ADD_FAILURE() << "a buffer of 2^31 elements was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("32 bits"), std::string::npos) << e.what();
  }
  EXPECT_EQ(param("Largest", {65536, 32767})->size, int64_t(65536) * 32767);
}

TEST(LoopIRConstruction, ConstructorsCheckTheirArguments) {
  Var i("i"), f("f", DType::float32());
  Buffer a = param("A", {16});
  Stmt store = StoreNode::make(a, i, Expr(1.0f));
  // For: int32 bounds; vectorized and unrolled loops need a constant extent.
  EXPECT_THROW(ForNode::make(i, Expr(0), f, ForKind::Serial, store), InternalError);
  EXPECT_THROW(ForNode::make(i, Expr(0), Var("n"), ForKind::Vectorized, store), InternalError);
  EXPECT_THROW(ForNode::make(i, Expr(0), Var("n"), ForKind::Unrolled, store), InternalError);
  EXPECT_THROW(ForNode::make(i, Expr(0), Expr(4), ForKind::Serial, Stmt()), InternalError);
  EXPECT_NO_THROW(ForNode::make(i, Expr(0), Var("n"), ForKind::Parallel, store));
  // Let: the value's type is the variable's.
  EXPECT_THROW(LetStmtNode::make(i, Expr(1.0f), store), InternalError);
  // If: a scalar bool condition.
  EXPECT_THROW(IfThenElseNode::make(i, store), InternalError);
  EXPECT_THROW(IfThenElseNode::make(i < 3, Stmt()), InternalError);
  // Store: integer index, the buffer's element type, lanes of the index.
  EXPECT_THROW(StoreNode::make(a, f, Expr(1.0f)), InternalError);
  EXPECT_THROW(StoreNode::make(a, i, Expr(1)), InternalError);
  EXPECT_THROW(StoreNode::make(a, RampNode::make(i, Expr(1), 8), Expr(1.0f)), InternalError);
  EXPECT_NO_THROW(
      StoreNode::make(a, RampNode::make(i, Expr(1), 8), BroadcastNode::make(Expr(1.0f), 8)));
  // Allocate: local buffers only.
  EXPECT_THROW(AllocateNode::make(a, store), InternalError);
  EXPECT_THROW(AllocateNode::make(local("T", {4}), Stmt()), InternalError);
  // Load: integer index; a vector index gives a vector.
  EXPECT_THROW(LoadNode::make(a, f), InternalError);
  EXPECT_EQ(LoadNode::make(a, RampNode::make(i, Expr(1), 8)).type(), DType::float32(8));
}

TEST(LoopIRConstruction, BlocksFlatten) {
  Var i("i");
  Buffer a = param("A", {16});
  Stmt s1 = StoreNode::make(a, Expr(0), Expr(1.0f));
  Stmt s2 = StoreNode::make(a, Expr(1), Expr(2.0f));
  Stmt s3 = StoreNode::make(a, Expr(2), Expr(3.0f));
  Stmt nested = BlockNode::make({s1, BlockNode::make({s2, s3})});
  const auto* block = nested.as<BlockNode>();
  ASSERT_NE(block, nullptr);
  ASSERT_EQ(block->stmts.size(), 3u);
  EXPECT_TRUE(block->stmts[1].same_as(s2));
  EXPECT_TRUE(BlockNode::make({s1}).same_as(s1)) << "one statement stays itself";
  EXPECT_TRUE(BlockNode::make({Stmt(), s1, Stmt()}).same_as(s1))
      << "undefined statements are dropped";
  EXPECT_THROW(BlockNode::make({}), InternalError);
  EXPECT_THROW(BlockNode::make({Stmt()}), InternalError);
}

TEST(LoopIRPrinter, PrintsEveryStatementKind) {
  Var i("i"), j("j"), t("t");
  Buffer a = param("A", {4, 8}), out = param("Out", {4});
  Buffer acc = local("acc", {8});
  Stmt inner = ForNode::make(j, Expr(0), Expr(8), ForKind::Vectorized,
                             StoreNode::make(acc, j, LoadNode::make(a, i * 8 + j)));
  Stmt sum = LetStmtNode::make(
      t, i * 2,
      IfThenElseNode::make(t < 6, StoreNode::make(out, i, LoadNode::make(acc, Expr(0))),
                           StoreNode::make(out, i, Expr(0.0f))));
  Stmt body = ForNode::make(i, Expr(0), Expr(4), ForKind::Parallel,
                            AllocateNode::make(acc, BlockNode::make({inner, sum})));
  LoweredFunc f{"kernel", {a, out}, body};
  EXPECT_EQ(to_string(f),
            "func kernel(A: float32[4, 8], Out: float32[4]) {\n"
            "  parallel (i, 0, 4) {\n"
            "    allocate acc[float32 * 8]\n"
            "    vectorized (j, 0, 8) {\n"
            "      acc[j] = A[i*8 + j]\n"
            "    }\n"
            "    let t = i*2\n"
            "    if (t < 6) {\n"
            "      Out[i] = acc[0]\n"
            "    } else {\n"
            "      Out[i] = 0.0f\n"
            "    }\n"
            "  }\n"
            "}\n");
  EXPECT_EQ(verify_error(f), "");
  EXPECT_EQ(to_string(ForNode::make(j, Expr(1), Expr(3), ForKind::Unrolled,
                                    StoreNode::make(acc, j, Expr(1.0f)))),
            "unrolled (j, 1, 3) {\n  acc[j] = 1.0f\n}\n");
  EXPECT_EQ(to_string(ForNode::make(j, Expr(0), Expr(3), ForKind::Serial,
                                    StoreNode::make(acc, j, Expr(1.0f)))),
            "for (j, 0, 3) {\n  acc[j] = 1.0f\n}\n");
}

TEST(LoopIRVerifier, AcceptsWellScopedCode) {
  Var i("i");
  Buffer a = param("A", {8}), b = param("B", {8});
  Buffer tmp = local("tmp", {8});
  Stmt body = AllocateNode::make(
      tmp, BlockNode::make({ForNode::make(i, Expr(0), Expr(8), ForKind::Serial,
                                          StoreNode::make(tmp, i, LoadNode::make(a, i))),
                            ForNode::make(i, Expr(0), Expr(8), ForKind::Serial,
                                          StoreNode::make(b, i, LoadNode::make(tmp, i)))}));
  EXPECT_EQ(verify_error(LoweredFunc{"ok", {a, b}, body}), "")
      << "a variable may be bound again once its loop ends";
}

TEST(LoopIRVerifier, VariableUsedOutsideItsLoop) {
  Var i("i");
  Buffer a = param("A", {8});
  Stmt loop =
      ForNode::make(i, Expr(0), Expr(8), ForKind::Serial, StoreNode::make(a, i, Expr(1.0f)));
  Stmt after = StoreNode::make(a, i, Expr(2.0f));
  std::string message = verify_error(LoweredFunc{"escape", {a}, BlockNode::make({loop, after})});
  EXPECT_NE(message.find("variable 'i' is used outside the loop or let that binds it"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("'escape'"), std::string::npos) << "names the function: " << message;
  // In a loop's own extent, the variable is not bound yet.
  Stmt self_bound =
      ForNode::make(i, Expr(0), i + 1, ForKind::Serial, StoreNode::make(a, i, Expr(1.0f)));
  EXPECT_NE(verify_error(LoweredFunc{"self", {a}, self_bound}).find("variable 'i'"),
            std::string::npos);
  // In a let's own value, likewise.
  Var t("t");
  Stmt let = LetStmtNode::make(t, t + 1, StoreNode::make(a, t, Expr(1.0f)));
  EXPECT_NE(verify_error(LoweredFunc{"let", {a}, let}).find("variable 't'"), std::string::npos);
}

TEST(LoopIRVerifier, LoopVariableBoundTwice) {
  Var i("i");
  Buffer a = param("A", {8});
  Stmt twice = ForNode::make(
      i, Expr(0), Expr(2), ForKind::Serial,
      ForNode::make(i, Expr(0), Expr(4), ForKind::Serial, StoreNode::make(a, i, Expr(1.0f))));
  EXPECT_NE(verify_error(LoweredFunc{"twice", {a}, twice}).find("loop variable 'i' is bound twice"),
            std::string::npos);
}

TEST(LoopIRVerifier, BufferUsedOutsideItsAllocate) {
  Var i("i");
  Buffer a = param("A", {8});
  Buffer tmp = local("tmp", {8});
  Stmt fill =
      ForNode::make(i, Expr(0), Expr(8), ForKind::Serial, StoreNode::make(tmp, i, Expr(1.0f)));
  Stmt read = ForNode::make(i, Expr(0), Expr(8), ForKind::Serial,
                            StoreNode::make(a, i, LoadNode::make(tmp, i)));
  std::string load_message =
      verify_error(LoweredFunc{"f", {a}, BlockNode::make({AllocateNode::make(tmp, fill), read})});
  EXPECT_NE(load_message.find("buffer 'tmp' is accessed outside its allocation"), std::string::npos)
      << load_message;
  std::string store_message = verify_error(LoweredFunc{"f", {a}, fill});
  EXPECT_NE(store_message.find("buffer 'tmp' is accessed outside its allocation"),
            std::string::npos)
      << store_message;
  // A parameter buffer that is not among the function's parameters is caught the same way.
  Buffer stranger = param("S", {8});
  Stmt write =
      ForNode::make(i, Expr(0), Expr(8), ForKind::Serial, StoreNode::make(stranger, i, Expr(0.0f)));
  EXPECT_NE(verify_error(LoweredFunc{"f", {a}, write}).find("buffer 'S'"), std::string::npos);
}

TEST(LoopIRVerifier, TensorReadSurvivingLowering) {
  Var i("i");
  Buffer out = param("Out", {8});
  Tensor x = placeholder({8}, DType::float32(), "X");
  Stmt body =
      ForNode::make(i, Expr(0), Expr(8), ForKind::Serial, StoreNode::make(out, i, x(i) * 2.0f));
  LoweredFunc f{"leftover", {out}, body};
  EXPECT_THROW(verify(f), InternalError);
  EXPECT_NE(verify_error(f).find("tensor read of 'X' survived lowering"), std::string::npos)
      << verify_error(f);
}

TEST(LoopIRMutator, IdentityAndSubstitution) {
  Var i("i"), n("n");
  Buffer a = param("A", {64});
  Stmt body = ForNode::make(i, Expr(0), n, ForKind::Serial, StoreNode::make(a, i + n, Expr(1.0f)));
  StmtMutator identity;
  EXPECT_TRUE(identity.mutate_stmt(body).same_as(body));
  Stmt s = substitute(body, {{n.get(), Expr(8)}});
  EXPECT_EQ(to_string(s), "for (i, 0, 8) {\n  A[i + 8] = 1.0f\n}\n");
  EXPECT_TRUE(substitute(body, {}).same_as(body));
}

}  // namespace
}  // namespace tt
