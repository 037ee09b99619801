// Every numeric and choice flag of every subcommand, given a value of the wrong type, a negative,
// zero (where that is out of range), a huge one, or none at all: one clear error naming the flag,
// exit 2, nothing on stdout, and never a crash or an internal error. Table-driven.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli_test_util.h"

namespace {

using tt::test::describe;
using tt::test::Result;
using tt::test::run;

enum class Kind {
  Count,          // an integer >= 0
  PositiveCount,  // an integer >= 1
  Positive,       // a number > 0
  NonNegative,    // a number >= 0
  Seed,           // a non-negative 64-bit integer
  Choice,         // one of a set of words
};

struct FlagCase {
  std::string command;  // everything before the flag
  std::string flag;
  Kind kind;
};

std::vector<std::string> bad_values(Kind kind) {
  std::vector<std::string> v = {"x", "1.5.2", "99999999999999999999999"};
  if (kind != Kind::Choice) v.push_back("-1");
  if (kind == Kind::PositiveCount || kind == Kind::Positive) v.push_back("0");
  if (kind == Kind::Count || kind == Kind::PositiveCount) v.push_back("2.5");
  if (kind == Kind::Choice) v.push_back("no_such_choice");
  return v;
}

const std::vector<FlagCase>& cases() {
  static const std::vector<FlagCase> c = {
      {"tune tiny_cnn --log /nonexistent/t.db", "--trials", Kind::Count},
      {"tune tiny_cnn --log /nonexistent/t.db", "--seed", Kind::Seed},
      {"tune tiny_cnn --log /nonexistent/t.db", "--threads", Kind::PositiveCount},
      {"tune tiny_cnn --log /nonexistent/t.db", "--timeout", Kind::Positive},
      {"tune tiny_cnn --log /nonexistent/t.db", "--rtol", Kind::NonNegative},
      {"tune tiny_cnn --log /nonexistent/t.db", "--atol", Kind::NonNegative},
      {"tune tiny_cnn --log /nonexistent/t.db", "--per-round", Kind::PositiveCount},
      {"tune tiny_cnn --log /nonexistent/t.db", "--ga-population", Kind::PositiveCount},
      {"tune tiny_cnn --log /nonexistent/t.db", "--ga-elites", Kind::Count},
      {"tune tiny_cnn --log /nonexistent/t.db", "--ga-mutation", Kind::NonNegative},
      {"tune tiny_cnn --log /nonexistent/t.db", "--layout-rewrite", Kind::Choice},
      {"tune tiny_cnn --log /nonexistent/t.db", "--strategy", Kind::Choice},
      {"tune tiny_cnn --log /nonexistent/t.db", "--tuner", Kind::Choice},
      {"tune tiny_cnn --log /nonexistent/t.db", "--conv-layout", Kind::Choice},
      {"tune tiny_cnn --log /nonexistent/t.db", "--winograd", Kind::Choice},
      {"tune tiny_cnn --log /nonexistent/t.db", "--cost-model", Kind::Choice},
      {"tune tiny_cnn --log /nonexistent/t.db", "--scheduler", Kind::Choice},
      {"run tiny_cnn", "--repeat", Kind::PositiveCount},
      {"run tiny_cnn", "--warmup", Kind::Count},
      {"run tiny_cnn", "--threads", Kind::Count},
      {"run tiny_cnn", "--rtol", Kind::NonNegative},
      {"run tiny_cnn", "--atol", Kind::NonNegative},
      {"run tiny_cnn", "--seed", Kind::Seed},
      {"run tiny_cnn", "--schedule", Kind::Choice},
      {"op matmul", "--repeat", Kind::PositiveCount},
      {"op matmul", "--threads", Kind::PositiveCount},
      {"op matmul", "--min-repeat-ms", Kind::NonNegative},
      {"op matmul", "--rtol", Kind::NonNegative},
      {"op matmul", "--atol", Kind::NonNegative},
      {"op matmul", "--seed", Kind::Seed},
      {"op matmul", "--config", Kind::Count},
      {"op matmul", "--schedule", Kind::Choice},
      {"op matmul", "--reference", Kind::Choice},
      {"op matmul", "--m", Kind::PositiveCount},
      {"op conv2d", "--groups", Kind::PositiveCount},
      {"compare --log /nonexistent/a.db", "--budgets", Kind::PositiveCount},
      {"compare --log /nonexistent/a.db", "--threads", Kind::PositiveCount},
      {"compare --log /nonexistent/a.db", "--rows", Kind::PositiveCount},
      {"inspect tiny_cnn", "--show", Kind::Choice},
      {"inspect tiny_cnn", "--threads", Kind::Count},
  };
  return c;
}

void expect_clear_error(const std::string& args, const std::string& flag) {
  Result r = run(args);
  EXPECT_EQ(r.exit_code, 2) << describe(args, r);
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << describe(args, r);
  EXPECT_NE(r.err.find(flag), std::string::npos) << "the message names " << flag << "\n" << describe(args, r);
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << describe(args, r);
  EXPECT_TRUE(r.out.empty()) << describe(args, r);
}

TEST(FlagValues, EveryBadValueIsOneClearError) {
  int checked = 0;
  for (const FlagCase& c : cases()) {
    for (const std::string& value : bad_values(c.kind)) {
      expect_clear_error(c.command + " " + c.flag + " " + value, c.flag);
      ++checked;
    }
    // The flag with no value at the end of the line.
    expect_clear_error(c.command + " " + c.flag, c.flag);
    ++checked;
  }
  std::printf("bad flag values checked: %d\n", checked);
}

}  // namespace
