# layernorm expands in Frontend/Builtins/Reduction.cpp into primitives: the row
# mean, the centred rows, the biased variance, (var + eps)^-0.5, then the gain
# and the bias. MLIRGen maps each to one nn op.
# RUN: %gptc %s --emit=nn | FileCheck %s
model m(x: f32[B, 3, 5]) {
  loss = sum(layernorm(x, eps = 0.001, name = ln))
}
train { batch = 2  data = random()  optimizer = sgd(lr = 0.1) }

# CHECK: func.func @forward(%[[W:.*]]: tensor<5xf32> {gptc.name = "ln.weight", gptc.param}, %[[B:.*]]: tensor<5xf32> {gptc.name = "ln.bias", gptc.param}, %[[X:.*]]: tensor<2x3x5xf32> {gptc.name = "x"})
# CHECK: %[[S:.*]] = nn.reduce_sum %[[X]], [2] : tensor<2x3x5xf32> -> tensor<2x3xf32>
# CHECK: %[[N:.*]] = nn.constant 2.000000e-01 : tensor<2x3xf32>
# CHECK: %[[M:.*]] = nn.mul %[[S]], %[[N]]
# CHECK: %[[MB:.*]] = nn.broadcast %[[M]], [0, 1] : tensor<2x3xf32> -> tensor<2x3x5xf32>
# CHECK: %[[C:.*]] = nn.sub %[[X]], %[[MB]]
# CHECK: %[[SQ:.*]] = nn.mul %[[C]], %[[C]]
# CHECK: nn.reduce_sum %[[SQ]], [2]
# CHECK: nn.mul
# CHECK: %[[VB:.*]] = nn.broadcast {{.*}}, [0, 1]
# CHECK: %[[EPS:.*]] = nn.constant 1.000000e-03 : tensor<2x3x5xf32>
# CHECK: %[[VE:.*]] = nn.add %[[VB]], %[[EPS]]
# CHECK: %[[R:.*]] = nn.pow %[[VE]], -5.000000e-01
# CHECK: %[[Y:.*]] = nn.mul %[[C]], %[[R]]
# CHECK: %[[WB:.*]] = nn.broadcast %[[W]], [2] : tensor<5xf32> -> tensor<2x3x5xf32>
# CHECK: %[[YW:.*]] = nn.mul %[[Y]], %[[WB]]
# CHECK: %[[BB:.*]] = nn.broadcast %[[B]], [2]
# CHECK: nn.add %[[YW]], %[[BB]]
