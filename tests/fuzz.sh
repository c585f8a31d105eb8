#!/bin/sh
# Builds the libFuzzer targets of fuzz/ with clang, AddressSanitizer and
# UBSan in their own build folder, and runs each for a bounded time on its
# corpus (through that build's ctest entries, see tests/fuzz.cmake).
#
#   tests/fuzz.sh [BUILD_DIR [SECONDS_PER_TARGET]]
#
# BUILD_DIR defaults to build-fuzz, SECONDS_PER_TARGET to 15. A crashing
# input is left in BUILD_DIR/tests/fuzz-work/NAME/ (crash-*, leak-*);
# replay it with BUILD_DIR/fuzz/fuzz_NAME FILE.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-fuzz}
seconds=${2:-15}

if ! command -v clang >/dev/null 2>&1; then
  echo "fuzz.sh: clang not found; scripts/deps installs it" >&2
  exit 1
fi

CC=clang cmake -S "$src" -B "$build" -DLIMSIM_FUZZ=ON -DLIMSIM_SANITIZE=ON \
  -DLIMSIM_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build "$build" -j 2 --target fuzz_all >/dev/null
# Inputs that failed last time would read as failures of this run.
rm -f "$build"/tests/fuzz-work/*/crash-* "$build"/tests/fuzz-work/*/leak-* \
  "$build"/tests/fuzz-work/*/timeout-* "$build"/tests/fuzz-work/*/oom-*
ctest --test-dir "$build" -R '^fuzz_' -j 2 --output-on-failure
