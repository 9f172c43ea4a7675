#!/usr/bin/env bash
# The one script a session with an H100/H200 runs (docs/gpu.md). That machine
# reaches nothing and installs nothing, so everything is built here first:
#
#   scripts/gpu-check.sh prepare [--data TEXT]
#       (here, with gptc built in build/) writes build/gpu-check/: the `train`
#       binaries (CPU and GPU builds of the MLP, of a 2-layer GPT for parity,
#       and the GPU builds of the 6x6x384 gpt_char; the GPTs' GPU builds also
#       with --precision=bf16), the shared libraries they
#       need beyond the C/C++ runtime, and with --data a copy of the text
#       (tinyshakespeare.txt) at build/gpu-check/data.txt. Carry build/gpu-check.
#
#   scripts/gpu-check.sh run [--dry-run] [--out DIR] [--peak-tflops X] TEXT
#       (on the GPU machine, from the repository root; TEXT is the carried
#       tinyshakespeare.txt, e.g. build/gpu-check/data.txt) within 8 minutes:
#       1. parity: the GPU and CPU binaries' --dump of the same weights and
#          batches (loss 1e-5, gradients 1e-4 relative; MLP on synthetic IDX
#          images, a 2-layer gpt_char on TEXT; the bf16 GPT's loss 1e-2); the
#          first GPU binary that fails or disagrees is run again with a wait
#          after every launch and under compute-sanitizer's memcheck, to name
#          the kernel at fault;
#       2. a profile (GPTC_CUDA_PROFILE) of 30 gpt_char steps: time per
#          kernel and per cuBLAS GEMM shape, generated kernels vs cuBLAS;
#       3. gpt_char 6x6x384 (batch 64, block 256, dropout 0.2) trained in
#          bf16 for 5000 steps or as many as fit in 4 minutes, then in f32
#          for as many as fit in 1 minute (TRAIN_S / TRAIN_F32_S seconds):
#          ms/step, tokens/s, MFU (against the bf16 or f32 dense peak), val
#          loss;
#       4. torch eager and torch.compile on the same step, if a torch with
#          CUDA is importable.
#       --dry-run (this machine, no GPU): everything that needs no GPU runs
#       (arguments, the bundle and the data found, the CPU halves of step 1),
#       and the script says that no GPU is present. Exit status 0 when every
#       step that ran passed.
set -u -o pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# Where the bundle is written and read (GPU_CHECK_BUNDLE; the tests use a
# directory of their own), and the gptc that prepare compiles with (GPTC).
BUNDLE="${GPU_CHECK_BUNDLE:-$ROOT/build/gpu-check}"
PY=python3 # run() picks the interpreter that has numpy (and torch) where there are several
say() { printf '%s\n' "gpu-check: $*"; }
die() { printf '%s\n' "gpu-check: error: $*" >&2; exit 1; }

prepare() {
  local data=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --data) data="${2:?--data needs a file}"; shift 2 ;;
      *) die "prepare: unknown argument '$1' (usage: gpu-check.sh prepare [--data TEXT])" ;;
    esac
  done
  local gptc="${GPTC:-$ROOT/build/bin/gptc}"
  [ -x "$gptc" ] || die "prepare: no gptc at $gptc (build first: ninja -C build)"
  rm -rf "$BUNDLE" && mkdir -p "$BUNDLE/lib"
  local ex="$ROOT/examples"
  say "prepare: compiling (the 6x6x384 GPT's GPU build takes a minute)"
  "$gptc" "$ex/mlp.dsl" -o "$BUNDLE/mlp_cpu" || die "prepare: mlp (cpu)"
  "$gptc" "$ex/mlp.dsl" --target=cuda -o "$BUNDLE/mlp_gpu" || die "prepare: mlp (cuda)"
  "$gptc" "$ex/gpt_char.dsl" -D n_layer=2 -D batch=16 -o "$BUNDLE/gpt2_cpu" || die "prepare: gpt2 (cpu)"
  "$gptc" "$ex/gpt_char.dsl" -D n_layer=2 -D batch=16 --target=cuda -o "$BUNDLE/gpt2_gpu" || die "prepare: gpt2 (cuda)"
  "$gptc" "$ex/gpt_char.dsl" --target=cuda -o "$BUNDLE/gpt_gpu" || die "prepare: gpt_char (cuda)"
  "$gptc" "$ex/gpt_char.dsl" -D n_layer=2 -D batch=16 --target=cuda --precision=bf16 -o "$BUNDLE/gpt2_gpu_bf16" ||
    die "prepare: gpt2 (cuda, bf16)"
  "$gptc" "$ex/gpt_char.dsl" --target=cuda --precision=bf16 -o "$BUNDLE/gpt_gpu_bf16" || die "prepare: gpt_char (cuda, bf16)"
  # Libraries a bare machine may lack (libomp from Debian's LLVM); the C and
  # C++ runtimes and zlib are everywhere.
  ldd "$BUNDLE/gpt_gpu" | awk '/=> \// {print $3}' | grep -E 'libomp' | while read -r lib; do
    cp -L "$lib" "$BUNDLE/lib/"
  done
  if [ -n "$data" ]; then
    [ -f "$data" ] || die "prepare: no file $data"
    cp "$data" "$BUNDLE/data.txt"
  fi
  du -sh "$BUNDLE" | awk -v b="$BUNDLE" '{print "gpu-check: prepare: " $1 " in " b " (carry it; the run tool takes 64 MiB)"}'
}

