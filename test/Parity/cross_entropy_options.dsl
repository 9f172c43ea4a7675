# PyTorch parity of cross_entropy with an ignored class and label smoothing
# (F.cross_entropy(ignore_index = 2, label_smoothing = 0.1)): same weights and
# batch give the same loss and gradients. 48 random labels over 7 classes, so
# some rows are ignored; the dump says how many.
# RUN: %gptc %s -o %t.train
# RUN: %t.train --dump %t.safetensors
# RUN: %python %S/parity.py %t.safetensors smoothed_xent | FileCheck %s
# CHECK: parity smoothed_xent: PASS
model smoothed_xent(x: f32[B, 3, 5], label: i32[B, 3]) {
  param w: f32[5, 7] = normal(0, 1)
  param b: f32[7] = normal(0, 1)
  out = x @ w + b
  loss = cross_entropy(out, label, ignore = 2, smoothing = 0.1)
}
train { batch = 16  data = random()  seed = 122  optimizer = sgd(lr = 0.1) }
