#!/usr/bin/env bash
# Sets everything up (Debian packages, configure, build), then compiles and trains a model.
#
#   scripts/demo.sh                  a character-level GPT (examples/gpt_char.dsl, CPU-sized:
#                                    4 layers, 4 heads, 128 wide, context 64) on Debian's
#                                    fortunes for a few minutes, then samples from it
#   scripts/demo.sh TEXT_FILE        the same GPT on your text file
#   scripts/demo.sh MODEL.dsl [train options...]
#                                    an MLP example on Fashion-MNIST (e.g. examples/mlp.dsl)
# STEPS=N sets the GPT's training steps (default 1500).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
mkdir -p build/demo

if [[ "${1:-}" == *.dsl ]]; then
  model=$1
  shift
  name=$(basename "$model" .dsl)
  echo "== gptc $model -o build/demo/$name"
  build/bin/gptc "$model" -o "build/demo/$name"
  echo "== build/demo/$name --data /usr/share/datasets/fashion-mnist $*"
  exec "build/demo/$name" --data /usr/share/datasets/fashion-mnist --metrics "build/demo/$name.jsonl" "$@"
fi

text=${1:-}
if [ -z "$text" ]; then
  # Debian's fortunes: the plain-text files (not the .dat indexes or .u8 links), one corpus.
  text=build/demo/fortunes.txt
  find /usr/share/games/fortunes -maxdepth 1 -type f ! -name '*.dat' ! -name '*.u8' -print0 |
    sort -z | xargs -0 cat > "$text"
fi
[ -s "$text" ] || { echo "demo: $text is missing or empty" >&2; exit 1; }
# The vocabulary is the set of bytes in the text.
vocab=$(/usr/bin/python3 -c "import sys; print(len(set(open(sys.argv[1], 'rb').read())))" "$text")
echo "== gptc examples/gpt_char.dsl -o build/demo/gpt (4x4x128, context 64, vocabulary $vocab)"
build/bin/gptc examples/gpt_char.dsl -o build/demo/gpt -D vocab="$vocab" -D n_layer=4 -D n_head=4 \
  -D n_embd=128 -D block=64 -D batch=12 -D dropout=0
steps=${STEPS:-1500}
echo "== build/demo/gpt --data $text --steps $steps"
build/demo/gpt --data "$text" --steps "$steps" --eval-interval 250 --eval-iters 20 --lr 1e-3 --min-lr 1e-4 \
  --save build/demo/gpt.ckpt --metrics build/demo/gpt.jsonl
echo "== build/demo/gpt sample --ckpt build/demo/gpt.ckpt --tokens 500"
build/demo/gpt sample --ckpt build/demo/gpt.ckpt --tokens 500 --temperature 0.8 --top-k 200
