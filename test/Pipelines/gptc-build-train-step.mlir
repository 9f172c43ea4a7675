// The named pipeline the driver runs for --emit=grad: autodiff, optimizer, cleanup.
// RUN: gptc-opt %s --gptc-build-train-step | FileCheck %s

// CHECK-LABEL: func.func @forward
// CHECK-LABEL: func.func @grad
// CHECK: nn.cross_entropy_grad
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: {gptc.name = "w.m"}
// CHECK-SAME: {gptc.name = "w.v"}
// CHECK: nn.cross_entropy_grad
// CHECK: nn.adamw_update
module attributes {gptc.optimizer = "adamw"} {
  func.func @forward(%w: tensor<8x4xf32> {gptc.param, gptc.name = "w"}, %x: tensor<2x8xf32> {gptc.name = "x"},
                     %t: tensor<2xi32> {gptc.name = "t"}) -> (tensor<f32>, tensor<2x4xf32>) {
    %h = nn.matmul %x, %w : tensor<2x8xf32>, tensor<8x4xf32> -> tensor<2x4xf32>
    %l = nn.cross_entropy %h, %t : tensor<2x4xf32>, tensor<2xi32> -> tensor<f32>
    return %l, %h : tensor<f32>, tensor<2x4xf32>
  }
}
