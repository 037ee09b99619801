// Fuzzes the target-string parser (--target, and every record's target); a target it reads must
// print as a string that reads back as the same target.
#include "codegen/target.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tt::fuzz::user_errors_only([&] {
    tt::Target target = tt::Target::parse(tt::fuzz::as_string(data, size));
    std::string text = target.to_string();
    tt::fuzz::require(tt::Target::parse(text).to_string() == text, "a target's string reads back as another target");
  });
  return 0;
}
