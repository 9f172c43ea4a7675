#!/usr/bin/env bash
# Training-step time of each attention variant (examples/attention_variants/),
# all through the fused attention kernel, as a ratio to the baseline; the
# baseline with --no-fuse-attention (the scores stored as [B, H, T, T]
# tensors) is the reference row. One run each, the same data and seed; the
# median ms/step of STEPS steps after 3 warm-up steps.
# Usage: bench/attention_variants.sh [STEPS=200] [THREADS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${1:-200}
THREADS=${2:-2}
DATA=${DATA:-../shared/data/tinyshakespeare.txt}
mkdir -p build/bench
field() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])['$1'])"; }
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $THREADS threads; $STEPS steps each"
printf "%-30s %10s %9s\n" variant "ms/step" "/baseline"
base=""
run() { # run NAME FILE [gptc flags...]
  local name=$1 file=$2; shift 2
  local exe="build/bench/variant_${name// /_}"
  build/bin/gptc "$file" -o "$exe" "$@"
  local ms
  ms=$(GPTC_THREADS=$THREADS "$exe" --data "$DATA" --steps $((STEPS + 3)) --eval-interval 0 --eval-iters 1 --quiet | field median_ms_per_step)
  [ -n "$base" ] || base=$ms
  /usr/bin/python3 -c "print('%-30s %10.1f %8.2fx' % ('$name', $ms, $ms / $base))"
}
run baseline examples/attention_variants/baseline.dsl
for v in builtin squared squared_inputs inverted no_scale anti_causal; do
  run "$v" "examples/attention_variants/$v.dsl"
done
run "baseline --no-fuse-attention" examples/attention_variants/baseline.dsl --no-fuse-attention
