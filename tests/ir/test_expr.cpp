// Pins the expression IR's contract: checked construction (constant adaptation, type errors), the
// printer's text and parentheses, structural equality/hash, substitution and the mutator's
// identity.
#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/expr/expr.h"

namespace tt {
namespace {

TEST(ExprConstruction, IntegerConstantsAdaptToFloatOperands) {
  Var f("f", DType::float32());
  Expr e = f * 2 + 1;
  EXPECT_EQ(e.type(), DType::float32());
  const auto* add = e.as<AddNode>();
  ASSERT_NE(add, nullptr);
  const auto* one = add->b.as<FloatImmNode>();
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->value, 1.0);
  EXPECT_EQ(to_string(e), "f*2.0f + 1.0f");
}

TEST(ExprConstruction, IntegerOperandsStayInt32) {
  Var x("x");
  Expr e = x * 8 + 7;
  EXPECT_EQ(e.type(), DType::int32());
  EXPECT_EQ(to_string(e), "x*8 + 7");
  EXPECT_EQ(Expr(int64_t(5)).type(), DType::int32());
  EXPECT_EQ(Expr(2.5).type(), DType::float32());
}

TEST(ExprConstruction, ConstantsAdaptToOtherIntegerWidths) {
  Var n("n", DType::int64());
  Expr e = n + 3;
  EXPECT_EQ(e.type(), DType::int64());
  EXPECT_EQ(to_string(e), "n + 3i64");
}

TEST(ExprConstruction, ScalarMeetingVectorIsBroadcast) {
  Var v("v", DType::float32(8));
  Var s("s", DType::float32());
  Expr e = v * s;
  EXPECT_EQ(e.type(), DType::float32(8));
  EXPECT_NE(e.as<MulNode>()->b.as<BroadcastNode>(), nullptr);
  EXPECT_EQ(to_string(e), "v*x8(s)");
}

TEST(ExprConstruction, MismatchedTypesAreInternalErrors) {
  Var x("x"), f("f", DType::float32());
  EXPECT_THROW(x + f, InternalError);
  EXPECT_THROW(x + 1.5f, InternalError);  // a float constant never becomes an integer
  EXPECT_THROW(AddNode::make(x, f), InternalError);
  EXPECT_THROW(AddNode::make(x, Expr()), InternalError);
  EXPECT_THROW(f % 2.0f, InternalError);  // Mod of floats
  EXPECT_THROW(x && x, InternalError);    // logic on integers
  EXPECT_THROW(!x, InternalError);
  EXPECT_THROW(select(x, x, x), InternalError);            // non-bool condition
  EXPECT_THROW(select(x < 1, x, f), InternalError);        // branch types differ
  EXPECT_THROW(call(Intrinsic::exp, {x}), InternalError);  // intrinsics take floats
  EXPECT_THROW(call(Intrinsic::pow, {f}), InternalError);  // arity
  EXPECT_THROW(RampNode::make(x, Expr(1), 1), InternalError);
  EXPECT_THROW(RampNode::make(f, Expr(1.0f), 4), InternalError);
  EXPECT_THROW(BroadcastNode::make(Var("v", DType::float32(4)), 4), InternalError);
  EXPECT_THROW(CastNode::make(DType::float32(4), x), InternalError);  // lanes change
  EXPECT_THROW(IntImmNode::make(DType::float32(), 1), InternalError);
  EXPECT_THROW(FloatImmNode::make(DType::int32(), 1.0), InternalError);
  EXPECT_THROW(const_int(x), InternalError);
}

TEST(ExprConstruction, ComparisonsAreBool) {
  Var x("x"), v("v", DType::int32(4));
  EXPECT_EQ((x < 3).type(), DType::boolean());
  EXPECT_EQ((v == 3).type(), DType::boolean(4));
  EXPECT_EQ(RampNode::make(x, Expr(2), 8).type(), DType::int32(8));
}

TEST(ExprConstruction, ConstantQueries) {
  int64_t v = 0;
  EXPECT_TRUE(is_const_int(Expr(7), &v));
  EXPECT_EQ(v, 7);
  EXPECT_TRUE(is_const_int(Expr(7), 7));
  EXPECT_FALSE(is_const_int(Expr(7), 8));
  EXPECT_FALSE(is_const_int(Expr(7.0f)));
  EXPECT_EQ(const_int(Expr(-3)), -3);
  Expr z = make_zero(DType::float32(4));
  ASSERT_NE(z.as<BroadcastNode>(), nullptr);
  EXPECT_EQ(to_string(z), "x4(0.0f)");
}

TEST(ExprPrinter, ParenthesesFollowPrecedence) {
  Var a("a"), b("b"), c("c");
  EXPECT_EQ(to_string((a + b) * c), "(a + b)*c");
  EXPECT_EQ(to_string(a + b * c), "a + b*c");
  EXPECT_EQ(to_string(a - (b - c)), "a - (b - c)");
  EXPECT_EQ(to_string((a - b) - c), "a - b - c");
  EXPECT_EQ(to_string(a / (b * c)), "a/(b*c)");
  EXPECT_EQ(to_string(a * b / c), "a*b/c");
  EXPECT_EQ(to_string((a + b) % 8), "(a + b) % 8");
  EXPECT_EQ(to_string(a + Expr(-3)), "a + (-3)");
  EXPECT_EQ(to_string(Expr(-3)), "-3");
  EXPECT_EQ(to_string(a < b && b <= c), "a < b && b <= c");
  EXPECT_EQ(to_string((a < b || b == c) && c != a), "(a < b || b == c) && c != a");
  EXPECT_EQ(to_string(!(a < b)), "!(a < b)");
  EXPECT_EQ(to_string((a < b) == (b < c)), "a < b == b < c")
      << "C precedence: < binds tighter than ==";
}

TEST(ExprPrinter, CallsSelectsCastsAndVectors) {
  Var a("a"), b("b"), f("f", DType::float32());
  EXPECT_EQ(to_string(min(a, b + 1)), "min(a, b + 1)");
  EXPECT_EQ(to_string(max(a, b) * 2), "max(a, b)*2");
  EXPECT_EQ(to_string(select(a < b, a, b * 2)), "select(a < b, a, b*2)");
  EXPECT_EQ(to_string(cast(DType::float32(), a + b)), "float32(a + b)");
  EXPECT_EQ(to_string(cast(DType::int32(), f) * 3), "int32(f)*3");
  EXPECT_EQ(to_string(call(Intrinsic::exp, {f - 1.5f})), "exp(f - 1.5f)");
  EXPECT_EQ(to_string(call(Intrinsic::pow, {f, Expr(2.0f)})), "pow(f, 2.0f)");
  EXPECT_EQ(to_string(RampNode::make(a * 8, Expr(1), 8)), "ramp(a*8, 1, 8)");
  EXPECT_EQ(to_string(BroadcastNode::make(f, 16)), "x16(f)");
  EXPECT_EQ(to_string(Expr(0.25f)), "0.25f");
  EXPECT_EQ(to_string(Expr(3.0f)), "3.0f");
  EXPECT_EQ(to_string(IntImmNode::make(DType::boolean(), 1)), "true");
  EXPECT_EQ(to_string(Expr()), "<undefined>");
}

TEST(ExprEquality, EqualTreesAreEqualAndHashAlike) {
  Var x("x"), y("y");
  Expr e1 = select(x < y, x * 8 + 7, min(x, y) / 2);
  Expr e2 = select(x < y, x * 8 + 7, min(x, y) / 2);
  EXPECT_FALSE(e1.same_as(e2));
  EXPECT_TRUE(structural_equal(e1, e2));
  EXPECT_EQ(structural_hash(e1), structural_hash(e2));
  EXPECT_TRUE(structural_equal(Expr(1.5f), Expr(1.5f)));
}

TEST(ExprEquality, DifferencesAreSeen) {
  Var x("x"), y("y"), x2("x");
  EXPECT_FALSE(structural_equal(x, x2)) << "variables compare by identity, not by name";
  EXPECT_NE(structural_hash(x + 1), structural_hash(x2 + 1));
  EXPECT_FALSE(structural_equal(x + y, y + x));
  EXPECT_FALSE(structural_equal(x + 1, x - 1));
  EXPECT_FALSE(structural_equal(x + 1, x + 2));
  EXPECT_NE(structural_hash(x + 1), structural_hash(x + 2));
  EXPECT_FALSE(structural_equal(Expr(1), IntImmNode::make(DType::int64(), 1))) << "types differ";
  EXPECT_FALSE(structural_equal(RampNode::make(x, Expr(1), 4), RampNode::make(x, Expr(1), 8)));
  EXPECT_FALSE(structural_equal(x, Expr()));
  EXPECT_TRUE(structural_equal(Expr(), Expr()));
}

TEST(ExprSubstitute, ReplacesVariablesByIdentity) {
  Var x("x"), y("y"), other_x("x");
  Expr e = x * 8 + y - other_x;
  Expr s = substitute(e, {{x.get(), y + 1}});
  EXPECT_EQ(to_string(s), "(y + 1)*8 + y - x");
  EXPECT_TRUE(uses_var(s, other_x.get()));
  EXPECT_FALSE(uses_var(s, x.get()));
  EXPECT_TRUE(substitute(e, {}).same_as(e));
  EXPECT_TRUE(substitute(e, {{Var("z").get(), Expr(0)}}).same_as(e))
      << "nothing to replace: same node";
}

TEST(ExprSubstitute, UsesVar) {
  Var x("x"), y("y"), z("z");
  Expr e = select(x < 3, y, Expr(0));
  EXPECT_TRUE(uses_var(e, x.get()));
  EXPECT_TRUE(uses_var(e, y.get()));
  EXPECT_FALSE(uses_var(e, z.get()));
  EXPECT_TRUE(uses_any_var(e, {z.get(), y.get()}));
  EXPECT_FALSE(uses_any_var(e, {z.get()}));
}

// A mutator that changes nothing must give back the very node it was handed, at every level.
TEST(ExprMutatorTest, IdentityReturnsTheSameNode) {
  Var x("x"), y("y"), f("f", DType::float32());
  std::vector<Expr> exprs = {
      x * 8 + y,
      select(x < y && !(y == 3), min(x, y), max(x, y) % 4),
      call(Intrinsic::exp, {cast(DType::float32(), x) * f}),
      RampNode::make(x, Expr(1), 8) + BroadcastNode::make(y, 8),
  };
  ExprMutator identity;
  for (const Expr& e : exprs) EXPECT_TRUE(identity.mutate(e).same_as(e)) << to_string(e);
}

// A mutator that rewrites one node rebuilds only the path to it.
TEST(ExprMutatorTest, RebuildsOnlyWhatChanged) {
  struct ConstantDoubler : ExprMutator {
    Expr mutate_IntImm(const IntImmNode* n, const Expr&) override {
      return IntImmNode::make(n->type, n->value * 2);
    }
  };
  Var x("x"), y("y");
  Expr untouched = x * y;
  Expr e = untouched + 3;
  Expr m = ConstantDoubler().mutate(e);
  EXPECT_EQ(to_string(m), "x*y + 6");
  EXPECT_TRUE(m.as<AddNode>()->a.same_as(untouched));
}

}  // namespace
}  // namespace tt
