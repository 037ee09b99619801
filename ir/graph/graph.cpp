// Graph construction, typed attribute access, shape inference and printing.
#include "ir/graph/graph.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <sstream>

#include "ir/error.h"
#include "ir/int_math.h"
#include "ir/graph/op_registry.h"

namespace tt::graph {

int64_t TensorType::num_elements() const {
  std::optional<int64_t> n = checked_product(shape);
  if (!n) user_error("a tensor of shape {} has more elements than 64-bit sizes can count", fmt::format("{}", shape));
  return *n;
}

std::string TensorType::to_string() const { return fmt::format("{}{}", dtype.to_string(), shape); }

std::string attr_to_string(const AttrValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) return "\"" + v + "\"";
        else return fmt::format("{}", v);
      },
      value);
}

namespace {
template <typename T>
const T* get_attr(const Node& n, const std::string& key) {
  auto it = n.attrs.find(key);
  if (it == n.attrs.end()) return nullptr;
  const T* v = std::get_if<T>(&it->second);
  if (!v) user_error("node '{}' ({}): attribute '{}' has the wrong type ({})", n.name, n.op, key, attr_to_string(it->second));
  return v;
}
}  // namespace

int64_t Node::attr_int(const std::string& key) const {
  const int64_t* v = get_attr<int64_t>(*this, key);
  if (!v) user_error("node '{}' ({}): missing attribute '{}'", name, op, key);
  return *v;
}

int64_t Node::attr_int(const std::string& key, int64_t fallback) const {
  const int64_t* v = get_attr<int64_t>(*this, key);
  return v ? *v : fallback;
}

double Node::attr_float(const std::string& key, double fallback) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  if (const auto* i = std::get_if<int64_t>(&it->second)) return double(*i);
  const double* v = get_attr<double>(*this, key);
  return *v;
}

std::vector<int64_t> Node::attr_ints(const std::string& key) const {
  const auto* v = get_attr<std::vector<int64_t>>(*this, key);
  if (!v) user_error("node '{}' ({}): missing attribute '{}'", name, op, key);
  return *v;
}

std::vector<int64_t> Node::attr_ints(const std::string& key, std::vector<int64_t> fallback) const {
  const auto* v = get_attr<std::vector<int64_t>>(*this, key);
  return v ? *v : fallback;
}

std::string Node::attr_string(const std::string& key, const std::string& fallback) const {
  const auto* v = get_attr<std::string>(*this, key);
  return v ? *v : fallback;
}

std::string Graph::unique_name(const std::string& wanted, const std::string& fallback) {
  std::string base = wanted.empty() ? fallback : wanted;
  int& count = name_count_[base];
  std::string name = count == 0 ? base : fmt::format("{}_{}", base, count);
  ++count;
  // A generated name could collide with a later wanted name; keep going until it is free.
  while (name_count_.count(name) && name != base) name = fmt::format("{}_{}", base, count++);
  if (name != base) name_count_[name] = 1;
  return name;
}

namespace {
// Every value of a graph has at least one element and at most kMaxTensorElements: a zero
// dimension (an empty constant, an operator whose output would be empty) or an overflowing shape is
// refused where it enters, naming the node, before any pass or lowering divides by an extent.
void check_shape(const TensorType& type, const std::string& what) {
  for (int64_t d : type.shape)
    if (d <= 0)
      user_error("{}: shape {} has a dimension {}; every dimension needs at least one element",
                 what, shape_to_string(type.shape), d);
  std::optional<int64_t> n = checked_product(type.shape);
  if (!n || *n > kMaxTensorElements)
    user_error("{}: shape {} has more than {} elements, the most a tensor may hold", what,
               shape_to_string(type.shape), kMaxTensorElements);
}
}  // namespace

NodeId Graph::add_input(const std::string& name, TensorType type) {
  check_shape(type, fmt::format("input '{}'", name));
  Node n;
  n.id = NodeId(nodes_.size());
  n.kind = NodeKind::Input;
  n.name = unique_name(name, "input");
  n.type = std::move(type);
  nodes_.push_back(std::move(n));
  return nodes_.back().id;
}

NodeId Graph::add_constant(const std::string& name, NDArray value) {
  check_shape(TensorType{value.shape(), value.dtype()}, fmt::format("constant '{}'", name));
  Node n;
  n.id = NodeId(nodes_.size());
  n.kind = NodeKind::Constant;
  n.name = unique_name(name, "const");
  n.type = TensorType{value.shape(), value.dtype()};
  n.value = std::move(value);
  nodes_.push_back(std::move(n));
  return nodes_.back().id;
}

