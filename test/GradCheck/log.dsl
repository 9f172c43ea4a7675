# Finite-difference check of the derivative rule of nn.log, in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_log(x: f32[B, 5], r: f32[B, 5]) {
  param w: f32[B, 5] = uniform(0.5, 2)
  loss = sum(log(w) * r)
}
train { batch = 4  data = random()  seed = 109  optimizer = sgd(lr = 0.1) }
