// NDArray storage: aligned allocation and seeded random filling.
#include "ir/ndarray.h"

#include <cstdlib>
#include <cstring>

#include "ir/error.h"
#include "ir/int_math.h"

namespace tt {

void NDArray::AlignedDelete::operator()(void* p) const { std::free(p); }

NDArray::NDArray(std::vector<int64_t> shape, DType dtype) : shape_(std::move(shape)), dtype_(dtype) {
  for (int64_t d : shape_) {
    if (d < 0) user_error("negative dimension in shape {}", shape_to_string(shape_));
  }
  std::optional<int64_t> count = checked_product(shape_);
  int64_t byte_count = 0;
  if (!count || __builtin_mul_overflow(*count, int64_t(dtype_.bytes()), &byte_count))
    user_error("an array of shape {} has more elements than 64-bit sizes can count", shape_to_string(shape_));
  num_elements_ = *count;
  size_t size = bytes();
  size_t rounded = (size + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded == 0) rounded = kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (!p) user_error("out of memory allocating {} bytes for an array of shape {}", size, shape_to_string(shape_));
  std::memset(p, 0, rounded);
  data_ = std::shared_ptr<void>(p, AlignedDelete());
}

void NDArray::fill_uniform(std::mt19937_64& rng, float low, float high) {
  TT_ASSERT(dtype_ == DType::float32(), "fill_uniform supports float32 only, not {}", dtype_.to_string());
  std::uniform_real_distribution<float> dist(low, high);
  float* p = as<float>();
  for (int64_t i = 0; i < num_elements_; ++i) p[i] = dist(rng);
}

std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + std::to_string(shape[i]);
  return s.empty() ? "scalar" : s;
}

}  // namespace tt