namespace {
TensorType infer_call(const Node& n, const std::vector<Node>& nodes) {
  const OpDef& def = lookup_op(n.op);
  if (int(n.inputs.size()) < def.min_inputs || int(n.inputs.size()) > def.max_inputs) {
    user_error("node '{}' ({}): takes {} to {} inputs, got {}", n.name, n.op, def.min_inputs, def.max_inputs, n.inputs.size());
  }
  std::vector<TensorType> types;
  for (NodeId in : n.inputs) types.push_back(nodes.at(in).type);
  try {
    return def.infer_type(n, types);
  } catch (const UserError& e) {
    throw UserError(fmt::format("node '{}' ({}): {}", n.name, n.op, e.what()));
  }
}
}  // namespace

NodeId Graph::add_call(const std::string& op, std::vector<NodeId> inputs, Attrs attrs, std::string name) {
  Node n;
  n.id = NodeId(nodes_.size());
  n.kind = NodeKind::Call;
  n.op = op;
  n.name = unique_name(name, op);
  for (NodeId in : inputs) TT_ASSERT(in >= 0 && in < n.id, "node {} reads node {} that does not precede it", n.name, in);
  n.inputs = std::move(inputs);
  n.attrs = std::move(attrs);
  n.type = infer_call(n, nodes_);
  check_shape(n.type, fmt::format("node '{}' ({}): its output", n.name, n.op));
  nodes_.push_back(std::move(n));
  return nodes_.back().id;
}

const Node& Graph::node(NodeId id) const {
  TT_ASSERT(id >= 0 && id < NodeId(nodes_.size()), "no node {}", id);
  return nodes_[id];
}

Node& Graph::mutable_node(NodeId id) {
  TT_ASSERT(id >= 0 && id < NodeId(nodes_.size()), "no node {}", id);
  return nodes_[id];
}

std::vector<NodeId> Graph::inputs() const {
  std::vector<NodeId> in;
  for (const Node& n : nodes_)
    if (n.kind == NodeKind::Input) in.push_back(n.id);
  return in;
}

std::vector<std::vector<NodeId>> Graph::users() const {
  std::vector<std::vector<NodeId>> u(nodes_.size());
  for (const Node& n : nodes_)
    for (NodeId in : n.inputs) u[in].push_back(n.id);
  return u;
}

void Graph::infer_types() {
  for (Node& n : nodes_)
    if (n.kind == NodeKind::Call) n.type = infer_call(n, nodes_);
}

std::string Graph::to_string() const {
  std::ostringstream os;
  for (const Node& n : nodes_) {
    os << "%" << n.id << " " << n.name << " = ";
    if (n.kind == NodeKind::Input) os << "input";
    else if (n.kind == NodeKind::Constant) os << "constant";
    else {
      os << n.op << "(";
      for (size_t i = 0; i < n.inputs.size(); ++i) os << (i ? ", " : "") << "%" << n.inputs[i];
      os << ")";
      if (!n.attrs.empty()) {
        os << " {";
        bool first = true;
        for (const auto& [k, v] : n.attrs) {
          os << (first ? "" : ", ") << k << "=" << attr_to_string(v);
          first = false;
        }
        os << "}";
      }
    }
    os << " : " << n.type.to_string() << "\n";
  }
  os << "outputs:";
  for (NodeId o : outputs_) os << " %" << o;
  os << "\n";
  return os.str();
}

Graph rebuild(const Graph& graph, const std::vector<NodeId>& replacement) {
  TT_ASSERT(replacement.size() == graph.nodes().size(), "rebuild: {} replacements for {} nodes", replacement.size(),
            graph.nodes().size());
  Graph out;
  std::vector<NodeId> new_id(graph.nodes().size(), -1);
  auto resolve = [&](NodeId id) {
    // Follow replacements until a node that stays.
    while (replacement[id] != id) {
      TT_ASSERT(replacement[id] >= 0, "rebuild: dropped node {} is still used", id);
      id = replacement[id];
    }
    TT_ASSERT(new_id[id] >= 0, "rebuild: node {} is used before it is kept", id);
    return new_id[id];
  };
  for (const Node& n : graph.nodes()) {
    if (replacement[n.id] != n.id) continue;  // dropped or forwarded
    Node copy = n;
    copy.id = NodeId(out.nodes_.size());
    for (NodeId& in : copy.inputs) in = resolve(in);
    out.name_count_[copy.name] = 1;
    new_id[n.id] = copy.id;
    out.nodes_.push_back(std::move(copy));
  }
  std::vector<NodeId> outputs;
  for (NodeId o : graph.outputs()) outputs.push_back(resolve(o));
  out.outputs_ = outputs;
  out.output_names_ = graph.output_names_;
  return out;
}

void Graph::set_outputs(std::vector<NodeId> outputs, std::vector<std::string> names) {
  if (!names.empty() && names.size() != outputs.size())
    internal_error("set_outputs: {} names for {} outputs", names.size(), outputs.size());
  outputs_ = std::move(outputs);
  output_names_ = std::move(names);
}

std::string Graph::output_name(size_t i) const {
  TT_ASSERT(i < outputs_.size(), "output {} of {}", i, outputs_.size());
  return output_names_.empty() ? node(outputs_[i]).name : output_names_[i];
}

}  // namespace tt::graph
