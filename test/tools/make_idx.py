"""Writes small IDX image/label sets (gzip), optionally corrupted, for runtime tests.

usage: make_idx.py DIR PREFIX --images N --rows R --cols C --labels M
                   [--bad-magic] [--truncate BYTES] [--max-label L]
"""
import argparse
import gzip
import os
import struct


def idx(dims, payload, magic_type=0x08):
    return bytes([0, 0, magic_type, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("prefix")
    ap.add_argument("--images", type=int, required=True)
    ap.add_argument("--rows", type=int, default=28)
    ap.add_argument("--cols", type=int, default=28)
    ap.add_argument("--labels", type=int, required=True)
    ap.add_argument("--bad-magic", action="store_true")
    ap.add_argument("--truncate", type=int, default=0)
    ap.add_argument("--max-label", type=int, default=9)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    n = a.images * a.rows * a.cols
    images = idx([a.images, a.rows, a.cols], bytes((i * 7) % 256 for i in range(n)))
    if a.bad_magic:
        images = b"\x1f\x8b" + images[2:]
    if a.truncate:
        images = images[:-a.truncate]
    labels = idx([a.labels], bytes(i % (a.max_label + 1) for i in range(a.labels)))
    with gzip.open(os.path.join(a.dir, a.prefix + "-images-idx3-ubyte.gz"), "wb") as f:
        f.write(images)
    with gzip.open(os.path.join(a.dir, a.prefix + "-labels-idx1-ubyte.gz"), "wb") as f:
        f.write(labels)


if __name__ == "__main__":
    main()
