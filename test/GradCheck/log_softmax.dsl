# Finite-difference check of the derivative rule of nn.log_softmax, in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_log_softmax(x: f32[B, 5], r: f32[B, 5]) {
  param w: f32[5, 5] = normal(0, 1)
  loss = sum(log_softmax(x @ w) * r)
}
train { batch = 4  data = random()  seed = 121  optimizer = sgd(lr = 0.1) }
