# layernorm is one nn.normalize ((x - mean) / sqrt(var + eps) over the last
# axis, a composite op with its own backward) followed by the gain and the bias
# as elementwise ops (Frontend/Builtins/Reduction.cpp).
# RUN: %gptc %s --emit=nn | FileCheck %s
# RUN: %gptc %s --emit=grad | FileCheck %s --check-prefix=GRAD
model m(x: f32[B, 3, 5]) {
  param w: f32[5] = ones()
  loss = sum(layernorm(x * w, eps = 0.001, name = ln) * x)
}
train { batch = 2  data = random()  optimizer = sgd(lr = 0.1) }

# CHECK: func.func @forward(%{{.*}}: tensor<5xf32> {gptc.name = "w", gptc.param}, %[[W:.*]]: tensor<5xf32> {gptc.name = "ln.weight", gptc.param}, %[[B:.*]]: tensor<5xf32> {gptc.name = "ln.bias", gptc.param}, %[[X:.*]]: tensor<2x3x5xf32> {gptc.name = "x"})
# CHECK: %[[XW:.*]] = nn.mul %[[X]], %{{.*}} : tensor<2x3x5xf32>
# CHECK-NEXT: %[[Y:.*]] = nn.normalize %[[XW]], 1.000000e-03 : tensor<2x3x5xf32>
# CHECK-NEXT: %[[WB:.*]] = nn.broadcast %[[W]], [2] : tensor<5xf32> -> tensor<2x3x5xf32>
# CHECK-NEXT: %[[YW:.*]] = nn.mul %[[Y]], %[[WB]]
# CHECK-NEXT: %[[BB:.*]] = nn.broadcast %[[B]], [2]
# CHECK-NEXT: nn.add %[[YW]], %[[BB]]
# CHECK-NOT: nn.pow

# The backward reads normalize's input and the incoming gradient only.
# GRAD-LABEL: func.func @grad(
# GRAD: %[[XW:.*]] = nn.mul
# GRAD-NEXT: nn.normalize %[[XW]]
# GRAD: nn.normalize_grad %[[XW]], %{{.*}}, 1.000000e-03 : tensor<2x3x5xf32>
