// The built-in model zoo: torchvision's image classifiers (ResNet, MobileNetV2, SqueezeNet, VGG,
// Inception v3, GoogLeNet, DenseNet) rebuilt layer for layer as graphs with seeded random weights,
// plus two tiny models for fast tests. No files or downloads: a model is a name and a seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph/graph.h"

namespace tt::frontend {

struct ModelInfo {
  std::string name;
  std::string description;           // one line
  std::vector<int64_t> input_shape;  // at batch 1, NCHW (or [1, features] for mlp)
  int64_t num_parameters = 0;  // trainable parameters, as torchvision's parameters() counts them
};

// Every model of the zoo, in a fixed order.
std::vector<ModelInfo> list_models();

// Builds the named model with weights drawn from a generator seeded by `seed` (the same seed gives
// bit-identical weights) for inputs of `batch` images. The graph has one input, "input", and one
// output, the logits [batch, classes]. Convolutions followed by batch norm stay two nodes, as in
// the source model; folding them is a graph pass's job. An unknown name is a UserError that lists
// the known ones.
graph::Graph build_model(const std::string& name, uint64_t seed = 0, int64_t batch = 1);

// The number of trainable parameters among a graph's constants: every constant except the running
// mean and variance of batch_norm (buffers, not parameters, in torchvision's count).
int64_t count_parameters(const graph::Graph& graph);

}  // namespace tt::frontend
