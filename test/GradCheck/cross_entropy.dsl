# Finite-difference check of the derivative rule of nn.cross_entropy (class-index targets), in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_cross_entropy(x: f32[B, 5], label: i32[B]) {
  param w: f32[5, 7] = normal(0, 1)
  param b: f32[7] = normal(0, 1)
  out = x @ w + b
  loss = cross_entropy(out, label)
}
train { batch = 4  data = random()  seed = 122  optimizer = sgd(lr = 0.1) }
