// Fuzzes the .npy reader; whatever it reads must survive the writer and be read back the same.
#include <cstring>

#include "src/runtime/npy.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tt::fuzz::user_errors_only([&] {
    tt::NDArray array = tt::parse_npy(tt::fuzz::as_string(data, size), "fuzz.npy");
    tt::NDArray again = tt::parse_npy(tt::serialize_npy(array), "fuzz.npy (written back)");
    tt::fuzz::require(again.shape() == array.shape() && again.dtype() == array.dtype(),
                      ".npy written back has another shape or dtype");
    tt::fuzz::require(again.bytes() == array.bytes() &&
                          std::memcmp(again.data(), array.data(), array.bytes()) == 0,
                      ".npy written back has other data");
  });
  return 0;
}
