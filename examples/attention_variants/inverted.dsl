# examples/attention_variants/inverted.dsl: an inverted dot product: negated scores, so each position attends most to what is least like it.
#
# gptc examples/attention_variants/baseline.dsl -o variant && ./variant --data tinyshakespeare.txt
# (docs/attention-variants.md has what each variant does to the loss, measured)
config {
  vocab   = 65     # characters in tinyshakespeare (the loader checks the data fits)
  block   = 64     # context length T
  n_layer = 4
  n_head  = 4
  n_embd  = 128
  dropout = 0
}

# Causal self-attention, as nanoGPT's CausalSelfAttention.
block attn(x) {
  q, k, v = split(linear(x, 3 * n_embd, name = c_attn), 3)
  q = heads(q, n_head)                                   # [B, n_head, T, head size]
  k = heads(k, n_head)
  v = heads(v, n_head)
  scores  = -(q @ transpose(k)) / sqrt(n_embd / n_head)   # VARIANT: inverted (negated) scores
  weights = dropout(softmax(causal_mask(scores)))        # position t sees 0..t
  y = merge_heads(weights @ v)                           # [B, T, n_embd]
  return dropout(linear(y, n_embd, std = 0.02 / sqrt(2 * n_layer), name = c_proj))
}

block mlp(x) {
  h = gelu(linear(x, 4 * n_embd, name = c_fc))
  return dropout(linear(h, n_embd, std = 0.02 / sqrt(2 * n_layer), name = c_proj))
}

block layer(x) {
  x = x + attn(layernorm(x, name = ln_1))
  x = x + mlp(layernorm(x, name = ln_2))
  return x
}

model gpt(idx: i32[B, block], targets: i32[B, block]) {
  param wte: f32[vocab, n_embd] = normal(0, 0.02)        # token embedding, tied to the output layer
  x = embedding(idx, wte) + embedding(arange(block), block, n_embd, name = wpe)
  x = dropout(x)
  repeat n_layer {
    x = layer(x)
  }
  out  = linear(layernorm(x, name = ln_f), bias = 0, tied = wte)   # logits [B, T, vocab]
  loss = cross_entropy(out, targets)
}

train {
  data      = text("tinyshakespeare.txt")   # or ./train --data FILE (any text file)
  batch     = 12
  steps     = 2000
  eval_interval = 250
  eval_iters    = 20
  optimizer = adamw(lr = 1e-3, betas = (0.9, 0.99), eps = 1e-8, weight_decay = 0.1)
  schedule  = cosine(warmup = 100, min_lr = 1e-4)
  clip      = 1.0
}
