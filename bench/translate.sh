#!/usr/bin/env bash
# Training speed of the Multi30k translation Transformer (examples/translate_multi30k.dsl),
# gptc vs PyTorch 2.x (PyPI) on the same machine in one run, as a ratio of target
# tokens per second (labels that are not padding). Each side trains one epoch of
# the 29,000 pairs in the same length buckets, batch 128 (evaluation excluded);
# PyTorch eager pads each batch only to its own longest pair (its best setting),
# torch.compile gets the bucket shapes (static graphs, compiled before timing).
# Usage: bench/translate.sh [BATCHES=0 (all)] [THREADS=2]
# EXE=path reuses a compiled example (compiling its 8 buckets takes minutes).
# The peer is installed into $BENCH_VENV (default build/bench-venv) with pip.
set -euo pipefail
cd "$(dirname "$0")/.."
BATCHES=${1:-0}
THREADS=${2:-2}
VENV=${BENCH_VENV:-build/bench-venv}
DATA=${DATA:-../shared/data/multi30k}
EXE=${EXE:-build/bench/translate}

scripts/setup.sh > /dev/null
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q torch numpy
fi
mkdir -p build/bench
[ -x "$EXE" ] || build/bin/gptc examples/translate_multi30k.dsl -o "$EXE"
BUCKETS=$(/usr/bin/python3 - examples/translate_multi30k.dsl <<'PY'
import re, sys
text = re.sub(r"#.*", "", open(sys.argv[1]).read())
body = re.search(r"buckets\s*=\s*\[(.*?)\]", text, re.S).group(1)
print(";".join("%s,%s" % p for p in re.findall(r"\(\s*(\d+)\s*,\s*(\d+)\s*\)", body)))
PY
)
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $THREADS threads"
echo "peer: torch $("$VENV/bin/python" -c 'import torch; print(torch.__version__)'); buckets $BUCKETS; batches ${BATCHES/#0/all} of one epoch"
"$VENV/bin/python" - "$THREADS" <<'PY'
import sys, time, torch
torch.set_num_threads(int(sys.argv[1]))
a = torch.randn(2048, 2048); b = torch.randn(2048, 2048); torch.mm(a, b)
best = min((lambda s: (torch.mm(a, b), time.perf_counter() - s)[1])(time.perf_counter()) for _ in range(10))
print("machine sgemm (torch.mm 2048^3, MKL): %.0f GFLOP/s" % (2 * 2048**3 / best * 1e-9))
PY

if [ "$BATCHES" = 0 ]; then LIMIT=(--epochs 1); else LIMIT=(--steps "$BATCHES"); fi
GPTC_THREADS=$THREADS /usr/bin/time -f %M -o build/bench/rss.g "$EXE" --data "$DATA" "${LIMIT[@]}" \
  --eval-iters 1 > build/bench/translate-gptc.log 2>&1
tail -1 build/bench/translate-gptc.log > build/bench/translate-gptc.json
# the padding of the epoch's batches (the run's first line)
grep -o "padding [0-9.]*%" build/bench/translate-gptc.log | head -1 | tr -dc '0-9.' > build/bench/translate-padding || true
for mode in eager compile; do
  /usr/bin/time -f %M -o "build/bench/rss.$mode" "$VENV/bin/python" bench/torch_translate.py "$DATA" "$mode" \
    "$THREADS" "$BATCHES" "$BUCKETS" > "build/bench/translate-$mode.json"
done
/usr/bin/python3 - <<'PY'
import json
g = json.loads(open("build/bench/translate-gptc.json").read().splitlines()[-1])
pad = open("build/bench/translate-padding").read().strip() or "?"
rss = lambda name: int(open("build/bench/rss." + name).read().split()[-1]) / 1024
print("padding: gptc's over the whole epoch's batches (bucket shapes), torch's over the timed batches")
print("%-14s %7s %10s %12s %9s %8s %8s" % ("", "steps", "ms/step", "target tok/s", "padding", "RSS MB", "gptc is"))
print("%-14s %7d %10.1f %12.0f %8s%% %8.0f %8s" % ("gptc", g["steps"], g["ms_per_step"], g["target_tokens_per_second"],
                                                 pad, rss("g"), ""))
for mode in ("eager", "compile"):
    t = json.loads(open("build/bench/translate-%s.json" % mode).read().splitlines()[-1])
    print("%-14s %7d %10.1f %12.0f %8.1f%% %8.0f %7.2fx" % ("torch " + mode, t["steps"], t["ms_per_step"],
          t["target_tokens_per_second"], 100 * t["padding"], rss(mode),
          g["target_tokens_per_second"] / t["target_tokens_per_second"]))
PY
