# softplus of a constant folds with the stable formula nn.softplus lowers to,
# max(x, 0) + log1p(exp(-|x|)): large arguments give x, not inf (exp(800)
# overflows a double).
# RUN: %gptc %s --emit=nn | FileCheck %s
model m(x: f32[B, 4]) {
  param w: f32[4] = zeros()
  loss = sum(x * w) * softplus(100) + softplus(800) + softplus(-800) + softplus(0)
}
train { batch = 2  data = random()  optimizer = sgd(lr = 0.1) }

# CHECK-NOT: 0x7FF0000000000000
# CHECK: nn.constant 1.000000e+02 : tensor<f32>
# CHECK: nn.constant 8.000000e+02 : tensor<f32>
# CHECK: nn.constant 0.000000e+00 : tensor<f32>
# CHECK: nn.constant 0.69314718055994529 : tensor<f32>
# CHECK-NOT: 0x7FF0000000000000
