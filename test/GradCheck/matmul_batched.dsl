# Finite-difference check of the derivative rule of nn.matmul (rank 3, batched), in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_matmul_batched(x: f32[B, 3, 4], r: f32[B, 3, 5]) {
  param v: f32[B, 3, 4] = normal(0, 1)
  param a: f32[B, 4, 5] = normal(0, 1)
  loss = sum((x * v) @ a * r)
}
train { batch = 4  data = random()  seed = 107  optimizer = sgd(lr = 0.1) }
