// The ONNX frontend: reads a model file (opsets 7 to 17 of the default domain) into the graph IR,
// keeping initializers as constants and naming every node after the ONNX node. Only the
// static-shape, inference-time subset of ONNX that vision models use is supported; anything else is
// a UserError that names the file, the node and the problem.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ir/graph/graph.h"

namespace tt::frontend {

// Shapes that replace the ones a model declares for its inputs, by input name; needed for models
// exported with a dynamic dimension (a `batch` dim_param). Each must keep the declared rank.
using InputShapes = std::map<std::string, std::vector<int64_t>>;

// The opsets of the default ONNX domain whose semantics the importer implements.
constexpr int64_t kMinOnnxOpset = 7;
constexpr int64_t kMaxOnnxOpset = 17;

// Imports the model at `path`. Every failure (unreadable file, not a protobuf, bad opset,
// unsupported operator, dynamic shape) is a UserError whose message starts with `path`.
graph::Graph import_onnx(const std::string& path, const InputShapes& input_shapes = {});

// The same from a serialized ModelProto held in memory; `source` names it in messages.
graph::Graph import_onnx_bytes(const std::string& bytes, const std::string& source,
                               const InputShapes& input_shapes = {});

// The ONNX operator types the importer converts, sorted.
std::vector<std::string> supported_onnx_ops();

}  // namespace tt::frontend
