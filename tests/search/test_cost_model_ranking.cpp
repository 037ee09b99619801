// Ranking-quality metrics on hand-made score vectors, with their exact values.
#include <gtest/gtest.h>

#include "ir/error.h"
#include "search/cost_model/ranking.h"

namespace tt {
namespace {

TEST(RankingQuality, PerfectAndReversedOrders) {
  std::vector<double> measured{1, 2, 3, 4};
  RankingQuality perfect = ranking_quality({10, 20, 30, 40}, measured, 1);
  EXPECT_EQ(perfect.pairwise_accuracy, 1.0);
  EXPECT_EQ(perfect.peak_at_k, 1.0);
  EXPECT_EQ(perfect.k, 1);
  EXPECT_EQ(perfect.n, 4);
  RankingQuality reversed = ranking_quality({4, 3, 2, 1}, measured, 2);
  EXPECT_EQ(reversed.pairwise_accuracy, 0.0);
  EXPECT_EQ(reversed.peak_at_k, 2.0 / 4.0);  // the top two picks ran at 1 and 2
}

TEST(RankingQuality, MixedOrderTiesAndFailures) {
  // Pairs with different measured throughput: (0,1) (0,2) (0,3) (1,3) (2,3); (1,2) ran equally fast
  // and does not count. The predictions order four of them right and tie (1,3), which counts half.
  std::vector<double> measured{8, 2, 2, 0};
  RankingQuality q = ranking_quality({0.9, 0.1, 0.2, 0.1}, measured, 1);
  EXPECT_DOUBLE_EQ(q.pairwise_accuracy, 4.5 / 5.0);
  EXPECT_EQ(q.peak_at_k, 1.0);
  // The failed program predicted best: (0,3) (1,3) (2,3) wrong, (0,1) (0,2) right.
  std::vector<double> predicted{0.9, 0.1, 0.2, 0.95};
  RankingQuality wrong = ranking_quality(predicted, measured, 1);
  EXPECT_DOUBLE_EQ(wrong.pairwise_accuracy, 2.0 / 5.0);
  EXPECT_EQ(wrong.peak_at_k, 0.0);  // the top pick is the failed program
  EXPECT_EQ(ranking_quality(predicted, measured, 2).peak_at_k, 1.0);
  EXPECT_DOUBLE_EQ(ranking_quality({0.1, 0.2, 0.9, 0.95}, measured, 3).peak_at_k, 2.0 / 8.0);
  RankingQuality all_tied = ranking_quality({0.5, 0.5, 0.5, 0.5}, measured, 3);
  EXPECT_EQ(all_tied.pairwise_accuracy, 0.5);
  EXPECT_EQ(all_tied.peak_at_k, 1.0);  // equal scores are picked in index order: program 0 first
}

TEST(RankingQuality, KIsClampedAndBadInputsAreUserErrors) {
  RankingQuality q = ranking_quality({1, 2}, {3, 5}, 10);
  EXPECT_EQ(q.k, 2);
  EXPECT_EQ(q.peak_at_k, 1.0);
  RankingQuality none = ranking_quality({}, {}, 1);
  EXPECT_EQ(none.n, 0);
  EXPECT_EQ(none.pairwise_accuracy, 0.5);
  EXPECT_EQ(none.peak_at_k, 0.0);
  EXPECT_THROW(ranking_quality({1, 2}, {1}, 1), UserError);
  EXPECT_THROW(ranking_quality({1}, {1}, 0), UserError);
}

}  // namespace
}  // namespace tt
