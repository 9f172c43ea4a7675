# Finite-difference check of the derivative rule of nn.reduce_sum along an axis, mean over all and along an axis, in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_reduce(x: f32[B, 5]) {
  param r: f32[5] = normal(0, 1)
  param w: f32[B, 5] = normal(0, 1)
  loss = sum(sum(w * x, axis = 0) * r) + mean(w * w) + sum(mean(tanh(w), axis = 1))
}
train { batch = 4  data = random()  seed = 119  optimizer = sgd(lr = 0.1) }
