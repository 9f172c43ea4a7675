# Finite-difference check, in f64, of attention with padding masks from token
# ids (keys whose token is the pad id 0 are hidden), through the fused kernel:
# encoder self-attention over x with the source's padding; decoder self-attention
# with the target's padding and the causal mask; cross-attention (4 queries, 6
# keys) with the source's padding and dropout. Random token ids in 0..2, so
# about a third of the keys are padding.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# RUN: %gptc %s --dtype=f64 --emit=fused | FileCheck %s --check-prefix=FUSED
# CHECK: "gradcheck":"pass"
# FUSED-COUNT-3: nn.attention {{.*}} keys
# FUSED-NOT: nn.padding_mask
config { d = 8  heads = 2 }

block attention(x, memory, keys) {
  q = heads(linear(x, d, name = q), heads)
  k = heads(linear(memory, d, name = k), heads)
  v = heads(linear(memory, d, name = v), heads)
  scores = padding_mask((q @ transpose(k)) / sqrt(d / heads), keys)
  return merge_heads(softmax(scores) @ v)
}

block causal_attention(x, keys) {
  q = heads(linear(x, d, name = q), heads)
  k = heads(linear(x, d, name = k), heads)
  v = heads(linear(x, d, name = v), heads)
  scores = causal_mask(padding_mask((q @ transpose(k)) / sqrt(d / heads), keys, pad = 0))
  return merge_heads(softmax(scores) @ v)
}

block cross_attention(x, memory, keys) {
  q = heads(linear(x, d, name = q), heads)
  k = heads(linear(memory, d, name = k), heads)
  v = heads(linear(memory, d, name = v), heads)
  weights = dropout(softmax(padding_mask((q @ transpose(k)) * 0.5, keys)), 0.2)
  return merge_heads(weights @ v)
}

model grad_attention_padding(x: f32[B, 6, 8], y: f32[B, 4, 8], src: i32[B, 6], tgt: i32[B, 4],
                             r: f32[B, 4, 8]) {
  memory = attention(x, x, src)
  h = causal_attention(y, tgt)
  h = cross_attention(h, memory, src)
  param w_out: f32[8, 3] = normal(0, 1)
  out = h @ w_out                          # 3 classes: random token ids are 0, 1 or 2
  loss = sum(h * r) + sum(out)
}
train { batch = 3  data = random()  seed = 7  optimizer = sgd(lr = 0.1) }
