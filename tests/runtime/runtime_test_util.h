// What the runtime tests share: a seeded random value for a graph's (first) input.
#pragma once

#include <random>

#include "ir/graph/graph.h"
#include "ir/ndarray.h"

namespace tt::test {

inline NDArray random_input(const graph::Graph& g, uint64_t seed) {
  const graph::Node& in = g.node(g.inputs()[0]);
  NDArray a(in.type.shape, in.type.dtype);
  std::mt19937_64 rng(seed);
  a.fill_uniform(rng);
  return a;
}

}  // namespace tt::test
