"""PyTorch parity for examples/gpt_char.dsl against a GPT written the nanoGPT way.

usage: gpt_parity.py DUMP.safetensors N_LAYER N_HEAD [STEP_TOLERANCE]

DUMP is what `./gpt --dump FILE --dump-steps N` writes for a language model: the
initial params, the first batch, gptc's loss and gradients, then N training
batches with their learning rates and the params after the N steps. The model
below follows karpathy/nanoGPT's model.py (CausalSelfAttention, MLP with tanh
GELU, pre-norm Blocks, tied wte/lm_head); the optimizer follows its train.py
(AdamW with decay on 2-D params only, clip_grad_norm_, get_lr). gptc stores a
linear layer's weight as [in, out] (x @ W); nn.Linear stores [out, in].
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
import safetensors_np  # noqa: E402


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head = n_head

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        att = att.masked_fill(~mask, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, n_embd):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.c_proj = nn.Linear(4 * n_embd, n_embd)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = MLP(n_embd)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab, block, n_layer, n_head, n_embd):
        super().__init__()
        self.wte = nn.Embedding(vocab, n_embd)
        self.wpe = nn.Embedding(block, n_embd)
        self.h = nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab, bias=False)
        self.lm_head.weight = self.wte.weight  # weight tying

    def forward(self, idx, targets):
        T = idx.size(1)
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1).long())


def gptc_name(torch_name):
    """nanoGPT's parameter names -> the DSL's (blocks are named layer.<i>)."""
    name = torch_name.replace("h.", "layer.", 1) if torch_name.startswith("h.") else torch_name
    return "wte" if name == "wte.weight" else name


def is_linear_weight(torch_name, p):
    return p.dim() == 2 and torch_name.endswith(".weight") and not torch_name.startswith(("wte", "wpe"))


def load_params(model, tensors, prefix):
    with torch.no_grad():
        for name, p in model.named_parameters():
            v = torch.tensor(tensors[prefix + gptc_name(name)])
            p.copy_(v.t() if is_linear_weight(name, p) else v)


def rel_error(a, b):
    scale = float(np.max(np.abs(b)))
    return float(np.max(np.abs(a - b))) / (scale if scale > 0 else 1.0)


def as_gptc(name, t):
    t = t.detach()
    return (t.t() if is_linear_weight(name, t) else t).numpy()


def get_lr(it, lr, warmup, min_lr, decay):
    # nanoGPT train.py
    if it < warmup:
        return lr * (it + 1) / (warmup + 1)
    if it > decay:
        return min_lr
    ratio = (it - warmup) / (decay - warmup)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (lr - min_lr)


def main():
    path, n_layer, n_head = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    # After several AdamW steps, f32 rounding in a near-zero gradient is
    # amplified by Adam's per-element normalisation: f32 runs pass a looser bound.
    step_tolerance = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-4
    tensors, meta = safetensors_np.load(path)
    dtype = torch.float64 if tensors["loss"].dtype == np.float64 else torch.float32
    torch.set_default_dtype(dtype)
    vocab, n_embd = tensors["param.wte"].shape
    block = tensors["param.wpe.weight"].shape[0]
    model = GPT(vocab, block, n_layer, n_head, n_embd)
    load_params(model, tensors, "param.")

    # 1. Loss and gradients of the first batch.
    loss = model(torch.tensor(tensors["batch0.idx"]), torch.tensor(tensors["batch0.targets"]))
    loss.backward()
    loss_err = rel_error(np.array(float(tensors["loss"])), np.array(loss.item()))
    print(f"loss gptc {float(tensors['loss']):.8f} torch {loss.item():.8f} rel {loss_err:.2e}")
    grad_err = 0.0
    for name, p in model.named_parameters():
        err = rel_error(tensors["grad." + gptc_name(name)], as_gptc(name, p.grad))
        grad_err = max(grad_err, err)
    print(f"gradients: {len(list(model.parameters()))} tensors, worst rel {grad_err:.2e}")

    # 2. N steps of AdamW with clipping and the learning-rate schedule, as train.py.
    kind, lr, _, decay, beta1, beta2, eps = meta["gptc.optimizer"].split()
    lr, decay, beta1, beta2, eps = map(float, (lr, decay, beta1, beta2, eps))
    sched, warmup, min_lr, decay_steps, steps = meta["gptc.schedule"].split()
    warmup, min_lr, decay_steps, steps = int(warmup), float(min_lr), int(decay_steps), int(steps)
    clip = float(meta["gptc.clip"])
    load_params(model, tensors, "param.")
    params = dict(model.named_parameters())
    groups = [{"params": [p for p in params.values() if p.dim() >= 2], "weight_decay": decay},
              {"params": [p for p in params.values() if p.dim() < 2], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=lr, betas=(beta1, beta2), eps=eps)
    lr_err = 0.0
    for it in range(steps):
        step_lr = get_lr(it, lr, warmup, min_lr, decay_steps) if sched == "cosine" else (
            lr * (it + 1) / (warmup + 1) if it < warmup else lr)
        lr_err = max(lr_err, abs(step_lr - float(tensors["lr"][it])) / step_lr)
        for g in opt.param_groups:
            g["lr"] = step_lr
        opt.zero_grad(set_to_none=True)
        model(torch.tensor(tensors[f"batch{it}.idx"]), torch.tensor(tensors[f"batch{it}.targets"])).backward()
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
    step_err = 0.0
    for name, p in model.named_parameters():
        step_err = max(step_err, rel_error(tensors["final." + gptc_name(name)], as_gptc(name, p)))
    print(f"after {steps} AdamW steps (clip {clip}, {sched} schedule, warmup {warmup}): "
          f"worst param rel {step_err:.2e}, lr schedule rel {lr_err:.2e}")
    ok = loss_err < 1e-5 and grad_err < 1e-4 and step_err < step_tolerance and lr_err < 1e-12
    print(f"parity gpt: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
