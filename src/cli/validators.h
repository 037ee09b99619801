// CLI11 validators whose messages say what a flag's value must be, in the words of tensortune's
// own errors ("--trials: '-1' is less than 0"), for every numeric flag of every subcommand.
// CLI11's own (NonNegativeNumber, Range) print the double range instead ("Value -1 not in range
// 0.000000 to 1.79769e+308"), and its conversions answer a value past the type with "Could not
// convert"; these check the text before either runs.
#pragma once

#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace tt::cli {

// An integer in [low, high].
inline CLI::Validator integer_in(int64_t low, int64_t high) {
  return CLI::Validator(
      [low, high](std::string& text) -> std::string {
        int64_t v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec == std::errc::result_out_of_range) return fmt::format("'{}' is too large", text);
        if (ec != std::errc() || end != text.data() + text.size() || text.empty())
          return fmt::format("'{}' is not an integer", text);
        if (v < low) return fmt::format("'{}' is less than {}", text, low);
        if (v > high) return fmt::format("'{}' is more than {}", text, high);
        return "";
      },
      fmt::format("INT in [{} - {}]", low, high));
}

// Integers from `low` up to what an int holds (counts: trials, repeats, threads ...).
inline CLI::Validator integer_at_least(int64_t low) { return integer_in(low, INT32_MAX); }

// A seed: any non-negative 64-bit integer.
inline CLI::Validator seed_value() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        uint64_t v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec == std::errc::result_out_of_range) return fmt::format("'{}' is more than 2^64 - 1", text);
        if (ec != std::errc() || end != text.data() + text.size() || text.empty())
          return fmt::format("'{}' is not a non-negative integer", text);
        return "";
      },
      "UINT");
}

// A finite number in [low, high] (strictly above low when `above`).
inline CLI::Validator number_in(double low, double high, bool above = false) {
  return CLI::Validator(
      [low, high, above](std::string& text) -> std::string {
        double v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size() || text.empty() || !std::isfinite(v))
          return fmt::format("'{}' is not a number", text);
        if (above && !(v > low))
          return low == 0 ? fmt::format("'{}' is not positive", text) : fmt::format("'{}' is not more than {}", text, low);
        if (v < low) return fmt::format("'{}' is less than {}", text, low);
        if (v > high) return fmt::format("'{}' is more than {}", text, high);
        return "";
      },
      above ? fmt::format("NUMBER > {}", low) : fmt::format("NUMBER in [{} - {}]", low, high));
}

inline CLI::Validator positive_number(double high = 1e9) { return number_in(0, high, true); }
inline CLI::Validator non_negative_number(double high = 1e9) { return number_in(0, high); }

}  // namespace tt::cli
