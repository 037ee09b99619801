// Resolving what a user names on the command line to a graph: a path to an .onnx file, or the name
// of a built-in zoo model.
#pragma once

#include <string>

#include "ir/graph/graph.h"

namespace tt::frontend {

// An existing file (or any name ending in .onnx) is imported as ONNX; anything else must be a zoo
// model name. UserError naming the argument otherwise.
graph::Graph load_model(const std::string& spec, uint64_t seed = 0);

}  // namespace tt::frontend
