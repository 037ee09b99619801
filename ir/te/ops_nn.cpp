// Neural-network operators with reductions: matmul, dense, batch_matmul, NCHW conv2d (grouped and
// depthwise, strided, dilated) and pooling. The reduction is always one compute stage of its own;
// padding before it and bias or averaging after it are separate stages, which is the stage
// structure that templates and fusion expect (producer, GEMM-like stage, epilogue).
#include <algorithm>
#include <limits>

#include "ir/te/ops.h"
#include "ir/te/ops_util.h"

namespace tt::ops {

using detail::affine;
using detail::check_input;
using detail::check_rank;
using detail::index_const;
using detail::shape_str;

Tensor matmul(const Tensor& a, const Tensor& b, const std::string& name) {
  check_rank(a, 2, "matmul", "left input");
  check_rank(b, 2, "matmul", "right input");
  int64_t m = a.shape()[0], k = a.shape()[1], n = b.shape()[1];
  if (b.shape()[0] != k) {
    user_error("matmul: inner dimensions differ: left input '{}' is {} and right input '{}' is {}",
               a.name(), shape_str(a.shape()), b.name(), shape_str(b.shape()));
  }
  IterVar rk = reduce_axis(k, "rk");
  return compute(
      {m, n},
      [&](const std::vector<Var>& i) { return sum(a(i[0], rk.var) * b(rk.var, i[1]), {rk}); }, name,
      kTagDense);
}

Tensor dense(const Tensor& x, const Tensor& weight, const Tensor& bias, const std::string& name) {
  check_rank(x, 2, "dense", "input");
  check_rank(weight, 2, "dense", "weight");
  int64_t m = x.shape()[0], k = x.shape()[1], n = weight.shape()[0];
  if (weight.shape()[1] != k) {
    user_error("dense: input '{}' has {} features but weight '{}' of shape {} expects {}", x.name(),
               k, weight.name(), shape_str(weight.shape()), weight.shape()[1]);
  }
  IterVar rk = reduce_axis(k, "rk");
  Tensor gemm = compute(
      {m, n},
      [&](const std::vector<Var>& i) { return sum(x(i[0], rk.var) * weight(i[1], rk.var), {rk}); },
      name, kTagDense);
  if (!bias.defined()) return gemm;
  check_input(bias, "dense", "bias");
  if (bias.shape() != std::vector<int64_t>{n}) {
    user_error("dense: bias '{}' has shape {} but the output has {} features", bias.name(),
               shape_str(bias.shape()), n);
  }
  return compute(
      {m, n}, [&](const std::vector<Var>& i) { return gemm(i[0], i[1]) + bias(i[1]); },
      name + ".bias", kTagBroadcast);
}

Tensor batch_matmul(const Tensor& a, const Tensor& b, const std::string& name) {
  check_rank(a, 3, "batch_matmul", "left input");
  check_rank(b, 3, "batch_matmul", "right input");
  int64_t ba = a.shape()[0], bb = b.shape()[0];
  if (ba != bb && ba != 1 && bb != 1) {
    user_error("batch_matmul: batch sizes {} and {} differ and neither is 1 ({} and {})", ba, bb,
               shape_str(a.shape()), shape_str(b.shape()));
  }
  int64_t m = a.shape()[1], k = a.shape()[2], n = b.shape()[2];
  if (b.shape()[1] != k) {
    user_error(
        "batch_matmul: inner dimensions differ: left input '{}' is {} and right input '{}' is {}",
        a.name(), shape_str(a.shape()), b.name(), shape_str(b.shape()));
  }
  int64_t batch = std::max(ba, bb);
  IterVar rk = reduce_axis(k, "rk");
  return compute(
      {batch, m, n},
      [&](const std::vector<Var>& i) {
        Expr batch_a = ba == 1 ? Expr(0) : Expr(i[0]);
        Expr batch_b = bb == 1 ? Expr(0) : Expr(i[0]);
        return sum(a(batch_a, i[1], rk.var) * b(batch_b, rk.var, i[2]), {rk});
      },
      name, kTagBatchMatmul);
}

namespace {

void check_window(const std::string& op, const char* what, const std::array<int64_t, 2>& v) {
  if (v[0] < 1 || v[1] < 1) user_error("{}: {} ({}, {}) must be positive", op, what, v[0], v[1]);
}

void check_padding(const std::string& op, const std::array<int64_t, 4>& p) {
  if (std::any_of(p.begin(), p.end(), [](int64_t x) { return x < 0; })) {
    user_error("{}: padding ({}, {}, {}, {}) has a negative entry", op, p[0], p[1], p[2], p[3]);
  }
}

// The output extent of a sliding window along one dimension. In ceil_mode a partial last window
// counts, but only if it starts inside the input or the leading padding (PyTorch's rule).
int64_t window_output_extent(const std::string& op, const char* dim, int64_t in, int64_t kernel,
                             int64_t stride, int64_t dilation, int64_t pad_before,
                             int64_t pad_after, bool ceil_mode) {
  int64_t dilated = dilation * (kernel - 1) + 1;
  int64_t span = in + pad_before + pad_after - dilated;
  if (span < 0) {
    user_error(
        "{}: output {} would be empty: input {} {} + padding {} + {} is smaller than the "
        "(dilated) kernel extent {}",
        op, dim, dim, in, pad_before, pad_after, dilated);
  }
  int64_t out = (ceil_mode ? span + stride - 1 : span) / stride + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad_before) --out;
  return out;
}

// Pads the two spatial dimensions of an NCHW tensor, or returns it when there is nothing to pad.
Tensor pad_spatial(const Tensor& x, int64_t top, int64_t left, int64_t bottom, int64_t right,
                   float value, const std::string& name) {
  if (top == 0 && left == 0 && bottom == 0 && right == 0) return x;
  return pad(x, {0, 0, top, left}, {0, 0, bottom, right}, value, name);
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dParams& p,
              const std::string& name) {
  const std::string op = "conv2d";
  check_rank(input, 4, op, "input");
  check_rank(weight, 4, op, "weight");
  check_window(op, "stride", p.stride);
  check_window(op, "dilation", p.dilation);
  check_padding(op, p.padding);
  const auto& in = input.shape();
  const auto& w = weight.shape();
  int64_t channels = in[1], out_channels = w[0], kh = w[2], kw = w[3], groups = p.groups;
  if (groups < 1) user_error("conv2d: groups {} must be positive", groups);
  if (channels % groups != 0) {
    user_error("conv2d: input has {} channels, which groups={} does not divide", channels, groups);
  }
  if (out_channels % groups != 0) {
    user_error("conv2d: weight has {} output channels, which groups={} does not divide",
               out_channels, groups);
  }
  int64_t group_channels = channels / groups;
  if (w[1] != group_channels) {
    user_error("conv2d: input has {} channels but weight {} expects {} (groups={})", channels,
               shape_str(w), w[1] * groups, groups);
  }
  int64_t oh = window_output_extent(op, "height", in[2], kh, p.stride[0], p.dilation[0],
                                    p.padding[0], p.padding[2], false);
  int64_t ow = window_output_extent(op, "width", in[3], kw, p.stride[1], p.dilation[1],
                                    p.padding[1], p.padding[3], false);
  Tensor padded = pad_spatial(input, p.padding[0], p.padding[1], p.padding[2], p.padding[3], 0.0f,
                              name + ".pad");

  bool depthwise = groups > 1 && groups == channels;
  int64_t out_per_group = out_channels / groups;
  IterVar ry = reduce_axis(kh, "ry");
  IterVar rx = reduce_axis(kw, "rx");
  // Depthwise convolutions reduce over the window only: each output channel reads one input
  // channel, so a reduce axis of extent 1 over input channels would only add a loop.
  IterVar rc = reduce_axis(group_channels, "rc");
  std::vector<IterVar> axes =
      depthwise ? std::vector<IterVar>{ry, rx} : std::vector<IterVar>{rc, ry, rx};
  return compute(
      {in[0], out_channels, oh, ow},
      [&](const std::vector<Var>& i) {
        Expr n = i[0], k = i[1];
        Expr y = affine(i[2], p.stride[0], 0), x = affine(i[3], p.stride[1], 0);
        Expr iy = y + affine(ry.var, p.dilation[0], 0);
        Expr ix = x + affine(rx.var, p.dilation[1], 0);
        if (depthwise) {
          Expr c = out_per_group == 1 ? k : k / index_const(out_per_group);
          return sum(padded(n, c, iy, ix) * weight(k, 0, ry.var, rx.var), axes);
        }
        Expr c = groups == 1
                     ? Expr(rc.var)
                     : k / index_const(out_per_group) * index_const(group_channels) + rc.var;
        return sum(padded(n, c, iy, ix) * weight(k, rc.var, ry.var, rx.var), axes);
      },
      name, depthwise ? kTagDepthwiseConv2d : kTagConv2d);
}

namespace {

struct PoolGeometry {
  int64_t oh, ow;
  int64_t pad_bottom, pad_right;  // the given padding, grown to cover ceil_mode's last windows
};

PoolGeometry pool_geometry(const std::string& op, const Tensor& input, const Pool2dParams& p) {
  check_rank(input, 4, op, "input");
  check_window(op, "kernel", p.kernel);
  check_window(op, "stride", p.stride);
  check_window(op, "dilation", p.dilation);
  check_padding(op, p.padding);
  static const char* kSides[] = {"top", "left", "bottom", "right"};
  for (int side = 0; side < 4; ++side) {
    int64_t dilated = p.dilation[side % 2] * (p.kernel[side % 2] - 1) + 1;
    // Smaller than the window, so every window sees at least one input element (ONNX's
    // condition; PyTorch's is at most half the window).
    if (p.padding[side] >= dilated) {
      user_error("{}: padding {} on the {} is not smaller than the kernel extent {}", op,
                 p.padding[side], kSides[side], dilated);
    }
  }
  const auto& in = input.shape();
  PoolGeometry g;
  g.oh = window_output_extent(op, "height", in[2], p.kernel[0], p.stride[0], p.dilation[0],
                              p.padding[0], p.padding[2], p.ceil_mode);
  g.ow = window_output_extent(op, "width", in[3], p.kernel[1], p.stride[1], p.dilation[1],
                              p.padding[1], p.padding[3], p.ceil_mode);
  int64_t needed_h = (g.oh - 1) * p.stride[0] + p.dilation[0] * (p.kernel[0] - 1) + 1;
  int64_t needed_w = (g.ow - 1) * p.stride[1] + p.dilation[1] * (p.kernel[1] - 1) + 1;
  g.pad_bottom = std::max(p.padding[2], needed_h - in[2] - p.padding[0]);
  g.pad_right = std::max(p.padding[3], needed_w - in[3] - p.padding[1]);
  return g;
}

// How many of the window positions [y·stride, y·stride + kernel) fall inside [low, high), over the
// output index y in [0, extent): the constant `kernel` when no window is clipped, else min/max
// index arithmetic.
Expr window_count(const Expr& y, int64_t extent, int64_t stride, int64_t kernel, int64_t low,
                  int64_t high) {
  bool clips_low = low > 0;
  bool clips_high = (extent - 1) * stride + kernel > high;
  if (!clips_low && !clips_high) return index_const(kernel);
  Expr start = affine(y, stride, 0);
  Expr end = affine(y, stride, kernel);
  if (clips_high) end = min(end, index_const(high));
  if (clips_low) start = max(start, index_const(low));
  return end - start;
}

}  // namespace

Tensor max_pool2d(const Tensor& input, const Pool2dParams& p, const std::string& name) {
  PoolGeometry g = pool_geometry("max_pool2d", input, p);
  Tensor padded = pad_spatial(input, p.padding[0], p.padding[1], g.pad_bottom, g.pad_right,
                              -std::numeric_limits<float>::infinity(), name + ".pad");
  IterVar ry = reduce_axis(p.kernel[0], "ry");
  IterVar rx = reduce_axis(p.kernel[1], "rx");
  return compute(
      {input.shape()[0], input.shape()[1], g.oh, g.ow},
      [&](const std::vector<Var>& i) {
        Expr iy = affine(i[2], p.stride[0], 0) + affine(ry.var, p.dilation[0], 0);
        Expr ix = affine(i[3], p.stride[1], 0) + affine(rx.var, p.dilation[1], 0);
        return tt::reduce_max(padded(i[0], i[1], iy, ix), {ry, rx});
      },
      name, kTagPool);
}

Tensor avg_pool2d(const Tensor& input, const Pool2dParams& p, const std::string& name) {
  PoolGeometry g = pool_geometry("avg_pool2d", input, p);
  if (p.dilation[0] != 1 || p.dilation[1] != 1) {
    user_error("avg_pool2d: dilation ({}, {}) is not supported", p.dilation[0], p.dilation[1]);
  }
  Tensor padded = pad_spatial(input, p.padding[0], p.padding[1], g.pad_bottom, g.pad_right, 0.0f,
                              name + ".pad");
  IterVar ry = reduce_axis(p.kernel[0], "ry");
  IterVar rx = reduce_axis(p.kernel[1], "rx");
  Tensor window_sum = compute(
      {input.shape()[0], input.shape()[1], g.oh, g.ow},
      [&](const std::vector<Var>& i) {
        Expr iy = affine(i[2], p.stride[0], 0) + ry.var;
        Expr ix = affine(i[3], p.stride[1], 0) + rx.var;
        return sum(padded(i[0], i[1], iy, ix), {ry, rx});
      },
      name + ".sum", kTagPool);
  // In padded coordinates the input occupies [top, top + H); the given padding reaches
  // [0, top + H + bottom), and ceil_mode's windows may run past that.
  int64_t h = input.shape()[2], w = input.shape()[3];
  int64_t low_h = p.count_include_pad ? 0 : p.padding[0];
  int64_t low_w = p.count_include_pad ? 0 : p.padding[1];
  int64_t high_h = p.padding[0] + h + (p.count_include_pad ? p.padding[2] : 0);
  int64_t high_w = p.padding[1] + w + (p.count_include_pad ? p.padding[3] : 0);
  return compute(
      window_sum.shape(),
      [&](const std::vector<Var>& i) {
        Expr count_h = window_count(i[2], g.oh, p.stride[0], p.kernel[0], low_h, high_h);
        Expr count_w = window_count(i[3], g.ow, p.stride[1], p.kernel[1], low_w, high_w);
        int64_t ch = 0, cw = 0;
        Expr divisor = is_const_int(count_h, &ch) && is_const_int(count_w, &cw)
                           ? Expr(float(ch * cw))
                           : cast(DType::float32(), count_h * count_w);
        return window_sum(i[0], i[1], i[2], i[3]) / divisor;
      },
      name, kTagElemwise);
}

Tensor global_avg_pool2d(const Tensor& input, const std::string& name) {
  check_rank(input, 4, "global_avg_pool2d", "input");
  const auto& in = input.shape();
  IterVar ry = reduce_axis(in[2], "ry");
  IterVar rx = reduce_axis(in[3], "rx");
  Tensor total = compute(
      {in[0], in[1], 1, 1},
      [&](const std::vector<Var>& i) {
        return sum(input(i[0], i[1], ry.var, rx.var), {ry, rx});
      },
      name + ".sum", kTagGlobalPool);
  float count = float(in[2] * in[3]);
  return compute(
      total.shape(),
      [&](const std::vector<Var>& i) { return total(i[0], i[1], i[2], i[3]) / Expr(count); }, name,
      kTagElemwise);
}

Tensor global_max_pool2d(const Tensor& input, const std::string& name) {
  check_rank(input, 4, "global_max_pool2d", "input");
  const auto& in = input.shape();
  IterVar ry = reduce_axis(in[2], "ry");
  IterVar rx = reduce_axis(in[3], "rx");
  return compute(
      {in[0], in[1], 1, 1},
      [&](const std::vector<Var>& i) {
        return tt::reduce_max(input(i[0], i[1], ry.var, rx.var), {ry, rx});
      },
      name, kTagGlobalPool);
}

}  // namespace tt::ops
