# Nielsen's network2.py: [784, 100, 10] sigmoid network, cross-entropy cost,
# L2 regularisation (lambda = 5.0 over n = 50000 training images), weights
# drawn from N(0, 1/sqrt(n_in)). Run: gptc examples/mlp_xent.dsl -o train && ./train
config {
  n_in = 784
  n_hidden = 100
  n_out = 10
  n_train = 50000
  lambda = 5.0
}

model mlp_xent(x: f32[B, n_in], y: f32[B, n_out]) {
  param w1: f32[n_in, n_hidden]  = normal(0, 1 / sqrt(n_in))
  param b1: f32[n_hidden]        = normal(0, 1)
  param w2: f32[n_hidden, n_out] = normal(0, 1 / sqrt(n_hidden))
  param b2: f32[n_out]           = normal(0, 1)
  z   = sigmoid(x @ w1 + b1) @ w2 + b2
  out = sigmoid(z)
  # network2.py's cost -[y ln(a) + (1 - y) ln(1 - a)] with a = sigmoid(z),
  # in the algebraically equal form that cannot overflow: softplus(z) - y z.
  loss = sum(softplus(z) - y * z) / B
}

train {
  data = idx_images("/usr/share/datasets/fashion-mnist")
  batch = 10
  epochs = 15
  # network2.py: w -> (1 - lr * lambda / n) w - lr * grad (weights only, not biases)
  optimizer = sgd(lr = 0.5, weight_decay = lambda / n_train)
}