# --- run -------------------------------------------------------------------

DRY=0
OUT=""
PEAK=""
PEAK_BF16=""
GPU_NAME=""
FAILED=0

# Runs a command under a time limit, its output in $OUT/NAME.log; prints the
# last line on failure. Returns the command's status.
step() {
  local name="$1" limit="$2"
  shift 2
  timeout "$limit" "$@" >"$OUT/$name.log" 2>&1
  local rc=$?
  if [ $rc -eq 124 ]; then
    say "$name: stopped after ${limit}s"
  elif [ $rc -eq 132 ]; then
    say "$name: illegal instruction: the binaries are built for the preparing machine's CPU (-march=native" \
      "and gptc's host features); prepare on a machine whose CPU this one has"
  elif [ $rc -ne 0 ]; then
    say "$name: exit status $rc: $(tail -n 1 "$OUT/$name.log")"
  fi
  return $rc
}

summary_field() { # FILE KEY: a number from the JSON summary line of a `train` run
  python3 -c 'import json,sys
for line in open(sys.argv[1]):
    if line.startswith("{") and "\"ms_per_step\"" in line:
        d = json.loads(line)
        v = d.get(sys.argv[2]); print("" if v is None else v)' "$1" "$2" | tail -n 1
}

detect_gpu() {
  # The GPU binary's own test: it names the GPU, or says in one line why not.
  local probe rc
  probe="$(timeout 120 "$BUNDLE/gpt_gpu" --data "$TEXT" --steps 1 --eval-iters 1 --quiet 2>&1 >/dev/null)"
  rc=$?
  GPU_NAME="$(printf '%s\n' "$probe" | sed -n 's/^gptc: GPU 0: \(.*\) (sm_.*/\1/p')"
  if [ -z "$GPU_NAME" ]; then
    [ $rc -eq 132 ] && probe="illegal instruction: the binaries are built for another CPU (prepare on a machine whose CPU this one has)"
    say "no usable GPU: $(printf '%s\n' "$probe" | head -n 1)"
    return 1
  fi
  [ $rc -ne 0 ] && say "the first GPU step failed: $(printf '%s\n' "$probe" | tail -n 1)"
  say "GPU: $(printf '%s\n' "$probe" | sed -n 's/^gptc: GPU 0: //p')"
}

DIAGNOSED=0
diagnose() { # COMMAND...: where a GPU binary that failed or disagreed goes wrong (once per run)
  [ "$DIAGNOSED" = 1 ] && return 0
  DIAGNOSED=1
  # A wait after every launch: a fault is reported with the kernel that made it.
  GPTC_CUDA_SYNC=1 step diagnose-sync 120 "$@"
  say "diagnose: with a wait after every launch (GPTC_CUDA_SYNC=1): $(tail -n 1 "$OUT/diagnose-sync.log")"
  # compute-sanitizer's memcheck: out-of-bounds and misaligned accesses, by kernel.
  local sanitizer
  sanitizer="$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null)"
  if [ -z "$sanitizer" ]; then
    say "diagnose: no compute-sanitizer here"
    return 0
  fi
  step diagnose-memcheck 180 "$sanitizer" --tool memcheck --print-limit 20 "$@"
  say "diagnose: compute-sanitizer memcheck, the first errors (all in $OUT/diagnose-memcheck.log):"
  grep -E '^=========' "$OUT/diagnose-memcheck.log" | head -n 30 | sed 's/^/    /'
}

