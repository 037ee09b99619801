// NDArray: a dense, C-ordered, 64-byte aligned host array with a dtype and a static shape. Kernels
// take its data pointer as an argument; the reference interpreter, the checker and the executor
// all exchange data through it.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ir/expr/dtype.h"

namespace tt {

class NDArray {
 public:
  static constexpr size_t kAlignment = 64;

  NDArray() = default;
  NDArray(std::vector<int64_t> shape, DType dtype);  // zero-filled

  const std::vector<int64_t>& shape() const { return shape_; }
  DType dtype() const { return dtype_; }
  int64_t num_elements() const { return num_elements_; }
  size_t bytes() const { return size_t(num_elements_) * dtype_.bytes(); }
  void* data() { return data_.get(); }
  const void* data() const { return data_.get(); }
  template <typename T>
  T* as() { return static_cast<T*>(data()); }
  template <typename T>
  const T* as() const { return static_cast<const T*>(data()); }
  bool defined() const { return data_ != nullptr || num_elements_ == 0; }

  // Fills with uniform values in [low, high) from `rng` (float32 only).
  void fill_uniform(std::mt19937_64& rng, float low = -1.0f, float high = 1.0f);

 private:
  struct AlignedDelete {
    void operator()(void* p) const;
  };
  std::vector<int64_t> shape_;
  DType dtype_;
  int64_t num_elements_ = 0;
  std::shared_ptr<void> data_;
};

std::string shape_to_string(const std::vector<int64_t>& shape);  // "1x64x56x56"

}  // namespace tt
