#!/usr/bin/env bash
# Usage: same_training.sh BUILD_BIN_DIR OUT_DIR [tinyshakespeare.txt]
# Compiles the examples with the gptc in BUILD_BIN_DIR, records their nn/grad IR and
# trains each briefly with fixed seeds, keeping the JSON summaries and metrics: run it
# with two builds, then compare_runs.py BEFORE AFTER says whether training changed.
set -e
BIN=$1; OUT=$2; EX=$(cd "$(dirname "$0")/../../examples" && pwd); SH=${3:-$(dirname "$0")/../../../shared/data/tinyshakespeare.txt}
mkdir -p $OUT
for m in mlp mlp_modern mlp_xent gpt_char attention_variants/baseline attention_variants/squared attention_variants/anti_causal attention_variants/builtin attention_variants/no_scale; do
  n=$(echo $m | tr / _)
  for e in nn grad; do $BIN/gptc $EX/$m.dsl --emit=$e > $OUT/$n.$e.mlir 2>&1 || true; done
done
for m in mlp mlp_modern mlp_xent; do
  $BIN/gptc $EX/$m.dsl -o $OUT/$m.train
  $OUT/$m.train --epochs 1 --max-train 3000 --seed 1 --quiet --metrics $OUT/$m.jsonl > $OUT/$m.summary
done
$BIN/gptc $EX/gpt_char.dsl -o $OUT/gpt.train -D n_layer=2 -D n_head=2 -D n_embd=64 -D block=32 -D batch=8 -D dropout=0.1 -D clip=1.0
$OUT/gpt.train --data $SH --steps 150 --eval-interval 50 --eval-iters 5 --seed 1337 --warmup 10 --lr 2e-3 --quiet --metrics $OUT/gpt.jsonl > $OUT/gpt.summary
$OUT/gpt.train sample --ckpt /dev/null >/dev/null 2>&1 || true
$BIN/gptc $EX/attention_variants/squared.dsl -o $OUT/sq.train -D n_layer=1 -D n_embd=32 -D block=16
$OUT/sq.train --data $SH --steps 60 --eval-interval 30 --eval-iters 3 --seed 5 --quiet --metrics $OUT/sq.jsonl > $OUT/sq.summary 2>&1 || true
echo done
