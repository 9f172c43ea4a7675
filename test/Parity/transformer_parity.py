"""PyTorch parity for examples/translate_multi30k.dsl against torch's own
encoder-decoder layers.

usage: transformer_parity.py DUMP.safetensors N_LAYER N_HEAD [STEP_TOLERANCE]

DUMP is what `./translate --dump FILE --dump-steps N` writes: the initial params,
the first batch (src, tgt, labels, padded with id 0), gptc's loss and gradients,
then N training batches with their learning rates and the params after the N
steps. The reference is torch.nn.TransformerEncoderLayer / TransformerDecoderLayer
(post-norm, ReLU, nn.MultiheadAttention with key padding masks and the causal
mask), sinusoidal positions, embeddings scaled by sqrt(d_model), the output
projection tied to the target embedding, and F.cross_entropy with
ignore_index = 0 and label_smoothing = 0.1; Adam with clip_grad_norm_.
gptc stores a linear layer's weight as [in, out] (x @ W); torch as [out, in], and
nn.MultiheadAttention packs q, k, v into one in_proj.
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

PAD = 0


def sinusoidal(length, d):
    pos = torch.arange(length, dtype=torch.float64)[:, None]
    i = torch.arange(0, d, 2, dtype=torch.float64)
    angle = pos / torch.pow(10000.0, i / d)
    pe = torch.zeros(length, d, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle)
    return pe.to(torch.get_default_dtype())


class Transformer(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, d, heads, ff, layers, dropout=0.0, max_len=64):
        super().__init__()
        self.d = d
        self.src_emb = nn.Parameter(torch.zeros(src_vocab, d))
        self.tgt_emb = nn.Parameter(torch.zeros(tgt_vocab, d))
        self.register_buffer("positions", sinusoidal(max_len, d), persistent=False)
        self.dropout = nn.Dropout(dropout)
        kw = dict(dim_feedforward=ff, dropout=dropout, batch_first=True, norm_first=False)
        self.encoder = nn.ModuleList([nn.TransformerEncoderLayer(d, heads, **kw) for _ in range(layers)])
        self.decoder = nn.ModuleList([nn.TransformerDecoderLayer(d, heads, **kw) for _ in range(layers)])

    def forward(self, src, tgt, labels):
        S, T = src.size(1), tgt.size(1)
        src_pad, tgt_pad = src == PAD, tgt == PAD
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        x = self.dropout(F.embedding(src, self.src_emb) * math.sqrt(self.d) + self.positions[:S])
        for layer in self.encoder:
            x = layer(x, src_key_padding_mask=src_pad)
        y = self.dropout(F.embedding(tgt, self.tgt_emb) * math.sqrt(self.d) + self.positions[:T])
        for layer in self.decoder:
            y = layer(y, x, tgt_mask=causal, tgt_key_padding_mask=tgt_pad, memory_key_padding_mask=src_pad)
        logits = y @ self.tgt_emb.t()
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1).long(), ignore_index=PAD,
                               label_smoothing=0.1)


def layer_names(kind, i):
    return kind if i == 0 else f"{kind}_{i}"


def mapping(model):
    """(torch tensor, gptc names, how): how the DSL's tensors make the torch one.
    'in_proj' concatenates q, k, v transposed; 't' transposes; '' copies."""
    m = [(model.src_emb, ["src_emb"], ""), (model.tgt_emb, ["tgt_emb"], "")]

    def attention(mha, prefix):
        m.append((mha.in_proj_weight, [f"{prefix}.{p}.weight" for p in "qkv"], "in_proj"))
        m.append((mha.in_proj_bias, [f"{prefix}.{p}.bias" for p in "qkv"], "cat"))
        m.append((mha.out_proj.weight, [f"{prefix}.out.weight"], "t"))
        m.append((mha.out_proj.bias, [f"{prefix}.out.bias"], ""))

    def rest(layer, prefix, norms):
        m.append((layer.linear1.weight, [f"{prefix}.feed_forward.w_1.weight"], "t"))
        m.append((layer.linear1.bias, [f"{prefix}.feed_forward.w_1.bias"], ""))
        m.append((layer.linear2.weight, [f"{prefix}.feed_forward.w_2.weight"], "t"))
        m.append((layer.linear2.bias, [f"{prefix}.feed_forward.w_2.bias"], ""))
        for k, norm in enumerate(norms):
            m.append((norm.weight, [f"{prefix}.ln_{k + 1}.weight"], ""))
            m.append((norm.bias, [f"{prefix}.ln_{k + 1}.bias"], ""))

    for i, layer in enumerate(model.encoder):
        prefix = layer_names("encoder", i)
        attention(layer.self_attn, prefix + ".self_attn")
        rest(layer, prefix, [layer.norm1, layer.norm2])
    for i, layer in enumerate(model.decoder):
        prefix = layer_names("decoder", i)
        attention(layer.self_attn, prefix + ".self_attn")
        attention(layer.multihead_attn, prefix + ".cross_attn")
        rest(layer, prefix, [layer.norm1, layer.norm2, layer.norm3])
    return m


def to_torch(tensors, prefix, names, how):
    parts = [torch.tensor(tensors[prefix + n]) for n in names]
    if how == "in_proj":
        return torch.cat([p.t() for p in parts], 0)
    if how == "cat":
        return torch.cat(parts, 0)
    return parts[0].t() if how == "t" else parts[0]


def to_gptc(t, names, how):
    t = t.detach()
    if how == "in_proj":
        return [c.t().numpy() for c in t.chunk(3, 0)]
    if how == "cat":
        return [c.numpy() for c in t.chunk(3, 0)]
    return [(t.t() if how == "t" else t).numpy()]


def load(model, tensors, prefix):
    with torch.no_grad():
        for p, names, how in mapping(model):
            p.copy_(to_torch(tensors, prefix, names, how))


def rel_error(a, b, floor=0.0):
    """max |a - b| / max |b|, with max |b| at least `floor`."""
    scale = max(float(np.max(np.abs(b))), floor)
    return float(np.max(np.abs(a - b))) / (scale if scale > 0 else 1.0)


def batch(tensors, it):
    return [torch.tensor(tensors[f"batch{it}.{n}"]) for n in ("src", "tgt", "labels")]


def main():
    path, n_layer, n_head = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    step_tolerance = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-4
    tensors, meta = safetensors_np.load(path)
    dtype = torch.float64 if tensors["loss"].dtype == np.float64 else torch.float32
    torch.set_default_dtype(dtype)
    src_vocab, d = tensors["param.src_emb"].shape
    tgt_vocab = tensors["param.tgt_emb"].shape[0]
    ff = tensors["param.encoder.feed_forward.w_1.weight"].shape[1]
    model = Transformer(src_vocab, tgt_vocab, d, n_head, ff, n_layer)
    load(model, tensors, "param.")
    src, tgt, labels = batch(tensors, 0)
    padding = float((labels == PAD).double().mean())
    print(f"batch: {src.shape[0]} pairs, src {src.shape[1]}, tgt {tgt.shape[1]}, {padding:.0%} of labels padding")

    # 1. Loss and gradients of the first batch.
    loss = model(src, tgt, labels)
    loss.backward()
    loss_err = rel_error(np.array(float(tensors["loss"])), np.array(loss.item()))
    print(f"loss gptc {float(tensors['loss']):.8f} torch {loss.item():.8f} rel {loss_err:.2e}")
    # The key projections' biases have a gradient of exactly 0 (softmax does not
    # change when every score of a row moves by q . b): both sides hold rounding
    # noise (~1e-11), so gradients are compared relative to at least 1e-6 of
    # the largest gradient.
    floor = 1e-6 * max(float(p.grad.abs().max()) for p in model.parameters())
    grad_err, count = 0.0, 0
    for p, names, how in mapping(model):
        for name, g in zip(names, to_gptc(p.grad, names, how)):
            err = rel_error(tensors["grad." + name], g, floor)
            if err > 1e-4:
                print(f"  grad {name}: rel {err:.2e}")
            grad_err = max(grad_err, err)
            count += 1
    print(f"gradients: {count} tensors, worst rel {grad_err:.2e}")

    # 2. N Adam steps with clipping at the dumped learning rates.
    kind, lr, _, decay, beta1, beta2, eps = meta["gptc.optimizer"].split()
    lr, decay, beta1, beta2, eps = map(float, (lr, decay, beta1, beta2, eps))
    steps = int(meta["gptc.schedule"].split()[-1])
    clip = float(meta["gptc.clip"])
    load(model, tensors, "param.")
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=decay)
    for it in range(steps):
        for g in opt.param_groups:
            g["lr"] = float(tensors["lr"][it])
        opt.zero_grad(set_to_none=True)
        model(*batch(tensors, it)).backward()
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
    # Adam turns the key biases' rounding noise into steps of lr * noise / (|noise|
    # + eps) on either side: they are left out here (their zero gradient is
    # checked above).
    step_err, inert = 0.0, 0
    for p, names, how in mapping(model):
        for name, v in zip(names, to_gptc(p, names, how)):
            if name.endswith(".k.bias"):
                inert += 1
                continue
            step_err = max(step_err, rel_error(tensors["final." + name], v))
    print(f"{inert} key biases (zero gradient) left out of the step comparison")
    print(f"after {steps} Adam steps (betas {beta1}, {beta2}, eps {eps}, clip {clip}): worst param rel {step_err:.2e}")
    ok = loss_err < 1e-5 and grad_err < 1e-4 and step_err < step_tolerance
    print(f"parity transformer: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
