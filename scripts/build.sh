#!/usr/bin/env bash
# Configures and builds one tree. Usage: scripts/build.sh release|asan|binary
# (binary: only build/scitt, for scripts/run.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
case "${1:-release}" in
  release)
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build build -j "$JOBS"
    ;;
  binary)
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build build -j "$JOBS" --target scitt
    ;;
  asan)
    # clang: AddressSanitizer + UBSan for the unit tests, libFuzzer for fuzz/.
    # -O1 with line tables only: what sanitizer reports need (file:line in
    # every frame) for less compile time than -O2 -g, on CI's two cores.
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG" \
      "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG" \
      -DSCITT_SANITIZE=ON -DSCITT_FUZZ=ON -DSCITT_BENCH=OFF >/dev/null
    cmake --build build-asan -j "$JOBS"
    ;;
  *) echo "usage: $0 release|asan|binary" >&2; exit 2 ;;
esac
