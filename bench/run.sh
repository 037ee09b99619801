#!/usr/bin/env bash
# Builds the benchmarks into build-bench/ (Release, -DTT_BUILD_BENCH=ON) and runs bench_kernels,
# printing its Markdown report on stdout (build output and progress go to stderr). Arguments are
# passed on:
#   bash bench/run.sh                   # full run: matmul + ResNet-18 convs at 1 and 2 threads, 5 rounds
#   bash bench/run.sh --quick           # matmul only, 3 short rounds
#   bash bench/run.sh --rounds 7        # more rounds (each implementation timed once per round)
#   bash bench/run.sh --same-process    # all implementations in one process (shows pool interference)
#   bash bench/run.sh --json            # machine-readable object instead of the tables
# bench_kernels starts a fresh process of itself for every single measurement (`bench_kernels
# --only onednn --threads 2 --workloads conv3` and so on), rotating the order of the
# implementations from round to round, with the measured library's thread variable
# (OMP_NUM_THREADS for oneDNN, OPENBLAS_NUM_THREADS for OpenBLAS) set to the thread count before
# the process starts and the other pools at 1.
# Needs libopenblas-dev and libdnnl-dev (bash .ci/install-deps --bench). Run on a quiet machine:
# with other processes on the cores the figures are noisy, the 2-thread oneDNN ones most of all.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-bench"
jobs="${TT_BENCH_JOBS:-2}"

generator=()
if [[ ! -f "$build/CMakeCache.txt" ]] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DTT_BUILD_BENCH=ON >&2
cmake --build "$build" --target bench_kernels fma_peak -j "$jobs" >&2

# The program sets each worker's thread variables itself; clear the caller's so that they cannot
# leak into a pool they were not meant for. OMP_WAIT_POLICY, GOMP_SPINCOUNT and OPENBLAS_CORETYPE
# are left as given (the report prints them).
unset OMP_NUM_THREADS OPENBLAS_NUM_THREADS GOTO_NUM_THREADS MKL_NUM_THREADS
status=0
"$build/bench/bench_kernels" "$@" || status=$?

# Which sources the numbers belong to (the tables are only comparable for the same code).
if [[ " $* " != *" --json "* ]] && git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
  dirty=$(git -C "$root" status --porcelain --untracked-files=no -- ir codegen search src | wc -l)
  echo
  echo "Source: commit $(git -C "$root" rev-parse --short HEAD)$([[ $dirty -gt 0 ]] && echo ", plus uncommitted changes to $dirty tracked files under ir/ codegen/ search/ src/")."
fi
exit "$status"
