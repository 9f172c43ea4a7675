"""Compares gptc's loss and gradients with PyTorch on the same weights and batch.

usage: parity.py DUMP.safetensors MODEL

DUMP is what `./train --dump` writes: the initial parameters (param.*), the first
training batch (input.*), gptc's loss, its gradients (grad.*) and the parameters
after one optimizer step (final.*), compared with torch.optim. The reference
models below are written independently in PyTorch from the papers/code the
examples follow, not generated from the DSL.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
import safetensors_np  # noqa: E402

TOLERANCE = 1e-5


def mlp(p, x, y):
    # network.py: quadratic cost 0.5 * ||a - y||^2 averaged over the batch
    a = torch.sigmoid(torch.sigmoid(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"])
    return 0.5 * ((a - y) ** 2).sum() / x.shape[0]


def mlp_xent(p, x, y):
    # network2.py's CrossEntropyCost: -sum(y ln a + (1 - y) ln(1 - a)) / batch
    z = torch.sigmoid(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]
    return F.binary_cross_entropy_with_logits(z, y, reduction="sum") / x.shape[0]


def mlp_modern(p, x, label):
    h = F.relu(x @ p["w1"] + p["b1"])
    h = F.relu(h @ p["w2"] + p["b2"])
    return F.cross_entropy(h @ p["w3"] + p["b3"], label.long())


def smoothed_xent(p, x, label):
    # cross_entropy(out, label, ignore = 2, smoothing = 0.1): torch's ignore_index
    # and label_smoothing, the mean over the rows that are not ignored
    out = x @ p["w"] + p["b"]
    return F.cross_entropy(out.reshape(-1, out.shape[-1]), label.reshape(-1).long(), ignore_index=2,
                           label_smoothing=0.1)


MODELS = {"mlp": (mlp, ["x", "y"]), "mlp_xent": (mlp_xent, ["x", "y"]),
          "mlp_modern": (mlp_modern, ["x", "label"]), "smoothed_xent": (smoothed_xent, ["x", "label"])}


def rel_error(a, b):
    """max |a - b| / max |b|: elementwise relative error is ill-posed where b ~ 0."""
    scale = float(np.max(np.abs(b)))
    return float(np.max(np.abs(a - b))) / (scale if scale > 0 else 1.0)


def check_step(tensors, meta, params):
    """One torch.optim step from gptc's gradients (compared above), so the update
    rule is checked on its own: Adam's first step g / (|g| + eps) would otherwise
    amplify rounding differences in near-zero gradients. Decay only on matrices."""
    for k, p in params.items():
        p.grad = torch.tensor(tensors["grad." + k])
    kind, lr, momentum, decay, beta1, beta2, eps = meta["gptc.optimizer"].split()
    lr, momentum, decay, beta1, beta2, eps = map(float, (lr, momentum, decay, beta1, beta2, eps))
    weights = [p for p in params.values() if p.dim() >= 2]
    biases = [p for p in params.values() if p.dim() < 2]
    groups = [{"params": weights, "weight_decay": decay}, {"params": biases, "weight_decay": 0.0}]
    if kind == "sgd":
        opt = torch.optim.SGD(groups, lr=lr, momentum=momentum)
    else:
        opt = torch.optim.AdamW(groups, lr=lr, betas=(beta1, beta2), eps=eps)
    opt.step()
    worst = 0.0
    for k, p in params.items():
        err = rel_error(tensors["final." + k], p.detach().numpy())
        print(f"{kind} step {k:4s} rel {err:.2e}")
        worst = max(worst, err)
    return worst


def main():
    path, name = sys.argv[1], sys.argv[2]
    tensors, meta = safetensors_np.load(path)
    fn, input_names = MODELS[name]
    torch.set_default_dtype(torch.float32)
    params = {k[len("param."):]: torch.tensor(v, requires_grad=True)
              for k, v in tensors.items() if k.startswith("param.")}
    inputs = [torch.tensor(tensors["input." + n]) for n in input_names]
    loss = fn(params, *inputs)
    loss.backward()
    worst = rel_error(np.array(float(tensors["loss"])), np.array(loss.item()))
    print(f"loss gptc {float(tensors['loss']):.8f} torch {loss.item():.8f} rel {worst:.2e}")
    for k, p in params.items():
        err = rel_error(tensors["grad." + k], p.grad.numpy())
        print(f"grad {k:4s} {str(list(p.shape)):12s} rel {err:.2e}")
        worst = max(worst, err)
    worst = max(worst, check_step(tensors, meta, params))
    ok = worst < TOLERANCE
    print(f"parity {name}: {'PASS' if ok else 'FAIL'} (worst relative error {worst:.2e}, tolerance {TOLERANCE:.0e})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
