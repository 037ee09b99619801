// Printing and JSON serialization of schedule steps.
#include "ir/schedule/step.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <climits>

#include "ir/error.h"

namespace tt {

namespace {
template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;
}  // namespace

const char* annotation_name(LoopAnnotation a) {
  switch (a) {
    case LoopAnnotation::None: return "none";
    case LoopAnnotation::Parallel: return "parallel";
    case LoopAnnotation::Vectorize: return "vectorize";
    case LoopAnnotation::Unroll: return "unroll";
  }
  return "?";
}

std::string formulation_of(const std::vector<Step>& steps) {
  std::vector<std::string> parts;
  for (const Step& s : steps)
    if (const auto* w = std::get_if<WinogradStep>(&s)) parts.push_back(fmt::format("winograd F({0}x{0},3x3)", w->tile));
  return parts.empty() ? "direct" : fmt::format("{}", fmt::join(parts, ", "));
}

std::string to_string(const Step& step) {
  return std::visit(
      Overloaded{
          [](const SplitStep& s) {
            return fmt::format("split({}, {}, {}{})", s.stage, s.loop, s.factors, s.nparts ? ", nparts" : "");
          },
          [](const FuseStep& s) { return fmt::format("fuse({}, {})", s.stage, s.loops); },
          [](const ReorderStep& s) { return fmt::format("reorder({}, {})", s.stage, s.order); },
          [](const AnnotateStep& s) { return fmt::format("{}({}, {})", annotation_name(s.annotation), s.stage, s.loop); },
          [](const ComputeAtStep& s) { return fmt::format("compute_at({}, {}, {})", s.stage, s.target_stage, s.target_loop); },
          [](const ComputeInlineStep& s) { return fmt::format("compute_inline({})", s.stage); },
          [](const ComputeRootStep& s) { return fmt::format("compute_root({})", s.stage); },
          [](const CacheWriteStep& s) { return fmt::format("cache_write({})", s.stage); },
          [](const CacheReadStep& s) { return fmt::format("cache_read({}, {})", s.tensor, s.reader); },
          [](const RfactorStep& s) { return fmt::format("rfactor({}, {})", s.stage, s.loop); },
          [](const PragmaStep& s) { return fmt::format("pragma({}, {}, {}={})", s.stage, s.loop, s.name, s.value); },
          [](const FollowSplitStep& s) {
            return fmt::format("follow_split({}, {}, step {}, n_split={})", s.stage, s.loop, s.src_step, s.n_split);
          },
          [](const FollowFusedSplitStep& s) {
            return fmt::format("follow_fused_split({}, {}, steps {}, level={}{})", s.stage, s.loop, s.src_steps, s.level,
                               s.factor_or_nparts ? "" : ", nparts");
          },
          [](const LayoutRewriteStep& s) {
            std::vector<std::string> order;
            for (auto [d, k] : s.order) order.push_back(fmt::format("{}.{}", d, k));
            return fmt::format("layout_rewrite({}, {}, [{}])", s.tensor, s.factors, fmt::join(order, ", "));
          },
          [](const WinogradStep& s) { return fmt::format("winograd({}, tile={})", s.stage, s.tile); },
      },
      step);
}

nlohmann::json to_json(const Step& step) {
  using nlohmann::json;
  return std::visit(
      Overloaded{
          [](const SplitStep& s) { return json::array({"split", s.stage, s.loop, s.factors, s.nparts}); },
          [](const FuseStep& s) { return json::array({"fuse", s.stage, s.loops}); },
          [](const ReorderStep& s) { return json::array({"reorder", s.stage, s.order}); },
          [](const AnnotateStep& s) { return json::array({annotation_name(s.annotation), s.stage, s.loop}); },
          [](const ComputeAtStep& s) { return json::array({"compute_at", s.stage, s.target_stage, s.target_loop}); },
          [](const ComputeInlineStep& s) { return json::array({"compute_inline", s.stage}); },
          [](const ComputeRootStep& s) { return json::array({"compute_root", s.stage}); },
          [](const CacheWriteStep& s) { return json::array({"cache_write", s.stage}); },
          [](const CacheReadStep& s) { return json::array({"cache_read", s.tensor, s.reader}); },
          [](const RfactorStep& s) { return json::array({"rfactor", s.stage, s.loop}); },
          [](const PragmaStep& s) { return json::array({"pragma", s.stage, s.loop, s.name, s.value}); },
          [](const FollowSplitStep& s) { return json::array({"follow_split", s.stage, s.loop, s.src_step, s.n_split}); },
          [](const FollowFusedSplitStep& s) {
            return json::array({"follow_fused_split", s.stage, s.loop, s.src_steps, s.level, s.factor_or_nparts});
          },
          [](const LayoutRewriteStep& s) {
            json order = json::array();
            for (auto [d, k] : s.order) order.push_back(json::array({d, k}));
            return json::array({"layout_rewrite", s.tensor, s.factors, order});
          },
          [](const WinogradStep& s) { return json::array({"winograd", s.stage, s.tile}); },
      },
      step);
}

Step step_from_json(const nlohmann::json& j) {
  auto fail = [&](const char* why) -> Step { user_error("malformed schedule step {}: {}", j.dump(), why); };
  if (!j.is_array() || j.empty() || !j[0].is_string()) return fail("expected [\"kind\", ...]");
  const std::string kind = j[0].get<std::string>();
  auto str = [&](size_t i) {
    if (i >= j.size() || !j[i].is_string()) fail("expected a string field");
    return j[i].get<std::string>();
  };
  auto strings = [&](size_t i) {
    if (i >= j.size() || !j[i].is_array()) fail("expected a list of loop names");
    std::vector<std::string> out;
    for (const auto& e : j[i]) {
      if (!e.is_string()) fail("expected a list of loop names");
      out.push_back(e.get<std::string>());
    }
    return out;
  };
  auto expect_size = [&](size_t n) {
    if (j.size() != n) fail("wrong number of fields");
  };
  if (kind == "split") {
    expect_size(5);
    SplitStep s{str(1), str(2), {}, false};
    if (!j[3].is_array() || !j[4].is_boolean()) return fail("expected [\"split\", stage, loop, [factors], nparts]");
    for (const auto& f : j[3]) {
      if (!f.is_number_integer()) return fail("split factors must be integers");
      s.factors.push_back(f.get<int64_t>());
    }
    s.nparts = j[4].get<bool>();
    return s;
  }
  if (kind == "fuse") return expect_size(3), FuseStep{str(1), strings(2)};
  if (kind == "reorder") return expect_size(3), ReorderStep{str(1), strings(2)};
  // "none" clears an annotation (a search may undo one).
  for (LoopAnnotation a : {LoopAnnotation::None, LoopAnnotation::Parallel, LoopAnnotation::Vectorize, LoopAnnotation::Unroll}) {
    if (kind == annotation_name(a)) return expect_size(3), AnnotateStep{str(1), str(2), a};
  }
  if (kind == "compute_at") return expect_size(4), ComputeAtStep{str(1), str(2), str(3)};
  if (kind == "compute_inline") return expect_size(2), ComputeInlineStep{str(1)};
  if (kind == "compute_root") return expect_size(2), ComputeRootStep{str(1)};
  if (kind == "cache_write") return expect_size(2), CacheWriteStep{str(1)};
  if (kind == "cache_read") return expect_size(3), CacheReadStep{str(1), str(2)};
  if (kind == "rfactor") return expect_size(3), RfactorStep{str(1), str(2)};
  if (kind == "pragma") {
    expect_size(5);
    if (!j[4].is_number_integer()) return fail("pragma value must be an integer");
    return PragmaStep{str(1), str(2), str(3), j[4].get<int64_t>()};
  }
  auto integer = [&](size_t i) {
    if (i >= j.size() || !j[i].is_number_integer()) fail("expected an integer field");
    int64_t v = j[i].get<int64_t>();
    if (v < INT32_MIN || v > INT32_MAX) fail("integer field out of range");
    return int(v);
  };
  if (kind == "follow_split") return expect_size(5), FollowSplitStep{str(1), str(2), integer(3), integer(4)};
  if (kind == "follow_fused_split") {
    expect_size(6);
    if (!j[3].is_array()) return fail("expected a list of source step indices");
    FollowFusedSplitStep s{str(1), str(2), {}, integer(4), true};
    for (const auto& e : j[3]) {
      if (!e.is_number_integer() || e.get<int64_t>() < 0 || e.get<int64_t>() > INT32_MAX)
        return fail("source step indices must be non-negative integers");
      s.src_steps.push_back(int(e.get<int64_t>()));
    }
    if (!j[5].is_boolean()) return fail("factor_or_nparts must be a boolean");
    s.factor_or_nparts = j[5].get<bool>();
    return s;
  }
  if (kind == "layout_rewrite") {
    expect_size(4);
    LayoutRewriteStep s{str(1), {}, {}};
    if (!j[2].is_array() || !j[3].is_array())
      return fail("expected [\"layout_rewrite\", tensor, [[factors] per dimension], [[dim, sub], ...]]");
    for (const auto& dim : j[2]) {
      if (!dim.is_array()) return fail("layout factors must be one list per dimension");
      std::vector<int64_t> factors;
      for (const auto& f : dim) {
        if (!f.is_number_integer()) return fail("layout factors must be integers");
        factors.push_back(f.get<int64_t>());
      }
      s.factors.push_back(std::move(factors));
    }
    for (const auto& e : j[3]) {
      if (!e.is_array() || e.size() != 2 || !e[0].is_number_integer() || !e[1].is_number_integer() ||
          e[0].get<int64_t>() < 0 || e[0].get<int64_t>() > INT32_MAX || e[1].get<int64_t>() < 0 ||
          e[1].get<int64_t>() > INT32_MAX)
        return fail("layout order entries must be [dimension, sub-dimension] pairs of non-negative integers");
      s.order.emplace_back(int(e[0].get<int64_t>()), int(e[1].get<int64_t>()));
    }
    return s;
  }
  if (kind == "winograd") {
    expect_size(3);
    if (!j[2].is_number_integer()) return fail("expected [\"winograd\", stage, tile]");
    return WinogradStep{str(1), j[2].get<int64_t>()};
  }
  return fail("unknown step kind");
}

nlohmann::json steps_to_json(const std::vector<Step>& steps) {
  nlohmann::json list = nlohmann::json::array();
  for (const Step& s : steps) list.push_back(to_json(s));
  return nlohmann::json{{"v", kStepsFormatVersion}, {"steps", std::move(list)}};
}

std::vector<Step> steps_from_json(const nlohmann::json& j) {
  const nlohmann::json* list = &j;  // version 1: the bare array
  if (j.is_object()) {
    auto v = j.find("v");
    if (v == j.end() || !v->is_number_integer())
      user_error("malformed schedule: expected {{\"v\": version, \"steps\": [...]}}, got {}", j.dump());
    if (v->get<int64_t>() != kStepsFormatVersion)
      user_error("schedule format version {} is not supported (this build reads versions 1 and {})", v->dump(),
                 kStepsFormatVersion);
    auto s = j.find("steps");
    if (s == j.end()) user_error("malformed schedule: version {} without \"steps\": {}", v->dump(), j.dump());
    list = &*s;
  }
  if (!list->is_array()) user_error("malformed schedule: expected a list of steps, got {}", list->dump());
  std::vector<Step> steps;
  for (const auto& s : *list) steps.push_back(step_from_json(s));
  return steps;
}

}  // namespace tt
