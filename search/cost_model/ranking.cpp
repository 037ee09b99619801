// Ranking-quality metrics of a cost model: pairwise accuracy and peak@k.
#include "search/cost_model/ranking.h"

#include <algorithm>
#include <numeric>

#include "ir/error.h"

namespace tt {

RankingQuality ranking_quality(const std::vector<double>& predicted,
                               const std::vector<double>& measured_throughput, int k) {
  if (predicted.size() != measured_throughput.size())
    user_error("ranking quality: {} predictions for {} measured throughputs", predicted.size(),
               measured_throughput.size());
  if (k < 1) user_error("ranking quality: k must be at least 1, not {}", k);
  RankingQuality q;
  q.n = int(predicted.size());
  q.k = std::min(k, q.n);

  double agree = 0;
  long pairs = 0;
  for (size_t i = 0; i < predicted.size(); ++i) {
    for (size_t j = i + 1; j < predicted.size(); ++j) {
      double dt = measured_throughput[i] - measured_throughput[j];
      if (dt == 0) continue;
      ++pairs;
      double dp = predicted[i] - predicted[j];
      if (dp == 0)
        agree += 0.5;
      else if ((dp > 0) == (dt > 0))
        agree += 1;
    }
  }
  if (pairs > 0) q.pairwise_accuracy = agree / double(pairs);

  std::vector<size_t> order(predicted.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return predicted[a] > predicted[b]; });
  double best = 0, best_picked = 0;
  for (double t : measured_throughput) best = std::max(best, t);
  for (int i = 0; i < q.k; ++i)
    best_picked = std::max(best_picked, measured_throughput[order[size_t(i)]]);
  q.peak_at_k = best > 0 ? best_picked / best : 0;
  return q;
}

}  // namespace tt
