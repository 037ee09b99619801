// The operator library: the tensor-expression form of every graph operator (float32, NCHW). Each
// function checks its inputs and attributes (UserError naming the operator and the problem) and
// builds one or more compute stages whose `tag` tells default schedules and templates what they
// are.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "ir/te/tensor.h"

namespace tt::ops {

// ---- tags (OperationNode::tag) ----
// Reductions that templates schedule: "dense", "batch_matmul", "conv2d", "depthwise_conv2d",
// "pool", "global_pool", "softmax", "reduce". Stages that fuse into their consumers or producers:
// "elemwise" (same shape in and out), "broadcast" (numpy broadcasting), "injective" (any index
// map), "pad" (an injective stage that fills out-of-bounds points with a constant).
inline constexpr const char* kTagDense = "dense";
inline constexpr const char* kTagBatchMatmul = "batch_matmul";
inline constexpr const char* kTagConv2d = "conv2d";
inline constexpr const char* kTagDepthwiseConv2d = "depthwise_conv2d";
inline constexpr const char* kTagPool = "pool";
inline constexpr const char* kTagGlobalPool = "global_pool";
inline constexpr const char* kTagSoftmax = "softmax";
inline constexpr const char* kTagReduce = "reduce";
inline constexpr const char* kTagElemwise = "elemwise";
inline constexpr const char* kTagBroadcast = "broadcast";
inline constexpr const char* kTagInjective = "injective";
inline constexpr const char* kTagPad = "pad";

// True for the tags of stages without reductions (elemwise, broadcast, injective, pad): the ones
// that can be inlined into a consumer or fused as an epilogue.
bool is_injective_tag(const std::string& tag);

// ---- dense algebra (ops_nn.cpp) ----

// C[M,N] = A[M,K] · B[K,N]. Tag "dense".
Tensor matmul(const Tensor& a, const Tensor& b, const std::string& name = "matmul");

// Y[M,N] = X[M,K] · W[N,K]ᵀ (+ bias[N]), like ONNX Gemm with transB=1. The GEMM is one "dense"
// stage named `name`; a defined bias adds a second "broadcast" stage `<name>.bias` reading it.
Tensor dense(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
             const std::string& name = "dense");

// C[b,M,N] = A[b,M,K] · B[b,K,N]; a batch dimension of 1 on either side broadcasts. Tag
// "batch_matmul".
Tensor batch_matmul(const Tensor& a, const Tensor& b, const std::string& name = "batch_matmul");

// ---- convolution and pooling (ops_nn.cpp) ----

struct Conv2dParams {
  std::array<int64_t, 2> stride{1, 1};         // (height, width)
  std::array<int64_t, 4> padding{0, 0, 0, 0};  // (top, left, bottom, right)
  std::array<int64_t, 2> dilation{1, 1};       // (height, width)
  int64_t groups = 1;
};

// NCHW convolution: input [N,C,H,W], weight [K, C/groups, R, S] -> [N,K,OH,OW] with
// OH = (H + top + bottom - dh·(R-1) - 1) / sh + 1. Non-zero padding adds a "pad" stage
// `<name>.pad`. Tag "depthwise_conv2d" when groups == C and K is a multiple of C, else "conv2d".
Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dParams& params = {},
              const std::string& name = "conv2d");

struct Pool2dParams {
  std::array<int64_t, 2> kernel{1, 1};
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 4> padding{0, 0, 0, 0};  // (top, left, bottom, right)
  std::array<int64_t, 2> dilation{1, 1};
  // Output size rounds up instead of down, as in PyTorch: a last window is kept only if it starts
  // inside the input or the top/left padding.
  bool ceil_mode = false;
  // avg_pool2d only: divide by the whole window (padding included) or by the in-bounds count.
  bool count_include_pad = true;
};

