// Fusion is tested by counting kernels (as tinygrad does): after
// gptc-lower-to-linalg, the elementwise chain bias-add + sigmoid + (x - y)^2
// collapses into two kernels, and the matmuls stay named ops.
// RUN: gptc-opt %s --gptc-lower-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @forward
// CHECK: linalg.matmul
// CHECK-NOT: linalg.generic
// bias add + sigmoid: one kernel
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: math.exp
// CHECK-NOT: linalg.generic
// CHECK: linalg.matmul
// CHECK-NOT: linalg.generic
// sigmoid + subtract + square: one kernel
// CHECK: linalg.generic
// CHECK: math.exp
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
// CHECK: linalg.reduce
// CHECK-NOT: linalg.generic
// the scale of the scalar loss
// CHECK: linalg.generic
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @forward(%w1: tensor<784x30xf32> {gptc.param}, %b1: tensor<30xf32> {gptc.param},
                   %w2: tensor<30x10xf32> {gptc.param}, %x: tensor<10x784xf32>, %y: tensor<10x10xf32>) -> tensor<f32> {
  %0 = nn.matmul %x, %w1 : tensor<10x784xf32>, tensor<784x30xf32> -> tensor<10x30xf32>
  %1 = nn.broadcast %b1, [1] : tensor<30xf32> -> tensor<10x30xf32>
  %2 = nn.add %0, %1 : tensor<10x30xf32>
  %3 = nn.sigmoid %2 : tensor<10x30xf32>
  %4 = nn.matmul %3, %w2 : tensor<10x30xf32>, tensor<30x10xf32> -> tensor<10x10xf32>
  %5 = nn.sigmoid %4 : tensor<10x10xf32>
  %6 = nn.sub %5, %y : tensor<10x10xf32>
  %7 = nn.pow %6, 2.0 : tensor<10x10xf32>
  %8 = nn.reduce_sum %7, [0, 1] : tensor<10x10xf32> -> tensor<f32>
  %c = nn.constant 0.05 : tensor<f32>
  %9 = nn.mul %8, %c : tensor<f32>
  return %9 : tensor<f32>
}
