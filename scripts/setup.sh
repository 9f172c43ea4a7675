#!/usr/bin/env bash
# Installs the Debian 12 packages gptc needs (idempotent: quick when all is there)
# and configures + builds into build/.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  cmake ninja-build g++ pkg-config
  llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools
  libcli11-dev nlohmann-json3-dev libomp-19-dev libgtest-dev zlib1g-dev ccache
  python3 python3-torch python3-numpy
  clang-19 libclang-rt-19-dev
  dataset-fashion-mnist fortunes
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

LAUNCHER=()
command -v ccache >/dev/null 2>&1 && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)

if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
    -DLLVM_DIR=/usr/lib/llvm-19/lib/cmake/llvm \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py \
    "${LAUNCHER[@]}"
fi
cmake --build build -j "$(nproc)"
