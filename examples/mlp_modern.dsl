# A modern MLP on Fashion-MNIST: [784, 256, 128, 10], relu, softmax
# cross-entropy on class indices, AdamW, He initialisation.
# Run: gptc examples/mlp_modern.dsl -o train && ./train
config {
  n_in = 784
  h1 = 256
  h2 = 128
  n_out = 10
}

model mlp_modern(x: f32[B, n_in], label: i32[B]) {
  param w1: f32[n_in, h1]  = normal(0, sqrt(2 / n_in))
  param b1: f32[h1]        = zeros()
  param w2: f32[h1, h2]    = normal(0, sqrt(2 / h1))
  param b2: f32[h2]        = zeros()
  param w3: f32[h2, n_out] = normal(0, sqrt(2 / h2))
  param b3: f32[n_out]     = zeros()
  h    = relu(x @ w1 + b1)
  h    = relu(h @ w2 + b2)
  out  = h @ w3 + b3
  loss = cross_entropy(out, label)
}

train {
  data = idx_images("/usr/share/datasets/fashion-mnist")
  batch = 64
  epochs = 20
  optimizer = adamw(lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0.05)
}
