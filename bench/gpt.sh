#!/usr/bin/env bash
# Training-step speed of the GPT example, gptc vs PyTorch 2.x (PyPI), side by side
# in one run, as ratios. The peer runs eager and under torch.compile, at the same
# thread count (default 2, this machine's cores). Both figures are the median
# ms/step of N steps after 3 warm-up steps (torch.compile: 5, which include the
# compilation): gptc trains N + 3 steps and reports median_ms_per_step in its JSON
# summary (evaluation excluded); the first steps of either touch fresh memory.
# ROUNDS rounds alternate the three contenders; each one's best round is reported,
# and the machine's sgemm rate is measured at the start and at the end.
# Usage: bench/gpt.sh [STEPS=50] [THREADS=2] [ROUNDS=2]
# The peer is installed into $BENCH_VENV (default build/bench-venv) with pip.
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${1:-50}
THREADS=${2:-2}
ROUNDS=${3:-2}
VENV=${BENCH_VENV:-build/bench-venv}
DATA=${DATA:-../shared/data/tinyshakespeare.txt}

scripts/setup.sh > /dev/null
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q torch numpy
fi
mkdir -p build/bench
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $THREADS threads"
echo "peer: torch $("$VENV/bin/python" -c 'import torch; print(torch.__version__)'); $STEPS timed steps each, best of $ROUNDS alternating rounds"
sgemm() { # the machine's sgemm rate now (it drifts: measured at the start and at the end)
  "$VENV/bin/python" - "$THREADS" "$1" <<'PY'
import sys, time, torch
torch.set_num_threads(int(sys.argv[1]))
a = torch.randn(2048, 2048); b = torch.randn(2048, 2048); torch.mm(a, b)
best = min((lambda s: (torch.mm(a, b), time.perf_counter() - s)[1])(time.perf_counter()) for _ in range(10))
print("machine sgemm %s (torch.mm 2048^3, MKL): %.0f GFLOP/s" % (sys.argv[2], 2 * 2048**3 / best * 1e-9))
PY
}
sgemm "at the start"
echo "GFLOP/s: nanoGPT's estimate, (6N + 12 L C T) per token with N = 12 L C^2 + 65 C; RSS: peak resident set (/usr/bin/time)"
printf "%-18s %9s %8s %8s %11s %9s %11s %9s %9s %9s\n" model "gptc ms" "GFLOP/s" "RSS MB" "torch eager" "eager/gptc" "compile ms" "comp/gptc" "eager MB" "comp MB"

field() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])['$1'])"; }

bench() { # bench NAME N_LAYER N_HEAD N_EMBD BLOCK BATCH DROPOUT
  local name=$1 L=$2 H=$3 C=$4 T=$5 B=$6 P=$7
  local exe=build/bench/gpt_${L}x${H}x${C}
  build/bin/gptc examples/gpt_char.dsl -o "$exe" -D n_layer="$L" -D n_head="$H" -D n_embd="$C" \
    -D block="$T" -D batch="$B" -D dropout="$P"
  # ROUNDS rounds, the three contenders in turn each round; each one's best
  # round counts (this VM's speed drifts by tens of percent within minutes, and
  # alternating keeps the drift out of the ratios). RSS: the largest.
  local g=1e30 e=1e30 c=1e30 gm=0 em=0 cm=0 round x
  min() { /usr/bin/python3 -c "print(min($1, $2))"; }
  max() { /usr/bin/python3 -c "print(max($1, $2))"; }
  for round in $(seq "$ROUNDS"); do
    x=$(GPTC_THREADS=$THREADS /usr/bin/time -f %M -o build/bench/rss.g "$exe" --data "$DATA" --steps $((STEPS + 3)) --eval-interval 0 --eval-iters 1 --quiet | field median_ms_per_step)
    g=$(min "$g" "$x"); gm=$(max "$gm" "$(tail -1 build/bench/rss.g)")
    x=$(/usr/bin/time -f %M -o build/bench/rss.e "$VENV/bin/python" bench/torch_gpt.py "$L" "$H" "$C" "$T" "$B" "$STEPS" eager "$THREADS" | field median_ms)
    e=$(min "$e" "$x"); em=$(max "$em" "$(tail -1 build/bench/rss.e)")
    x=$(/usr/bin/time -f %M -o build/bench/rss.c "$VENV/bin/python" bench/torch_gpt.py "$L" "$H" "$C" "$T" "$B" "$STEPS" compile "$THREADS" | field median_ms)
    c=$(min "$c" "$x"); cm=$(max "$cm" "$(tail -1 build/bench/rss.c)")
  done
  /usr/bin/python3 -c "
L, C, T, B = $L, $C, $T, $B
flops = (6 * (12 * L * C * C + 65 * C) + 12 * L * C * T) * B * T
print('%-18s %9.1f %8.1f %8.0f %11.1f %8.2fx %11.1f %8.2fx %9.0f %9.0f' % ('$name', $g, flops / ($g * 1e6), $gm / 1024, $e, $e / $g, $c, $c / $g, $em / 1024, $cm / 1024))"
}

bench "4x4x128 b12 T64" 4 4 128 64 12 0
STEPS=${LARGE_STEPS:-5}  # the GPU-sized model: a few steps
[ "${SKIP_LARGE:-0}" = 1 ] || bench "6x6x384 b64 T256" 6 6 384 256 64 0.2
sgemm "at the end"
