# End to end: a small MLP compiles, trains a few hundred steps on real
# Fashion-MNIST data, and its training loss goes down every epoch.
# REQUIRES: fashion-mnist
# RUN: %gptc %s -o %t.train
# RUN: rm -f %t.jsonl
# RUN: %t.train --max-train 2000 --epochs 3 --metrics %t.jsonl | FileCheck %s --check-prefix=TRAIN
# RUN: %python %testtools/metrics.py decreasing %t.jsonl | FileCheck %s
#
# TRAIN: step    200  epoch 1.00  train loss
# TRAIN: step    600  epoch 3.00  train loss
# TRAIN: {"model":"small","epochs":3,"steps":600,
# CHECK: loss went down
model small(x: f32[B, 784], label: i32[B]) {
  param w1: f32[784, 64] = xavier()
  param b1: f32[64]      = zeros()
  param w2: f32[64, 10]  = xavier()
  param b2: f32[10]      = zeros()
  out  = relu(x @ w1 + b1) @ w2 + b2
  loss = cross_entropy(out, label)
}
train {
  data = idx_images("/usr/share/datasets/fashion-mnist")
  batch = 10
  epochs = 1
  optimizer = sgd(lr = 0.05, momentum = 0.9)
}
