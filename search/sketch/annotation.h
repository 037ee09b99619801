// Random annotation and replay of sketches: turns a sketch plus its decisions into a concrete
// step list, drawing every decision still open (Ansor's init-population rules, TVM_FACTS.md §1.5):
// tile sizes uniform over exact factorizations, the parallel loop fused from the outermost loops
// until it has enough chunks, the innermost spatial loop vectorized, an auto-unroll depth, and a
// compute location among the legal ones.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <tuple>
#include <vector>

#include "ir/schedule/hardware.h"
#include "ir/te/tensor.h"
#include "search/sketch/sketch.h"
#include "search/sketch/sketch_params.h"

namespace tt {

class Annotator {
 public:
  // `constant_inputs` names the placeholders that are constants of the model (its weights); with
  // SketchParams::layout_rewrite, each one a reduction reads gets the layout its loops read it in
  // (a layout_rewrite step after the others, derived from them: not a decision of its own).
  Annotator(std::vector<Tensor> outputs, const HardwareParams& hw, const SketchParams& params,
            std::vector<std::string> constant_inputs = {});

  // The steps of `sketch` under `decisions`. Every open choice (-1 / empty) is drawn with `rng` and
  // written back into `decisions`; with no rng an open choice is an internal error. Choices out
  // of range after mutation or crossover are clamped (parallel depth) or taken modulo (compute
  // location). Raises UserError if a step is invalid for the state (the candidate is unusable).
  std::vector<Step> materialize(const Sketch& sketch, Decisions& decisions, std::mt19937_64* rng);

  // A fresh random candidate of `sketch`: every choice drawn.
  std::vector<Step> sample(const Sketch& sketch, Decisions* decisions, std::mt19937_64& rng);

  // Every way to write `extent` as `parts` exact lengths (outermost first, product = extent) whose
  // innermost is at most `max_innermost`, in lexicographic order (memoized).
  const std::vector<std::vector<int64_t>>& factorizations(int64_t extent, int parts,
                                                          int64_t max_innermost);

  const SketchParams& params() const { return params_; }
  // SketchParams::max_vectorize_size resolved against the hardware's native vector width.
  int64_t max_vectorize_size() const;
  // Whether a loop of `lanes` iterations may be vectorized: within max_vectorize_size, and a power
  // of two or whole native vectors unless SketchParams::allow_odd_vector_widths.
  bool is_vector_width(int64_t lanes) const;
  const HardwareParams& hardware() const { return hw_; }
  const std::vector<Tensor>& outputs() const { return outputs_; }
  const std::vector<std::string>& constant_inputs() const { return constant_inputs_; }

 private:
  std::vector<Tensor> outputs_;
  HardwareParams hw_;
  SketchParams params_;
  std::vector<std::string> constant_inputs_;
  std::map<std::tuple<int64_t, int, int64_t>, std::vector<std::vector<int64_t>>>
      factorization_cache_;
};

}  // namespace tt
