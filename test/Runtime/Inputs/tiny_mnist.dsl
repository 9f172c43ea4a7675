# A small model on 28x28 IDX images with one-hot targets, shared by runtime tests.
model tiny(x: f32[B, 784], y: f32[B, 10]) {
  param w: f32[784, 10] = normal(0, 0.01)
  param b: f32[10]      = zeros()
  out  = softmax(x @ w + b)
  loss = -sum(y * log(out)) / B
}
train {
  data = idx_images("/usr/share/datasets/fashion-mnist")
  batch = 10
  epochs = 2
  optimizer = adamw(lr = 1e-3)
}
