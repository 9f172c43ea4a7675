# Finite-difference check of nn.mask_fill: a causal mask with -inf before softmax, and a band
# mask with a finite fill, in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck --gradcheck-samples 100 | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_mask(x: f32[B, 4, 3], r: f32[B, 4, 4]) {
  param w: f32[3, 3] = normal(0, 1)
  h = x @ w
  scores = h @ transpose(x)
  causal = softmax(causal_mask(scores))
  band = mask(scores, row - col > 1, 0.5)
  loss = sum((causal + band) * r)
}
train { batch = 2  data = random()  seed = 9  optimizer = sgd(lr = 0.1) }
