// Layout transforms: concatenate, constant pad, reshape, flatten and transpose. None computes a
// value; each maps output indices to input indices (index arithmetic or a select chain), so all
// are injective stages that fuse into their neighbours.
#include <numeric>

#include "ir/int_math.h"
#include "ir/te/ops.h"
#include "ir/te/ops_util.h"

namespace tt::ops {

using detail::check_input;
using detail::index_const;
using detail::shape_str;
using detail::to_exprs;

Tensor concatenate(const std::vector<Tensor>& inputs, int axis, const std::string& name) {
  if (inputs.empty()) user_error("concatenate: no inputs");
  for (const Tensor& t : inputs) check_input(t, "concatenate", "input");
  const Tensor& first = inputs[0];
  axis = detail::normalize_axis(axis, first.ndim(), "concatenate");
  std::vector<int64_t> shape = first.shape();
  std::vector<int64_t> offsets = {0};  // where each input starts along the axis
  for (size_t n = 1; n < inputs.size(); ++n) {
    const Tensor& t = inputs[n];
    bool compatible = t.ndim() == first.ndim();
    for (int d = 0; compatible && d < first.ndim(); ++d) {
      compatible = d == axis || t.shape()[d] == first.shape()[d];
    }
    if (!compatible) {
      user_error(
          "concatenate: input {} '{}' has shape {}, which does not match input 0 '{}' {} "
          "outside axis {}",
          n, t.name(), shape_str(t.shape()), first.name(), shape_str(first.shape()), axis);
    }
    offsets.push_back(shape[axis]);
    shape[axis] += t.shape()[axis];
  }
  return compute(
      shape,
      [&](const std::vector<Var>& i) {
        // select(i < end0, in0, select(i < end1, in1, ... in_last)), built from the last input.
        auto read = [&](size_t n) {
          std::vector<Expr> idx = to_exprs(i);
          if (offsets[n] != 0) idx[axis] = idx[axis] - index_const(offsets[n]);
          return inputs[n](idx);
        };
        Expr value = read(inputs.size() - 1);
        for (size_t n = inputs.size() - 1; n-- > 0;) {
          value = select(i[axis] < index_const(offsets[n + 1]), read(n), value);
        }
        return value;
      },
      name, kTagInjective);
}

Tensor pad(const Tensor& x, const std::vector<int64_t>& before, const std::vector<int64_t>& after,
           float value, const std::string& name) {
  check_input(x, "pad", "input");
  if (int(before.size()) != x.ndim() || int(after.size()) != x.ndim()) {
    user_error("pad: input '{}' has {} dimensions but the padding has {} before and {} after",
               x.name(), x.ndim(), before.size(), after.size());
  }
  std::vector<int64_t> shape = x.shape();
  for (int d = 0; d < x.ndim(); ++d) {
    if (before[d] < 0 || after[d] < 0) {
      user_error("pad: negative padding ({}, {}) on dimension {}", before[d], after[d], d);
    }
    shape[d] += before[d] + after[d];
  }
  return compute(
      shape,
      [&](const std::vector<Var>& i) {
        // Only padded dimensions get a bounds test, so an unpadded one adds no condition.
        Expr in_bounds;
        std::vector<Expr> idx = to_exprs(i);
        auto require = [&](Expr c) { in_bounds = in_bounds.defined() ? (in_bounds && c) : c; };
        for (int d = 0; d < x.ndim(); ++d) {
          if (before[d] > 0) {
            require(i[d] >= index_const(before[d]));
            idx[d] = i[d] - index_const(before[d]);
          }
          if (after[d] > 0) require(i[d] < index_const(before[d] + x.shape()[d]));
        }
        if (!in_bounds.defined()) return x(idx);
        return select(in_bounds, x(idx), Expr(value));
      },
      name, kTagPad);
}

namespace {

int64_t product(const std::vector<int64_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t(1), std::multiplies<>());
}

}  // namespace

