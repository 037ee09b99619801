// Pins the index simplifier: constant folding, linear canonicalization, floor div/mod under ranges,
// range-decided comparisons and min/max, const_bounds; plus a randomized check that it keeps
// values.
#include <gtest/gtest.h>

#include <random>

#include "ir/error.h"
#include "ir/expr/simplify.h"

namespace tt {
namespace {

std::string simplified(const Expr& e, const VarRanges& ranges = {}) {
  return to_string(simplify(e, ranges));
}

// Evaluates an integer/bool expression with the given variable values (floor division and modulo).
int64_t evaluate(const Expr& e, const std::unordered_map<const VarNode*, int64_t>& env) {
  auto floor_div = [](int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
  };
  if (const auto* i = e.as<IntImmNode>()) return i->value;
  if (const auto* v = e.as<VarNode>()) return env.at(v);
  if (const auto* s = e.as<SelectNode>())
    return evaluate(s->cond, env) ? evaluate(s->true_value, env) : evaluate(s->false_value, env);
  if (const auto* n = e.as<NotNode>()) return !evaluate(n->a, env);
  if (!is_binary(e.kind())) internal_error("the test evaluator cannot evaluate {}", to_string(e));
  const auto* n = static_cast<const BinaryNode*>(e.get());
  int64_t a = evaluate(n->a, env), b = evaluate(n->b, env);
  switch (e.kind()) {
    case ExprKind::Add:
      return a + b;
    case ExprKind::Sub:
      return a - b;
    case ExprKind::Mul:
      return a * b;
    case ExprKind::Div:
      return floor_div(a, b);
    case ExprKind::Mod:
      return a - floor_div(a, b) * b;
    case ExprKind::Min:
      return std::min(a, b);
    case ExprKind::Max:
      return std::max(a, b);
    case ExprKind::EQ:
      return a == b;
    case ExprKind::NE:
      return a != b;
    case ExprKind::LT:
      return a < b;
    case ExprKind::LE:
      return a <= b;
    case ExprKind::GT:
      return a > b;
    case ExprKind::GE:
      return a >= b;
    case ExprKind::And:
      return a && b;
    case ExprKind::Or:
      return a || b;
    default:
      internal_error("unexpected {}", expr_kind_name(e.kind()));
  }
}

TEST(Simplify, FoldsConstants) {
  EXPECT_EQ(simplified(Expr(3) + 4 * 5), "23");
  EXPECT_EQ(simplified(Expr(7) - 10), "-3");
  EXPECT_EQ(simplified(min(Expr(3), Expr(9)) + max(Expr(-2), Expr(-5))), "1");
  EXPECT_EQ(simplified(Expr(2.0f) * 3.0f + 0.5f), "6.5f");
  EXPECT_EQ(simplified(Expr(1.0f) / 4.0f), "0.25f");
  EXPECT_EQ(simplified(cast(DType::float32(), Expr(3))), "3.0f");
  EXPECT_EQ(simplified(Expr(3) < 4), "true");
  EXPECT_EQ(simplified(Expr(3) == 4 || Expr(1) != 1), "false");
  EXPECT_EQ(simplified(!(Expr(3) >= 4)), "true");
}

TEST(Simplify, FloorDivisionAndModuloOfConstants) {
  EXPECT_EQ(simplified(Expr(-7) / 2), "-4");
  EXPECT_EQ(simplified(Expr(-7) % 2), "1");
  EXPECT_EQ(simplified(Expr(7) / 2), "3");
  EXPECT_EQ(simplified(Expr(7) % 2), "1");
  EXPECT_EQ(simplified(Expr(-8) / 4), "-2");
  EXPECT_EQ(simplified(Expr(-8) % 4), "0");
  EXPECT_EQ(simplified(Expr(-1) / 8), "-1");
  EXPECT_EQ(simplified(Expr(-1) % 8), "7");
}

TEST(Simplify, CanonicalizesLinearSums) {
  Var x("x"), y("y");
  EXPECT_EQ(simplified((x * 8 + 7) - x * 8), "7");
  EXPECT_EQ(simplified(x + y - x), "y");
  EXPECT_EQ(simplified(x + 1 + x + 2), "x*2 + 3");
  EXPECT_EQ(simplified((x + y) * 4 - y * 4), "x*4");
  EXPECT_EQ(simplified(x * 0 + y), "y");
  EXPECT_EQ(simplified(x - x), "0");
  EXPECT_EQ(simplified(Expr(3) - x), "0 - x + 3");
  EXPECT_EQ(simplified((x + 2) * 3 - 6), "x*3");
  EXPECT_EQ(simplified(x - 5), "x - 5");
}

TEST(Simplify, DivisionAndModuloByConstantsUnderRanges) {
  Var x("x"), y("y");
  VarRanges r{{y.get(), {0, 7}}};
  EXPECT_EQ(simplified((x * 8 + y) / 8, r), "x");
  EXPECT_EQ(simplified((x * 8 + y) % 8, r), "y");
  EXPECT_EQ(simplified((x * 16 + y * 2) / 16, r), "x");
  EXPECT_EQ(simplified((x * 16 + y * 2 + 1) % 16, r), "y*2 + 1");
  EXPECT_EQ(simplified(y / 8, r), "0");
  EXPECT_EQ(simplified(y % 8, r), "y");
  EXPECT_EQ(simplified((x * 8 + 9) / 8), "x + 1");
  EXPECT_EQ(simplified((x * 8 + 9) % 8), "1");
  EXPECT_EQ(simplified(x / 1), "x");
  EXPECT_EQ(simplified(x % 1), "0");
  // Without a range on y nothing can be said about y / 8.
  EXPECT_EQ(simplified((x * 8 + y) / 8), "x + y/8");
  EXPECT_EQ(simplified((x * 8 + y) % 8), "y % 8");
  // y in [0, 9] may carry into the quotient.
  VarRanges wide{{y.get(), {0, 9}}};
  EXPECT_EQ(simplified((x * 8 + y) / 8, wide), "x + y/8");
}

TEST(Simplify, NegativeNumeratorsUseFloorSemantics) {
  Var y("y");
  VarRanges r{{y.get(), {-8, -1}}};
  // y in [-8, -1] lies in one quotient interval: floor(y/8) is -1 (not 0) and y % 8 is y + 8.
  EXPECT_EQ(simplified(y / 8, r), "-1") << "floor(-1/8) is -1, not 0";
  EXPECT_EQ(simplified(y % 8, r), "y + 8") << "floor(-1 % 8) is 7, not -1";
  // Whatever form these take, their values over the range must be floor division's.
  for (const Expr& e : {(y + 8) / 8, (y + 8) % 8, (y - 1) / 8 + 1, (y * 3 + 5) % 4, (y - 9) / 4}) {
    Expr s = simplify(e, r);
    for (int64_t v = -8; v <= -1; ++v)
      EXPECT_EQ(evaluate(s, {{y.get(), v}}), evaluate(e, {{y.get(), v}}))
          << to_string(e) << " -> " << to_string(s) << " at y=" << v;
  }
}

TEST(Simplify, ComparisonsDecidedByRanges) {
  Var i("i"), j("j");
  VarRanges r{{i.get(), {0, 9}}, {j.get(), {0, 3}}};
  EXPECT_EQ(simplified(i < 10, r), "true");
  EXPECT_EQ(simplified(i < 9, r), "i < 9") << "undecidable stays";
  EXPECT_EQ(simplified(i >= 0, r), "true");
  EXPECT_EQ(simplified(i > 9, r), "false");
  EXPECT_EQ(simplified(i * 4 + j < 40, r), "true");
  EXPECT_EQ(simplified(i * 4 + j < 39, r), "i*4 + j < 39");
  EXPECT_EQ(simplified(i + 20 == j, r), "false");
  EXPECT_EQ(simplified(i + 20 != j, r), "true");
  EXPECT_EQ(simplified(i - i == 0), "true");
  EXPECT_EQ(simplified(i < 10), "i < 10") << "no range, no decision";
  EXPECT_EQ(simplified(i < 10 && j < 2, r), "j < 2");
  EXPECT_EQ(simplified(i < 5 || j < 4, r), "true");
  EXPECT_TRUE(can_prove(i < 10, r));
  EXPECT_FALSE(can_prove(i < 9, r));
  EXPECT_FALSE(can_prove(i < 10));
}

TEST(Simplify, MinMaxDecidedByRanges) {
  Var i("i"), j("j");
  VarRanges r{{i.get(), {0, 9}}, {j.get(), {10, 20}}};
  EXPECT_EQ(simplified(min(i, j), r), "i");
  EXPECT_EQ(simplified(max(i, j), r), "j");
  EXPECT_EQ(simplified(min(i, 9), r), "i");
  EXPECT_EQ(simplified(max(i, 0), r), "i");
  EXPECT_EQ(simplified(min(i, 5), r), "min(i, 5)");
  EXPECT_EQ(simplified(max(i + 1, i)), "i + 1");
  EXPECT_EQ(simplified(min(i * 2, i * 2)), "i*2");
  EXPECT_EQ(simplified(min(Expr(1.5f), Expr(0.5f))), "0.5f");
}

TEST(Simplify, SelectWithConstantCondition) {
  Var i("i"), j("j");
  VarRanges r{{i.get(), {0, 9}}};
  EXPECT_EQ(simplified(select(i < 10, i + 0, j), r), "i");
  EXPECT_EQ(simplified(select(i > 9, i, j * 1), r), "j");
  EXPECT_EQ(simplified(select(i < 5, i, j), r), "select(i < 5, i, j)");
  Expr untouched = select(i < 5, i, j);
  EXPECT_TRUE(simplify(untouched, r).same_as(untouched));
}

TEST(ConstBounds, RepresentativeExpressions) {
  Var x("x"), y("y"), z("z");
  VarRanges r{{x.get(), {0, 7}}, {y.get(), {-3, 4}}};
  auto bounds = [&](const Expr& e) {
    IntInterval b = const_bounds(e, r);
    return std::make_pair(b.min, b.max);
  };
  using P = std::pair<std::optional<int64_t>, std::optional<int64_t>>;
  EXPECT_EQ(bounds(x * 8 + y), P(-3, 60));
  EXPECT_EQ(bounds(x - y), P(-4, 10));
  EXPECT_EQ(bounds(x * y), P(-21, 28));
  EXPECT_EQ(bounds(y / 2), P(-2, 2));
  EXPECT_EQ(bounds(y % 4), P(0, 3));
  EXPECT_EQ(bounds((x + 8) % 8), P(0, 7));
  EXPECT_EQ(bounds((x + 16) % 32), P(16, 23));
  EXPECT_EQ(bounds(min(x, y)), P(-3, 4));
  EXPECT_EQ(bounds(max(x, y)), P(0, 7));
  EXPECT_EQ(bounds(min(x, z)), P(std::nullopt, 7));
  EXPECT_EQ(bounds(max(z, y)), P(-3, std::nullopt));
  EXPECT_EQ(bounds(select(z < 1, x, y)), P(-3, 7));
  EXPECT_EQ(bounds(z + x), P(std::nullopt, std::nullopt));
  EXPECT_EQ(bounds(z % 5), P(0, 4));
  EXPECT_EQ(bounds(z * 0), P(0, 0));
  EXPECT_EQ(bounds(Expr(42)), P(42, 42));
  EXPECT_FALSE(const_bounds(z).bounded());
  EXPECT_TRUE(const_bounds(Expr(3)).is_point());
}

// ---- the randomized property: simplify(e, ranges) has the value of e at every point ----

class RandomExprBuilder {
 public:
  RandomExprBuilder(std::mt19937_64& rng, std::vector<Var> vars)
      : rng_(rng), vars_(std::move(vars)) {}

