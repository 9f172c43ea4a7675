"""Compares two `./train --dump` files tensor by tensor.

usage: compare_dumps.py A.safetensors B.safetensors TOLERANCE [SKIP_PREFIX...]
Prints the worst relative error (max |a - b| / max |b|) and PASS or FAIL.
Tensors whose names start with a SKIP_PREFIX are not compared.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_np  # noqa: E402


def main():
    a, _ = safetensors_np.load(sys.argv[1])
    b, _ = safetensors_np.load(sys.argv[2])
    tol = float(sys.argv[3])
    skip = tuple(sys.argv[4:])
    if sorted(a) != sorted(b):
        print("FAIL: different tensors", sorted(a), sorted(b))
        return 1
    worst, where = 0.0, ""
    for name in sorted(a):
        if skip and name.startswith(skip):
            continue
        x, y = a[name].astype(np.float64), b[name].astype(np.float64)
        scale = float(np.max(np.abs(y))) or 1.0
        err = float(np.max(np.abs(x - y))) / scale if x.size else 0.0
        if err > worst:
            worst, where = err, name
    ok = worst <= tol
    print(f"{'PASS' if ok else 'FAIL'}: worst relative error {worst:.2e} in {where or '-'} (tolerance {tol:.0e})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
