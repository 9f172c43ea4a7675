# Finite-difference check of the derivative rule of nn.matmul twice, with both operands parameters, in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_matmul_chain(x: f32[B, 5], r: f32[B, 2]) {
  param w: f32[5, 3] = normal(0, 1)
  param v: f32[3, 2] = normal(0, 1)
  loss = sum(tanh(x @ w) @ v * r)
}
train { batch = 4  data = random()  seed = 114  optimizer = sgd(lr = 0.1) }
