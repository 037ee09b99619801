// The graph IR: a typed dataflow graph of operator calls (Relay-like). Nodes are inputs, constants
// (weights, with their values) and operator calls with attributes; every node has one output whose
// type (shape and dtype) shape inference fills in. Nodes are kept in topological order and refer to
// their inputs by id. Frontends (src/frontend) build graphs; passes (ir/graph/passes) rewrite them;
// task extraction turns fused groups into tensor expressions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "ir/expr/dtype.h"
#include "ir/ndarray.h"

namespace tt::graph {

struct TensorType {
  std::vector<int64_t> shape;
  DType dtype = DType::float32();
  bool operator==(const TensorType&) const = default;
  int64_t num_elements() const;
  std::string to_string() const;  // "float32[1, 64, 56, 56]"
};

// Attribute values: integers, floats, strings and lists of integers or floats.
using AttrValue = std::variant<int64_t, double, std::string, std::vector<int64_t>, std::vector<double>>;
// Sorted by name, so printing and hashing are deterministic.
using Attrs = std::map<std::string, AttrValue>;
std::string attr_to_string(const AttrValue& value);

enum class NodeKind : uint8_t { Input, Constant, Call };

using NodeId = int;

struct Node {
  NodeId id = -1;
  NodeKind kind = NodeKind::Call;
  std::string name;  // unique within the graph; from the model where it had one
  std::string op;    // Call only: the registered operator name
  std::vector<NodeId> inputs;
  Attrs attrs;
  TensorType type;  // filled by shape inference
  NDArray value;    // Constant only

  // Typed attribute access; a missing or mistyped attribute is a UserError naming the node.
  int64_t attr_int(const std::string& key) const;
  int64_t attr_int(const std::string& key, int64_t fallback) const;
  double attr_float(const std::string& key, double fallback) const;
  std::vector<int64_t> attr_ints(const std::string& key) const;
  std::vector<int64_t> attr_ints(const std::string& key, std::vector<int64_t> fallback) const;
  std::string attr_string(const std::string& key, const std::string& fallback) const;
  bool has_attr(const std::string& key) const { return attrs.count(key) != 0; }
};

class Graph {
 public:
  NodeId add_input(const std::string& name, TensorType type);
  NodeId add_constant(const std::string& name, NDArray value);
  // Adds a call and infers its type at once, so a bad shape is reported at the node that has it.
  NodeId add_call(const std::string& op, std::vector<NodeId> inputs, Attrs attrs = {}, std::string name = "");
  // The model's outputs; `names` (as the model names them, e.g. ONNX's output values) may be
  // empty, then each output is named after its node.
  void set_outputs(std::vector<NodeId> outputs, std::vector<std::string> names = {});

  const Node& node(NodeId id) const;
  Node& mutable_node(NodeId id);
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<NodeId>& outputs() const { return outputs_; }
  // The name of output i: the model's, else its node's.
  std::string output_name(size_t i) const;
  const std::vector<std::string>& output_names() const { return output_names_; }
  std::vector<NodeId> inputs() const;  // the Input nodes, in order of addition
  // For each node, the ids of the nodes that use it (outputs are not counted).
  std::vector<std::vector<NodeId>> users() const;

  // Re-runs shape inference over every call (after a pass edits attributes or inputs).
  void infer_types();

  // Readable text: one line per node, `%3 = conv2d(%0, %1, %2) {strides=[1, 1], ...} : float32[...]`.
  std::string to_string() const;

 private:
  friend Graph rebuild(const Graph& graph, const std::vector<NodeId>& replacement);
  std::string unique_name(const std::string& wanted, const std::string& fallback);
  std::vector<Node> nodes_;
  std::vector<NodeId> outputs_;
  std::vector<std::string> output_names_;  // empty, or one per output
  std::map<std::string, int> name_count_;
};

// Rebuilds `graph` with node ids renumbered in order. For each old node, replacement[id] is id to
// keep it, -1 to drop it (nothing kept may use it), or another node whose value replaces it for
// every user. The building block of the passes.
Graph rebuild(const Graph& graph, const std::vector<NodeId>& replacement);

}  // namespace tt::graph
