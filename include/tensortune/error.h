// The two error kinds of tensortune, for programs that embed it as for the library itself: UserError
// for bad input (a model, flag, file, schedule or log line; the message names the input and the
// problem) and InternalError for bugs.
#pragma once

#include <stdexcept>
#include <string>

namespace tensortune {

class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& message) : std::runtime_error(message) {}
};

class InternalError : public std::logic_error {
 public:
  explicit InternalError(const std::string& message) : std::logic_error(message) {}
};

}  // namespace tensortune
