# Finite-difference check of softmax and log_softmax over a leading axis (moved to the end,
# normalised, moved back), in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_softmax_axis(x: f32[B, 3, 4], r: f32[B, 3, 4]) {
  param w: f32[4, 4] = normal(0, 1)
  h = x @ w
  loss = sum(softmax(h, axis = 1) * r) + sum(log_softmax(h, axis = 0) * r)
}
train { batch = 2  data = random()  seed = 29  optimizer = sgd(lr = 0.1) }
