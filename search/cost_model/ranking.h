// How well a cost model orders programs, scored on measured data the way TenSet scores cost models:
// pairwise comparison accuracy, and the peak throughput found among the model's top-k picks.
#pragma once

#include <vector>

namespace tt {

struct RankingQuality {
  // Fraction of the pairs with different measured throughput that the predictions order the same
  // way; a tie in the predictions counts half. 0.5 when there is no such pair.
  double pairwise_accuracy = 0.5;
  // Best measured throughput among the k highest predictions / best measured throughput overall
  // (1 = the model's top k contain the fastest program); 0 when no program has a positive
  // throughput.
  double peak_at_k = 0;
  int k = 0;  // the k used: the requested k, at most n
  int n = 0;  // programs scored
};

// `predicted[i]` scores program i (higher = predicted faster), `measured_throughput[i]` is what it
// ran at (0 for a failed program). Equal predictions are picked in index order. UserError when the
// lengths differ or k < 1.
RankingQuality ranking_quality(const std::vector<double>& predicted,
                               const std::vector<double>& measured_throughput, int k);

}  // namespace tt
