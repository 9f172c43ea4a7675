# Finite-difference check of multi-head causal attention: heads, the attention builtin
# (batched rank-4 matmuls, scale, causal mask, softmax) and merge_heads, in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck --gradcheck-samples 200 | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_attention(x: f32[B, 4, 6], r: f32[B, 4, 6]) {
  param wq: f32[6, 6] = normal(0, 0.5)
  param wk: f32[6, 6] = normal(0, 0.5)
  param wv: f32[6, 6] = normal(0, 0.5)
  y = attention(heads(x @ wq, 2), heads(x @ wk, 2), heads(x @ wv, 2))
  loss = sum(merge_heads(y) * r)
}
train { batch = 2  data = random()  seed = 13  optimizer = sgd(lr = 0.1) }