Tensor reshape(const Tensor& x, std::vector<int64_t> new_shape, const std::string& name) {
  check_input(x, "reshape", "input");
  int inferred = -1;
  int64_t known = 1;
  for (size_t d = 0; d < new_shape.size(); ++d) {
    if (new_shape[d] == -1) {
      if (inferred >= 0) user_error("reshape: more than one -1 in {}", shape_str(new_shape));
      inferred = int(d);
    } else if (new_shape[d] <= 0) {
      user_error("reshape: dimension {} of {} is not positive", new_shape[d], shape_str(new_shape));
    } else if (__builtin_mul_overflow(known, new_shape[d], &known)) {
      user_error("reshape: the new shape {} has more elements than 64-bit sizes can count", shape_str(new_shape));
    }
  }
  int64_t count = x.num_elements();
  if (inferred >= 0) {
    if (count % known != 0) {
      user_error("reshape: cannot reshape '{}' of shape {} ({} elements) into {}", x.name(),
                 shape_str(x.shape()), count, shape_str(new_shape));
    }
    new_shape[inferred] = count / known;
  }
  if (product(new_shape) != count) {
    user_error("reshape: cannot reshape '{}' of shape {} ({} elements) into {} ({} elements)",
               x.name(), shape_str(x.shape()), count, shape_str(new_shape), product(new_shape));
  }
  std::vector<int64_t> out_strides = row_major_strides(new_shape);
  std::vector<int64_t> in_strides = row_major_strides(x.shape());
  return compute(
      new_shape,
      [&](const std::vector<Var>& i) {
        // Output point -> flat position -> input point.
        Expr flat;
        for (size_t d = 0; d < i.size(); ++d) {
          if (new_shape[d] == 1) continue;
          Expr term = detail::affine(i[d], out_strides[d], 0);
          flat = flat.defined() ? flat + term : term;
        }
        if (!flat.defined()) flat = index_const(0);
        std::vector<Expr> idx;
        for (int d = 0; d < x.ndim(); ++d) {
          if (x.shape()[d] == 1) {
            idx.push_back(index_const(0));
            continue;
          }
          Expr e = in_strides[d] == 1 ? flat : flat / index_const(in_strides[d]);
          // The outermost non-unit dimension needs no modulo: flat / stride is already in range.
          bool outermost = in_strides[d] * x.shape()[d] == count;
          idx.push_back(outermost ? e : e % index_const(x.shape()[d]));
        }
        return x(idx);
      },
      name, kTagInjective);
}

Tensor flatten(const Tensor& x, int axis, const std::string& name) {
  check_input(x, "flatten", "input");
  if (axis < -x.ndim() || axis > x.ndim()) {
    user_error("flatten: axis {} is out of range for a {}-D tensor", axis, x.ndim());
  }
  if (axis < 0) axis += x.ndim();
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= x.shape()[d];
  return reshape(x, {outer, x.num_elements() / outer}, name);
}

Tensor transpose(const Tensor& x, std::vector<int> perm, const std::string& name) {
  check_input(x, "transpose", "input");
  if (perm.empty()) {
    for (int d = x.ndim(); d-- > 0;) perm.push_back(d);
  }
  std::vector<bool> seen(x.ndim(), false);
  bool valid = int(perm.size()) == x.ndim();
  for (size_t d = 0; valid && d < perm.size(); ++d) {
    valid = perm[d] >= 0 && perm[d] < x.ndim() && !seen[perm[d]];
    if (valid) seen[perm[d]] = true;
  }
  if (!valid) {
    user_error("transpose: ({}) is not a permutation of the {} dimensions of '{}'",
               fmt::join(perm, ", "), x.ndim(), x.name());
  }
  std::vector<int64_t> shape;
  for (int d : perm) shape.push_back(x.shape()[d]);
  return compute(
      shape,
      [&](const std::vector<Var>& i) {
        std::vector<Expr> idx(x.ndim());
        for (size_t d = 0; d < perm.size(); ++d) idx[perm[d]] = i[d];
        return x(idx);
      },
      name, kTagInjective);
}

namespace {

void check_block(const Tensor& x, int64_t block, const char* op) {
  detail::check_rank(x, 4, op, "input");
  if (block < 1) user_error("{}: block size {} is not positive", op, block);
}

}  // namespace

Tensor space_to_depth(const Tensor& x, int64_t block, const std::string& name) {
  check_block(x, block, "space_to_depth");
  const std::vector<int64_t>& in = x.shape();
  if (in[2] % block != 0 || in[3] % block != 0) {
    user_error("space_to_depth: the {}x{} map of '{}' is not a multiple of the block size {}", in[2], in[3],
               x.name(), block);
  }
  const int64_t c = in[1];
  return compute(
      {in[0], c * block * block, in[2] / block, in[3] / block},
      [&](const std::vector<Var>& i) {
        // Output channel (bh·b + bw)·C + c.
        Expr within = i[1] / index_const(c);
        Expr bh = within / index_const(block), bw = within % index_const(block);
        return x({i[0], i[1] % index_const(c), detail::affine(i[2], block, 0) + bh,
                  detail::affine(i[3], block, 0) + bw});
      },
      name, kTagInjective);
}

Tensor depth_to_space(const Tensor& x, int64_t block, const std::string& mode, const std::string& name) {
  check_block(x, block, "depth_to_space");
  if (mode != "DCR" && mode != "CRD") user_error("depth_to_space: mode '{}' is neither DCR nor CRD", mode);
  const std::vector<int64_t>& in = x.shape();
  if (in[1] % (block * block) != 0) {
    user_error("depth_to_space: the {} channels of '{}' are not a multiple of the block size {} squared", in[1],
               x.name(), block);
  }
  const int64_t c = in[1] / (block * block);
  return compute(
      {in[0], c, in[2] * block, in[3] * block},
      [&](const std::vector<Var>& i) {
        Expr bh = i[2] % index_const(block), bw = i[3] % index_const(block);
        Expr within = detail::affine(bh, block, 0) + bw;
        Expr channel = mode == "DCR" ? detail::affine(within, c, 0) + i[1] : detail::affine(i[1], block * block, 0) + within;
        return x({i[0], channel, i[2] / index_const(block), i[3] / index_const(block)});
      },
      name, kTagInjective);
}

}  // namespace tt::ops
