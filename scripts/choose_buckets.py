#!/usr/bin/env python3
"""Chooses (source, target) length buckets for a translation model from its
training split, as examples/translate_multi30k.dsl's were chosen.

Usage: scripts/choose_buckets.py DIR [N=11] [--src de --tgt en --batch 128]
       [--enc-weight 1.57 --dec-weight 3.9] [--start S:T,S:T,...]

Lengths are the runtime's: tokens (lowercased words and punctuation, Python's
\\w+|[^\\w\\s]) plus <eos> for the source and plus <bos> for the target. A pair
goes to the smallest bucket it fits (by S + T, as bucketBatches in
runtime/src/translation.cpp); each bucket's batches are full but the last,
which is computed whole anyway. The cost of an epoch is the computed positions
weighted by the work per position: --enc-weight for a source position and
--dec-weight for a target one (the defaults are the Multi30k model's
parameters per token in millions: encoder 1.57, decoder plus output 3.9).
The search starts from one bucket at the longest pair (or from the --start
list) and adds one bucket at a time where it lowers the cost most, then
nudges each bucket but the new one by up to 2 in either length, twice.
`--start 12:11,14:14,17:17,20:20,24:23,28:29,32:34,48:48` (the example's
previous eight) gives the example's eleven, padding 10.9%. Prints the list in DSL syntax, the padding
and the cost relative to a single bucket.
"""
import argparse
import gzip
import math
import re
from collections import Counter

TOKEN = re.compile(r"\w+|[^\w\s]")


def lengths(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [len(TOKEN.findall(line.lower())) + 1 for line in f]


def find(directory, split, lang):
    for suffix in ("", ".gz"):
        path = "%s/%s.%s%s" % (directory, split, lang, suffix)
        try:
            open(path).close()
            return path
        except OSError:
            pass
    raise SystemExit("choose_buckets: no %s/%s.%s[.gz]" % (directory, split, lang))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("n", nargs="?", type=int, default=11)
    ap.add_argument("--src", default="de")
    ap.add_argument("--tgt", default="en")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--enc-weight", type=float, default=1.57)
    ap.add_argument("--dec-weight", type=float, default=3.9)
    ap.add_argument("--start", default="")
    args = ap.parse_args()

    pairs = Counter(zip(lengths(find(args.dir, "train", args.src)), lengths(find(args.dir, "train", args.tgt))))
    real = sum((s + t) * n for (s, t), n in pairs.items())

    def evaluate(buckets):
        members = [0] * len(buckets)
        for (s, t), n in pairs.items():
            fits = [i for i, (S, T) in enumerate(buckets) if S >= s and T >= t]
            if not fits:
                return math.inf, 1.0
            members[min(fits, key=lambda i: buckets[i][0] + buckets[i][1])] += n
        rows = [math.ceil(m / args.batch) * args.batch for m in members]
        cost = sum(r * (args.enc_weight * S + args.dec_weight * T) for r, (S, T) in zip(rows, buckets))
        computed = sum(r * (S + T) for r, (S, T) in zip(rows, buckets))
        return cost, 1 - real / computed

    longest = (max(s for s, _ in pairs), max(t for _, t in pairs))
    buckets = [tuple(int(x) for x in b.split(":")) for b in args.start.split(",") if b] or [longest]
    longest = max(buckets, key=lambda b: b[0] + b[1]) if args.start else longest
    candidates = [(S, T) for S in range(2, longest[0]) for T in range(2, longest[1])]
    while len(buckets) < args.n:
        buckets.append(min(candidates, key=lambda b: evaluate(buckets + [b])[0]))
        for _ in range(2):
            for i, b in enumerate(buckets[:-1]):  # not the one just added
                if b == longest:
                    continue
                moves = [(b[0] + x, b[1] + y) for x in range(-2, 3) for y in range(-2, 3)]
                buckets[i] = min(moves, key=lambda m: evaluate(buckets[:i] + [m] + buckets[i + 1:])[0])
    buckets.sort(key=lambda b: (b[0] + b[1], b))
    cost, padding = evaluate(buckets)
    print("buckets = [%s]" % ", ".join("(%d, %d)" % b for b in buckets))
    print("padding %.1f%% of computed positions; epoch cost %.3f of one (%d, %d) bucket"
          % (100 * padding, cost / evaluate([longest])[0], *longest))


if __name__ == "__main__":
    main()
