# attention expands in Frontend/Builtins/Attention.cpp into q @ transpose(k),
# the scale 1/sqrt(D), the causal mask, softmax, and the product with v. Rank-4
# operands are folded to rank-3 batches around each nn.matmul (Linear.cpp).
# RUN: %gptc %s --emit=nn | FileCheck %s
model m(q: f32[B, 2, 3, 4], k: f32[B, 2, 3, 4], v: f32[B, 2, 3, 4]) {
  param w: f32[4] = zeros()
  loss = sum(attention(q + w, k, v))
}
train { batch = 2  data = random()  optimizer = sgd(lr = 0.1) }

# CHECK: func.func @forward(%{{.*}}: tensor<4xf32> {{.*}}, %{{.*}}: tensor<2x2x3x4xf32> {gptc.name = "q"}, %[[K:.*]]: tensor<2x2x3x4xf32> {gptc.name = "k"}, %[[V:.*]]: tensor<2x2x3x4xf32> {gptc.name = "v"})
# CHECK: %[[Q:.*]] = nn.add
# CHECK: %[[KT:.*]] = nn.transpose %[[K]], [0, 1, 3, 2] : tensor<2x2x3x4xf32> -> tensor<2x2x4x3xf32>
# CHECK: %[[Q3:.*]] = nn.reshape %[[Q]] : tensor<2x2x3x4xf32> -> tensor<4x3x4xf32>
# CHECK: %[[K3:.*]] = nn.reshape %[[KT]] : tensor<2x2x4x3xf32> -> tensor<4x4x3xf32>
# CHECK: %[[P:.*]] = nn.matmul %[[Q3]], %[[K3]]
# CHECK: %[[S:.*]] = nn.reshape %[[P]] : tensor<4x3x3xf32> -> tensor<2x2x3x3xf32>
# CHECK: %[[SCALE:.*]] = nn.constant 5.000000e-01 : tensor<2x2x3x3xf32>
# CHECK: %[[SS:.*]] = nn.mul %[[S]], %[[SCALE]]
# CHECK: %[[M:.*]] = nn.mask_fill %[[SS]], dense<{{\[\[}}false, true, true], [false, false, true], [false, false, false]]>
# CHECK: %[[W:.*]] = nn.softmax %[[M]]
# CHECK: %[[W3:.*]] = nn.reshape %[[W]] : tensor<2x2x3x3xf32> -> tensor<4x3x3xf32>
# CHECK: %[[V3:.*]] = nn.reshape %[[V]] : tensor<2x2x3x4xf32> -> tensor<4x3x4xf32>
# CHECK: %[[O:.*]] = nn.matmul %[[W3]], %[[V3]]
# CHECK: nn.reshape %[[O]] : tensor<4x3x4xf32> -> tensor<2x2x3x4xf32>
