# Finite-difference check of cross_entropy with an ignored class and label
# smoothing (torch's ignore_index and label_smoothing), in f64. 48 rows of
# random labels over 7 classes: about one row in seven is the ignored class 2.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: "gradcheck":"pass"
model grad_cross_entropy_smoothing(x: f32[B, 3, 5], label: i32[B, 3]) {
  param w: f32[5, 7] = normal(0, 1)
  param b: f32[7] = normal(0, 1)
  out = x @ w + b
  loss = cross_entropy(out, label, ignore = 2, smoothing = 0.1)
}
train { batch = 16  data = random()  seed = 122  optimizer = sgd(lr = 0.1) }
