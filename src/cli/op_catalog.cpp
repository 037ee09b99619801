// The operator table of `tensortune op` and strict flag parsing. Each entry turns flag text into a
// call of a registered graph operator; the registry lowers it as it lowers a model's node, and the
// operators themselves (ir/te/ops.h) check shapes and attributes.
#include "src/cli/op_catalog.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <tuple>

#include "ir/error.h"
#include "ir/graph/op_registry.h"

namespace tt::cli {
namespace {

constexpr int64_t kAnyInt = std::numeric_limits<int64_t>::min();

// Parses all of `text` as one integer; no sign other than a leading '-', nothing left over.
bool parse_int(std::string_view text, int64_t& value) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

// ---- flag shorthands for the table ----

FlagSpec dim(const std::string& name, int64_t value, const std::string& help) {
  return {name, FlagKind::Int, std::to_string(value), help, 1};
}
FlagSpec int_flag(const std::string& name, int64_t value, const std::string& help,
                  int64_t min_value = kAnyInt) {
  return {name, FlagKind::Int, std::to_string(value), help, min_value};
}
FlagSpec float_flag(const std::string& name, const std::string& value, const std::string& help) {
  return {name, FlagKind::Float, value, help};
}
FlagSpec switch_flag(const std::string& name, const std::string& help) {
  return {name, FlagKind::Bool, "", help};
}
FlagSpec list_flag(const std::string& name, const std::string& value, const std::string& help,
                   int64_t min_value = 1) {
  return {name, FlagKind::IntList, value, help, min_value};
}
FlagSpec shape_flag(const std::string& name = "shape", const std::string& value = "1,64,56,56") {
  return list_flag(name, value, "input shape, comma-separated");
}

// Window attributes: one value for both spatial dimensions or (height, width); padding also as
// (top, left, bottom, right).
std::array<int64_t, 2> hw_pair(const OpArgs& args, const std::string& flag) {
  std::vector<int64_t> v = args.get_list(flag);
  if (v.size() == 1) return {v[0], v[0]};
  if (v.size() == 2) return {v[0], v[1]};
  user_error("--{}: expected one value or two (height,width), got '{}'", flag, args.text(flag));
}
std::array<int64_t, 4> padding(const OpArgs& args, const std::string& flag) {
  std::vector<int64_t> v = args.get_list(flag);
  if (v.size() == 1) return {v[0], v[0], v[0], v[0]};
  if (v.size() == 2) return {v[0], v[1], v[0], v[1]};
  if (v.size() == 4) return {v[0], v[1], v[2], v[3]};
  user_error("--{}: expected 1, 2 (height,width) or 4 (top,left,bottom,right) values, got '{}'",
             flag, args.text(flag));
}
std::vector<FlagSpec> window_flags(int64_t stride, int64_t pad) {
  return {list_flag("stride", std::to_string(stride), "stride: one value, or height,width"),
          list_flag("pad", std::to_string(pad),
                    "zero padding: one value, height,width or top,left,bottom,right", 0)};
}

using Input = OpCall::Input;

Input nchw_input(const OpArgs& a) {
  return {"input", {a.get_int("n"), a.get_int("c"), a.get_int("h"), a.get_int("w")}};
}
std::vector<int64_t> pair_list(const std::array<int64_t, 2>& v) { return {v[0], v[1]}; }
std::vector<int64_t> quad_list(const std::array<int64_t, 4>& v) { return {v[0], v[1], v[2], v[3]}; }

const std::vector<FlagSpec> kNchwFlags = {dim("n", 1, "batch"), dim("c", 64, "input channels"),
                                          dim("h", 56, "input height"),
                                          dim("w", 56, "input width")};

std::vector<FlagSpec> concat(std::vector<FlagSpec> a, const std::vector<FlagSpec>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// An entry whose command name is the operator's.
OpSpec entry(const std::string& op, const std::string& description, std::vector<FlagSpec> flags,
             std::function<OpCall(const OpArgs&)> call) {
  return {op, op, description, std::move(flags), std::move(call)};
}

// ---- the table, by family ----

void add_dense_algebra(std::vector<OpSpec>& ops) {
  ops.push_back(entry("matmul", "C[m,n] = A[m,k] * B[k,n]",
                      {dim("m", 256, "rows of A and C"), dim("n", 256, "columns of B and C"),
                       dim("k", 256, "reduction length")},
                      [](const OpArgs& a) {
                        return OpCall{{{"A", {a.get_int("m"), a.get_int("k")}},
                                       {"B", {a.get_int("k"), a.get_int("n")}}},
                                      {}};
                      }));
  ops.push_back(entry("dense", "Y[m,n] = X[m,k] * W[n,k]^T (+ bias[n]), a fully connected layer",
                      {dim("m", 16, "batch rows"), dim("n", 1000, "output features"),
                       dim("k", 512, "input features"), switch_flag("bias", "add a bias vector")},
                      [](const OpArgs& a) {
                        OpCall c{{{"X", {a.get_int("m"), a.get_int("k")}},
                                  {"W", {a.get_int("n"), a.get_int("k")}, true}},
                                 {}};
                        if (a.get_bool("bias")) c.inputs.push_back({"bias", {a.get_int("n")}, true});
                        return c;
                      }));
  ops.push_back(entry("batch_matmul", "C[b,m,n] = A[b,m,k] * B[b,k,n]",
                      {dim("batch", 8, "batch size"), dim("m", 128, "rows of A and C"),
                       dim("n", 128, "columns of B and C"), dim("k", 128, "reduction length")},
                      [](const OpArgs& a) {
                        int64_t b = a.get_int("batch");
                        return OpCall{{{"A", {b, a.get_int("m"), a.get_int("k")}},
                                       {"B", {b, a.get_int("k"), a.get_int("n")}}},
                                      {}};
                      }));
}

void add_convolutions(std::vector<OpSpec>& ops) {
  ops.push_back(entry(
      "conv2d", "2-D convolution, NCHW input and KCRS weight",
      concat(concat(kNchwFlags, {dim("k", 64, "output channels"), dim("r", 3, "kernel height"),
                                 dim("s", 3, "kernel width")}),
             concat(window_flags(1, 1),
                    {list_flag("dilation", "1", "dilation: one value, or height,width"),
                     dim("groups", 1, "channel groups")})),
      [](const OpArgs& a) {
        int64_t c = a.get_int("c"), groups = a.get_int("groups");
        if (c % groups != 0) user_error("conv2d: --groups {} does not divide --c {}", groups, c);
        return OpCall{{nchw_input(a), {"weight", {a.get_int("k"), c / groups, a.get_int("r"), a.get_int("s")}, true}},
                      {{"strides", pair_list(hw_pair(a, "stride"))},
                       {"padding", quad_list(padding(a, "pad"))},
                       {"dilation", pair_list(hw_pair(a, "dilation"))},
                       {"groups", groups}}};
      }));
  ops.push_back(
      {"depthwise_conv2d", "conv2d", "depthwise 2-D convolution (conv2d with groups = channels)",
       concat(concat({dim("n", 1, "batch"), dim("c", 32, "channels"), dim("h", 112, "input height"),
                      dim("w", 112, "input width"),
                      dim("multiplier", 1, "output channels per input channel"),
                      dim("r", 3, "kernel height"), dim("s", 3, "kernel width")},
                     window_flags(1, 1)),
              {list_flag("dilation", "1", "dilation: one value, or height,width")}),
       [](const OpArgs& a) {
         int64_t c = a.get_int("c");
         return OpCall{{nchw_input(a), {"weight", {c * a.get_int("multiplier"), 1, a.get_int("r"), a.get_int("s")}, true}},
                       {{"strides", pair_list(hw_pair(a, "stride"))},
                        {"padding", quad_list(padding(a, "pad"))},
                        {"dilation", pair_list(hw_pair(a, "dilation"))},
                        {"groups", c}}};
       }});
}

void add_pooling(std::vector<OpSpec>& ops) {
  std::vector<FlagSpec> pool_flags =
      concat({dim("n", 1, "batch"), dim("c", 64, "channels"), dim("h", 112, "input height"),
              dim("w", 112, "input width"),
              list_flag("kernel", "3", "window: one value, or height,width")},
             concat(window_flags(2, 1),
                    {switch_flag("ceil-mode", "round the output size up, as in PyTorch")}));
  auto call = [](const OpArgs& a, bool count_include_pad) {
    return OpCall{{nchw_input(a)},
                  {{"kernel", pair_list(hw_pair(a, "kernel"))},
                   {"strides", pair_list(hw_pair(a, "stride"))},
                   {"padding", quad_list(padding(a, "pad"))},
                   {"ceil_mode", int64_t(a.get_bool("ceil-mode"))},
                   {"count_include_pad", int64_t(count_include_pad)}}};
  };
  ops.push_back(entry("max_pool2d", "2-D max pooling over NCHW windows", pool_flags,
                      [call](const OpArgs& a) { return call(a, false); }));
  ops.push_back(entry("avg_pool2d", "2-D average pooling over NCHW windows",
                      concat(pool_flags, {switch_flag("count-include-pad",
                                                      "divide by the whole window, padding included "
                                                      "(default: by the in-bounds count, as ONNX)")}),
                      [call](const OpArgs& a) { return call(a, a.get_bool("count-include-pad")); }));
  std::vector<FlagSpec> global_flags = {dim("n", 1, "batch"), dim("c", 512, "channels"),
                                        dim("h", 7, "input height"), dim("w", 7, "input width")};
  for (const char* op : {"global_avg_pool2d", "global_max_pool2d"})
    ops.push_back(entry(op,
                        std::string(op[7] == 'a' ? "mean" : "max") + " over H and W: [N,C,H,W] -> [N,C,1,1]",
                        global_flags, [](const OpArgs& a) { return OpCall{{nchw_input(a)}, {}}; }));
}

void add_elementwise(std::vector<OpSpec>& ops) {
  struct UnaryEntry {
    const char* name;
    const char* description;
    float low = -1, high = 1;  // input range: log and sqrt are defined on positive inputs
  };
  const UnaryEntry unary[] = {
      {"relu", "max(x, 0)"},
      {"relu6", "min(max(x, 0), 6)"},
      {"sigmoid", "1 / (1 + exp(-x))"},
      {"tanh", "hyperbolic tangent"},
      {"exp", "e^x"},
      {"log", "natural logarithm (inputs drawn from [0.1, 2))", 0.1f, 2.0f},
      {"sqrt", "square root (inputs drawn from [0.1, 2))", 0.1f, 2.0f},
      {"abs", "|x|"},
      {"negative", "-x"},
      {"gelu", "x * 0.5 * (1 + erf(x / sqrt(2)))"},
  };
  for (const UnaryEntry& e : unary) {
    ops.push_back(entry(e.name, e.description, {shape_flag()}, [e](const OpArgs& a) {
      return OpCall{{{"x", a.get_list("shape"), false, {e.low, e.high}}}, {}};
    }));
  }
  ops.push_back(entry("clip", "min(max(x, min), max)",
                      {shape_flag(), float_flag("min", "0", "lower bound"), float_flag("max", "6", "upper bound")},
                      [](const OpArgs& a) {
                        return OpCall{{{"x", a.get_list("shape")}},
                                      {{"min", a.get_float("min")}, {"max", a.get_float("max")}}};
                      }));

  struct BinaryEntry {
    const char* name;
    const char* description;
    // Input ranges that keep the result finite and well-conditioned: a divisor away from zero, a
    // positive base for power.
    std::pair<float, float> a_range{-1, 1}, b_range{-1, 1};
  };
  const BinaryEntry binary[] = {
      {"add", "a + b"},
      {"subtract", "a - b"},
      {"multiply", "a * b"},
      {"divide", "a / b (b drawn from [0.5, 2))", {-1, 1}, {0.5f, 2.0f}},
      {"maximum", "max(a, b)"},
      {"minimum", "min(a, b)"},
      {"power", "a^b (a drawn from [0.5, 2))", {0.5f, 2.0f}, {-2.0f, 2.0f}},
  };
  for (const BinaryEntry& e : binary) {
    ops.push_back(entry(e.name, std::string(e.description) + ", numpy broadcasting",
                        {shape_flag(), list_flag("shape2", "", "shape of b (default: --shape)")},
                        [e](const OpArgs& a) {
                          std::vector<int64_t> shape = a.get_list("shape");
                          std::vector<int64_t> shape2 = a.text("shape2").empty() ? shape : a.get_list("shape2");
                          return OpCall{{{"a", shape, false, e.a_range}, {"b", shape2, false, e.b_range}}, {}};
                        }));
  }

  ops.push_back(entry("bias_add", "x + bias broadcast along one axis",
                      {shape_flag(), int_flag("axis", 1, "axis the bias runs along")},
                      [](const OpArgs& a) {
                        std::vector<int64_t> shape = a.get_list("shape");
                        int64_t axis = a.get_int("axis");
                        int64_t rank = int64_t(shape.size());
                        if (axis < -rank || axis >= rank)
                          user_error("bias_add: --axis {} is out of range for a {}-D shape", axis, rank);
                        return OpCall{{{"x", shape}, {"bias", {shape[size_t(axis < 0 ? axis + rank : axis)]}, true}},
                                      {{"axis", axis}}};
                      }));
  ops.push_back(entry("batch_norm", "inference batch norm over axis 1 (variance drawn from [0.5, 2))",
                      {shape_flag(), float_flag("epsilon", "1e-5", "added to the variance")},
                      [](const OpArgs& a) {
                        std::vector<int64_t> shape = a.get_list("shape");
                        if (shape.size() < 2)
                          user_error("batch_norm: --shape {} needs at least 2 dimensions", a.text("shape"));
                        std::vector<int64_t> c = {shape[1]};
                        return OpCall{{{"x", shape},
                                       {"gamma", c, true},
                                       {"beta", c, true},
                                       {"mean", c, true},
                                       {"var", c, true, {0.5f, 2.0f}}},
                                      {{"epsilon", a.get_float("epsilon")}}};
                      }));
}

void add_reductions(std::vector<OpSpec>& ops) {
  ops.push_back(entry("softmax", "numerically stable softmax along one axis",
                      {shape_flag("shape", "64,1000"), int_flag("axis", -1, "softmax axis")},
                      [](const OpArgs& a) {
                        return OpCall{{{"x", a.get_list("shape")}}, {{"axis", a.get_int("axis")}}};
                      }));
  const std::pair<const char*, const char*> reductions[] = {
      {"reduce_sum", "sum over axes"},
      {"reduce_mean", "mean over axes"},
      {"reduce_max", "maximum over axes"},
      {"reduce_min", "minimum over axes"},
  };
  for (const auto& [name, description] : reductions) {
    ops.push_back(entry(name, description,
                        {shape_flag(), list_flag("axes", "2,3", "axes to reduce (empty: all)", kAnyInt),
                         switch_flag("keepdims", "keep reduced axes with extent 1")},
                        [](const OpArgs& a) {
                          return OpCall{{{"x", a.get_list("shape")}},
                                        {{"axes", a.get_list("axes")}, {"keepdims", int64_t(a.get_bool("keepdims"))}}};
                        }));
  }
}

void add_transforms(std::vector<OpSpec>& ops) {
  ops.push_back(entry("concatenate", "joins two tensors along an axis",
                      {shape_flag(), list_flag("shape2", "", "shape of the second input (default: --shape)"),
                       int_flag("axis", 1, "axis to join along")},
                      [](const OpArgs& a) {
                        std::vector<int64_t> shape = a.get_list("shape");
                        std::vector<int64_t> shape2 = a.text("shape2").empty() ? shape : a.get_list("shape2");
                        return OpCall{{{"a", shape}, {"b", shape2}}, {{"axis", a.get_int("axis")}}};
                      }));
  ops.push_back(entry("pad", "constant padding on each side of each dimension",
                      {shape_flag(), list_flag("pad-before", "0,0,1,1", "elements before, per dimension", 0),
                       list_flag("pad-after", "0,0,1,1", "elements after, per dimension", 0),
                       float_flag("value", "0", "padding value")},
                      [](const OpArgs& a) {
                        return OpCall{{{"x", a.get_list("shape")}},
                                      {{"pad_before", a.get_list("pad-before")},
                                       {"pad_after", a.get_list("pad-after")},
                                       {"value", a.get_float("value")}}};
                      }));
  ops.push_back(entry("reshape", "same elements in a new shape",
                      {shape_flag(), list_flag("new-shape", "1,-1", "output shape; one -1 is inferred", -1)},
                      [](const OpArgs& a) {
                        return OpCall{{{"x", a.get_list("shape")}}, {{"newshape", a.get_list("new-shape")}}};
                      }));
  ops.push_back(entry("flatten", "[d0..d(axis-1)] x [d(axis)..] -> 2-D, as ONNX Flatten",
                      {shape_flag(), int_flag("axis", 1, "first dimension of the second factor")},
                      [](const OpArgs& a) {
                        return OpCall{{{"x", a.get_list("shape")}}, {{"axis", a.get_int("axis")}}};
                      }));
  ops.push_back(entry("leaky_relu", "x if x > 0 else alpha * x",
                      {shape_flag(), float_flag("alpha", "0.1", "slope below zero")}, [](const OpArgs& a) {
                        return OpCall{{{"x", a.get_list("shape")}}, {{"alpha", a.get_float("alpha")}}};
                      }));
  ops.push_back(entry("space_to_depth", "[N,C,H,W] -> [N,C*b*b,H/b,W/b] (ONNX SpaceToDepth, YOLOv2's passthrough)",
                      {shape_flag("shape", "1,64,26,26"), int_flag("block", 2, "block size", 1)}, [](const OpArgs& a) {
                        return OpCall{{{"x", a.get_list("shape")}}, {{"block_size", a.get_int("block")}}};
                      }));
  ops.push_back(entry("depth_to_space", "[N,C,H,W] -> [N,C/(b*b),H*b,W*b] (ONNX DepthToSpace, DCR order)",
                      {shape_flag("shape", "1,256,13,13"), int_flag("block", 2, "block size", 1),
                       switch_flag("crd", "CRD channel order instead of DCR")},
                      [](const OpArgs& a) {
                        return OpCall{{{"x", a.get_list("shape")}},
                                      {{"block_size", a.get_int("block")},
                                       {"mode", std::string(a.get_bool("crd") ? "CRD" : "DCR")}}};
                      }));
  ops.push_back(entry("resize2d",
                      "resize H and W: nearest (asymmetric, floor: PyTorch's default) or, with --linear, "
                      "bilinear (half-pixel)",
                      {shape_flag("shape", "1,256,13,13"), list_flag("size", "26,26", "output height,width"),
                       switch_flag("linear", "bilinear interpolation instead of nearest")},
                      [](const OpArgs& a) {
                        std::vector<int64_t> size = a.get_list("size");
                        if (size.size() != 2) user_error("--size: expected height,width, got '{}'", a.text("size"));
                        bool linear = a.get_bool("linear");
                        return OpCall{{{"x", a.get_list("shape")}},
                                      {{"size", size},
                                       {"mode", std::string(linear ? "linear" : "nearest")},
                                       {"coordinate_mode", std::string(linear ? "half_pixel" : "asymmetric")},
                                       {"nearest_mode", std::string("floor")}}};
                      }));
  ops.push_back(entry("transpose", "permutes dimensions: output dimension i is input dimension perm[i]",
                      {shape_flag(), list_flag("perm", "0,2,3,1", "permutation (empty: reverse)", 0)},
                      [](const OpArgs& a) {
                        return OpCall{{{"x", a.get_list("shape")}}, {{"perm", a.get_list("perm")}}};
                      }));
}

}  // namespace

std::vector<int64_t> parse_int_list(const std::string& text, const std::string& flag) {
  std::vector<int64_t> values;
  if (text.find_first_not_of(' ') == std::string::npos) return values;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string_view item(text.data() + start,
                          (comma == std::string::npos ? text.size() : comma) - start);
    int64_t value = 0;
    if (!parse_int(item, value))
      user_error("--{}: '{}' is not a comma-separated list of integers (bad item '{}')", flag, text,
                 item);
    values.push_back(value);
    if (comma == std::string::npos) return values;
    start = comma + 1;
  }
}

OpArgs::OpArgs(const std::vector<FlagSpec>* specs, std::map<std::string, std::string> text,
               std::map<std::string, bool> switches)
    : specs_(specs), text_(std::move(text)), switches_(std::move(switches)) {}

const FlagSpec& OpArgs::spec(const std::string& flag) const {
  for (const FlagSpec& s : *specs_)
    if (s.name == flag) return s;
  internal_error("operator flag --{} is not in its catalogue entry", flag);
}

const std::string& OpArgs::text(const std::string& flag) const {
  spec(flag);
  auto it = text_.find(flag);
  TT_ASSERT(it != text_.end(), "flag --{} has no value", flag);
  return it->second;
}

int64_t OpArgs::get_int(const std::string& flag) const {
  const FlagSpec& s = spec(flag);
  TT_ASSERT(s.kind == FlagKind::Int, "--{} is not an integer flag", flag);
  int64_t value = 0;
  if (!parse_int(text(flag), value)) user_error("--{}: '{}' is not an integer", flag, text(flag));
  if (value < s.min_value) user_error("--{}: {} is less than {}", flag, value, s.min_value);
  return value;
}

double OpArgs::get_float(const std::string& flag) const {
  TT_ASSERT(spec(flag).kind == FlagKind::Float, "--{} is not a number flag", flag);
  const std::string& t = text(flag);
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(t, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != t.size() || !std::isfinite(value))
    user_error("--{}: '{}' is not a finite number", flag, t);
  return value;
}

bool OpArgs::get_bool(const std::string& flag) const {
  TT_ASSERT(spec(flag).kind == FlagKind::Bool, "--{} is not a switch", flag);
  auto it = switches_.find(flag);
  return it != switches_.end() && it->second;
}

std::vector<int64_t> OpArgs::get_list(const std::string& flag) const {
  const FlagSpec& s = spec(flag);
  TT_ASSERT(s.kind == FlagKind::IntList, "--{} is not a list flag", flag);
  std::vector<int64_t> values = parse_int_list(text(flag), flag);
  for (int64_t v : values)
    if (v < s.min_value)
      user_error("--{}: item {} of '{}' is less than {}", flag, v, text(flag), s.min_value);
  return values;
}

nlohmann::ordered_json OpArgs::to_json() const {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const FlagSpec& s : *specs_) {
    switch (s.kind) {
      case FlagKind::Int:
        j[s.name] = get_int(s.name);
        break;
      case FlagKind::Float:
        j[s.name] = get_float(s.name);
        break;
      case FlagKind::Bool:
        j[s.name] = get_bool(s.name);
        break;
      case FlagKind::IntList:
        j[s.name] = get_list(s.name);
        break;
    }
  }
  return j;
}

