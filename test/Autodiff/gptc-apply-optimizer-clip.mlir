// With the module attribute gptc.clip, @train_step scales every gradient by
// nn.clip_scale(sum of squares of all gradients, hyper) before the updates, and
// @apply_grads does the same for gradients accumulated by the runtime. Without
// it, no norm is computed.
// RUN: gptc-opt %s -split-input-file --gptc-autodiff --gptc-apply-optimizer | FileCheck %s

// CHECK-LABEL: func.func @train_step(
// CHECK: %[[SQ0:.*]] = nn.mul %[[G0:.*]], %[[G0]] : tensor<4x3xf32>
// CHECK: %[[S0:.*]] = nn.reduce_sum %[[SQ0]], [0, 1]
// CHECK: %[[SQ1:.*]] = nn.mul %[[G1:.*]], %[[G1]] : tensor<3xf32>
// CHECK: %[[S1:.*]] = nn.reduce_sum %[[SQ1]], [0]
// CHECK: %[[SUM:.*]] = nn.add %[[S0]], %[[S1]] : tensor<f32>
// CHECK: %[[C:.*]] = nn.clip_scale %[[SUM]], %{{.*}} : tensor<f32>, tensor<16xf32>
// CHECK: %[[CB:.*]] = nn.broadcast %[[C]], [] : tensor<f32> -> tensor<4x3xf32>
// CHECK: %[[CG0:.*]] = nn.mul %[[G0]], %[[CB]]
// CHECK: nn.adamw_update %{{.*}}, %[[CG0]]
// CHECK-LABEL: func.func @apply_grads(
// CHECK-SAME: -> (tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>)
// CHECK: nn.clip_scale
// CHECK: nn.adamw_update
module attributes {gptc.optimizer = "adamw", gptc.clip} {
  func.func @forward(%w: tensor<4x3xf32> {gptc.param, gptc.name = "w"}, %b: tensor<3xf32> {gptc.param, gptc.name = "b"},
                     %x: tensor<2x4xf32> {gptc.name = "x"}) -> tensor<f32> {
    %h = nn.matmul %x, %w : tensor<2x4xf32>, tensor<4x3xf32> -> tensor<2x3xf32>
    %bb = nn.broadcast %b, [1] : tensor<3xf32> -> tensor<2x3xf32>
    %y = nn.add %h, %bb : tensor<2x3xf32>
    %s = nn.mul %y, %y : tensor<2x3xf32>
    %l = nn.reduce_sum %s, [0, 1] : tensor<2x3xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// -----

// CHECK-LABEL: func.func @train_step(
// CHECK-NOT: nn.clip_scale
// CHECK-LABEL: func.func @apply_grads(
// CHECK-NOT: nn.clip_scale
// CHECK: return
module attributes {gptc.optimizer = "sgd"} {
  func.func @forward(%w: tensor<3xf32> {gptc.param, gptc.name = "w"}) -> tensor<f32> {
    %s = nn.mul %w, %w : tensor<3xf32>
    %l = nn.reduce_sum %s, [0] : tensor<3xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}
