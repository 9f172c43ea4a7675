"""Checks that a training run's checkpoint holds exactly the params a
`./train --dump` of the same settings ended with (its final.NAME tensors):
the same batches, in the same order, went into both.

usage: final_params_match.py DUMP.safetensors CHECKPOINT.safetensors
Prints "identical: N params" or the first param that differs (exit status 1).
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_np  # noqa: E402


def main():
    dump, _ = safetensors_np.load(sys.argv[1])
    ckpt, _ = safetensors_np.load(sys.argv[2])
    finals = sorted(n for n in dump if n.startswith("final."))
    if not finals:
        print("no final.* tensors in " + sys.argv[1])
        return 1
    for name in finals:
        param = name[len("final."):]
        if param not in ckpt:
            print("DIFFERENT: the checkpoint has no " + param)
            return 1
        a, b = dump[name], ckpt[param]
        if a.shape != b.shape or not np.array_equal(a, b):
            worst = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) if a.shape == b.shape else -1
            print("DIFFERENT: %s (max |difference| %g)" % (param, worst))
            return 1
    print("identical: %d params" % len(finals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
