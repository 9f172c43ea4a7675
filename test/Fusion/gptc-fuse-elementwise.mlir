// gptc-fuse-elementwise fuses elementwise chains into one generic but never into a
// contraction, so the matmul stays linalg.matmul (which goes to the runtime GEMM).
// RUN: gptc-opt %s --gptc-convert-nn-to-linalg --gptc-fuse-elementwise | FileCheck %s

// The layernorm-like scaling feeding the matmul stays its own kernel; the bias add
// and tanh after the matmul fuse into one generic.
// CHECK-LABEL: func.func @no_fusion_into_matmul
// CHECK: linalg.generic
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
// CHECK: linalg.matmul
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: math.tanh
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @no_fusion_into_matmul(%x: tensor<4x8xf32>, %g: tensor<4x8xf32>, %w: tensor<8x3xf32>, %b: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %0 = nn.mul %x, %g : tensor<4x8xf32>
  %1 = nn.matmul %0, %w : tensor<4x8xf32>, tensor<8x3xf32> -> tensor<4x3xf32>
  %2 = nn.add %1, %b : tensor<4x3xf32>
  %3 = nn.tanh %2 : tensor<4x3xf32>
  return %3 : tensor<4x3xf32>
}
