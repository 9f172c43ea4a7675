"""Malformed checkpoints from a good one, and a runner that feeds each to a command.

usage: bad_checkpoints.py write GOOD.safetensors OUTDIR
           writes OUTDIR/<variant>.safetensors for every variant below
       bad_checkpoints.py run DIR COMMAND... ({} is each entry of DIR, in name order: the
           variants above, or any other bad inputs, files or directories)
           prints one line per entry: '<name>: exit <status>: <stderr, lines joined by " // ">'
           with the entry's path shown as BAD; a run over 60 s prints 'TIMEOUT', a crash
           'exit -<signal>'

Standard library only: the variants are built from the good file's bytes and header.
"""
import json
import os
import random
import struct
import subprocess
import sys


def split(data):
    """(header dict in file order, data section bytes)."""
    (n,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8:8 + n]), data[8 + n:]


def join(header, body, length=None):
    """safetensors bytes of a header dict and data section; `length` overrides the header length."""
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text) if length is None else length) + text + body


def retile(tensors):
    """(header, body) of [(name, dtype, shape, raw bytes)] laid out back to back, plus metadata."""
    header, body = {}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(body), len(body) + len(raw)]}
        body += raw
    return header, body


def variants(good):
    header, body = split(good)
    meta = header.pop("__metadata__")
    names = list(header)
    first, last = names[0], names[-1]
    raw = {k: body[v["data_offsets"][0]:v["data_offsets"][1]] for k, v in header.items()}
    tensors = [(k, v["dtype"], v["shape"], raw[k]) for k, v in header.items()]
    (n,) = struct.unpack("<Q", good[:8])

    def edited(name, **fields):  # the good header with one tensor's fields replaced
        h = json.loads(json.dumps(header))
        h[name].update(fields)
        return join(dict(__metadata__=meta, **h), body)

    def rebuilt(tensors, metadata=meta):
        h, b = retile(tensors)
        return join(dict(__metadata__=metadata, **h) if metadata is not None else h, b)

    def with_meta(**fields):
        return rebuilt(tensors, dict(meta, **fields))

    yield "empty", b""
    yield "len3", good[:3]
    yield "len8", good[:8]
    yield "mid-header", good[:8 + n // 2]
    yield "mid-data", good[:8 + n + len(body) // 2]
    yield "last-byte-cut", good[:-1]
    yield "random-bytes", random.Random(7).randbytes(4096)
    yield "header-length-beyond-file", struct.pack("<Q", len(good)) + good[8:]
    yield "header-length-absurd", struct.pack("<Q", 2**63 + 5) + good[8:]
    yield "header-not-json", join({}, b"")[:8] + b"not json"
    yield "header-not-object", join([1, 2, 3], b"")
    yield "dtype-f16", edited(first, dtype="F16")
    yield "dtype-not-string", edited(first, dtype=32)
    yield "shape-negative", edited(first, shape=[-v for v in header[first]["shape"]])
    yield "shape-overflow", edited(first, shape=[2**62, 2**62])
    yield "shape-not-integers", edited(first, shape=[0.5])
    yield "offsets-past-end", edited(last, data_offsets=[len(body), len(body) + len(raw[last])])
    yield "offsets-reversed", edited(first, data_offsets=list(reversed(header[first]["data_offsets"])))
    yield "offsets-disagree-with-shape", edited(first, shape=[1])
    yield "offsets-overlap", edited(last, data_offsets=header[first]["data_offsets"][:1] +
                                    [header[first]["data_offsets"][0] + len(raw[last])])
    yield "trailing-bytes", good + b"\0" * 8
    yield "missing-tensor", rebuilt(tensors[1:])
    yield "other-shape", rebuilt([(k, d, [s[0] // 2, s[1] * 2] if k == first else s, r) for k, d, s, r in tensors])
    yield "other-dtype", rebuilt([(k, "F64" if k == first else d, [s[0] // 2, s[1]] if k == first else s, r)
                                  for k, d, s, r in tensors])
    yield "no-metadata", rebuilt(tensors, None)
    yield "metadata-not-string", join(dict(__metadata__=dict(meta, **{"gptc.step": 3}), **header), body)
    yield "step-not-a-number", with_meta(**{"gptc.step": "many"})
    yield "step-negative", with_meta(**{"gptc.step": "-4"})
    yield "vocab-not-hex", with_meta(**{"gptc.vocab_hex": "zz"})


def write(good_path, out):
    os.makedirs(out, exist_ok=True)
    with open(good_path, "rb") as f:
        good = f.read()
    for name, data in variants(good):
        with open(os.path.join(out, name + ".safetensors"), "wb") as f:
            f.write(data)


def run(directory, command):
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        try:
            p = subprocess.run([a.replace("{}", path) for a in command], capture_output=True, timeout=60)
        except subprocess.TimeoutExpired:
            print(f"{name}: TIMEOUT")
            continue
        err = p.stderr.decode(errors="replace").replace(path, "BAD").rstrip("\n")
        print(f"{os.path.splitext(name)[0]}: exit {p.returncode}: {' // '.join(err.split(chr(10)))}")


def main():
    if sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
