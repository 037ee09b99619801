// The registered graph operators. Each lowers through the TE operator library, and its type
// relation is that lowering applied to placeholders: the library's shape checks are the one place
// a shape rule lives, and the error is re-raised naming the graph node.
#include "ir/graph/op_registry.h"

#include <array>
#include <climits>
#include <map>

#include "ir/error.h"
#include "ir/te/ops.h"

namespace tt::graph {

namespace {

std::array<int64_t, 2> pair_of(const Node& n, const std::string& key, std::array<int64_t, 2> fallback) {
  if (!n.has_attr(key)) return fallback;
  auto v = n.attr_ints(key);
  if (v.size() == 1) return {v[0], v[0]};
  if (v.size() != 2) user_error("node '{}' ({}): attribute '{}' needs 1 or 2 values, got {}", n.name, n.op, key, v.size());
  return {v[0], v[1]};
}

std::array<int64_t, 4> padding_of(const Node& n) {
  if (!n.has_attr("padding")) return {0, 0, 0, 0};
  auto v = n.attr_ints("padding");
  if (v.size() == 1) return {v[0], v[0], v[0], v[0]};
  if (v.size() == 2) return {v[0], v[1], v[0], v[1]};
  if (v.size() != 4) user_error("node '{}' ({}): padding needs 1, 2 or 4 values, got {}", n.name, n.op, v.size());
  return {v[0], v[1], v[2], v[3]};
}

ops::Pool2dParams pool_params(const Node& n) {
  ops::Pool2dParams p;
  p.kernel = pair_of(n, "kernel", {1, 1});
  p.stride = pair_of(n, "strides", {1, 1});
  p.dilation = pair_of(n, "dilation", {1, 1});
  p.padding = padding_of(n);
  p.ceil_mode = n.attr_int("ceil_mode", 0) != 0;
  p.count_include_pad = n.attr_int("count_include_pad", 1) != 0;
  return p;
}

// An attribute value narrowed to int (axes, permutations), refused when it does not fit rather
// than wrapped into another axis.
int narrow(const Node& n, const std::string& key, int64_t v) {
  if (v < INT_MIN || v > INT_MAX) user_error("node '{}' ({}): attribute '{}' value {} is out of range", n.name, n.op, key, v);
  return int(v);
}

int int_attr(const Node& n, const std::string& key, int64_t fallback) { return narrow(n, key, n.attr_int(key, fallback)); }

std::vector<int> int_list(const Node& n, const std::string& key) {
  std::vector<int> out;
  for (int64_t v : n.attr_ints(key, {})) out.push_back(narrow(n, key, v));
  return out;
}

using Lower = std::function<Tensor(const Node&, const std::vector<Tensor>&)>;

OpDef def(const std::string& name, PatternKind pattern, int min_inputs, int max_inputs, Lower lower) {
  OpDef d;
  d.name = name;
  d.pattern = pattern;
  d.min_inputs = min_inputs;
  d.max_inputs = max_inputs;
  d.to_te = std::move(lower);
  return d;
}

OpDef unary(const std::string& name, Tensor (*f)(const Tensor&, const std::string&)) {
  return def(name, PatternKind::Elementwise, 1, 1, [f](const Node& n, const std::vector<Tensor>& in) { return f(in[0], n.name); });
}

OpDef binary(const std::string& name, Tensor (*f)(const Tensor&, const Tensor&, const std::string&)) {
  return def(name, PatternKind::Broadcast, 2, 2,
             [f](const Node& n, const std::vector<Tensor>& in) { return f(in[0], in[1], n.name); });
}

OpDef reduction(const std::string& name, Tensor (*f)(const Tensor&, std::vector<int>, bool, const std::string&)) {
  return def(name, PatternKind::CommReduce, 1, 1, [f](const Node& n, const std::vector<Tensor>& in) {
    return f(in[0], int_list(n, "axes"), n.attr_int("keepdims", 0) != 0, n.name);
  });
}

std::map<std::string, OpDef> build_registry() {
  std::vector<OpDef> defs = {
      def("conv2d", PatternKind::OutEWiseFusable, 2, 3,
          [](const Node& n, const std::vector<Tensor>& in) {
            ops::Conv2dParams p;
            p.stride = pair_of(n, "strides", {1, 1});
            p.dilation = pair_of(n, "dilation", {1, 1});
            p.padding = padding_of(n);
            p.groups = n.attr_int("groups", 1);
            Tensor out = ops::conv2d(in[0], in[1], p, n.name);
            return in.size() == 3 ? ops::bias_add(out, in[2], 1, n.name + ".bias") : out;
          }),
      def("dense", PatternKind::OutEWiseFusable, 2, 3,
          [](const Node& n, const std::vector<Tensor>& in) {
            return ops::dense(in[0], in[1], in.size() == 3 ? in[2] : Tensor(), n.name);
          }),
      def("matmul", PatternKind::OutEWiseFusable, 2, 2,
          [](const Node& n, const std::vector<Tensor>& in) { return ops::matmul(in[0], in[1], n.name); }),
      def("batch_matmul", PatternKind::OutEWiseFusable, 2, 2,
          [](const Node& n, const std::vector<Tensor>& in) { return ops::batch_matmul(in[0], in[1], n.name); }),
      def("max_pool2d", PatternKind::OutEWiseFusable, 1, 1,
          [](const Node& n, const std::vector<Tensor>& in) { return ops::max_pool2d(in[0], pool_params(n), n.name); }),
      def("avg_pool2d", PatternKind::OutEWiseFusable, 1, 1,
          [](const Node& n, const std::vector<Tensor>& in) { return ops::avg_pool2d(in[0], pool_params(n), n.name); }),
      def("global_avg_pool2d", PatternKind::OutEWiseFusable, 1, 1,
          [](const Node& n, const std::vector<Tensor>& in) { return ops::global_avg_pool2d(in[0], n.name); }),
      def("global_max_pool2d", PatternKind::OutEWiseFusable, 1, 1,
          [](const Node& n, const std::vector<Tensor>& in) { return ops::global_max_pool2d(in[0], n.name); }),
      unary("relu", ops::relu),
      unary("relu6", ops::relu6),
      unary("sigmoid", ops::sigmoid),
      unary("tanh", ops::tanh),
      unary("exp", ops::exp),
      unary("log", ops::log),
      unary("sqrt", ops::sqrt),
      unary("abs", ops::abs),
      unary("negative", ops::negative),
      unary("gelu", ops::gelu),
      def("leaky_relu", PatternKind::Elementwise, 1, 1,
          [](const Node& n, const std::vector<Tensor>& in) {
            return ops::leaky_relu(in[0], float(n.attr_float("alpha", 0.01)), n.name);
          }),
      def("clip", PatternKind::Elementwise, 1, 1,
          [](const Node& n, const std::vector<Tensor>& in) {
            return ops::clip(in[0], float(n.attr_float("min", -3.4e38)), float(n.attr_float("max", 3.4e38)), n.name);
          }),
      binary("add", ops::add),
      binary("subtract", ops::subtract),
      binary("multiply", ops::multiply),
      binary("divide", ops::divide),
      binary("maximum", ops::maximum),
      binary("minimum", ops::minimum),
      binary("power", ops::power),
      def("bias_add", PatternKind::Broadcast, 2, 2,
          [](const Node& n, const std::vector<Tensor>& in) {
            return ops::bias_add(in[0], in[1], int_attr(n, "axis", 1), n.name);
          }),
      def("batch_norm", PatternKind::Broadcast, 5, 5,
          [](const Node& n, const std::vector<Tensor>& in) {
            return ops::batch_norm(in[0], in[1], in[2], in[3], in[4], float(n.attr_float("epsilon", 1e-5)), n.name);
          }),
      def("softmax", PatternKind::Opaque, 1, 1,
          [](const Node& n, const std::vector<Tensor>& in) { return ops::softmax(in[0], int_attr(n, "axis", -1), n.name); }),
      reduction("reduce_sum", ops::reduce_sum),
      reduction("reduce_mean", ops::reduce_mean),
      reduction("reduce_max", ops::reduce_max),
      reduction("reduce_min", ops::reduce_min),
      def("concatenate", PatternKind::Injective, 1, 1 << 20,
          [](const Node& n, const std::vector<Tensor>& in) {
            return ops::concatenate(in, int_attr(n, "axis", 0), n.name);
          }),
      def("pad", PatternKind::Injective, 1, 1,
          [](const Node& n, const std::vector<Tensor>& in) {
            return ops::pad(in[0], n.attr_ints("pad_before"), n.attr_ints("pad_after"), float(n.attr_float("value", 0)), n.name);
          }),
      def("reshape", PatternKind::Injective, 1, 1,
          [](const Node& n, const std::vector<Tensor>& in) { return ops::reshape(in[0], n.attr_ints("newshape"), n.name); }),
      def("flatten", PatternKind::Injective, 1, 1,
          [](const Node& n, const std::vector<Tensor>& in) { return ops::flatten(in[0], int_attr(n, "axis", 1), n.name); }),
      def("transpose", PatternKind::Injective, 1, 1,
          [](const Node& n, const std::vector<Tensor>& in) {
            return ops::transpose(in[0], int_list(n, "perm"), n.name);
          }),
      def("space_to_depth", PatternKind::Injective, 1, 1,
          [](const Node& n, const std::vector<Tensor>& in) {
            return ops::space_to_depth(in[0], n.attr_int("block_size", 0), n.name);
          }),
      def("depth_to_space", PatternKind::Injective, 1, 1,
          [](const Node& n, const std::vector<Tensor>& in) {
            return ops::depth_to_space(in[0], n.attr_int("block_size", 0), n.attr_string("mode", "DCR"), n.name);
          }),
      def("resize2d", PatternKind::Injective, 1, 1,
          [](const Node& n, const std::vector<Tensor>& in) {
            std::vector<int64_t> size = n.attr_ints("size");
            if (size.size() != 2)
              user_error("node '{}' (resize2d): attribute 'size' needs 2 values (height, width), got {}", n.name,
                         size.size());
            ops::ResizeParams p;
            p.mode = n.attr_string("mode", p.mode);
            p.coordinate_mode = n.attr_string("coordinate_mode", p.coordinate_mode);
            p.nearest_mode = n.attr_string("nearest_mode", p.nearest_mode);
            p.scales = {n.attr_float("scale_h", 0), n.attr_float("scale_w", 0)};
            return ops::resize2d(in[0], {size[0], size[1]}, p, n.name);
          }),
  };
  std::map<std::string, OpDef> registry;
  for (OpDef& d : defs) {
    // The type relation is the lowering applied to placeholders of the input types.
    Lower lower = d.to_te;
    d.infer_type = [lower](const Node& n, const std::vector<TensorType>& types) {
      std::vector<Tensor> in;
      for (size_t i = 0; i < types.size(); ++i) in.push_back(placeholder(types[i].shape, types[i].dtype, "in" + std::to_string(i)));
      Tensor out = lower(n, in);
      return TensorType{out.shape(), out.dtype()};
    };
    registry.emplace(d.name, d);
  }
  return registry;
}

const std::map<std::string, OpDef>& registry() {
  static const std::map<std::string, OpDef> r = build_registry();
  return r;
}

}  // namespace

const char* pattern_kind_name(PatternKind kind) {
  switch (kind) {
    case PatternKind::Elementwise: return "elementwise";
    case PatternKind::Broadcast: return "broadcast";
    case PatternKind::Injective: return "injective";
    case PatternKind::CommReduce: return "reduction";
    case PatternKind::OutEWiseFusable: return "out-elementwise-fusable";
    case PatternKind::Opaque: return "opaque";
  }
  return "?";
}

const OpDef& lookup_op(const std::string& name) {
  auto it = registry().find(name);
  if (it == registry().end()) user_error("unknown operator '{}'", name);
  return it->second;
}

bool is_registered_op(const std::string& name) { return registry().count(name) != 0; }

std::vector<std::string> registered_ops() {
  std::vector<std::string> names;
  for (const auto& [name, d] : registry()) names.push_back(name);
  return names;
}

}  // namespace tt::graph