std::string OpArgs::to_string() const {
  std::vector<std::string> parts;
  for (const FlagSpec& s : *specs_) {
    if (s.kind == FlagKind::Bool) {
      if (get_bool(s.name)) parts.push_back(s.name);
    } else if (s.kind == FlagKind::IntList) {
      parts.push_back(fmt::format("{}={}", s.name, fmt::join(get_list(s.name), ",")));
    } else {
      parts.push_back(fmt::format("{}={}", s.name, text(s.name)));
    }
  }
  return fmt::format("{}", fmt::join(parts, " "));
}

const std::vector<OpSpec>& op_catalog() {
  static const std::vector<OpSpec> catalog = [] {
    std::vector<OpSpec> ops;
    add_dense_algebra(ops);
    add_convolutions(ops);
    add_pooling(ops);
    add_elementwise(ops);
    add_reductions(ops);
    add_transforms(ops);
    return ops;
  }();
  return catalog;
}

OpGraph OpSpec::build(const OpArgs& args) const {
  OpCall c = call(args);
  graph::Node node;
  node.kind = graph::NodeKind::Call;
  node.op = op;
  node.name = name;
  node.attrs = c.attrs;
  const graph::OpDef& def = graph::lookup_op(op);
  if (int(c.inputs.size()) < def.min_inputs || int(c.inputs.size()) > def.max_inputs)
    internal_error("catalogue entry '{}' gives {} inputs to '{}'", name, c.inputs.size(), op);
  OpGraph g;
  std::vector<Tensor> inputs;
  for (const OpCall::Input& in : c.inputs) {
    inputs.push_back(placeholder(in.shape, DType::float32(), in.name));
    if (in.constant) g.constants.push_back(in.name);
    if (in.range != std::pair<float, float>{-1, 1}) g.input_ranges[in.name] = in.range;
  }
  g.outputs = {def.to_te(node, inputs)};
  return g;
}

const OpSpec* find_op(const std::string& name) {
  for (const OpSpec& op : op_catalog())
    if (op.name == name) return &op;
  return nullptr;
}

}  // namespace tt::cli
