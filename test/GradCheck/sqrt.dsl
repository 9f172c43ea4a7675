# Finite-difference check of the derivative rule of nn.sqrt, in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_sqrt(x: f32[B, 5], r: f32[B, 5]) {
  param w: f32[B, 5] = uniform(0.5, 2)
  loss = sum(sqrt(w) * r)
}
train { batch = 4  data = random()  seed = 110  optimizer = sgd(lr = 0.1) }
