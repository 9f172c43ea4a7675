# Finite-difference check of reshapes to and from a scalar, in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model r(x: f32[B, 1]) {
  param w: f32[1] = normal(0, 1)
  s = reshape(x * w, [])
  loss = s * s + sum(reshape(s * w, [1, 1]))
}
train { batch = 1 data = random() optimizer = sgd(lr = 0.1) }
