// Model resolution for the command line: a file is imported, a name is built from the zoo.
#include "src/frontend/load_model.h"

#include <filesystem>

#include "ir/error.h"
#include "src/frontend/model_zoo.h"
#include "src/frontend/onnx_importer.h"

namespace tt::frontend {

graph::Graph load_model(const std::string& spec, uint64_t seed) {
  if (std::filesystem::exists(spec) || spec.ends_with(".onnx")) return import_onnx(spec);
  for (const ModelInfo& m : list_models())
    if (m.name == spec) return build_model(spec, seed);
  std::string known;
  for (const ModelInfo& m : list_models()) known += (known.empty() ? "" : ", ") + m.name;
  user_error("unknown model '{}': not a file and not a built-in model ({})", spec, known);
}

}  // namespace tt::frontend
