# Finite-difference check of the fused attention kernel (nn.attention and its
# hand-written backward, which recomputes the scores from the logsumexp) with
# the score transforms and masks users write, in f64: squared scores, squared
# inputs, inverted (negated) scores with dropout, a window mask, and
# cross-attention (7 keys for 5 queries, no mask).
# RUN: %gptc %s --dtype=f64 --emit=fused --remarks 2>&1 | FileCheck %s --check-prefix=FUSED
# FUSED-NOT: attention not fused
# FUSED-LABEL: func.func @forward
# FUSED-COUNT-5: nn.attention
# FUSED-NOT: nn.attention
# FUSED-LABEL: func.func @grad
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck --gradcheck-samples 300 | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_attention_variants(x: f32[B, 5, 6], z: f32[B, 7, 6], r: f32[B, 5, 6]) {
  param wq: f32[6, 6] = normal(0, 0.5)
  param wk: f32[6, 6] = normal(0, 0.5)
  param wv: f32[6, 6] = normal(0, 0.5)
  q = heads(x @ wq, 2)
  k = heads(x @ wk, 2)
  v = heads(x @ wv, 2)
  squared  = softmax(causal_mask((q @ transpose(k))^2 / 3)) @ v
  inputs2  = softmax(causal_mask((q * q) @ transpose(k * k))) @ v
  inverted = dropout(softmax(causal_mask(-(q @ transpose(k)) / sqrt(3))), 0.2) @ v
  window   = softmax(mask(q @ transpose(k), row - col > 1, -inf)) @ v
  cross    = softmax((q @ transpose(heads(z @ wk, 2))) * 0.5) @ heads(z @ wv, 2)
  loss = sum(merge_heads(squared + inputs2 + inverted + window + cross) * r)
}
train { batch = 2  data = random()  seed = 21  optimizer = sgd(lr = 0.1) }
