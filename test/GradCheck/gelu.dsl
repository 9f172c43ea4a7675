# Finite-difference check of gelu (GPT-2's tanh approximation), in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_gelu(x: f32[B, 6], r: f32[B, 6]) {
  param w: f32[6, 6] = normal(0, 1)
  loss = sum(gelu(x @ w) * r)
}
train { batch = 4  data = random()  seed = 3  optimizer = sgd(lr = 0.1) }
