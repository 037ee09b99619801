// Operator fusion: groups calls into kernels by their pattern kinds, a simplified form of TVM's
// FuseOps. The rules, applied to the calls in topological order:
//  1. An elementwise or broadcast op joins the group of a producer when that producer is a call
//     that only this op reads, is not a graph output, is its group's output, and the
//     group is an epilogue-accepting one (anchored by an out-elementwise-fusable op such as conv2d,
//     dense or pooling, or made only of elementwise / broadcast / injective ops). The producers are
//     tried in input order, so add(conv, shortcut) and add(shortcut, conv) both fuse with the conv;
//     the other inputs (weights, or another group's output such as a residual shortcut) become
//     inputs of the group. That is safe: a group is only ever joined at its output, so nothing
//     outside it reads a node inside it, and a group it reads cannot read it back.
//  2. An injective op (reshape, flatten, transpose, pad, concatenate) joins a group the same way,
//     but only a group without an anchor: conv / dense / pool epilogues stay elementwise, which
//     keeps their schedules simple. So ResNet's flatten after global pooling is a kernel of its
//     own.
//  3. Everything else (conv2d, dense, matmul, pooling, reductions, softmax) starts a new group.
// The group's output is its last node; every other node of a group has all its users inside it.
#include "ir/graph/fusion.h"

#include <algorithm>

#include "ir/error.h"

namespace tt::graph {

std::string FusedGroup::describe(const Graph& graph) const {
  std::string text;
  for (NodeId id : nodes) text += (text.empty() ? "" : "+") + graph.node(id).op;
  return text;
}

namespace {

struct GroupState {
  FusedGroup group;
  // The strongest pattern in the group (the enum is ordered Elementwise < ... < Opaque).
  PatternKind pattern = PatternKind::Elementwise;
};

bool accepts(PatternKind group, PatternKind joining) {
  switch (joining) {
    case PatternKind::Elementwise:
    case PatternKind::Broadcast:
      return group == PatternKind::Elementwise || group == PatternKind::Broadcast ||
             group == PatternKind::Injective || group == PatternKind::OutEWiseFusable;
    case PatternKind::Injective:
      return group == PatternKind::Elementwise || group == PatternKind::Broadcast ||
             group == PatternKind::Injective;
    case PatternKind::CommReduce:
    case PatternKind::OutEWiseFusable:
    case PatternKind::Opaque:
      return false;
  }
  return false;
}

// Checks the invariants every consumer of the groups relies on; a failure is a bug here.
void verify_groups(const Graph& graph, const std::vector<FusedGroup>& groups) {
  std::vector<std::vector<NodeId>> users = graph.users();
  std::vector<int> group_of(graph.nodes().size(), -1);
  for (size_t g = 0; g < groups.size(); ++g)
    for (NodeId id : groups[g].nodes) {
      TT_ASSERT(group_of[id] < 0, "node {} is in two groups", id);
      group_of[id] = int(g);
    }
  for (const Node& n : graph.nodes())
    TT_ASSERT((n.kind == NodeKind::Call) == (group_of[n.id] >= 0), "node {} grouped wrongly",
              n.name);
  std::vector<bool> is_output(graph.nodes().size(), false);
  for (NodeId o : graph.outputs()) is_output[o] = true;
  for (size_t g = 0; g < groups.size(); ++g) {
    const FusedGroup& group = groups[g];
    TT_ASSERT(group.output == group.nodes.back(), "group {} output is not its last node", g);
    for (NodeId id : group.nodes) {
      if (id == group.output) continue;
      TT_ASSERT(!is_output[id], "graph output {} is inside group {}", graph.node(id).name, g);
      for (NodeId u : users[id])
        TT_ASSERT(group_of[u] == int(g), "{} inside group {} is read from outside it",
                  graph.node(id).name, g);
    }
    for (NodeId in : group.inputs)
      TT_ASSERT(group_of[in] < int(g), "group {} reads {} that is not computed before it", g,
                graph.node(in).name);
  }
}

}  // namespace

std::vector<FusedGroup> fuse_operators(const Graph& graph) {
  const std::vector<Node>& nodes = graph.nodes();
  std::vector<std::vector<NodeId>> users = graph.users();
  std::vector<bool> is_output(nodes.size(), false);
  for (NodeId o : graph.outputs()) is_output[o] = true;

  std::vector<GroupState> states;
  std::vector<int> group_of(nodes.size(), -1);
  for (const Node& n : nodes) {
    if (n.kind != NodeKind::Call) continue;
    PatternKind pattern = lookup_op(n.op).pattern;
    int join = -1;
    for (NodeId in : n.inputs) {
      int g = group_of[in];
      // Only this op may read the producer (it may read it twice, as in multiply(d, d)).
      bool single_user =
          std::all_of(users[in].begin(), users[in].end(), [&](NodeId u) { return u == n.id; });
      if (g < 0 || !single_user || is_output[in] || states[g].group.output != in) continue;
      if (accepts(states[g].pattern, pattern)) {
        join = g;
        break;
      }
    }
    if (join < 0) {
      join = int(states.size());
      states.emplace_back();
      states.back().pattern = pattern;
      if (pattern == PatternKind::OutEWiseFusable || pattern == PatternKind::CommReduce ||
          pattern == PatternKind::Opaque) {
        states.back().group.anchor = n.id;
      }
    }
    GroupState& state = states[join];
    state.group.nodes.push_back(n.id);
    state.group.output = n.id;
    state.pattern = std::max(state.pattern, pattern);
    group_of[n.id] = join;
  }

  std::vector<FusedGroup> groups;
  for (GroupState& s : states) {
    FusedGroup& group = s.group;
    for (NodeId id : group.nodes)
      for (NodeId in : nodes[id].inputs) {
        bool inside = group_of[in] >= 0 && &states[group_of[in]] == &s;
        if (!inside &&
            std::find(group.inputs.begin(), group.inputs.end(), in) == group.inputs.end()) {
          group.inputs.push_back(in);
        }
      }
    groups.push_back(std::move(group));
  }
  // A group that took in a residual add now ends after the groups it reads; ordering by output
  // puts every group after the groups it reads, since each input precedes some node of the group.
  std::stable_sort(groups.begin(), groups.end(),
                   [](const FusedGroup& a, const FusedGroup& b) { return a.output < b.output; });
  verify_groups(graph, groups);
  return groups;
}

}  // namespace tt::graph