check_parity() { # NAME [--bf16], DATA ARGS...: the GPU binary NAME_gpu (NAME_gpu_bf16) against NAME_cpu
  local name="$1" suffix="" rtol=1e-5
  shift
  if [ "${1:-}" = --bf16 ]; then
    suffix=_bf16 rtol=1e-2 # bf16 products: the loss within 1e-2; gradients reported, not judged
    shift
  fi
  local dump="--dump-steps 2 --seed 1"
  step "parity-$name-cpu" 120 "$BUNDLE/${name}_cpu" "$@" --dump "$OUT/$name.cpu.safetensors" $dump || return 1
  local cmp="$ROOT/test/tools/compare_dumps.py" a="$OUT/$name.gpu.safetensors" b="$OUT/$name.cpu.safetensors"
  if [ "$DRY" = 1 ] && [ -z "$GPU_NAME" ]; then
    # The comparison itself is exercised on the CPU dump against itself.
    local self
    self="$($PY "$cmp" "$b" "$b" 0 param. input. batch lr final.)" || return 1
    say "parity $name$suffix: CPU dump written; compared with itself: $self; GPU half skipped (no GPU)"
    return 0
  fi
  a="$OUT/$name$suffix.gpu.safetensors"
  if ! step "parity-$name$suffix-gpu" 120 "$BUNDLE/${name}_gpu$suffix" "$@" --dump "$a" $dump; then
    diagnose "$BUNDLE/${name}_gpu$suffix" "$@" --dump "$OUT/diagnose.safetensors" $dump
    return 1
  fi
  local loss grads final ok=0
  loss="$($PY "$cmp" "$a" "$b" $rtol param. input. grad. batch lr final.)" || ok=1
  if [ -z "$suffix" ]; then
    grads="$($PY "$cmp" "$a" "$b" 1e-4 param. input. loss batch lr final.)" || ok=1
  else
    grads="(reported only) $($PY "$cmp" "$a" "$b" 1e-2 param. input. loss batch lr final.)"
  fi
  final="$($PY "$cmp" "$a" "$b" 1e-4 param. input. loss batch lr grad.)" # reported, not judged
  say "parity $name$suffix: loss $loss"
  say "parity $name$suffix: gradients $grads"
  say "parity $name$suffix: params after 2 steps (reported only) $final"
  [ $ok -ne 0 ] && [ -z "$suffix" ] && diagnose "$BUNDLE/${name}_gpu" "$@" --dump "$OUT/diagnose.safetensors" $dump
  return $ok
}

run_profile() {
  GPTC_CUDA_PROFILE="$OUT/profile.txt" step profile 120 "$BUNDLE/gpt_gpu" --data "$TEXT" --steps 30 --eval-iters 1 \
    --quiet || return 1
  say "profile of 30 gpt_char steps (with one evaluation batch), slowest first:"
  head -n 31 "$OUT/profile.txt" | sed 's/^profile: /    /'
  say "$(grep '^profile-total' "$OUT/profile.txt" | sed 's/^profile-total: //')"
  say "by class (the compiler's kind of each kernel, compiler/GPU/KernelTags.h; cuBLAS's GEMMs plain and batched;" \
    "kernels: distinct kernels, or GEMM shapes):"
  grep '^profile-class' "$OUT/profile.txt" | sed 's/^profile-class: /    /'
  PROFILE_MS="$(summary_field "$OUT/profile.log" median_ms_per_step)"
  say "profiled median ms/step: $PROFILE_MS (a timing event around every launch)"
}

