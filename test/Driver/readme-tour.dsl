# The language tour from the README compiles and trains a few steps.
# REQUIRES: fashion-mnist
# RUN: %gptc %s -o %t && %t --steps 20 --max-train 1280 --quiet | FileCheck %s
# CHECK: {"model":"tour","epochs":1,"steps":20,
config { n_in = 784  hidden = 100  n_out = 10 }    # numbers and arithmetic on them; gptc -D hidden=64
model tour(x: f32[B, n_in], label: i32[B]) {        # inputs are batches: the first dimension is B
  param w1: f32[n_in, hidden]  = normal(0, 1 / sqrt(n_in))
  param b1: f32[hidden]        = zeros()
  param w2: f32[hidden, n_out] = xavier()
  param b2: f32[n_out]         = zeros()
  h    = relu(x @ w1 + b1)
  out  = h @ w2 + b2                                 # optional: argmax(out) gives accuracy
  loss = cross_entropy(out, label)                   # required: a scalar
}
train { data = idx_images("/usr/share/datasets/fashion-mnist")  batch = 64  epochs = 20  seed = 1
        optimizer = adamw(lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0.05) }
