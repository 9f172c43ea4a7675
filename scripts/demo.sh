#!/usr/bin/env bash
# Sets everything up (Debian packages, configure, build), compiles Nielsen's
# network.py MLP from examples/mlp.dsl and trains it on Fashion-MNIST.
# Usage: scripts/demo.sh [EXAMPLE.dsl] [train options...]   (default: examples/mlp.dsl, 30 epochs)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

model=${1:-examples/mlp.dsl}
shift || true
mkdir -p build/demo
name=$(basename "$model" .dsl)
echo "== gptc $model -o build/demo/$name"
build/bin/gptc "$model" -o "build/demo/$name"
echo "== build/demo/$name --data /usr/share/datasets/fashion-mnist $*"
"build/demo/$name" --data /usr/share/datasets/fashion-mnist --metrics "build/demo/$name.jsonl" "$@"
