# Finite-difference check of the derivative rule of nn.transpose and matmuls with transposed operands, in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_transpose(x: f32[B, 5]) {
  param r: f32[5, 5] = normal(0, 1)
  param w: f32[B, 5] = normal(0, 1)
  loss = sum(transpose(w) @ x * r) + sum(tanh(transpose(x @ transpose(w)) @ w))
}
train { batch = 4  data = random()  seed = 117  optimizer = sgd(lr = 0.1) }
