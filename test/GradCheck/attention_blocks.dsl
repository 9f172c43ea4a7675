# Finite-difference check of the fused attention kernel across query blocks
# (70 queries: blocks of 64 and 6 rows) where masks move the visible keys:
# the other triangle (the last block sees only keys 64..69) and a window
# (keys at most 40 back, future included: the last block starts at key 24),
# in f64, with dropout on one of them.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck --gradcheck-samples 200 | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_attention_blocks(x: f32[B, 70, 4], r: f32[B, 70, 4]) {
  param wq: f32[4, 4] = normal(0, 0.5)
  param wk: f32[4, 4] = normal(0, 0.5)
  param wv: f32[4, 4] = normal(0, 0.5)
  q = x @ wq
  k = x @ wk
  v = x @ wv
  future = softmax(mask(q @ transpose(k), col < row, -inf)) @ v
  window = dropout(softmax(mask(q @ transpose(k), row - col > 40, -inf)), 0.1) @ v
  loss = sum((future + window) * r)
}
train { batch = 2  data = random()  seed = 5  optimizer = sgd(lr = 0.1) }
