// Fuzzes schedule steps as a record holds them (JSON), applied to the operator `tune op matmul
// --m 64 --n 64 --k 64` tunes (so the tuner's own records are the seeds) and lowered to loop IR:
// a step list either schedules and lowers, or is refused with a UserError naming the step. What
// applies must also survive its JSON form: replayed from steps_to_json it gives the same state.
#include "ir/lower/lower.h"
#include "ir/schedule/state.h"
#include "ir/schedule/step.h"
#include "src/cli/op_catalog.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

const std::vector<tt::Tensor>& matmul_outputs() {
  static const std::vector<tt::Tensor> outputs = [] {
    const tt::cli::OpSpec* spec = tt::cli::find_op("matmul");
    std::map<std::string, std::string> text;
    for (const tt::cli::FlagSpec& flag : spec->flags) text[flag.name] = flag.default_value;
    text["m"] = text["n"] = text["k"] = "64";
    return spec->build(tt::cli::OpArgs(&spec->flags, text, {})).outputs;
  }();
  return outputs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json j = nlohmann::json::parse(tt::fuzz::as_string(data, size), nullptr, false);
  if (j.is_discarded()) return 0;
  tt::fuzz::user_errors_only([&] {
    std::vector<tt::Step> steps = tt::steps_from_json(j);
    tt::ScheduleState state(matmul_outputs());
    state.apply(steps);
    tt::lower(state, "fuzz");
    tt::ScheduleState replayed(matmul_outputs());
    replayed.apply(tt::steps_from_json(nlohmann::json::parse(tt::steps_to_json(state.steps()).dump())));
    tt::fuzz::require(replayed.to_string() == state.to_string(), "steps replayed from their JSON give another state");
  });
  return 0;
}
