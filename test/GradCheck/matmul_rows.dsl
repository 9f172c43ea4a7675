# Finite-difference check of the derivative rule of rank 3 @ rank 2 (reshape, matmul, reshape), in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_matmul_rows(x: f32[B, 2, 5], r: f32[B, 2, 3]) {
  param w: f32[5, 3] = normal(0, 1)
  loss = sum(x @ w * r)
}
train { batch = 4  data = random()  seed = 116  optimizer = sgd(lr = 0.1) }
