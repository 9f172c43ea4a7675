# Finite-difference check of the derivative rule of nn.pow (x^2, x^3 and x^1.5), in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_pow(x: f32[B, 5], r: f32[B, 5]) {
  param w: f32[B, 5] = uniform(0.5, 2)
  loss = sum((w^2 + w^3 + w^1.5) * r)
}
train { batch = 4  data = random()  seed = 112  optimizer = sgd(lr = 0.1) }
