#!/usr/bin/env bash
# Training speed, gptc vs PyTorch, side by side in one run, as a ratio.
#
# Each contender trains the same model on Fashion-MNIST (same batch size and
# optimizer) for EPOCHS epochs, RUNS times; the figure is the best epoch time
# (training plus evaluation of 10k validation and 10k test images).
# The peer gets its best setting: Debian's python3-torch with OpenBLAS told the
# core type (OPENBLAS_CORETYPE, since 0.3.21 misdetects recent CPUs), at 1 thread
# (gptc's runtime is single-threaded) and at every core.
# Usage: bench/run.sh [EPOCHS=2] [RUNS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${1:-2}
RUNS=${2:-3}

scripts/setup.sh > /dev/null
# The peer's BLAS: OpenBLAS instead of Debian's reference BLAS (torch uses libblas.so.3).
if ! dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q "install ok installed"; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -qq --no-install-recommends libopenblas0-pthread > /dev/null
fi
case "$(grep -m1 -o 'avx512f' /proc/cpuinfo || true)" in
  avx512f) export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX} ;;
  *)       export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell} ;;
esac

mkdir -p build/bench
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE"
echo "epochs per run: $EPOCHS, runs: $RUNS (best epoch reported)"
printf "%-12s %-28s %10s %10s\n" model contender "s/epoch" "vs gptc"
for model in mlp mlp_modern; do
  build/bin/gptc "examples/$model.dsl" -o "build/bench/$model"
  best=""
  for r in $(seq "$RUNS"); do
    s=$("build/bench/$model" --epochs "$EPOCHS" --quiet | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])["seconds_per_epoch"])')
    best=$(/usr/bin/python3 -c "print(min(x for x in [$s, ${best:-$s}]))")
  done
  printf "%-12s %-28s %10.3f %10s\n" "$model" "gptc (1 thread)" "$best" "1.00x"
  for threads in 1 "$(nproc)"; do
    tb=""
    for r in $(seq "$RUNS"); do
      # OpenBLAS threads = torch threads, and idle OpenMP threads must not spin
      # against them: measured best on this 2-core machine.
      t=$(OPENBLAS_NUM_THREADS=$threads OMP_WAIT_POLICY=passive \
          /usr/bin/python3 bench/torch_mlp.py "$model" "$EPOCHS" "$threads" | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["seconds_per_epoch"])')
      tb=$(/usr/bin/python3 -c "print(min(x for x in [$t, ${tb:-$t}]))")
    done
    ratio=$(/usr/bin/python3 -c "print(f'{$tb / $best:.2f}x')")
    printf "%-12s %-28s %10.3f %10s\n" "$model" "torch 1.13+OpenBLAS ($threads thr)" "$tb" "$ratio"
  done
done
