// What the files of the schedule state share (state.cpp: the state and the loop steps;
// state_stages.cpp: the steps that add stages): the error every invalid step raises.
#pragma once

#include <utility>

#include "ir/error.h"
#include "ir/schedule/step.h"

namespace tt {

template <typename... Args>
[[noreturn]] inline void step_error(const Step& step, fmt::format_string<Args...> format, Args&&... args) {
  user_error("invalid schedule step {}: {}", to_string(step), fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace tt
