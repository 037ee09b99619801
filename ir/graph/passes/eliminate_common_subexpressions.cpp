// Common-subexpression elimination: a call with the same operator, attributes and (merged) inputs
// as an earlier one, or a constant with the same dtype, shape and bytes as an earlier one, is
// replaced by it. Exporters duplicate shared weights and shape computations; merging them also
// lets task extraction see identical groups as identical.
#include <cstring>
#include <map>
#include <string>

#include "ir/graph/passes/passes.h"

namespace tt::graph {

namespace {

// FNV-1a over the constant's bytes: only a bucket key; equal buckets are compared byte by byte.
uint64_t hash_bytes(const NDArray& value) {
  uint64_t h = 14695981039346656037ull;
  const auto* p = static_cast<const unsigned char*>(value.data());
  for (size_t i = 0; i < value.bytes(); ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

bool same_value(const NDArray& a, const NDArray& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), a.bytes()) == 0;
}

}  // namespace

Graph eliminate_common_subexpressions(const Graph& graph) {
  std::vector<NodeId> replacement(graph.nodes().size());
  // Key text -> the kept nodes with that key (several only for constants whose hashes collide).
  std::map<std::string, std::vector<NodeId>> seen;
  for (const Node& n : graph.nodes()) {
    replacement[n.id] = n.id;
    if (n.kind == NodeKind::Input) continue;
    std::string key;
    if (n.kind == NodeKind::Constant) {
      key = "const " + TensorType{n.value.shape(), n.value.dtype()}.to_string() + " " +
            std::to_string(hash_bytes(n.value));
    } else {
      key = n.op + "(";
      // Attributes carry their variant index: an int 1 and a float 1.0 print alike.
      // Inputs through their replacements, so chains of duplicates merge in one walk.
      for (NodeId in : n.inputs) key += std::to_string(replacement[in]) + ",";
      key += ")";
      for (const auto& [name, value] : n.attrs)
        key += " " + name + "=" + std::to_string(value.index()) + ":" + attr_to_string(value);
    }
    std::vector<NodeId>& candidates = seen[key];
    for (NodeId c : candidates) {
      if (n.kind == NodeKind::Call || same_value(graph.node(c).value, n.value)) {
        replacement[n.id] = c;
        break;
      }
    }
    if (replacement[n.id] == n.id) candidates.push_back(n.id);
  }
  return rebuild(graph, replacement);
}

}  // namespace tt::graph
