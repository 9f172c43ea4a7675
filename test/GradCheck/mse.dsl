# Finite-difference check of the derivative rule of mse (a mean of squared differences), in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_mse(x: f32[B, 5], y: f32[B, 3]) {
  param w: f32[5, 3] = normal(0, 1)
  loss = mse(x @ w, y)
}
train { batch = 4  data = random()  seed = 123  optimizer = sgd(lr = 0.1) }
