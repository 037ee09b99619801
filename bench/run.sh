#!/usr/bin/env bash
# Builds the benchmarks into build-bench/ (Release, -DTT_BUILD_BENCH=ON) and runs bench_kernels,
# printing its Markdown report on stdout (build output and progress go to stderr). Arguments are
# passed on:
#   bash bench/run.sh                # full run: matmul + ResNet-18 convs at 1 and 2 threads
#   bash bench/run.sh --quick        # matmul only, fewer repeats
#   bash bench/run.sh --json         # machine-readable list instead of the tables
# Needs libopenblas-dev and libdnnl-dev (bash .ci/install-deps --bench). Run on a quiet machine:
# with other processes on the cores the figures are noisy, the 2-thread oneDNN ones most of all.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-bench"
jobs="${TT_BENCH_JOBS:-2}"

generator=()
if [[ ! -f "$build/CMakeCache.txt" ]] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DTT_BUILD_BENCH=ON >&2
cmake --build "$build" --target bench_kernels -j "$jobs" >&2

# Thread counts are set inside the program (tensortune's arena, openblas_set_num_threads,
# omp_set_num_threads for oneDNN's OpenMP pool); clear variables that would cap the pools below 2.
# OMP_WAIT_POLICY is left as given (the program prints it).
unset OMP_NUM_THREADS OPENBLAS_NUM_THREADS GOTO_NUM_THREADS
status=0
"$build/bench/bench_kernels" "$@" || status=$?

# Which sources the numbers belong to (the tables are only comparable for the same code).
if [[ " $* " != *" --json "* ]] && git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
  dirty=$(git -C "$root" status --porcelain --untracked-files=no -- ir codegen search src | wc -l)
  echo
  echo "Source: commit $(git -C "$root" rev-parse --short HEAD)$([[ $dirty -gt 0 ]] && echo ", plus uncommitted changes to $dirty tracked files under ir/ codegen/ search/ src/")."
fi
exit "$status"
