"""Compares the losses and accuracies of two `train` summaries (the last JSON
line of each file) within a relative tolerance; prints one line, exits 1 when
a field differs or is missing.

usage: same_losses.py A B [RTOL=1e-5]
"""
import json, sys

def summary(path):
    return [json.loads(l) for l in open(path) if l.startswith("{")][-1]

a, b = summary(sys.argv[1]), summary(sys.argv[2])
rtol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-5
fields = [k for k in a if k.endswith("loss") or k.endswith("accuracy")]
worst, bad = 0.0, []
for k in fields:
    if k not in b:
        bad.append(k + " missing")
        continue
    diff = abs(a[k] - b[k]) / max(abs(a[k]), abs(b[k]), 1e-30)
    worst = max(worst, diff)
    if diff > rtol:
        bad.append("%s: %r vs %r" % (k, a[k], b[k]))
if not fields or bad:
    print("DIFFERENT:", "; ".join(bad) or "no loss fields")
    sys.exit(1)
print("same losses: %d fields within %g (largest relative difference %.1e)" % (len(fields), rtol, worst))
