// Which placeholders need positive values, and the seeded arrays; see task_inputs.h.
#include "search/measure/task_inputs.h"

#include <random>
#include <set>

namespace tt {
namespace {

// Walks one compute body, noting the operations whose values reach a positive-only position.
class PositiveReadFinder : public ExprVisitor {
 public:
  std::set<const OperationNode*> positive;

  void visit_Call(const CallNode* node) override {
    bool positive_argument =
        node->op == Intrinsic::log || node->op == Intrinsic::sqrt || node->op == Intrinsic::pow;
    for (size_t i = 0; i < node->args.size(); ++i) {
      // pow's exponent may be anything; only its base must be positive.
      bool flag = positive_argument && (node->op != Intrinsic::pow || i == 0);
      visit_with(node->args[i], inside_ || flag);
    }
  }
  void visit_Div(const DivNode* node) override {
    visit(node->a);
    visit_with(node->b, inside_ || node->type.is_float());
  }
  void visit_TensorRead(const TensorReadNode* node) override {
    if (inside_) positive.insert(node->op.get());
    for (const Expr& index : node->indices) visit_with(index, false);
  }

 private:
  void visit_with(const Expr& e, bool inside) {
    bool saved = inside_;
    inside_ = inside;
    visit(e);
    inside_ = saved;
  }
  bool inside_ = false;
};

}  // namespace

std::map<const OperationNode*, InputRange> input_ranges(const std::vector<Tensor>& outputs) {
  std::vector<Operation> order = topological_order(outputs);
  PositiveReadFinder finder;
  // Consumers first, so a compute is known positive before its own reads are walked.
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const OperationNode& op = **it;
    if (op.is_placeholder()) continue;
    if (finder.positive.count(&op)) {
      for (const Operation& input : op.input_ops()) finder.positive.insert(input.get());
    }
    finder.visit(op.body);
  }
  std::map<const OperationNode*, InputRange> ranges;
  for (const Operation& op : order) {
    if (!op->is_placeholder()) continue;
    ranges[op.get()] = finder.positive.count(op.get()) ? kPositiveInputRange : kSignedInputRange;
  }
  return ranges;
}

std::vector<NDArray> seeded_inputs(const std::vector<Tensor>& inputs,
                                   const std::vector<Tensor>& outputs, uint64_t seed,
                                   const std::map<std::string, InputRange>& overrides) {
  std::map<const OperationNode*, InputRange> ranges = input_ranges(outputs);
  std::mt19937_64 rng(seed);
  std::vector<NDArray> values;
  for (const Tensor& t : inputs) {
    NDArray array(t.shape(), t.dtype());
    if (t.dtype() == DType::float32()) {
      auto named = overrides.find(t.name());
      auto found = ranges.find(t.op().get());
      InputRange range = named != overrides.end() ? named->second
                         : found != ranges.end()  ? found->second
                                                  : kSignedInputRange;
      array.fill_uniform(rng, range.low, range.high);
    }
    values.push_back(std::move(array));
  }
  return values;
}

}  // namespace tt
