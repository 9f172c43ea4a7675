# Finite-difference check of transpose over chosen axes and permute (rank 4), in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_permute(x: f32[B, 2, 3, 4], r: f32[B, 4, 2, 3]) {
  param w: f32[4, 4] = normal(0, 1)
  y = permute(x @ w, [0, 3, 1, 2])
  z = transpose(y, 1, 3)
  loss = sum(y * r) + sum(z * z)
}
train { batch = 2  data = random()  seed = 19  optimizer = sgd(lr = 0.1) }
