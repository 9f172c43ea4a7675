"""Training speed of the Multi30k translation Transformer in PyTorch (the bench peer).

usage: torch_translate.py DATA_DIR MODE THREADS BATCHES [BUCKETS]

The model is test/Parity/transformer_parity.py's (torch.nn.TransformerEncoderLayer /
TransformerDecoderLayer, the shape of examples/translate_multi30k.dsl: 3 + 3
layers, d_model 256, 8 heads, FFN 512, dropout 0.1, tied output, label smoothing
0.1) with Adam (betas 0.9/0.98, eps 1e-9) and clip_grad_norm_(1.0). The data are
Multi30k's training pairs tokenized as gptc does (lowercase, \\w+|[^\\w\\s]),
vocabularies of the words seen at least twice (capped at 7882 / 5898), grouped
into the same length buckets as gptc (BUCKETS, "S,T;S,T;...") and cut into
batches of 128 in a seeded shuffle.

MODE eager pads each batch to its own longest pair (PyTorch's best: no bucket
padding at all); MODE compile runs torch.compile on the bucket shapes (static,
one graph per bucket, all compiled before timing). Times the first BATCHES
batches of the epoch (0: all) after one warm-up step per shape, and prints one
JSON line: steps, seconds, target tokens (labels that are not padding) per
second, and the fraction of computed positions that are padding.
"""
import collections
import gzip
import json
import os
import random
import re
import sys
import time

import torch
import torch.nn.functional as F  # noqa: F401

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "Parity"))
from transformer_parity import Transformer  # noqa: E402  (the parity test's reference model)

PAD, UNK, BOS, EOS = 0, 1, 2, 3
TOKEN = re.compile(r"\w+|[^\w\s]")


def read(path):
    with gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(path, encoding="utf-8") as f:
        return [TOKEN.findall(line.lower()) for line in f]


def vocabulary(sentences, cap):
    counts = collections.Counter(w for s in sentences for w in s)
    words = sorted((w for w, c in counts.items() if c >= 2), key=lambda w: (-counts[w], w))[: cap - 4]
    return {w: i + 4 for i, w in enumerate(words)}


def main():
    data, mode, threads, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    spec = sys.argv[5] if len(sys.argv) > 5 else "16,16;24,24;32,32;48,48"
    buckets = [tuple(map(int, b.split(","))) for b in spec.split(";")]
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    find = lambda lang: next(os.path.join(data, f"train.{lang}{ext}") for ext in (".gz", "")
                             if os.path.exists(os.path.join(data, f"train.{lang}{ext}")))
    de, en = read(find("de")), read(find("en"))
    src_vocab, tgt_vocab = vocabulary(de, 7882), vocabulary(en, 5898)
    pairs = [([src_vocab.get(w, UNK) for w in s] + [EOS], [BOS] + [tgt_vocab.get(w, UNK) for w in t])
             for s, t in zip(de, en)]

    members = collections.defaultdict(list)
    for s, t in pairs:  # the shortest bucket (S + T) that holds the pair, as gptc
        fits = [b for b in buckets if b[0] >= len(s) and b[1] >= len(t)]
        if fits:
            members[min(fits, key=sum)].append((s, t))
    rng = random.Random(0)
    batches = []
    for b, rows in members.items():
        rng.shuffle(rows)
        batches += [(b, rows[i:i + 128]) for i in range(0, len(rows), 128)]
    rng.shuffle(batches)
    if limit > 0:
        batches = batches[:limit]

    def tensors(shape, rows):
        S, T = shape if mode == "compile" else (max(len(s) for s, _ in rows), max(len(t) for _, t in rows))
        B = 128 if mode == "compile" else len(rows)
        src = torch.zeros(B, S, dtype=torch.long)
        tgt = torch.zeros(B, T, dtype=torch.long)
        labels = torch.zeros(B, T, dtype=torch.long)
        for i, (s, t) in enumerate(rows):
            src[i, :len(s)] = torch.tensor(s)
            tgt[i, :len(t)] = torch.tensor(t)
            labels[i, :len(t)] = torch.tensor(t[1:] + [EOS])
        return src, tgt, labels

    model = Transformer(len(src_vocab) + 4, len(tgt_vocab) + 4, 256, 8, 512, 3, dropout=0.1)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.05) if p.dim() > 1 else p.zero_()
    opt = torch.optim.Adam(model.parameters(), lr=5e-4, betas=(0.9, 0.98), eps=1e-9)
    run = torch.compile(model) if mode == "compile" else model

    def step(batch):
        opt.zero_grad(set_to_none=True)
        run(*batch).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    prepared = [tensors(shape, rows) for shape, rows in batches]
    warm = {}
    for (shape, _), batch in zip(batches, prepared):  # one warm-up step per shape (compiles)
        warm.setdefault(shape if mode == "compile" else 0, batch)
    for batch in warm.values():
        step(batch)
    tokens = sum(int((labels != PAD).sum()) for _, _, labels in prepared)
    computed = sum(src.numel() + tgt.numel() for src, tgt, _ in prepared)
    real = sum(int((src != PAD).sum()) + int((tgt != PAD).sum()) for src, tgt, _ in prepared)
    start = time.perf_counter()
    for batch in prepared:
        step(batch)
    seconds = time.perf_counter() - start
    print(json.dumps({"mode": mode, "steps": len(prepared), "seconds": round(seconds, 2),
                      "ms_per_step": round(1000 * seconds / len(prepared), 1),
                      "target_tokens_per_second": round(tokens / seconds, 1),
                      "padding": round(1 - real / computed, 4)}))


if __name__ == "__main__":
    main()
