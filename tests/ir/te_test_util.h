// Helpers for the operator and interpreter tests: random or literal arrays, evaluation of a TE
// graph by the reference interpreter, and an expectation that a call raises a UserError whose
// message contains given words.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "ir/compare.h"
#include "ir/error.h"
#include "ir/ndarray.h"
#include "ir/te/interpreter.h"
#include "ir/te/tensor.h"

namespace tt::test {

// A float32 placeholder.
inline Tensor input(std::vector<int64_t> shape, const std::string& name) {
  return placeholder(std::move(shape), DType::float32(), name);
}

inline NDArray random_array(const std::vector<int64_t>& shape, uint64_t seed, float low = -1.0f,
                            float high = 1.0f) {
  NDArray a(shape, DType::float32());
  std::mt19937_64 rng(seed);
  a.fill_uniform(rng, low, high);
  return a;
}

inline NDArray array_of(const std::vector<int64_t>& shape, const std::vector<float>& values) {
  NDArray a(shape, DType::float32());
  EXPECT_EQ(int64_t(values.size()), a.num_elements());
  std::copy(values.begin(), values.end(), a.as<float>());
  return a;
}

// 0, 1, 2, ... in row-major order.
inline NDArray iota_array(const std::vector<int64_t>& shape) {
  NDArray a(shape, DType::float32());
  for (int64_t i = 0; i < a.num_elements(); ++i) a.as<float>()[i] = float(i);
  return a;
}

inline NDArray run_one(const Tensor& out, const std::vector<std::pair<Tensor, NDArray>>& inputs) {
  return evaluate({out}, inputs)[0];
}

#define EXPECT_CLOSE(actual, expected, ...)                                  \
  do {                                                                       \
    ::tt::CompareResult r_ = ::tt::compare(actual, expected, ##__VA_ARGS__); \
    EXPECT_TRUE(r_.ok) << r_.describe();                                     \
  } while (0)

// Expects `f` to throw a UserError whose message contains every one of `words`.
inline void expect_user_error(const std::function<void()>& f,
                              const std::vector<std::string>& words) {
  try {
    f();
    ADD_FAILURE() << "expected a UserError mentioning '" << words[0] << "'";
  } catch (const UserError& e) {
    std::string message = e.what();
    for (const std::string& w : words) {
      EXPECT_NE(message.find(w), std::string::npos) << "'" << w << "' not in: " << message;
    }
  }
}

}  // namespace tt::test
