// Two matmuls with the same result shape each get their own zero-filled
// accumulator: nothing merges them, so bufferization writes both in place
// without a single copy.
// RUN: gptc-opt %s --gptc-lower-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --buffer-results-to-out-params=hoist-static-allocs | FileCheck %s

// CHECK-LABEL: func.func @forward
// CHECK-NOT: memref.copy
// CHECK: linalg.matmul
// CHECK-NOT: memref.copy
// CHECK: linalg.matmul
// CHECK-NOT: memref.copy
// CHECK: return
func.func @forward(%w: tensor<8x8xf32> {gptc.param}, %v: tensor<8x8xf32> {gptc.param}, %x: tensor<4x8xf32>) -> tensor<f32> {
  %a = nn.matmul %x, %w : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
  %b = nn.matmul %x, %v : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
  %c = nn.mul %a, %b : tensor<4x8xf32>
  %l = nn.reduce_sum %c, [0, 1] : tensor<4x8xf32> -> tensor<f32>
  return %l : tensor<f32>
}
