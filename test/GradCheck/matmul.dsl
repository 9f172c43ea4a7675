# Finite-difference check of the derivative rule of nn.matmul (rank 2), in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_matmul(x: f32[B, 5], r: f32[B, 3]) {
  param w: f32[5, 3] = normal(0, 1)
  param b: f32[3] = normal(0, 1)
  loss = sum((x @ w + b) * r)
}
train { batch = 4  data = random()  seed = 113  optimizer = sgd(lr = 0.1) }
