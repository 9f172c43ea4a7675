"""Reads safetensors files with nothing but the standard library and NumPy."""
import json
import struct

import numpy as np

_DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32}


def load(path):
    """Returns ({name: ndarray}, metadata)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        arr = np.frombuffer(data[begin:end], dtype=_DTYPES[entry["dtype"]])
        tensors[name] = arr.reshape(entry["shape"]).copy()
    return tensors, meta
