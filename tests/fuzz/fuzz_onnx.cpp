// Fuzzes the ONNX importer on serialized ModelProto bytes, then the passes every model goes through
// (simplification, fusion, task extraction and each task lowered to tensor expressions: what
// `tensortune inspect` and `tune` do after import).
#include "src/api/model_tasks.h"
#include "src/frontend/onnx_importer.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tt::fuzz::user_errors_only([&] {
    tt::graph::Graph graph = tt::frontend::import_onnx_bytes(tt::fuzz::as_string(data, size), "fuzz.onnx");
    tt::LoadedModel model = tt::load_and_fuse("fuzz.onnx", graph);
    tt::tune_tasks(model);  // each fused group lowered to tensor expressions
  });
  return 0;
}
