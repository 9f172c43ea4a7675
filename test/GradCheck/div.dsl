# Finite-difference check of the derivative rule of nn.div, in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_div(x: f32[B, 5], r: f32[B, 5]) {
  param w: f32[B, 5] = uniform(1, 2)
  param v: f32[B, 5] = normal(0, 1)
  loss = sum(v / w * r)
}
train { batch = 4  data = random()  seed = 103  optimizer = sgd(lr = 0.1) }
