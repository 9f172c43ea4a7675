# Nielsen's network.py: a [784, 30, 10] sigmoid network trained with SGD on the
# quadratic cost. Run: gptc examples/mlp.dsl -o train && ./train
model mlp(x: f32[B, 784], y: f32[B, 10]) {
  param w1: f32[784, 30] = normal(0, 1)
  param b1: f32[30]      = normal(0, 1)
  param w2: f32[30, 10]  = normal(0, 1)
  param b2: f32[10]      = normal(0, 1)
  out  = sigmoid(sigmoid(x @ w1 + b1) @ w2 + b2)
  loss = 0.5 * sum((out - y)^2) / B
}

train {
  data = idx_images("/usr/share/datasets/fashion-mnist")
  batch = 10
  epochs = 30
  optimizer = sgd(lr = 3.0)
}
