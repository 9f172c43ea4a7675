"""Checks a training run's output.

usage: metrics.py decreasing METRICS.jsonl [ends]  the train loss went down epoch over epoch
                                                (ends: from the first record to the last)
       metrics.py same SUMMARY_A SUMMARY_B      two runs' last JSON lines agree exactly
                                                (every field but wall-clock time)
       metrics.py close A B TOL FIELD...        the fields agree to relative TOL
       metrics.py below A B RATIO FIELD         A's field is below RATIO times B's
"""
import json
import sys


def last_json(path):
    with open(path) as f:
        lines = [l for l in f.read().splitlines() if l.startswith("{")]
    return json.loads(lines[-1])


def main():
    mode = sys.argv[1]
    if mode == "decreasing":
        with open(sys.argv[2]) as f:
            losses = [json.loads(l)["train_loss"] for l in f if l.strip()]
        if len(sys.argv) > 3:  # a language model's estimates: only the first and last must drop
            losses = [losses[0], losses[-1]]
        print("train losses:", " ".join(f"{x:.4f}" for x in losses))
        ok = len(losses) >= 2 and all(b < a for a, b in zip(losses, losses[1:]))
        print("loss went down" if ok else "loss did NOT go down")
        return 0 if ok else 1
    if mode == "same":
        a, b = last_json(sys.argv[2]), last_json(sys.argv[3])
        for s in (a, b):
            for timing in ("seconds", "seconds_per_epoch", "train_seconds", "ms_per_step", "median_ms_per_step",
                           "tokens_per_second", "target_tokens_per_second", "examples_per_second"):
                s.pop(timing, None)
        print(json.dumps(a, sort_keys=True))
        print(json.dumps(b, sort_keys=True))
        print("identical" if a == b else "DIFFERENT")
        return 0 if a == b else 1
    if mode == "close":  # close A B TOL FIELD...: the fields agree to a relative TOL
        a, b, tol = last_json(sys.argv[2]), last_json(sys.argv[3]), float(sys.argv[4])
        ok = True
        for field in sys.argv[5:]:
            err = abs(a[field] - b[field]) / max(abs(b[field]), 1e-30)
            print(f"{field}: {a[field]} vs {b[field]} (rel {err:.1e})")
            ok &= err <= tol
        print("close" if ok else "NOT close")
        return 0 if ok else 1
    if mode == "below":  # below A B RATIO FIELD: A's field is under RATIO times B's
        a, b, ratio, field = last_json(sys.argv[2]), last_json(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
        ok = a[field] < ratio * b[field]
        print(f"{field}: {a[field]} vs {b[field]}: {'below' if ok else 'NOT below'} {ratio} times")
        return 0 if ok else 1
    raise SystemExit("unknown mode " + mode)


if __name__ == "__main__":
    sys.exit(main())
