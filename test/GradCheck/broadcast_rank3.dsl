# Finite-difference check of broadcasting rank-1 and rank-2 parameters against a
# rank-3 input, with scalar constants on either side, in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_broadcast_rank3(x: f32[B, 2, 5], r: f32[B, 2]) {
  param w: f32[5]    = normal(0, 1)
  param v: f32[2, 5] = normal(0, 1)
  z = 2 * (x * w + v) - 0.5 / (1 + v * v)
  loss = sum(mean(tanh(z), axis = -1) * r) + 3 * mean(w * w)
}
train { batch = 3  data = random()  seed = 5  optimizer = sgd(lr = 0.1) }
