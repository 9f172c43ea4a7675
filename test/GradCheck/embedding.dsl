# Finite-difference check of nn.gather (an embedding lookup) and its backward nn.scatter_add, with
# repeated indices, a [B, T, C] @ [C, V] matmul and cross_entropy over [B, T, V] logits, in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck --gradcheck-samples 1000 | FileCheck %s
# CHECK: gradcheck table 24 elements checked
# CHECK: "gradcheck":"pass"
model grad_embedding(idx: i32[B, 5], targets: i32[B, 5]) {
  param table: f32[6, 4] = normal(0, 1)
  param w: f32[4, 6] = normal(0, 1)
  out  = embedding(idx, table) @ w
  loss = cross_entropy(out, targets)
}
train { batch = 3  data = random()  seed = 7  optimizer = sgd(lr = 0.1) }