  Expr integer(int depth) {
    if (depth == 0 || pick(5) == 0)
      return pick(3) == 0 ? Expr(int(pick(19)) - 9) : vars_[pick(vars_.size())];
    switch (pick(9)) {
      case 0:
        return integer(depth - 1) + integer(depth - 1);
      case 1:
        return integer(depth - 1) - integer(depth - 1);
      case 2:
        return integer(depth - 1) * (int(pick(9)) - 4);
      case 3:
        return integer(depth - 1) / (1 + int(pick(12)));
      case 4:
        return integer(depth - 1) % (1 + int(pick(12)));
      case 5:
        return min(integer(depth - 1), integer(depth - 1));
      case 6:
        return max(integer(depth - 1), integer(depth - 1));
      case 7:
        return select(condition(depth - 1), integer(depth - 1), integer(depth - 1));
      default:
        return integer(depth - 1) * 8 + integer(depth - 1);  // the shape splits produce
    }
  }

  Expr condition(int depth) {
    Expr a = integer(depth), b = integer(depth);
    switch (pick(8)) {
      case 0:
        return a == b;
      case 1:
        return a != b;
      case 2:
        return a < b;
      case 3:
        return a <= b;
      case 4:
        return a > b;
      case 5:
        return a >= b;
      case 6:
        return (a < b) && (b < integer(depth));
      default:
        return (a < b) || !(a == integer(depth));
    }
  }

