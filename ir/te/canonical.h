// The canonical text of a tensor-expression graph, written only to key tuning records (a task's
// workload key is a hash of it). It is independent of the IR printer, so readable output can change
// freely, and names stages and variables by position, so renaming them does not change the key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/te/tensor.h"

namespace tt {

// Part of the text, so a new grammar version changes every key at once. Bump it whenever the text
// of an existing workload would change: the keys of every tuning log written before then no longer
// match (their records stop applying), which must be a deliberate decision.
// Version 2 marks the inputs that are constants of the model (weights a schedule may repack).
inline constexpr int kCanonicalWorkloadVersion = 2;

// The text, one line per operation (the grammar is documented in canonical.cpp). `inputs` are the
// kernel's arguments in order (every placeholder the outputs read, and any they do not); when
// given, they are numbered first, so the text also fixes which argument is which. Two graphs get
// the same text exactly when they compute the same values from arguments of the same shapes and
// dtypes in the same way, whatever their stages, axes and reduce axes are called and whatever
// tags the operators carry. Without `inputs`, placeholders are numbered in the order they are
// first read, and graphs that differ only in the order of same-shaped inputs share a text.
// `constant_inputs` (empty, or one flag per input) marks the inputs that are constants of the model,
// its weights: a schedule may store those in another layout, packed once at load, so the same
// graph over a weight and over an activation are different workloads.
std::string canonical_workload_text(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs = {},
                                    const std::vector<bool>& constant_inputs = {});

// 64-bit FNV-1a of `text` as 16 lowercase hex digits: defined byte by byte, so a key is the same on
// every run, compiler and platform (std::hash promises none of that).
std::string canonical_workload_key(const std::string& text);

}  // namespace tt
