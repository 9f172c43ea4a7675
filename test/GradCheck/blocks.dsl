# Finite-difference check through blocks instantiated by repeat: every layer has its own
# params (layer.0.*, layer.1.*), linear layers with biases, and a residual stream, in f64.
# RUN: %gptc %s --dtype=f64 -o %t && %t --gradcheck | FileCheck %s
# CHECK: gradcheck layer.0.ff.weight
# CHECK: gradcheck layer.1.ff.bias
# CHECK: "gradcheck":"pass"
block layer(x) {
  return x + tanh(linear(x, 4, std = 0.5, name = ff))
}
model grad_blocks(x: f32[B, 4], r: f32[B, 4]) {
  repeat 2 {
    x = layer(x)
  }
  loss = sum(x * r)
}
train { batch = 3  data = random()  seed = 23  optimizer = sgd(lr = 0.1) }