// NCHW pooling, tag "pool". Max pooling pads with the lowest float; windows that run past the
// bottom/right edge in ceil_mode read padding too (lowest float or, for averages, excluded).
Tensor max_pool2d(const Tensor& input, const Pool2dParams& params,
                  const std::string& name = "max_pool2d");
Tensor avg_pool2d(const Tensor& input, const Pool2dParams& params,
                  const std::string& name = "avg_pool2d");
// [N,C,H,W] -> [N,C,1,1], tag "global_pool"; the average is a sum stage and a divide stage.
Tensor global_avg_pool2d(const Tensor& input, const std::string& name = "global_avg_pool2d");
Tensor global_max_pool2d(const Tensor& input, const std::string& name = "global_max_pool2d");

// ---- elementwise (ops_elementwise.cpp); unary ops are tagged "elemwise" ----

Tensor relu(const Tensor& x, const std::string& name = "relu");
Tensor clip(const Tensor& x, float low, float high, const std::string& name = "clip");
Tensor relu6(const Tensor& x, const std::string& name = "relu6");
Tensor sigmoid(const Tensor& x, const std::string& name = "sigmoid");
Tensor tanh(const Tensor& x, const std::string& name = "tanh");
Tensor exp(const Tensor& x, const std::string& name = "exp");
Tensor log(const Tensor& x, const std::string& name = "log");
Tensor sqrt(const Tensor& x, const std::string& name = "sqrt");
Tensor abs(const Tensor& x, const std::string& name = "abs");
Tensor negative(const Tensor& x, const std::string& name = "negative");
// x · 0.5 · (1 + erf(x / √2)).
Tensor gelu(const Tensor& x, const std::string& name = "gelu");
// x where x > 0, else alpha · x (any slope, as ONNX LeakyRelu).
Tensor leaky_relu(const Tensor& x, float alpha, const std::string& name = "leaky_relu");

// The numpy broadcast of two shapes (aligned at the last dimension; each pair equal or one of them
// 1). `op_name` prefixes the UserError, which names both shapes.
std::vector<int64_t> broadcast_shape(const std::vector<int64_t>& a, const std::vector<int64_t>& b,
                                     const std::string& op_name);

// Binary ops with numpy broadcasting; tag "elemwise" when both shapes are equal, else "broadcast".
Tensor add(const Tensor& a, const Tensor& b, const std::string& name = "add");
Tensor subtract(const Tensor& a, const Tensor& b, const std::string& name = "subtract");
Tensor multiply(const Tensor& a, const Tensor& b, const std::string& name = "multiply");
Tensor divide(const Tensor& a, const Tensor& b, const std::string& name = "divide");
Tensor maximum(const Tensor& a, const Tensor& b, const std::string& name = "maximum");
Tensor minimum(const Tensor& a, const Tensor& b, const std::string& name = "minimum");
Tensor power(const Tensor& a, const Tensor& b, const std::string& name = "power");

// x + b broadcast along `axis` (b has shape [x.shape[axis]]); tag "broadcast". Negative axes count
// from the end.
Tensor bias_add(const Tensor& x, const Tensor& bias, int axis = 1,
                const std::string& name = "bias_add");

// Inference batch norm on axis 1: (x - mean) / sqrt(var + epsilon) · gamma + beta, each parameter
// of shape [C]. One "broadcast" stage.
Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& mean,
                  const Tensor& var, float epsilon = 1e-5f, const std::string& name = "batch_norm");

// ---- reductions (ops_reduce.cpp) ----

// Numerically stable softmax over `axis`: stages `<name>.max` (max reduce), `<name>.expsum`
// (sum of exp(x - max)) and `name` (exp(x - max) / expsum), all tagged "softmax".
Tensor softmax(const Tensor& x, int axis = -1, const std::string& name = "softmax");

// Reductions over `axes` (empty: all axes), tag "reduce". Reducing every axis without keepdims
// gives shape [1]. The mean adds a divide stage `name` after the sum stage `<name>.sum`.
Tensor reduce_sum(const Tensor& x, std::vector<int> axes, bool keepdims = false,
                  const std::string& name = "sum");
