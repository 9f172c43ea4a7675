# Finite-difference check of nn.dropout: the mask depends only on (seed, op, position), so the
# perturbed forward passes draw the same mask as the gradient, in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_dropout(x: f32[B, 8], r: f32[B, 8]) {
  param w: f32[8, 8] = normal(0, 1)
  loss = sum(dropout(tanh(x @ w), 0.3) * r)
}
train { batch = 4  data = random()  seed = 17  optimizer = sgd(lr = 0.1) }
