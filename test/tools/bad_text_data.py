"""Malformed language-model data: text files and prepared token directories.

usage: bad_text_data.py OUTDIR
    writes one entry per case into OUTDIR: <case>.txt text files and <case>/ token
    directories (train.bin, val.bin: little-endian uint16; meta.json), each wrong in one way.
"""
import os
import struct
import sys

VOCAB = "\n abcdefghijklmnopqrstuvwxyz"
META = '{"vocab_size": %d, "chars_hex": "%s"}' % (len(VOCAB), VOCAB.encode().hex())


def tokens(n, top=len(VOCAB)):
    return b"".join(struct.pack("<H", i % top) for i in range(n))


def token_dir(out, name, meta=META, train=tokens(400), val=tokens(100)):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    for file, content in (("meta.json", meta), ("train.bin", train), ("val.bin", val)):
        if content is not None:
            with open(os.path.join(d, file), "wb") as f:
                f.write(content.encode() if isinstance(content, str) else content)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    texts = {
        "text-empty": "",
        "text-one-char": "x",
        # 100 characters: a 90-token train split but a 10-token val split, under one window.
        "text-short-val": "to be or not to be " * 5 + "abcde",
        # 15 characters: both splits under one window.
        "text-short-train": "hello, world!!\n",
    }
    for name, text in texts.items():
        with open(os.path.join(out, name + ".txt"), "w") as f:
            f.write(text)
    token_dir(out, "tokens-no-meta", meta=None)
    token_dir(out, "tokens-meta-garbled", meta='{"vocab_size": 28, "chars_hex": ')
    token_dir(out, "tokens-meta-array", meta="[28]")
    token_dir(out, "tokens-meta-no-chars", meta='{"vocab_size": 28}')
    token_dir(out, "tokens-meta-size-mismatch", meta='{"vocab_size": 30, "chars_hex": "%s"}' % VOCAB.encode().hex())
    token_dir(out, "tokens-meta-size-string", meta='{"vocab_size": "28", "chars_hex": "%s"}' % VOCAB.encode().hex())
    token_dir(out, "tokens-meta-not-hex", meta='{"vocab_size": 1, "chars_hex": "zz"}')
    token_dir(out, "tokens-meta-chars-number", meta='{"vocab_size": 1, "chars_hex": 61}')
    token_dir(out, "tokens-train-missing", train=None)
    token_dir(out, "tokens-train-odd", train=tokens(400) + b"\x01")
    token_dir(out, "tokens-train-outside-vocab", train=tokens(400, top=len(VOCAB) + 1))
    token_dir(out, "tokens-train-short", train=tokens(5))
    token_dir(out, "tokens-val-empty", val=b"")


if __name__ == "__main__":
    main()
