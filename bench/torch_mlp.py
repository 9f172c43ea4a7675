"""PyTorch peer for bench/run.sh: the same models, data, batches and optimizer
as examples/mlp.dsl and examples/mlp_modern.dsl, timed per epoch (training
plus evaluation of the 10k validation and 10k test images), as ./train reports.

usage: torch_mlp.py {mlp,mlp_modern} EPOCHS THREADS
"""
import gzip
import json
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load():
    x = idx(f"{DATA}/train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
    y = idx(f"{DATA}/train-labels-idx1-ubyte.gz").astype(np.int64)
    tx = idx(f"{DATA}/t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
    ty = idx(f"{DATA}/t10k-labels-idx1-ubyte.gz").astype(np.int64)
    return (torch.from_numpy(x[:50000]), torch.from_numpy(y[:50000]), torch.from_numpy(x[50000:]),
            torch.from_numpy(y[50000:]), torch.from_numpy(tx), torch.from_numpy(ty))


def main():
    name, epochs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x, y, vx, vy, tx, ty = load()
    if name == "mlp":  # network.py: [784, 30, 10] sigmoid, quadratic cost, SGD lr 3.0, batch 10
        sizes, batch = [784, 30, 10], 10
        ps = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            ps += [torch.randn(a, b, requires_grad=True), torch.randn(b, requires_grad=True)]
        opt = torch.optim.SGD(ps, lr=3.0)

        def forward(xb):
            return torch.sigmoid(torch.sigmoid(xb @ ps[0] + ps[1]) @ ps[2] + ps[3])

        def loss_fn(out, yb):
            return 0.5 * ((out - F.one_hot(yb, 10).float()) ** 2).sum() / out.shape[0]
    else:  # [784, 256, 128, 10] relu, cross-entropy, AdamW, batch 64
        sizes, batch = [784, 256, 128, 10], 64
        ps = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            ps += [(torch.randn(a, b) * (2 / a) ** 0.5).requires_grad_(), torch.zeros(b, requires_grad=True)]
        opt = torch.optim.AdamW([{"params": ps[0::2], "weight_decay": 0.05}, {"params": ps[1::2], "weight_decay": 0.0}],
                                lr=1e-3, betas=(0.9, 0.999), eps=1e-8)

        def forward(xb):
            h = F.relu(xb @ ps[0] + ps[1])
            h = F.relu(h @ ps[2] + ps[3])
            return h @ ps[4] + ps[5]

        def loss_fn(out, yb):
            return F.cross_entropy(out, yb)

    def evaluate(ex, ey):
        correct = 0
        with torch.no_grad():
            for i in range(0, ex.shape[0], batch):
                correct += (forward(ex[i:i + batch]).argmax(1) == ey[i:i + batch]).sum().item()
        return correct / ex.shape[0]

    steps = x.shape[0] // batch
    times, acc = [], 0.0
    for epoch in range(epochs):
        start = time.perf_counter()
        perm = torch.randperm(x.shape[0])
        for s in range(steps):
            idxs = perm[s * batch:(s + 1) * batch]
            loss = loss_fn(forward(x[idxs]), y[idxs])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        evaluate(vx, vy)
        acc = evaluate(tx, ty)
        times.append(time.perf_counter() - start)
    print(json.dumps({"peer": f"torch {torch.__version__}", "model": name, "threads": threads,
                      "seconds_per_epoch": min(times), "test_accuracy": acc}))


if __name__ == "__main__":
    main()
