# Finite-difference check of the derivative rule of nn.reshape, in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_reshape(x: f32[B, 6], r: f32[B, 2, 3]) {
  param w: f32[B, 6] = normal(0, 1)
  loss = sum(reshape(x * w, [B, 2, 3]) * r)
}
train { batch = 4  data = random()  seed = 118  optimizer = sgd(lr = 0.1) }
