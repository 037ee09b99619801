// Inception v3 and GoogLeNet as torchvision builds them for inference: no auxiliary classifiers, no
// input transform, every convolution a BasicConv2d (convolution without bias, batch norm with
// epsilon 0.001, ReLU). Branch and module names follow torchvision's state dict.
#include <fmt/format.h>

#include "src/frontend/zoo_builder.h"

namespace tt::frontend {

namespace {

constexpr int64_t kClasses = 1000;

// Shorthands for the convolution shapes Inception uses.
ConvSpec conv1x1(int64_t out) { return {.out_channels = out}; }
ConvSpec conv_kxk(int64_t out, int64_t k, int64_t stride = 1, int64_t pad = 0) {
  return {.out_channels = out, .kernel = {k, k}, .stride = stride, .padding = {pad, pad}};
}
ConvSpec conv1x7(int64_t out, int64_t k = 7) {
  return {.out_channels = out, .kernel = {1, k}, .padding = {0, k / 2}};
}
ConvSpec conv7x1(int64_t out, int64_t k = 7) {
  return {.out_channels = out, .kernel = {k, 1}, .padding = {k / 2, 0}};
}

// Inception v3's five block kinds (torchvision's InceptionA..E), all concatenated on channels.
NodeId inception_a(ModelBuilder& b, NodeId x, const std::string& n, int64_t pool_features) {
  NodeId b1 = b.basic_conv(x, n + ".branch1x1", conv1x1(64));
  NodeId b5 = b.basic_conv(x, n + ".branch5x5_1", conv1x1(48));
  b5 = b.basic_conv(b5, n + ".branch5x5_2", conv_kxk(64, 5, 1, 2));
  NodeId b3 = b.basic_conv(x, n + ".branch3x3dbl_1", conv1x1(64));
  b3 = b.basic_conv(b3, n + ".branch3x3dbl_2", conv_kxk(96, 3, 1, 1));
  b3 = b.basic_conv(b3, n + ".branch3x3dbl_3", conv_kxk(96, 3, 1, 1));
  NodeId bp = b.avg_pool(x, n + ".avg_pool", 3, 1, 1);
  bp = b.basic_conv(bp, n + ".branch_pool", conv1x1(pool_features));
  return b.concat({b1, b5, b3, bp}, n + ".cat");
}

NodeId inception_b(ModelBuilder& b, NodeId x, const std::string& n) {
  NodeId b3 = b.basic_conv(x, n + ".branch3x3", conv_kxk(384, 3, 2));
  NodeId bd = b.basic_conv(x, n + ".branch3x3dbl_1", conv1x1(64));
  bd = b.basic_conv(bd, n + ".branch3x3dbl_2", conv_kxk(96, 3, 1, 1));
  bd = b.basic_conv(bd, n + ".branch3x3dbl_3", conv_kxk(96, 3, 2));
  NodeId bp = b.max_pool(x, n + ".max_pool", 3, 2);
  return b.concat({b3, bd, bp}, n + ".cat");
}

NodeId inception_c(ModelBuilder& b, NodeId x, const std::string& n, int64_t c7) {
  NodeId b1 = b.basic_conv(x, n + ".branch1x1", conv1x1(192));
  NodeId b7 = b.basic_conv(x, n + ".branch7x7_1", conv1x1(c7));
  b7 = b.basic_conv(b7, n + ".branch7x7_2", conv1x7(c7));
  b7 = b.basic_conv(b7, n + ".branch7x7_3", conv7x1(192));
  NodeId bd = b.basic_conv(x, n + ".branch7x7dbl_1", conv1x1(c7));
  bd = b.basic_conv(bd, n + ".branch7x7dbl_2", conv7x1(c7));
  bd = b.basic_conv(bd, n + ".branch7x7dbl_3", conv1x7(c7));
  bd = b.basic_conv(bd, n + ".branch7x7dbl_4", conv7x1(c7));
  bd = b.basic_conv(bd, n + ".branch7x7dbl_5", conv1x7(192));
  NodeId bp = b.avg_pool(x, n + ".avg_pool", 3, 1, 1);
  bp = b.basic_conv(bp, n + ".branch_pool", conv1x1(192));
  return b.concat({b1, b7, bd, bp}, n + ".cat");
}

NodeId inception_d(ModelBuilder& b, NodeId x, const std::string& n) {
  NodeId b3 = b.basic_conv(x, n + ".branch3x3_1", conv1x1(192));
  b3 = b.basic_conv(b3, n + ".branch3x3_2", conv_kxk(320, 3, 2));
  NodeId b7 = b.basic_conv(x, n + ".branch7x7x3_1", conv1x1(192));
  b7 = b.basic_conv(b7, n + ".branch7x7x3_2", conv1x7(192));
  b7 = b.basic_conv(b7, n + ".branch7x7x3_3", conv7x1(192));
  b7 = b.basic_conv(b7, n + ".branch7x7x3_4", conv_kxk(192, 3, 2));
  NodeId bp = b.max_pool(x, n + ".max_pool", 3, 2);
  return b.concat({b3, b7, bp}, n + ".cat");
}

NodeId inception_e(ModelBuilder& b, NodeId x, const std::string& n) {
  NodeId b1 = b.basic_conv(x, n + ".branch1x1", conv1x1(320));
  NodeId b3 = b.basic_conv(x, n + ".branch3x3_1", conv1x1(384));
  NodeId b3a = b.basic_conv(b3, n + ".branch3x3_2a", conv1x7(384, 3));
  NodeId b3b = b.basic_conv(b3, n + ".branch3x3_2b", conv7x1(384, 3));
  b3 = b.concat({b3a, b3b}, n + ".branch3x3_cat");
  NodeId bd = b.basic_conv(x, n + ".branch3x3dbl_1", conv1x1(448));
  bd = b.basic_conv(bd, n + ".branch3x3dbl_2", conv_kxk(384, 3, 1, 1));
  NodeId bda = b.basic_conv(bd, n + ".branch3x3dbl_3a", conv1x7(384, 3));
  NodeId bdb = b.basic_conv(bd, n + ".branch3x3dbl_3b", conv7x1(384, 3));
  bd = b.concat({bda, bdb}, n + ".branch3x3dbl_cat");
  NodeId bp = b.avg_pool(x, n + ".avg_pool", 3, 1, 1);
  bp = b.basic_conv(bp, n + ".branch_pool", conv1x1(192));
  return b.concat({b1, b3, bd, bp}, n + ".cat");
}

// GoogLeNet's Inception module. torchvision's "5x5" branch uses a 3x3 convolution (a known
// deviation from the paper that its pretrained weights keep), and so does this one.
NodeId googlenet_inception(ModelBuilder& b, NodeId x, const std::string& n, int64_t ch1x1,
                           int64_t ch3x3red, int64_t ch3x3, int64_t ch5x5red, int64_t ch5x5,
                           int64_t pool_proj) {
  NodeId b1 = b.basic_conv(x, n + ".branch1", conv1x1(ch1x1));
  NodeId b2 = b.basic_conv(x, n + ".branch2.0", conv1x1(ch3x3red));
  b2 = b.basic_conv(b2, n + ".branch2.1", conv_kxk(ch3x3, 3, 1, 1));
  NodeId b3 = b.basic_conv(x, n + ".branch3.0", conv1x1(ch5x5red));
  b3 = b.basic_conv(b3, n + ".branch3.1", conv_kxk(ch5x5, 3, 1, 1));
  NodeId b4 = b.max_pool(x, n + ".branch4.0", 3, 1, 1, /*ceil_mode=*/true);
  b4 = b.basic_conv(b4, n + ".branch4.1", conv1x1(pool_proj));
  return b.concat({b1, b2, b3, b4}, n + ".cat");
}

}  // namespace

graph::Graph build_inception_v3(uint64_t seed, int64_t batch) {
  ModelBuilder b(seed);
  NodeId x = b.input({batch, 3, 299, 299});
  x = b.basic_conv(x, "Conv2d_1a_3x3", conv_kxk(32, 3, 2));
  x = b.basic_conv(x, "Conv2d_2a_3x3", conv_kxk(32, 3));
  x = b.basic_conv(x, "Conv2d_2b_3x3", conv_kxk(64, 3, 1, 1));
  x = b.max_pool(x, "maxpool1", 3, 2);
  x = b.basic_conv(x, "Conv2d_3b_1x1", conv1x1(80));
  x = b.basic_conv(x, "Conv2d_4a_3x3", conv_kxk(192, 3));
  x = b.max_pool(x, "maxpool2", 3, 2);
  x = inception_a(b, x, "Mixed_5b", 32);
  x = inception_a(b, x, "Mixed_5c", 64);
  x = inception_a(b, x, "Mixed_5d", 64);
  x = inception_b(b, x, "Mixed_6a");
  x = inception_c(b, x, "Mixed_6b", 128);
  x = inception_c(b, x, "Mixed_6c", 160);
  x = inception_c(b, x, "Mixed_6d", 160);
  x = inception_c(b, x, "Mixed_6e", 192);
  x = inception_d(b, x, "Mixed_7a");
  x = inception_e(b, x, "Mixed_7b");
  x = inception_e(b, x, "Mixed_7c");
  x = b.flatten(b.global_avg_pool(x, "avgpool"), "flatten");
  return b.finish(b.dense(x, "fc", kClasses, /*linear=*/true));
}

graph::Graph build_googlenet(uint64_t seed, int64_t batch) {
  ModelBuilder b(seed);
  NodeId x = b.input({batch, 3, 224, 224});
  x = b.basic_conv(x, "conv1", conv_kxk(64, 7, 2, 3));
  x = b.max_pool(x, "maxpool1", 3, 2, 0, /*ceil_mode=*/true);
  x = b.basic_conv(x, "conv2", conv1x1(64));
  x = b.basic_conv(x, "conv3", conv_kxk(192, 3, 1, 1));
  x = b.max_pool(x, "maxpool2", 3, 2, 0, true);
  x = googlenet_inception(b, x, "inception3a", 64, 96, 128, 16, 32, 32);
  x = googlenet_inception(b, x, "inception3b", 128, 128, 192, 32, 96, 64);
  x = b.max_pool(x, "maxpool3", 3, 2, 0, true);
  x = googlenet_inception(b, x, "inception4a", 192, 96, 208, 16, 48, 64);
  x = googlenet_inception(b, x, "inception4b", 160, 112, 224, 24, 64, 64);
  x = googlenet_inception(b, x, "inception4c", 128, 128, 256, 24, 64, 64);
  x = googlenet_inception(b, x, "inception4d", 112, 144, 288, 32, 64, 64);
  x = googlenet_inception(b, x, "inception4e", 256, 160, 320, 32, 128, 128);
  x = b.max_pool(x, "maxpool4", 2, 2, 0, true);
  x = googlenet_inception(b, x, "inception5a", 256, 160, 320, 32, 128, 128);
  x = googlenet_inception(b, x, "inception5b", 384, 192, 384, 48, 128, 128);
  x = b.flatten(b.global_avg_pool(x, "avgpool"), "flatten");
  return b.finish(b.dense(x, "fc", kClasses, /*linear=*/true));
}

}  // namespace tt::frontend
