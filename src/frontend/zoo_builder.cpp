// The model zoo's layer helpers: each adds the weights of one torchvision module as constants
// (drawn in build order from the builder's generator, so a seed fixes every value) and the call
// that uses them.
#include "src/frontend/zoo_builder.h"

#include <cmath>

#include "ir/error.h"

namespace tt::frontend {

namespace {
// Batch-norm statistics and affine terms: near the identity, but not exactly, so that folding them
// into the convolution is visible in the numbers.
constexpr float kGammaLow = 0.5f, kGammaHigh = 1.5f;
constexpr float kBetaBound = 0.1f;
constexpr float kMeanBound = 0.1f;
constexpr float kVarLow = 0.5f, kVarHigh = 1.5f;

// He (Kaiming) uniform for a layer feeding a ReLU, LeCun uniform for a linear one: both keep the
// second moment of the activations roughly constant through the depth.
float weight_bound(int64_t fan_in, bool linear) {
  return std::sqrt((linear ? 3.0f : 6.0f) / float(fan_in));
}
// torchvision's default bias initialisation.
float bias_bound(int64_t fan_in) { return 1.0f / std::sqrt(float(fan_in)); }

// Uniform floats in [low, high), two 24-bit fractions per 64-bit draw: three times faster than
// std::uniform_real_distribution (VGG-16 draws 138M weights) and, unlike it, the same values under
// every standard library.
void draw_uniform(NDArray& array, std::mt19937_64& rng, float low, float high) {
  constexpr float kScale = 1.0f / float(1 << 24);
  float* p = array.as<float>();
  float width = high - low;
  int64_t n = array.num_elements();
  for (int64_t i = 0; i < n; i += 2) {
    uint64_t bits = rng();
    p[i] = low + width * (float(bits >> 40) * kScale);
    if (i + 1 < n) p[i + 1] = low + width * (float((bits >> 8) & 0xFFFFFF) * kScale);
  }
}
}  // namespace

NodeId ModelBuilder::uniform_constant(const std::string& name, std::vector<int64_t> shape,
                                      float low, float high) {
  NDArray value(std::move(shape), DType::float32());
  draw_uniform(value, rng_, low, high);
  return graph_.add_constant(name, std::move(value));
}

NodeId ModelBuilder::input(std::vector<int64_t> shape) {
  return graph_.add_input("input", graph::TensorType{std::move(shape), DType::float32()});
}

ModelBuilder::ConvWeights ModelBuilder::conv_weights(const std::string& name, int64_t in_channels,
                                                     const ConvSpec& spec) {
  TT_ASSERT(spec.groups > 0 && in_channels % spec.groups == 0,
            "conv '{}': {} channels in {} groups", name, in_channels, spec.groups);
  int64_t fan_in = in_channels / spec.groups * spec.kernel[0] * spec.kernel[1];
  float bound = weight_bound(fan_in, spec.linear);
  ConvWeights w;
  w.weight = uniform_constant(name + ".weight",
                              {spec.out_channels, in_channels / spec.groups, spec.kernel[0], spec.kernel[1]},
                              -bound, bound);
  if (spec.bias)
    w.bias = uniform_constant(name + ".bias", {spec.out_channels}, -bias_bound(fan_in), bias_bound(fan_in));
  return w;
}

NodeId ModelBuilder::conv2d(NodeId x, const std::string& name, const ConvSpec& spec) {
  return conv2d(x, name, spec, conv_weights(name, channels(x), spec));
}

NodeId ModelBuilder::conv2d(NodeId x, const std::string& name, const ConvSpec& spec, const ConvWeights& weights) {
  std::vector<NodeId> inputs = {x, weights.weight};
  if (weights.bias >= 0) inputs.push_back(weights.bias);
  graph::Attrs attrs = {
      {"strides", std::vector<int64_t>{spec.stride, spec.stride}},
      {"padding",
       std::vector<int64_t>{spec.padding[0], spec.padding[1], spec.padding[0], spec.padding[1]}},
      {"dilation", std::vector<int64_t>{1, 1}},
      {"groups", spec.groups},
  };
  return graph_.add_call("conv2d", std::move(inputs), std::move(attrs), name);
}

NodeId ModelBuilder::batch_norm(NodeId x, const std::string& name, double epsilon) {
  int64_t c = channels(x);
  NodeId gamma = uniform_constant(name + ".weight", {c}, kGammaLow, kGammaHigh);
  NodeId beta = uniform_constant(name + ".bias", {c}, -kBetaBound, kBetaBound);
  NodeId mean = uniform_constant(name + ".running_mean", {c}, -kMeanBound, kMeanBound);
  NodeId var = uniform_constant(name + ".running_var", {c}, kVarLow, kVarHigh);
  return graph_.add_call("batch_norm", {x, gamma, beta, mean, var}, {{"epsilon", epsilon}}, name);
}

NodeId ModelBuilder::dense(NodeId x, const std::string& name, int64_t out_features, bool linear) {
  int64_t fan_in = shape(x).back();
  float bound = weight_bound(fan_in, linear);
  NodeId weight = uniform_constant(name + ".weight", {out_features, fan_in}, -bound, bound);
  NodeId bias =
      uniform_constant(name + ".bias", {out_features}, -bias_bound(fan_in), bias_bound(fan_in));
  return graph_.add_call("dense", {x, weight, bias}, {}, name);
}

NodeId ModelBuilder::relu(NodeId x, const std::string& name) {
  return graph_.add_call("relu", {x}, {}, name);
}

NodeId ModelBuilder::relu6(NodeId x, const std::string& name) {
  return graph_.add_call("clip", {x}, {{"min", 0.0}, {"max", 6.0}}, name);
}

NodeId ModelBuilder::leaky_relu(NodeId x, const std::string& name, double alpha) {
  return graph_.add_call("leaky_relu", {x}, {{"alpha", alpha}}, name);
}

NodeId ModelBuilder::space_to_depth(NodeId x, const std::string& name, int64_t block) {
  return graph_.add_call("space_to_depth", {x}, {{"block_size", block}}, name);
}

NodeId ModelBuilder::upsample_nearest(NodeId x, const std::string& name, std::array<int64_t, 2> size) {
  return graph_.add_call("resize2d", {x},
                         {{"size", std::vector<int64_t>{size[0], size[1]}},
                          {"mode", std::string("nearest")},
                          {"coordinate_mode", std::string("asymmetric")},
                          {"nearest_mode", std::string("floor")}},
                         name);
}

NodeId ModelBuilder::reshape(NodeId x, const std::string& name, std::vector<int64_t> shape) {
  return graph_.add_call("reshape", {x}, {{"newshape", std::move(shape)}}, name);
}

NodeId ModelBuilder::transpose(NodeId x, const std::string& name, std::vector<int64_t> perm) {
  return graph_.add_call("transpose", {x}, {{"perm", std::move(perm)}}, name);
}

NodeId ModelBuilder::max_pool(NodeId x, const std::string& name, int64_t kernel, int64_t stride,
                              int64_t padding, bool ceil_mode) {
  graph::Attrs attrs = {
      {"kernel", std::vector<int64_t>{kernel, kernel}},
      {"strides", std::vector<int64_t>{stride, stride}},
      {"padding", std::vector<int64_t>{padding, padding, padding, padding}},
      {"ceil_mode", int64_t(ceil_mode)},
  };
  return graph_.add_call("max_pool2d", {x}, std::move(attrs), name);
}

NodeId ModelBuilder::avg_pool(NodeId x, const std::string& name, int64_t kernel, int64_t stride,
                              int64_t padding) {
  graph::Attrs attrs = {
      {"kernel", std::vector<int64_t>{kernel, kernel}},
      {"strides", std::vector<int64_t>{stride, stride}},
      {"padding", std::vector<int64_t>{padding, padding, padding, padding}},
      {"ceil_mode", int64_t(0)},
      {"count_include_pad", int64_t(1)},
  };
  return graph_.add_call("avg_pool2d", {x}, std::move(attrs), name);
}

NodeId ModelBuilder::global_avg_pool(NodeId x, const std::string& name) {
  return graph_.add_call("global_avg_pool2d", {x}, {}, name);
}

NodeId ModelBuilder::flatten(NodeId x, const std::string& name) {
  return graph_.add_call("flatten", {x}, {{"axis", int64_t(1)}}, name);
}

NodeId ModelBuilder::add(NodeId a, NodeId b, const std::string& name) {
  return graph_.add_call("add", {a, b}, {}, name);
}

NodeId ModelBuilder::concat(const std::vector<NodeId>& xs, const std::string& name, int64_t axis) {
  return graph_.add_call("concatenate", xs, {{"axis", axis}}, name);
}

NodeId ModelBuilder::basic_conv(NodeId x, const std::string& name, ConvSpec spec, double epsilon) {
  spec.bias = false;
  x = conv2d(x, name + ".conv", spec);
  x = batch_norm(x, name + ".bn", epsilon);
  return relu(x, name + ".relu");
}

NodeId ModelBuilder::conv_norm_act(NodeId x, const std::string& name, ConvSpec spec,
                                   bool use_relu6) {
  spec.bias = false;
  x = conv2d(x, name + ".0", spec);
  x = batch_norm(x, name + ".1");
  return use_relu6 ? relu6(x, name + ".2") : relu(x, name + ".2");
}

graph::Graph ModelBuilder::finish(NodeId output) {
  graph_.set_outputs({output});
  return std::move(graph_);
}

graph::Graph ModelBuilder::finish(std::vector<NodeId> outputs, std::vector<std::string> names) {
  graph_.set_outputs(std::move(outputs), std::move(names));
  return std::move(graph_);
}

}  // namespace tt::frontend