Tensor reduce_max(const Tensor& x, std::vector<int> axes, bool keepdims = false,
                  const std::string& name = "max");
Tensor reduce_min(const Tensor& x, std::vector<int> axes, bool keepdims = false,
                  const std::string& name = "min");
Tensor reduce_mean(const Tensor& x, std::vector<int> axes, bool keepdims = false,
                   const std::string& name = "mean");

// ---- layout transforms (ops_transform.cpp); tag "injective" unless said otherwise ----

// Joins tensors along `axis`; all other dimensions must agree.
Tensor concatenate(const std::vector<Tensor>& inputs, int axis,
                   const std::string& name = "concatenate");
// Constant padding, `before[i]` / `after[i]` elements on each side of dimension i; tag "pad".
Tensor pad(const Tensor& x, const std::vector<int64_t>& before, const std::vector<int64_t>& after,
           float value = 0.0f, const std::string& name = "pad");
// Same elements in a new shape; one dimension may be -1 (inferred).
Tensor reshape(const Tensor& x, std::vector<int64_t> new_shape,
               const std::string& name = "reshape");
// [d0..d(axis-1)] x [d(axis)..] -> 2-D, like ONNX Flatten.
Tensor flatten(const Tensor& x, int axis = 1, const std::string& name = "flatten");
// Output dimension i is input dimension perm[i]; an empty perm reverses the dimensions.
Tensor transpose(const Tensor& x, std::vector<int> perm = {},
                 const std::string& name = "transpose");
// [N, C, H, W] -> [N, C·b², H/b, W/b] (ONNX SpaceToDepth, YOLOv2's passthrough layer): output
// channel (bh·b + bw)·C + c holds input channel c at (h·b + bh, w·b + bw). H and W must be
// multiples of b.
Tensor space_to_depth(const Tensor& x, int64_t block, const std::string& name = "space_to_depth");
// [N, C, H, W] -> [N, C/b², H·b, W·b] (ONNX DepthToSpace): output channel c at (h·b + bh, w·b + bw)
// reads input channel (bh·b + bw)·C/b² + c in mode "DCR", c·b² + bh·b + bw in mode "CRD".
Tensor depth_to_space(const Tensor& x, int64_t block, const std::string& mode = "DCR",
                      const std::string& name = "depth_to_space");

// ---- image (ops_image.cpp) ----

// How resize2d maps an output pixel to the input (ONNX Resize, opsets 10-18; TVM's resize2d).
struct ResizeParams {
  std::string mode = "nearest";  // "nearest" or "linear" (bilinear over H and W)
  // "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric" or
  // "tf_half_pixel_for_nearest": the output coordinate x becomes (x + 0.5)/s - 0.5,
  // (the same, or 0 for an output of one pixel), x·(in - 1)/(out - 1), x/s, (x + 0.5)/s.
  std::string coordinate_mode = "half_pixel";
  // Nearest: how that coordinate rounds to a pixel: "round_prefer_floor", "round_prefer_ceil",
  // "floor", "ceil", or "simple" (floor when upsampling, ceil when downsampling: ONNX Upsample and
  // Resize-10).
  std::string nearest_mode = "round_prefer_floor";
  // The scale s of H and W in the coordinate transform; 0 takes output size / input size. Scales
  // are used as exact fractions (within 1e-9 of the value, denominators up to 4096), so the
  // pixel a coordinate lands on does not depend on float rounding.
  std::array<double, 2> scales = {0, 0};
};
// [N, C, H, W] -> [N, C, out_size[0], out_size[1]], tag "injective". Linear clamps the coordinate
// to the image; nearest clamps the pixel.
Tensor resize2d(const Tensor& x, std::array<int64_t, 2> out_size, const ResizeParams& params = {},
                const std::string& name = "resize2d");

}  // namespace tt::ops