 private:
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  std::mt19937_64& rng_;
  std::vector<Var> vars_;
};

TEST(SimplifyProperty, RandomExpressionsKeepTheirValues) {
  std::mt19937_64 rng(20240611);
  Var x("x"), y("y"), z("z");
  // Ranges that include negatives and ranges aligned with the divisors splits use.
  const std::vector<IntInterval> choices = {{0, 7},  {0, 3},   {-4, 3}, {1, 5},
                                            {0, 15}, {-9, -1}, {2, 2},  {-10, 5}};
  int checked_points = 0, changed = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<Var> vars = {x, y};
    if (trial % 2) vars.push_back(z);
    VarRanges ranges;
    for (const Var& v : vars) ranges[v.get()] = choices[rng() % choices.size()];
    RandomExprBuilder builder(rng, vars);
    Expr e = builder.integer(1 + int(trial % 4));
    Expr s = simplify(e, ranges);
    changed += !s.same_as(e);
    std::unordered_map<const VarNode*, int64_t> env;
    // Every point of the ranges: an odometer over the variables.
    std::vector<int64_t> value;
    for (const Var& v : vars) value.push_back(*ranges[v.get()].min);
    while (true) {
      for (size_t k = 0; k < vars.size(); ++k) env[vars[k].get()] = value[k];
      int64_t expected = evaluate(e, env), got = evaluate(s, env);
      ++checked_points;
      if (expected != got) {
        std::string where;
        for (size_t k = 0; k < vars.size(); ++k) {
          const IntInterval& r = ranges[vars[k].get()];
          where += fmt::format("{}={} in [{}, {}]; ", vars[k].name(), value[k], *r.min, *r.max);
        }
        FAIL() << "simplify changed the value of\n  " << to_string(e) << "\nto\n  " << to_string(s)
               << "\nat " << where << "expected " << expected << ", got " << got;
      }
      size_t k = 0;
      while (k < vars.size() && ++value[k] > *ranges[vars[k].get()].max) {
        value[k] = *ranges[vars[k].get()].min;
        ++k;
      }
      if (k == vars.size()) break;
    }
  }
  EXPECT_GT(changed, 1000) << "the generator should give the simplifier work";
  EXPECT_GT(checked_points, 100000);
}

// const_bounds must contain every value the expression takes; a bound that is too tight would let
// the simplifier drop a guard that is needed.
TEST(SimplifyProperty, ConstBoundsContainEveryValue) {
  std::mt19937_64 rng(7);
  Var x("x"), y("y");
  const std::vector<IntInterval> choices = {{0, 7}, {-4, 3}, {1, 5}, {-9, -1}};
  for (int trial = 0; trial < 2000; ++trial) {
    VarRanges ranges{{x.get(), choices[rng() % choices.size()]},
                     {y.get(), choices[rng() % choices.size()]}};
    RandomExprBuilder builder(rng, {x, y});
    Expr e = builder.integer(1 + trial % 4);
    IntInterval b = const_bounds(e, ranges);
    for (int64_t vx = *ranges[x.get()].min; vx <= *ranges[x.get()].max; ++vx) {
      for (int64_t vy = *ranges[y.get()].min; vy <= *ranges[y.get()].max; ++vy) {
        int64_t v = evaluate(e, {{x.get(), vx}, {y.get(), vy}});
        if ((b.min && v < *b.min) || (b.max && v > *b.max)) {
          FAIL() << "const_bounds of " << to_string(e) << " is ["
                 << (b.min ? std::to_string(*b.min) : "-inf") << ", "
                 << (b.max ? std::to_string(*b.max) : "inf") << "] but x=" << vx << ", y=" << vy
                 << " gives " << v;
        }
      }
    }
  }
}

}  // namespace
}  // namespace tt
