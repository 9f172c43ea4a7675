#!/usr/bin/env bash
# Training-step speed of the GPT example, gptc vs PyTorch 2.x (PyPI), side by side
# in one run, as ratios. The peer runs eager and under torch.compile, at the same
# thread count (default 2, this machine's cores). gptc's figure is the median
# ms/step of --steps N timed steps (its JSON summary: train time / steps, evaluation
# excluded, mean); torch's is the median over the same number of steps after warm-up.
# Usage: bench/gpt.sh [STEPS=50] [THREADS=2]
# The peer is installed into $BENCH_VENV (default build/bench-venv) with pip.
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${1:-50}
THREADS=${2:-2}
VENV=${BENCH_VENV:-build/bench-venv}
DATA=${DATA:-../shared/data/tinyshakespeare.txt}

scripts/setup.sh > /dev/null
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q torch numpy
fi
mkdir -p build/bench
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $THREADS threads"
echo "peer: torch $("$VENV/bin/python" -c 'import torch; print(torch.__version__)'); $STEPS timed steps each"
printf "%-24s %10s %12s %14s %12s %14s\n" model "gptc ms" "torch eager" "eager/gptc" "torch.compile" "compile/gptc"

field() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])['$1'])"; }

bench() { # bench NAME N_LAYER N_HEAD N_EMBD BLOCK BATCH DROPOUT
  local name=$1 L=$2 H=$3 C=$4 T=$5 B=$6 P=$7
  local exe=build/bench/gpt_${L}x${H}x${C}
  build/bin/gptc examples/gpt_char.dsl -o "$exe" -D n_layer="$L" -D n_head="$H" -D n_embd="$C" \
    -D block="$T" -D batch="$B" -D dropout="$P"
  local g e c
  g=$(GPTC_THREADS=$THREADS "$exe" --data "$DATA" --steps "$STEPS" --eval-interval 0 --eval-iters 1 --quiet | field ms_per_step)
  e=$("$VENV/bin/python" bench/torch_gpt.py "$L" "$H" "$C" "$T" "$B" "$STEPS" eager "$THREADS" | field median_ms)
  c=$("$VENV/bin/python" bench/torch_gpt.py "$L" "$H" "$C" "$T" "$B" "$STEPS" compile "$THREADS" | field median_ms)
  /usr/bin/python3 -c "print('%-24s %10.1f %12.1f %13.2fx %14.1f %11.2fx' % ('$name', $g, $e, $e / $g, $c, $c / $g))"
}

bench "4x4x128 b12 T64" 4 4 128 64 12 0
STEPS=${LARGE_STEPS:-5}  # the GPU-sized model: a few steps
[ "${SKIP_LARGE:-0}" = 1 ] || bench "6x6x384 b64 T256" 6 6 384 256 64 0.2
