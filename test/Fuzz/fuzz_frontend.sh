#!/usr/bin/env bash
# Builds the frontend fuzzer (libFuzzer, clang-19, ASan + UBSan) and runs it.
#
#   test/Fuzz/fuzz_frontend.sh BUILD_DIR [libFuzzer flags...]
#   e.g. test/Fuzz/fuzz_frontend.sh build/fuzz -max_total_time=60
#        test/Fuzz/fuzz_frontend.sh build/fuzz -runs=1000000
#
# The frontend knows nothing of MLIR, so this compiles compiler/Frontend/**/*.cpp
# directly with clang++-19. The seed corpus is every example and every
# diagnostics test; crashes are written to BUILD_DIR/crashes/. Exit status: 0
# when no input crashed, libFuzzer's status otherwise, 77 when clang-19 is missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(mkdir -p "$1" && cd "$1" && pwd)"
shift
CXX=${CXX_FUZZ:-clang++-19}
if ! command -v "$CXX" >/dev/null; then
  echo "fuzz_frontend: $CXX not found (Debian: clang-19 libclang-rt-19-dev)" >&2
  exit 77
fi
mapfile -t sources < <(find "$root/compiler/Frontend" -name '*.cpp' | sort)
binary="$out/frontend_fuzzer"
if [ ! -x "$binary" ] || [ -n "$(find "$root/compiler/Frontend" "$root/runtime/include" "$root/test/Fuzz" -newer "$binary" -name '*.[ch]*' | head -1)" ]; then
  "$CXX" -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$root" -I"$root/runtime/include" "${sources[@]}" "$root/test/Fuzz/frontend_fuzzer.cpp" -o "$binary"
fi
corpus="$out/corpus"
mkdir -p "$corpus" "$out/crashes"
find "$root/examples" "$root/test/Frontend/diagnostics" -name '*.dsl' -exec cp {} "$corpus/" \;
exec "$binary" "$corpus" -dict="$root/test/Fuzz/dsl.dict" -artifact_prefix="$out/crashes/" -max_len=4096 \
  -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 "$@"
