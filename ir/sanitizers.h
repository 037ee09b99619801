// Whether this build runs under AddressSanitizer (.ci/sanitize), for the few places that must know:
// the measurement worker cannot cap its address space below the terabytes of shadow memory ASan
// reserves, so under ASan it leaves the cap off (and the tests of the cap skip); the one wall-clock
// bound in the unit tests (the reference interpreter's conv2d) holds only without it.
#pragma once

namespace tt {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

}  // namespace tt
