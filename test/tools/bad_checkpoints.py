"""Writes malformed variants of a good safetensors checkpoint and runs a binary on
each: every one must end with exit status 1 and exactly one line on stderr (never
a crash, a hang, a traceback of sanitizer output or a second line).

usage: bad_checkpoints.py GOOD.safetensors WORKDIR -- COMMAND... (the checkpoint path replaces {})
Prints one line per variant: NAME rc=N lines=N: the stderr line.
"""
import json
import os
import random
import struct
import subprocess
import sys


def variants(good):
    n = struct.unpack("<Q", good[:8])[0]
    header = json.loads(good[8:8 + n])
    data = good[8 + n:]
    first = next(k for k in header if k != "__metadata__")

    def rebuild(h, payload=data):
        text = json.dumps(h).encode()
        text += b" " * (-len(text) % 8)
        return struct.pack("<Q", len(text)) + text + payload

    def edit(fn):
        h = json.loads(json.dumps(header))
        fn(h)
        return rebuild(h)

    yield "empty", b""
    yield "three-bytes", good[:3]
    yield "length-only", good[:8]
    yield "cut-in-header", good[:8 + n // 2]
    yield "cut-in-data", good[:8 + n + len(data) // 2]
    yield "random-bytes", bytes(random.Random(7).randrange(256) for _ in range(4096))
    yield "huge-header-length", struct.pack("<Q", 1 << 60) + good[8:]
    yield "header-beyond-file", struct.pack("<Q", len(good)) + good[8:]
    yield "header-not-json", struct.pack("<Q", 8) + b"{nope!!}" + data
    yield "header-an-array", rebuild([1, 2, 3])
    yield "bad-dtype", edit(lambda h: h[first].update(dtype="F16"))
    yield "negative-dimension", edit(lambda h: h[first].update(shape=[-4, 3]))
    yield "overflowing-shape", edit(lambda h: h[first].update(shape=[1 << 40, 1 << 40]))
    yield "offsets-past-end", edit(lambda h: h[first].update(data_offsets=[0, len(data) + 4]))
    yield "offsets-not-the-shape", edit(lambda h: h[first].update(data_offsets=[0, 4]))
    yield "metadata-not-strings", edit(lambda h: h["__metadata__"].update({"gptc.step": 5}))
    yield "no-step", edit(lambda h: h["__metadata__"].pop("gptc.step"))
    yield "negative-step", edit(lambda h: h["__metadata__"].update({"gptc.step": "-3"}))
    yield "missing-tensor", edit(lambda h: h.pop(first))


def main():
    good_path, work = sys.argv[1], sys.argv[2]
    command = sys.argv[sys.argv.index("--") + 1:]
    good = open(good_path, "rb").read()
    os.makedirs(work, exist_ok=True)
    for name, blob in variants(good):
        path = os.path.join(work, name + ".safetensors")
        open(path, "wb").write(blob)
        run = subprocess.run([a.replace("{}", path) for a in command], capture_output=True, timeout=60)
        lines = run.stderr.decode(errors="replace").splitlines()
        print(f"{name} rc={run.returncode} lines={len(lines)}: {lines[0] if lines else ''}")


if __name__ == "__main__":
    main()
