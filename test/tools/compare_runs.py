"""Compares two same_training.sh outputs: every loss and accuracy of every summary
and metrics line must be equal (timings excepted), printing one line per file.

usage: compare_runs.py BEFORE_DIR AFTER_DIR
"""
import json, sys, glob, os
before, after = sys.argv[1], sys.argv[2]
TIMING = {"seconds", "seconds_per_epoch", "train_seconds", "ms_per_step", "median_ms_per_step", "tokens_per_second", "target_tokens_per_second", "examples_per_second"}
bad = 0
for f in sorted(glob.glob(before + "/*.summary")):
    name = os.path.basename(f)
    a = [json.loads(l) for l in open(f) if l.startswith("{")][-1]
    b = [json.loads(l) for l in open(os.path.join(after, name)) if l.startswith("{")][-1]
    diffs = {k: (a[k], b.get(k)) for k in a if k not in TIMING and a[k] != b.get(k)}
    print(name, "identical" if not diffs else diffs, "(%d fields compared)" % len([k for k in a if k not in TIMING]))
    bad += bool(diffs)
for f in sorted(glob.glob(before + "/*.jsonl")):
    name = os.path.basename(f)
    A = [json.loads(l) for l in open(f)]; B = [json.loads(l) for l in open(os.path.join(after, name))]
    keys = ("train_loss", "val_loss", "val_accuracy", "test_loss", "test_accuracy", "step")
    same = lambda x, y: x == y or (isinstance(x, float) and float("%.6g" % y) == x)  # old MLP lines printed 6 significant digits
    ok = len(A) == len(B) and all(same(a.get(k), b.get(k)) for a, b in zip(A, B) for k in keys if k in a)
    print(name, "identical losses per evaluation (%d lines)" % len(A) if ok else "DIFFERENT")
    bad += not ok
sys.exit(bad)
