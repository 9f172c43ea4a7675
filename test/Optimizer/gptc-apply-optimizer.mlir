// @train_step = @grad followed by one optimizer update per parameter.
// RUN: gptc-opt %s -split-input-file -verify-diagnostics --gptc-autodiff --gptc-apply-optimizer | FileCheck %s

// SGD keeps one velocity per param; weight decay applies to matrices only.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[W:.*]]: tensor<4x3xf32> {gptc.name = "w"}, %[[B:.*]]: tensor<3xf32> {gptc.name = "b"},
// CHECK-SAME: %[[VW:.*]]: tensor<4x3xf32> {gptc.name = "w.velocity"}, %[[VB:.*]]: tensor<3xf32> {gptc.name = "b.velocity"},
// CHECK-SAME: %[[X:.*]]: tensor<2x4xf32> {gptc.name = "x"}, %[[H:.*]]: tensor<16xf32> {gptc.name = "hyper"})
// CHECK-SAME: -> (tensor<f32>, tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>)
// CHECK: %[[PW:[^,]*]], %[[NVW:[^ ]*]] = nn.sgd_update %[[W]], %{{.*}}, %[[VW]], %[[H]] {decay = true}
// CHECK: %[[PB:[^,]*]], %[[NVB:[^ ]*]] = nn.sgd_update %[[B]], %{{.*}}, %[[VB]], %[[H]] {decay = false}
// CHECK: return %{{.*}}, %[[PW]], %[[PB]], %[[NVW]], %[[NVB]]
module attributes {gptc.optimizer = "sgd"} {
  func.func @forward(%w: tensor<4x3xf32> {gptc.param, gptc.name = "w"}, %b: tensor<3xf32> {gptc.param, gptc.name = "b"},
                     %x: tensor<2x4xf32> {gptc.name = "x"}) -> tensor<f32> {
    %h = nn.matmul %x, %w : tensor<2x4xf32>, tensor<4x3xf32> -> tensor<2x3xf32>
    %bb = nn.broadcast %b, [1] : tensor<3xf32> -> tensor<2x3xf32>
    %y = nn.add %h, %bb : tensor<2x3xf32>
    %l = nn.reduce_sum %y, [0, 1] : tensor<2x3xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// -----

// AdamW keeps m and v per param, in that order after the params.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[W:.*]]: tensor<4x3xf64> {gptc.name = "w"}, %[[M:.*]]: tensor<4x3xf64> {gptc.name = "w.m"},
// CHECK-SAME: %[[V:.*]]: tensor<4x3xf64> {gptc.name = "w.v"}, %{{.*}}: tensor<2x4xf64> {gptc.name = "x"}, %[[H:.*]]: tensor<16xf64> {gptc.name = "hyper"})
// CHECK: %[[P:[^,]*]], %[[NM:[^,]*]], %[[NV:[^ ]*]] = nn.adamw_update %[[W]], %{{.*}}, %[[M]], %[[V]], %[[H]] {decay = true}
// CHECK: return %{{.*}}, %[[P]], %[[NM]], %[[NV]]
module attributes {gptc.optimizer = "adamw"} {
  func.func @forward(%w: tensor<4x3xf64> {gptc.param, gptc.name = "w"}, %x: tensor<2x4xf64> {gptc.name = "x"}) -> tensor<f64> {
    %h = nn.matmul %x, %w : tensor<2x4xf64>, tensor<4x3xf64> -> tensor<2x3xf64>
    %l = nn.reduce_sum %h, [0, 1] : tensor<2x3xf64> -> tensor<f64>
    return %l : tensor<f64>
  }
}

// -----

// expected-error @+1 {{gptc-apply-optimizer needs @grad (run gptc-autodiff first) and a module attribute gptc.optimizer}}
module attributes {gptc.optimizer = "rmsprop"} {
  func.func @forward(%w: tensor<3xf32> {gptc.param}) -> tensor<f32> {
    %l = nn.reduce_sum %w, [0] : tensor<3xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// -----

// With the module attribute gptc.clip, @train_step scales every gradient by
// nn.clip_scale(sum of squares of all gradients, hyper) before the updates, and
// @apply_grads does the same for gradients accumulated by the runtime. Without
// it, no norm is computed. The sum of squares is one nn.sum_squares over all
// the gradients (one pass, no squared copies).

// CHECK-LABEL: func.func @train_step(
// CHECK: %[[SUM:.*]] = nn.sum_squares %[[G0:.*]], %[[G1:.*]] : tensor<4x3xf32>, tensor<3xf32> -> tensor<f32>
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
