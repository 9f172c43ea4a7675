"""SIGKILL at random moments never costs a checkpoint: a run saving as it goes is
killed several times (a fixed seed picks the moments); after each kill the
checkpoint must load (the old one or the new one, never a part), the next run
resumes from it, and the last one, run to the end, must give exactly the losses
of an uninterrupted run.

usage: kill_resume.py SEED KILLS WORKDIR -- TRAIN_COMMAND...
TRAIN_COMMAND trains with --save; {} stands for the checkpoint path.
"""
import json
import os
import random
import signal
import subprocess
import sys
import time


def summary(text):
    line = [l for l in text.splitlines() if l.startswith("{")][-1]
    s = json.loads(line)
    for timing in ("seconds", "train_seconds", "ms_per_step", "tokens_per_second", "examples_per_second"):
        s.pop(timing, None)
    return s


def main():
    seed, kills, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    command = sys.argv[sys.argv.index("--") + 1:]
    os.makedirs(work, exist_ok=True)
    with_ckpt = lambda path: [a.replace("{}", path) for a in command]

    reference = os.path.join(work, "reference.ckpt")
    start = time.time()
    ref = subprocess.run(with_ckpt(reference), capture_output=True, text=True, check=True)
    full_seconds = time.time() - start

    ckpt = os.path.join(work, "killed.ckpt")
    rng = random.Random(seed)
    survived = broken = 0
    for k in range(kills):
        args = with_ckpt(ckpt) + (["--resume", ckpt] if os.path.exists(ckpt) else [])
        run = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.05, 0.3) * full_seconds)
        if run.poll() is not None:
            print(f"kill {k}: the run had already finished")
            continue
        run.send_signal(signal.SIGKILL)
        run.wait()
        if not os.path.exists(ckpt):
            print(f"kill {k}: killed before the first checkpoint")
            continue
        # The checkpoint must load: a resumed run with nothing left to do reads it whole.
        check = subprocess.run(with_ckpt(os.path.join(work, "check.ckpt")) + ["--resume", ckpt, "--steps", "1"],
                               capture_output=True, text=True)
        ok = check.returncode == 0
        survived += ok
        broken += not ok
        print(f"kill {k}: checkpoint {'loads' if ok else 'BROKEN: ' + check.stderr.strip()}")
    final = subprocess.run(with_ckpt(ckpt) + (["--resume", ckpt] if os.path.exists(ckpt) else []),
                           capture_output=True, text=True, check=True)
    a, b = summary(ref.stdout), summary(final.stdout)
    print("uninterrupted:", json.dumps(a, sort_keys=True))
    print("killed+resumed:", json.dumps(b, sort_keys=True))
    print(f"{survived} kills after a checkpoint: every checkpoint loaded" if broken == 0 else f"{broken} BROKEN")
    print("identical" if a == b else "DIFFERENT")
    return 0 if a == b and broken == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
