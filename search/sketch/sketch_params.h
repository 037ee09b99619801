// Every size, rate and count of the sketch search in one place, with Ansor's defaults where they
// fit this machine (TVM_FACTS.md §1.7) and the reason where they differ.
#pragma once

#include <cstdint>
#include <vector>

namespace tt {

struct SketchParams {
  // Candidates per generation of the evolutionary search. Ansor uses 2048; MetaSchedule 512. Every
  // candidate of every generation is emitted, lowered and featurized for the cost model, so on 2
  // shared cores 2048 × 5 scoring passes costs more search time per measured batch than measuring
  // it; 512 keeps the search a small share of each round and MetaSchedule found it enough.
  int population = 512;
  // Generations of mutation and crossover after the initial population (Ansor: 4; 3-4 gave the
  // same end-to-end latency as 10 and searched faster).
  int num_iters = 4;
  // Each child is mutated with this probability (Ansor 0.85); of the others, `crossover_prob`
  // are crossovers of two parents of the same sketch and the rest plain copies. Ansor has no
  // crossover; a child that takes whole stages from either parent keeps both parents' good tiles.
  double mutation_prob = 0.85;
  double crossover_prob = 0.5;
  // Relative weights of the mutation kinds (Ansor's CPU weights).
  double mutate_tile_size_weight = 0.90;
  double mutate_auto_unroll_weight = 0.04;
  double mutate_compute_location_weight = 0.05;
  double mutate_parallel_weight = 0.01;
  // Flipping the layout_rewrite decision (not in Ansor, which always rewrites).
  double mutate_layout_rewrite_weight = 0.05;
  // Changing the vector axis of a tiled stage (not in Ansor, whose vectors always run along the
  // unit-stride axis).
  double mutate_vector_axis_weight = 0.05;
  // Share of each proposed batch drawn at random from the initial population (exploration).
  double eps_greedy = 0.05;
  // Share of the population seeded with the best measured candidates (Ansor 0.2).
  double sample_init_use_measured_ratio = 0.2;
  // Fewer valid random samples than this after `population` attempts: keep sampling, up to
  // `sample_init_max_attempts` × population attempts in all.
  int sample_init_min_population = 50;
  int sample_init_max_attempts = 4;
  // The innermost tile of every split stays at most this (Ansor 64).
  int64_t max_innermost_split_factor = 64;
  // Largest vectorized loop (elements). Codegen emits one vector operation per vectorized loop and
  // LLVM splits it into native registers, so a loop of k native vectors is how a register tile
  // gets k vectors along its unit-stride axis (the default schedules use 2-3). Ansor caps at 16,
  // which on AVX2 allows only 2 registers across; 0 means `vectorize_native_multiple` native
  // vectors (HardwareParams::vector_lanes), which follows the CPU.
  int64_t max_vectorize_size = 0;
  int vectorize_native_multiple = 4;
  // Vector widths other than powers of two and multiples of the native width (12 lanes on
  // AVX-512, 6 or 7 on AVX2). Off at first because such a candidate crashed; the cause was codegen
  // over-claiming alignment (fixed, pinned by SketchAnnotation.OddVectorWidthInsideUnrolledTile).
  // Still off until measured: lowering now gives power-of-two vectors a partitioned tail, which
  // covers odd extents without odd vector types. Loops of other widths stay scalar.
  bool allow_odd_vector_widths = false;
  // auto_unroll_max_step values drawn for each reduction stage (Ansor's CPU set).
  std::vector<int64_t> auto_unroll_candidates = {0, 16, 64, 512};
  // The initial parallel loop fuses outer loops until it has this many iterations per thread
  // (Ansor: 16 × cores) ...
  int64_t parallel_chunks_per_thread = 16;
  // ... but a stage with fewer output elements than this starts serial: on 2 cores a parallel
  // launch costs more than small kernels gain (mutation can still parallelize it).
  int64_t min_parallel_elements = 1 << 14;
  // Store each weight a reduction reads (TuneTask::constant_inputs) in the order its loops read it:
  // split like the axes that index it and nested like their loops (Ansor's layout rewrite), packed
  // once when the model loads. Off: weights keep the model's layout. Ansor always rewrites; here
  // it is a decision of each candidate, drawn with `layout_rewrite_probability` and mutated,
  // because measured on Zen 4 the packed form ranged from 2% faster to 13% slower by layer.
  bool layout_rewrite = true;
  double layout_rewrite_probability = 0.5;
  // Let a tiled stage computed in its consumer vectorize along another spatial axis than the
  // unit-stride one (StageDecision::vector_axis): along a convolution's output channels the input
  // is broadcast, so a strided or short output row (stride-2 and 7x7 layers, where NCHW vectors
  // along the row are gathers or mostly tail) no longer limits the register tile. Needs
  // `layout_rewrite` (the weights must be packed for contiguous vector loads); off: Ansor's rule.
  bool vector_axis_choice = true;
};

}  // namespace tt
