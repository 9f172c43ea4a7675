# Finite-difference check of layernorm (mean, biased variance, eps, gain and bias over the last axis), in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck --gradcheck-samples 100 | FileCheck %s
# CHECK: gradcheck ln.weight
# CHECK: gradcheck ln.bias
# CHECK: "gradcheck":"pass"
model grad_layernorm(x: f32[B, 3, 5], r: f32[B, 3, 5]) {
  param w: f32[5, 5] = normal(0, 1)
  loss = sum(layernorm(x @ w, eps = 1e-5, name = ln) * r)
}
train { batch = 2  data = random()  seed = 11  optimizer = sgd(lr = 0.1) }
