// Candidate keys and the sharing of a batch among a task's arms; see search_policy.h.
#include "search/search_policy.h"

#include <algorithm>
#include <limits>

namespace tt {

std::string candidate_key(const Candidate& candidate) { return steps_to_json(candidate).dump(); }

std::vector<std::pair<size_t, int>> batch_shares(int n, const std::vector<ArmStats>& arms, double explore_share) {
  auto preference = [&](size_t a) {
    return arms[a].measured == 0 ? std::numeric_limits<double>::infinity() : arms[a].best_throughput;
  };
  std::vector<size_t> order;
  for (size_t a = 0; a < arms.size(); ++a)
    if (!arms[a].exhausted) order.push_back(a);
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return preference(x) > preference(y); });
  std::vector<std::pair<size_t, int>> shares;
  if (order.empty()) return shares;
  const int explore = order.size() > 1 ? int(explore_share * n / double(order.size())) : 0;
  for (size_t i = 1; i < order.size(); ++i) shares.emplace_back(order[i], explore);
  shares.insert(shares.begin(), {order[0], n - explore * int(order.size() - 1)});
  return shares;
}

void fill_batch(int n, const std::vector<ArmStats>& arms, double explore_share,
                const std::function<int(size_t arm, int count)>& take) {
  std::vector<std::pair<size_t, int>> shares = batch_shares(n, arms, explore_share);
  int got = 0;
  auto ask = [&](size_t a, int count) {
    if (count > 0) got += take(a, count);
  };
  for (size_t i = 1; i < shares.size(); ++i) ask(shares[i].first, shares[i].second);
  if (!shares.empty()) ask(shares[0].first, n - got);
  for (const auto& [a, count] : shares)
    if (got < n) ask(a, n - got);
}

}  // namespace tt
