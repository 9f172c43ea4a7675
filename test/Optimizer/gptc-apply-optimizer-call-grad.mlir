// With call-grad, @train_step is a call of @grad and a call of @apply_grads
// (the CPU path: their code is compiled once). Params and inputs may
// interleave in @grad's signature; the call passes them in @grad's order.
// RUN: gptc-opt %s -split-input-file --gptc-autodiff --gptc-apply-optimizer=call-grad=1 | FileCheck %s

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[W:[^:]*]]: tensor<4x3xf32> {gptc.name = "w"}, %[[B:[^:]*]]: tensor<3xf32> {gptc.name = "b"},
// CHECK-SAME: %[[VW:[^:]*]]: tensor<4x3xf32> {gptc.name = "w.velocity"}, %[[VB:[^:]*]]: tensor<3xf32> {gptc.name = "b.velocity"},
// CHECK-SAME: %[[X:[^:]*]]: tensor<2x4xf32> {gptc.name = "x"}, %[[H:[^:]*]]: tensor<16xf32> {gptc.name = "hyper"})
// CHECK-NEXT: %[[G:.*]]:3 = call @grad(%[[X]], %[[W]], %[[B]])
// CHECK-NEXT: %[[U:.*]]:4 = call @apply_grads(%[[W]], %[[B]], %[[VW]], %[[VB]], %[[G]]#1, %[[G]]#2, %[[H]])
// CHECK-NEXT: return %[[G]]#0, %[[U]]#0, %[[U]]#1, %[[U]]#2, %[[U]]#3
// CHECK-LABEL: func.func @apply_grads(
// CHECK: nn.sgd_update
// CHECK: nn.sgd_update
module attributes {gptc.optimizer = "sgd"} {
  func.func @forward(%x: tensor<2x4xf32> {gptc.name = "x"}, %w: tensor<4x3xf32> {gptc.param, gptc.name = "w"},
                     %b: tensor<3xf32> {gptc.param, gptc.name = "b"}) -> tensor<f32> {
    %h = nn.matmul %x, %w : tensor<2x4xf32>, tensor<4x3xf32> -> tensor<2x3xf32>
    %bb = nn.broadcast %b, [1] : tensor<3xf32> -> tensor<2x3xf32>
    %y = nn.add %h, %bb : tensor<2x3xf32>
    %l = nn.reduce_sum %y, [0, 1] : tensor<2x3xf32> -> tensor<f32>
    return %l : tensor<f32>
  }
}

// -----

// AdamW with clipping: the step calls the same two functions; the clipping
// and the updates are in @apply_grads only.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[W:[^:]*]]: tensor<4x3xf64> {gptc.name = "w"}, %[[M:[^:]*]]: tensor<4x3xf64> {gptc.name = "w.m"},
// CHECK-SAME: %[[V:[^:]*]]: tensor<4x3xf64> {gptc.name = "w.v"}, %[[X:[^:]*]]: tensor<2x4xf64> {gptc.name = "x"}, %[[H:[^:]*]]: tensor<16xf64> {gptc.name = "hyper"})
// CHECK-NOT: nn.
// CHECK: %[[G:.*]]:2 = call @grad(%[[W]], %[[X]])
// CHECK-NEXT: %[[U:.*]]:3 = call @apply_grads(%[[W]], %[[M]], %[[V]], %[[G]]#1, %[[H]])
// CHECK-NEXT: return %[[G]]#0, %[[U]]#0, %[[U]]#1, %[[U]]#2
// CHECK-LABEL: func.func @apply_grads(
// CHECK: nn.sum_squares
// CHECK: nn.clip_scale
// CHECK: nn.adamw_update
module attributes {gptc.optimizer = "adamw", gptc.clip} {
  func.func @forward(%w: tensor<4x3xf64> {gptc.param, gptc.name = "w"}, %x: tensor<2x4xf64> {gptc.name = "x"}) -> tensor<f64> {
    %h = nn.matmul %x, %w : tensor<2x4xf64>, tensor<4x3xf64> -> tensor<2x3xf64>
    %l = nn.reduce_sum %h, [0, 1] : tensor<2x3xf64> -> tensor<f64>
    return %l : tensor<f64>
  }
}
