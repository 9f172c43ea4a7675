// nn canonicalization: transposes of the last two dims fold into matmul flags.
// RUN: gptc-opt %s -split-input-file -canonicalize | FileCheck %s

// CHECK-LABEL: func.func @rhs
// CHECK-NOT: nn.transpose
// CHECK: nn.matmul %arg0, %arg1 {transpose_rhs = true} : tensor<4x8xf32>, tensor<5x8xf32> -> tensor<4x5xf32>
func.func @rhs(%q: tensor<4x8xf32>, %k: tensor<5x8xf32>) -> tensor<4x5xf32> {
  %t = nn.transpose %k, [1, 0] : tensor<5x8xf32> -> tensor<8x5xf32>
  %0 = nn.matmul %q, %t : tensor<4x8xf32>, tensor<8x5xf32> -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Both sides, batched; a transposed operand that was already flagged flips back.
// CHECK-LABEL: func.func @both
// CHECK-NOT: nn.transpose
// CHECK: nn.matmul %arg0, %arg1 {transpose_lhs = true} : tensor<2x8x4xf32>, tensor<2x8x5xf32> -> tensor<2x4x5xf32>
func.func @both(%a: tensor<2x8x4xf32>, %b: tensor<2x8x5xf32>) -> tensor<2x4x5xf32> {
  %ta = nn.transpose %a, [0, 2, 1] : tensor<2x8x4xf32> -> tensor<2x4x8xf32>
  %tb = nn.transpose %b, [0, 2, 1] : tensor<2x8x5xf32> -> tensor<2x5x8xf32>
  %0 = nn.matmul %ta, %tb {transpose_rhs = true} : tensor<2x4x8xf32>, tensor<2x5x8xf32> -> tensor<2x4x5xf32>
  return %0 : tensor<2x4x5xf32>
}

// -----

// A permutation that moves the batch dimension is not a matmul transpose.
// CHECK-LABEL: func.func @other_permutation
// CHECK: nn.transpose
// CHECK: nn.matmul
func.func @other_permutation(%a: tensor<4x2x8xf32>, %b: tensor<2x8x5xf32>) -> tensor<2x4x5xf32> {
  %t = nn.transpose %a, [1, 0, 2] : tensor<4x2x8xf32> -> tensor<2x4x8xf32>
  %0 = nn.matmul %t, %b : tensor<2x4x8xf32>, tensor<2x8x5xf32> -> tensor<2x4x5xf32>
  return %0 : tensor<2x4x5xf32>
}
