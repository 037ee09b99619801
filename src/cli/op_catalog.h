// The operators `tensortune op` can build: one entry per operator of ir/te/ops.h with its
// description, the shape and attribute flags it takes (with defaults) and a builder from those
// flags to a TE graph. The command line, its --help and --list, and the tests all read this table.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph/graph.h"
#include "ir/te/tensor.h"

namespace tt::cli {

// How a flag's text is read. Every value is kept as the text the user gave (or the default) and
// parsed strictly when the operator is built, so an error names the flag.
enum class FlagKind {
  Int,      // one integer, at least `min_value`
  Float,    // one number
  Bool,     // a switch without a value; off by default
  IntList,  // comma-separated integers, each at least `min_value` ("" is the empty list)
};

struct FlagSpec {
  std::string name;  // without the dashes: "stride"
  FlagKind kind;
  std::string default_value;  // text, as a user would type it; unused for Bool
  std::string help;
  int64_t min_value = 1;  // Int and IntList only
};

// The flag values of one invocation, parsed on demand. Accessors throw UserError naming the flag
// ("--shape: '1,x' is not a comma-separated list of integers").
class OpArgs {
 public:
  OpArgs(const std::vector<FlagSpec>* specs, std::map<std::string, std::string> text,
         std::map<std::string, bool> switches);

  int64_t get_int(const std::string& flag) const;
  double get_float(const std::string& flag) const;
  bool get_bool(const std::string& flag) const;
  std::vector<int64_t> get_list(const std::string& flag) const;
  // The raw text of a flag ("" when a list flag was given empty).
  const std::string& text(const std::string& flag) const;

  // Every flag with its parsed value, for reports: {"m": 256, "shape": [1, 64, 56, 56], ...}.
  nlohmann::ordered_json to_json() const;
  // "m=256 n=256 k=256" in flag order; lists joined with commas.
  std::string to_string() const;

 private:
  const FlagSpec& spec(const std::string& flag) const;

  const std::vector<FlagSpec>* specs_;
  std::map<std::string, std::string> text_;
  std::map<std::string, bool> switches_;
};

// The graph an operator builds, and the value range of each input whose domain is not [-1, 1)
// (log and sqrt want positive inputs, divide a divisor away from zero, batch norm a positive
// variance), keyed by placeholder name.
struct OpGraph {
  std::vector<Tensor> outputs;
  std::map<std::string, std::pair<float, float>> input_ranges;
  // The placeholders a model would hold as constants (weights, biases), so `tune op` keys and
  // schedules the operator as a model's task, weights packable.
  std::vector<std::string> constants = {};
};

// One call of a registered graph operator as a model would hold it: its inputs, in the operator's
// argument order, and its attributes (ir/graph/op_registry.h gives their names and meaning).
struct OpCall {
  struct Input {
    std::string name;  // the placeholder's name
    std::vector<int64_t> shape;
    bool constant = false;                // a model stores it as a constant (weights, biases)
    std::pair<float, float> range{-1, 1};  // the values measurement draws for it
  };
  std::vector<Input> inputs;
  graph::Attrs attrs;
};

// An entry of the catalogue: the command-line face of one registered graph operator. The TE graph
// comes from the operator registry (the same lowering a model's node gets), so the catalogue holds
// flags and their meaning only; a test checks that every registered operator has an entry.
struct OpSpec {
  std::string name;  // the command's name: the operator's own, or an alias (depthwise_conv2d)
  std::string op;    // the registered operator it calls
  std::string description;  // one line, for --list and --help
  std::vector<FlagSpec> flags;
  std::function<OpCall(const OpArgs&)> call;  // UserError for flag values the operator rejects

  // The call lowered through the registry. UserError for shapes the operator rejects.
  OpGraph build(const OpArgs& args) const;
};

// Every operator, in the order --list prints them.
const std::vector<OpSpec>& op_catalog();
// The entry called `name`, or nullptr.
const OpSpec* find_op(const std::string& name);

// Strict integer-list parsing shared with other flags: "1,64,56,56" -> {1, 64, 56, 56}; "" -> {}.
// UserError naming `flag` for anything else (spaces around items are allowed).
std::vector<int64_t> parse_int_list(const std::string& text, const std::string& flag);

}  // namespace tt::cli
