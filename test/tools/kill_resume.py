"""SIGKILL a language-model run at random moments; it must never cost a checkpoint.

usage: kill_resume.py TRAIN DATA WORKDIR [--kills N] [--seed S] [--steps N] [--eval-interval N]

1. An uninterrupted run of --steps steps gives the reference JSON summary.
2. The same run, saving a checkpoint every --eval-interval steps, is started (resuming
   from the checkpoint when there is one) and killed with SIGKILL after a random delay
   (random.Random(seed)), --kills times. After each kill the checkpoint, if any, must be
   whole: the safetensors reader of test/tools reads it and `TRAIN --resume` loads it.
3. A last resumed run goes to the end; its summary must equal the reference exactly
   (metrics.py same), and no temporary file may be left beside the checkpoint.
Prints one line per kill and 'identical' at the end; exits 1 on any failure.
"""
import argparse
import json
import os
import random
import signal
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_np  # noqa: E402


def fail(message):
    print("FAILED:", message)
    sys.exit(1)


def checkpoint_step(path):
    """The step in the metadata, read with nothing but the format's definition."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return int(json.loads(f.read(n))["__metadata__"]["gptc.step"])


def temporaries(directory):
    return sorted(name for name in os.listdir(directory) if ".tmp." in name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("train")
    ap.add_argument("data")
    ap.add_argument("workdir")
    ap.add_argument("--kills", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--eval-interval", type=int, default=10)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    ckpt = os.path.join(a.workdir, "run.safetensors")
    for name in os.listdir(a.workdir):
        os.remove(os.path.join(a.workdir, name))
    common = [a.train, "--data", a.data, "--steps", str(a.steps), "--eval-interval", str(a.eval_interval),
              "--eval-iters", "2", "--quiet"]

    start = time.monotonic()
    straight = subprocess.run(common, capture_output=True, text=True)
    full_seconds = time.monotonic() - start
    if straight.returncode != 0:
        fail("the uninterrupted run failed: " + straight.stderr)
    with open(os.path.join(a.workdir, "straight.txt"), "w") as f:
        f.write(straight.stdout)

    # How long a run takes to write its first checkpoint (start-up, the first
    # --eval-interval steps, an evaluation, a save): kills must also land after
    # it, however fast the steps themselves are.
    first = os.path.join(a.workdir, "first.safetensors")
    start = time.monotonic()
    subprocess.run([a.train, "--data", a.data, "--steps", str(a.eval_interval), "--eval-interval",
                    str(a.eval_interval), "--eval-iters", "2", "--quiet", "--save", first], capture_output=True)
    first_seconds = time.monotonic() - start
    os.remove(first)

    rng = random.Random(a.seed)
    steps_seen = []
    for kill in range(1, a.kills + 1):
        resume = ["--resume", ckpt] if os.path.exists(ckpt) else []
        run = subprocess.Popen(common + ["--save", ckpt] + resume, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Spread the kills over about one uninterrupted run's time in all, and
        # at least over twice the time to the first checkpoint.
        delay = rng.uniform(0.0, max(1.5 * full_seconds / a.kills, 2.0 * first_seconds))
        try:
            run.wait(timeout=delay)
            what = "finished before the kill"
        except subprocess.TimeoutExpired:
            run.send_signal(signal.SIGKILL)
            run.wait()
            what = "killed"
        err = run.stderr.read().decode(errors="replace")
        run.stderr.close()
        if what == "finished before the kill" and run.returncode != 0:
            fail(f"run {kill} failed: {err}")
        left = temporaries(a.workdir)
        if len(left) > 1:  # only the killed writer's own, removed by the next save
            fail(f"after kill {kill}: temporaries pile up: {left}")
        if left:
            what += " while saving (its temporary is left)"
        if not os.path.exists(ckpt):
            print(f"kill {kill}: {what} after {delay:.3f} s, before the first checkpoint")
            continue
        try:
            step = checkpoint_step(ckpt)
            tensors, _ = safetensors_np.load(ckpt)
        except Exception as e:  # a partial file: header or data cut short
            fail(f"after kill {kill} ({what}): the checkpoint is not whole: {type(e).__name__}: {e}")
        if steps_seen and step < steps_seen[-1]:
            fail(f"after kill {kill}: the checkpoint went back from step {steps_seen[-1]} to {step}")
        steps_seen.append(step)
        # --steps = the checkpoint's step: load, evaluate, no training.
        check = subprocess.run(common[:3] + ["--steps", str(step)] + common[5:] + ["--resume", ckpt],
                               capture_output=True, text=True)
        if check.returncode != 0:
            fail(f"after kill {kill}: resuming from the step {step} checkpoint failed: {check.stderr}")
        print(f"kill {kill}: {what} after {delay:.3f} s; the checkpoint of step {step} "
              f"({len(tensors)} tensors) resumes")

    final = subprocess.run(common + ["--save", ckpt] + (["--resume", ckpt] if os.path.exists(ckpt) else []),
                           capture_output=True, text=True)
    if final.returncode != 0:
        fail("the last resumed run failed: " + final.stderr)
    with open(os.path.join(a.workdir, "resumed.txt"), "w") as f:
        f.write(final.stdout)
    if temporaries(a.workdir):
        fail(f"temporaries left after the last run: {temporaries(a.workdir)}")
    print(f"checkpoints after the kills: {len(steps_seen)}, steps {steps_seen}")
    same = subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "metrics.py"),
                           "same", os.path.join(a.workdir, "straight.txt"), os.path.join(a.workdir, "resumed.txt")],
                          capture_output=True, text=True)
    print(same.stdout, end="")
    return same.returncode


if __name__ == "__main__":
    sys.exit(main())
