# Finite-difference check of the derivative rule of nn.mul, in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_mul(x: f32[B, 5], r: f32[B, 5]) {
  param w: f32[B, 5] = normal(0, 1)
  param v: f32[5] = normal(0, 1)
  loss = sum(x * w * v * r)
}
train { batch = 4  data = random()  seed = 102  optimizer = sgd(lr = 0.1) }