train_gpt() { # PRECISION (f32 | bf16) SECONDS MS_PER_STEP: as many steps as fit, at most 5000
  local precision="$1" budget="$2" ms="${3:-1000}" bin="$BUNDLE/gpt_gpu" peak="$PEAK" steps
  [ "$precision" = bf16 ] && bin="$BUNDLE/gpt_gpu_bf16" peak="$PEAK_BF16"
  steps="$(python3 -c "import sys; print(max(10, min(5000, int(float(sys.argv[2]) * 1000 / max(float(sys.argv[1]), 1e-3) * 0.9))))" "$ms" "$budget")"
  [ "$steps" -lt 5000 ] && say "train $precision: $steps steps fit in $budget s at ${ms} ms/step (not 5000)" ||
    say "train $precision: 5000 steps"
  # One evaluation at the end (200 batches), not every 250 steps: the time goes to training.
  step "train-$precision" $((budget + 50)) "$bin" --data "$TEXT" --steps "$steps" --eval-interval "$steps" \
    --eval-iters 200 --quiet || return 1
  local msps tps val params
  msps="$(summary_field "$OUT/train-$precision.log" ms_per_step)"
  tps="$(summary_field "$OUT/train-$precision.log" tokens_per_second)"
  val="$(summary_field "$OUT/train-$precision.log" val_loss)"
  params="$("$bin" info | python3 -c 'import json,sys,math
m = json.load(sys.stdin); print(sum(math.prod(p["shape"]) for p in m["params"]))')"
  python3 - "$msps" "$tps" "$val" "$params" "$peak" "$steps" "$precision" <<'EOF'
import sys
ms, tps, val, params, peak, steps, precision = sys.argv[1:8]
L, C, T = 6, 384, 256
flops_per_token = 6 * int(params) + 12 * L * C * T  # PaLM's estimate, attention included
mfu = float(tps) * flops_per_token / (float(peak) * 1e12)
print(f"gpu-check: train {precision}: {steps} steps, {float(ms):.2f} ms/step, {float(tps):.0f} tokens/s, "
      f"MFU {100 * mfu:.2f}% of {float(peak):.1f} TFLOP/s {precision} ({int(params)} params, "
      f"{flops_per_token / 1e6:.1f} MFLOP/token), val loss {val}")
EOF
}

run_torch() {
  if ! $PY -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    say "torch: no torch with CUDA importable here: skipped"
    return 0
  fi
  local mode
  for mode in eager compile; do
    step "torch-$mode" 100 $PY "$ROOT/bench/torch_gpt.py" 6 6 384 256 64 20 "$mode" 8 cuda &&
      say "torch $mode: $(tail -n 1 "$OUT/torch-$mode.log")"
  done
}

run() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --dry-run) DRY=1; shift ;;
      --out) OUT="${2:?--out needs a directory}"; shift 2 ;;
      --peak-tflops) PEAK="${2:?--peak-tflops needs a number}"; shift 2 ;;
      -*) die "run: unknown option '$1'" ;;
      *) break ;;
    esac
  done
  [ $# -eq 1 ] || die "run: usage: gpu-check.sh run [--dry-run] [--out DIR] [--peak-tflops X] TEXT"
  TEXT="$1"
  [ -f "$TEXT" ] || die "run: no text file $TEXT (carry /work/shared/data/tinyshakespeare.txt, or prepare --data)"
  local bin
  for bin in mlp_cpu mlp_gpu gpt2_cpu gpt2_gpu gpt2_gpu_bf16 gpt_gpu gpt_gpu_bf16; do
    [ -x "$BUNDLE/$bin" ] || die "run: no $BUNDLE/$bin (run scripts/gpu-check.sh prepare where gptc is built, carry build/gpu-check)"
  done
  # libomp from the bundle; cuBLAS (12 or 13) from the toolkit or a torch
  # wheel's nvidia package when the loader's default paths lack it.
  local libs="$BUNDLE/lib" dir
  for dir in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
    $(python3 -c 'import nvidia.cublas, os; print(os.path.join(list(nvidia.cublas.__path__)[0], "lib"))' 2>/dev/null); do
    [ -d "$dir" ] && libs="$libs:$dir"
  done
  export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  OUT="${OUT:-$(mktemp -d /tmp/gpu-check.XXXXXX)}"
  mkdir -p "$OUT"
  # The driver compiles each binary's PTX for the GPU when it loads it (the
  # 6x6x384 GPT's 616 kernels: ptxas takes 13 s here); its cache, in a
  # directory that is surely writable, makes that once per PTX, not once per
  # run (the bf16 binaries' PTX is the f32 ones').
  export CUDA_CACHE_PATH="${CUDA_CACHE_PATH:-$OUT/cuda-cache}" CUDA_CACHE_MAXSIZE="${CUDA_CACHE_MAXSIZE:-1073741824}"
  say "bundle $BUNDLE, text $TEXT, logs in $OUT"
  local start=$SECONDS
  if ! detect_gpu; then
    [ "$DRY" = 1 ] || die "run: no GPU: nothing to check (--dry-run runs what needs none)"
  fi
  [ "$DRY" = 1 ] && say "dry run: the GPU steps run only where a GPU is present"
  # MFU's peaks: dense f32 (no tensor cores: cuBLAS runs full f32 unless
  # GPTC_CUDA_TF32=1) and dense bf16 on the tensor cores (--precision=bf16).
  if [ -z "$PEAK" ]; then
    case "$GPU_NAME" in
      *H100*PCIe*) PEAK=51.2 ;;
      *H100* | *H200* | *GH200*) PEAK=66.9 ;;
      *A100*) PEAK=19.5 ;;
      *) PEAK=66.9 ;;
    esac
  fi
  if [ -z "$PEAK_BF16" ]; then
    case "$GPU_NAME" in
      *H100*PCIe*) PEAK_BF16=756 ;;
      *H100* | *H200* | *GH200*) PEAK_BF16=989 ;;
      *A100*) PEAK_BF16=312 ;;
      *) PEAK_BF16=989 ;;
    esac
  fi

  say "1. parity, GPU vs CPU"
  mkdir -p "$OUT/idx"
  python3 "$ROOT/test/tools/make_idx.py" "$OUT/idx" train --images 40 --labels 40 >/dev/null &&
    python3 "$ROOT/test/tools/make_idx.py" "$OUT/idx" t10k --images 20 --labels 20 >/dev/null ||
    die "run: cannot write the synthetic IDX images"
  local candidate
  for candidate in python3 /usr/bin/python3 /usr/local/bin/python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import numpy' 2>/dev/null; then
      PY="$candidate"
      break
    fi
  done
  $PY -c 'import numpy' 2>/dev/null && say "python: $PY (numpy $($PY -c 'import numpy; print(numpy.__version__)'))" ||
    say "parity: no python3 with numpy here: the dumps cannot be compared"
  check_parity mlp --data "$OUT/idx" --validation 10 || FAILED=1
  check_parity gpt2 --data "$TEXT" || FAILED=1
  check_parity gpt2 --bf16 --data "$TEXT" || FAILED=1
  if [ -n "$GPU_NAME" ]; then
    say "2. profile"
    run_profile || FAILED=1
    say "3. train gpt_char 6x6x384"
    # bf16's speed, from a short run, sizes its training run.
    local bf16_ms=""
    step train-probe-bf16 120 "$BUNDLE/gpt_gpu_bf16" --data "$TEXT" --steps 20 --eval-iters 1 --quiet &&
      bf16_ms="$(summary_field "$OUT/train-probe-bf16.log" median_ms_per_step)"
    train_gpt bf16 "${TRAIN_S:-240}" "${bf16_ms:-$PROFILE_MS}" || FAILED=1
    train_gpt f32 "${TRAIN_F32_S:-60}" "$PROFILE_MS" || FAILED=1
    say "4. torch"
    # The whole check stays within 8 minutes: torch.compile alone can take two.
    if [ $((SECONDS - start)) -gt 360 ]; then
      say "torch: skipped, $((SECONDS - start)) s used of the 8 minutes"
    else
      run_torch || FAILED=1
    fi
  else
    say "2-4 (profile, training, torch): skipped, no GPU"
    $PY -c 'import torch; print("gpu-check: torch " + torch.__version__ + " importable, CUDA available: " + str(torch.cuda.is_available()))' 2>/dev/null ||
      say "torch: not importable"
  fi
  say "done in $((SECONDS - start)) s: $([ $FAILED = 0 ] && echo 'every step that ran passed' || echo 'FAILED (see above)')"
  return $FAILED
}

case "${1:-}" in
  prepare) shift; prepare "$@" ;;
  run) shift; run "$@" ;;
  *) die "usage: gpu-check.sh prepare [--data TEXT] | run [--dry-run] [--out DIR] [--peak-tflops X] TEXT" ;;
esac
