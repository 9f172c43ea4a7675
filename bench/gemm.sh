#!/usr/bin/env bash
# GEMM speed on the shapes of a GPT training step (bench/gemm_shapes.h): the
# runtime's GEMM (build/bin/gemm-bench) and torch.matmul (PyTorch from PyPI,
# MKL inside) side by side in one run, at the same thread count, with the
# machine's sgemm rate (torch.mm 2048^3) for reference. Shape by shape the two
# alternate window by window (windows of at least 10 ms), ROUNDS (default 20)
# rounds; the best window of each counts.
# Usage: [ROUNDS=20] bench/gemm.sh [THREADS=2] [CONFIG (4x4x128, 6x6x384, de-en; default all)]
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${1:-2}
CONFIG=${2:-}
VENV=${BENCH_VENV:-build/bench-venv}
scripts/setup.sh > /dev/null
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q torch numpy
fi
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $THREADS threads"
"$VENV/bin/python" - "$THREADS" <<'PY'
import sys, time, torch
torch.set_num_threads(int(sys.argv[1]))
a = torch.randn(2048, 2048); b = torch.randn(2048, 2048); torch.mm(a, b)
best = min((lambda s: (torch.mm(a, b), time.perf_counter() - s)[1])(time.perf_counter()) for _ in range(10))
print("machine sgemm (torch.mm 2048^3): %.0f GFLOP/s" % (2 * 2048**3 / best * 1e-9))
PY
# Shape by shape, the two alternate (ROUNDS rounds each, best of each), so a
# slow phase of the machine (10-30% on the 2-core VM) hits both.
GPTC_THREADS=$THREADS "$VENV/bin/python" bench/torch_gemm.py "$THREADS" $CONFIG --gptc build/bin/gemm-bench \
  --rounds "${ROUNDS:-20}" > build/gemm-side-by-side.jsonl
/usr/bin/python3 - <<'PY'
import json
rows = [json.loads(l) for l in open("build/gemm-side-by-side.jsonl")]
print("%-8s %-9s %-22s %10s %10s %8s" % ("config", "what", "batch x m x n x k (T)", "gptc GF/s", "torch GF/s", "ratio"))
for r in rows:
    shape = "%dx%dx%dx%d%s%s" % (r["batch"], r["m"], r["n"], r["k"], " tA" if r["ta"] else "", " tB" if r["tb"] else "")
    print("%-8s %-9s %-22s %10.1f %10.1f %7.2fx" % (r["config"], r["what"], shape, r["gptc_gflops"], r["torch_gflops"], r["ratio"]))
PY
