# Finite-difference check of nn.slice (split) and nn.pad (its backward, and concat), in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck --gradcheck-samples 100 | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_split(x: f32[B, 2, 4], r: f32[B, 2, 6]) {
  param w: f32[4, 6] = normal(0, 1)
  a, b, c = split(x @ w, 3)
  loss = sum(concat([c * c, a, b - a], axis = -1) * r)
}
train { batch = 3  data = random()  seed = 5  optimizer = sgd(lr = 0.1) }
