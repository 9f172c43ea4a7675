#!/usr/bin/env bash
# Training speed, gptc vs PyTorch, side by side in one run, as a ratio.
#
# Each contender trains the same model on Fashion-MNIST (same batch size and
# optimizer) for EPOCHS epochs, RUNS times; the figure is the best epoch time
# (training plus evaluation of 10k validation and 10k test images).
# The peer gets its best setting: Debian's python3-torch with OpenBLAS told the
# core type (OPENBLAS_CORETYPE, since 0.3.21 misdetects recent CPUs). Both run
# at 1 thread and at every core (GPTC_THREADS / torch.set_num_threads).
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
printf "%-12s %-8s %14s %14s %12s\n" model threads "gptc s/epoch" "torch s/epoch" "torch/gptc"

best_of() { # best_of CMD...: the smallest seconds_per_epoch over $RUNS runs
  local best=""
  for r in $(seq "$RUNS"); do
    local s
    s=$("$@" | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])["seconds_per_epoch"])')
    best=$(/usr/bin/python3 -c "print(min($s, ${best:-$s}))")
  done
  echo "$best"
}

cores=$(nproc)
for model in mlp mlp_modern; do
  build/bin/gptc "examples/$model.dsl" -o "build/bench/$model"
  # One core: both pinned to one thread (torch's OpenBLAS too).
  g=$(GPTC_THREADS=1 best_of "build/bench/$model" --epochs "$EPOCHS" --quiet)
  t=$(OPENBLAS_NUM_THREADS=1 best_of /usr/bin/python3 bench/torch_mlp.py "$model" "$EPOCHS" 1)
  printf "%-12s %-8s %14.3f %14.3f %11.2fx\n" "$model" 1 "$g" "$t" "$(/usr/bin/python3 -c "print($t / $g)")"
  # Every core: torch gets the best of its settings measured here: OpenBLAS on
  # every core, idle OpenMP threads passive, and 1 or all intra-op threads.
  g=$(best_of "build/bench/$model" --epochs "$EPOCHS" --quiet)
  t1=$(OMP_WAIT_POLICY=passive best_of /usr/bin/python3 bench/torch_mlp.py "$model" "$EPOCHS" 1)
  tn=$(OMP_WAIT_POLICY=passive best_of /usr/bin/python3 bench/torch_mlp.py "$model" "$EPOCHS" "$cores")
  t=$(/usr/bin/python3 -c "print(min($t1, $tn))")
  printf "%-12s %-8s %14.3f %14.3f %11.2fx\n" "$model" "$cores" "$g" "$t" "$(/usr/bin/python3 -c "print($t / $g)")"
done
