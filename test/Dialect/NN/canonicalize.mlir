// nn canonicalization: transposes of the last two dims fold into matmul flags;
// a sum of pads that tiles its result becomes a concat.
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

// -----

// The backward of split (q, k, v): three pads that tile the last axis, summed
// in any order, are one concat in axis order.
// CHECK-LABEL: func.func @sum_of_pads
// CHECK-NOT: nn.pad
// CHECK-NOT: nn.add
// CHECK: %[[C:.*]] = nn.concat %arg0, %arg1, %arg2 {axis = 1 : i64} : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x12xf32>
// CHECK: return %[[C]]
func.func @sum_of_pads(%q: tensor<2x4xf32>, %k: tensor<2x4xf32>, %v: tensor<2x4xf32>) -> tensor<2x12xf32> {
  %pv = nn.pad %v {axis = 1 : i64, start = 8 : i64} : tensor<2x4xf32> -> tensor<2x12xf32>
  %pk = nn.pad %k {axis = 1 : i64, start = 4 : i64} : tensor<2x4xf32> -> tensor<2x12xf32>
  %0 = nn.add %pv, %pk : tensor<2x12xf32>
  %pq = nn.pad %q {axis = 1 : i64, start = 0 : i64} : tensor<2x4xf32> -> tensor<2x12xf32>
  %1 = nn.add %0, %pq : tensor<2x12xf32>
  return %1 : tensor<2x12xf32>
}

// -----

// Parts of different sizes along the first axis.
// CHECK-LABEL: func.func @uneven
// CHECK: nn.concat %arg1, %arg0 {axis = 0 : i64} : tensor<1x3xf32>, tensor<2x3xf32> -> tensor<3x3xf32>
func.func @uneven(%a: tensor<2x3xf32>, %b: tensor<1x3xf32>) -> tensor<3x3xf32> {
  %pa = nn.pad %a {axis = 0 : i64, start = 1 : i64} : tensor<2x3xf32> -> tensor<3x3xf32>
  %pb = nn.pad %b {axis = 0 : i64, start = 0 : i64} : tensor<1x3xf32> -> tensor<3x3xf32>
  %0 = nn.add %pa, %pb : tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

// Not a concatenation: a gap (the result keeps zeros), an overlap, a pad used
// twice, or a sum with something else.
// CHECK-LABEL: func.func @not_a_concat
// CHECK-NOT: nn.concat
func.func @not_a_concat(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>, %x: tensor<2x12xf32>)
    -> (tensor<2x12xf32>, tensor<2x12xf32>, tensor<2x12xf32>, tensor<2x12xf32>) {
  %p0 = nn.pad %a {axis = 1 : i64, start = 0 : i64} : tensor<2x4xf32> -> tensor<2x12xf32>
  %p8 = nn.pad %b {axis = 1 : i64, start = 8 : i64} : tensor<2x4xf32> -> tensor<2x12xf32>
  %gap = nn.add %p0, %p8 : tensor<2x12xf32>
  %q0 = nn.pad %a {axis = 1 : i64, start = 0 : i64} : tensor<2x4xf32> -> tensor<2x12xf32>
  %q2 = nn.pad %b {axis = 1 : i64, start = 2 : i64} : tensor<2x4xf32> -> tensor<2x12xf32>
  %overlap = nn.add %q0, %q2 : tensor<2x12xf32>
  %r0 = nn.pad %a {axis = 1 : i64, start = 4 : i64} : tensor<2x4xf32> -> tensor<2x12xf32>
  %twice = nn.add %r0, %r0 : tensor<2x12xf32>
  %s0 = nn.pad %a {axis = 1 : i64, start = 0 : i64} : tensor<2x4xf32> -> tensor<2x12xf32>
  %other = nn.add %s0, %x : tensor<2x12xf32>
  return %gap, %overlap, %twice, %other : tensor<2x12xf32>, tensor<2x12xf32>, tensor<2x12xf32>, tensor<2x12xf32>
}

// -----

// The heads of q, k and v: reshape(slice(qkv)) -> slice(reshape(qkv)), the
// three parts sharing one reshape of qkv (a view), so each slice meets its
// transpose with no reshape between them.
// CHECK-LABEL: func.func @heads_of_split
// CHECK: %[[H:.*]] = nn.reshape %arg0 : tensor<2x8x24xf32> -> tensor<2x8x6x4xf32>
// CHECK-NOT: nn.reshape
// CHECK: nn.slice %[[H]] {axis = 2 : i64, start = 0 : i64} : tensor<2x8x6x4xf32> -> tensor<2x8x2x4xf32>
// CHECK: nn.slice %[[H]] {axis = 2 : i64, start = 2 : i64} : tensor<2x8x6x4xf32> -> tensor<2x8x2x4xf32>
func.func @heads_of_split(%qkv: tensor<2x8x24xf32>) -> (tensor<2x8x2x4xf32>, tensor<2x8x2x4xf32>) {
  %q = nn.slice %qkv {axis = 2 : i64, start = 0 : i64} : tensor<2x8x24xf32> -> tensor<2x8x8xf32>
  %k = nn.slice %qkv {axis = 2 : i64, start = 8 : i64} : tensor<2x8x24xf32> -> tensor<2x8x8xf32>
  %qh = nn.reshape %q : tensor<2x8x8xf32> -> tensor<2x8x2x4xf32>
  %kh = nn.reshape %k : tensor<2x8x8xf32> -> tensor<2x8x2x4xf32>
  return %qh, %kh : tensor<2x8x2x4xf32>, tensor<2x8x2x4xf32>
}

// -----

// Left alone: a slice that does not start at a multiple of the head size, a
// reshape that regroups more than the sliced axis, a slice along another axis.
// CHECK-LABEL: func.func @heads_of_split_not
// CHECK: %[[A:.*]] = nn.slice %arg0 {axis = 2 : i64, start = 2 : i64}
// CHECK: nn.reshape %[[A]] : tensor<2x8x8xf32> -> tensor<2x8x2x4xf32>
// CHECK: %[[B:.*]] = nn.slice %arg0 {axis = 2 : i64, start = 8 : i64}
// CHECK: nn.reshape %[[B]] : tensor<2x8x8xf32> -> tensor<16x2x4xf32>
// CHECK: %[[C:.*]] = nn.slice %arg0 {axis = 1 : i64, start = 4 : i64}
// CHECK: nn.reshape %[[C]] : tensor<2x4x24xf32> -> tensor<2x4x6x4xf32>
func.func @heads_of_split_not(%qkv: tensor<2x8x24xf32>) -> (tensor<2x8x2x4xf32>, tensor<16x2x4xf32>, tensor<2x4x6x4xf32>) {
  %a = nn.slice %qkv {axis = 2 : i64, start = 2 : i64} : tensor<2x8x24xf32> -> tensor<2x8x8xf32>
  %ah = nn.reshape %a : tensor<2x8x8xf32> -> tensor<2x8x2x4xf32>
  %b = nn.slice %qkv {axis = 2 : i64, start = 8 : i64} : tensor<2x8x24xf32> -> tensor<2x8x8xf32>
  %bh = nn.reshape %b : tensor<2x8x8xf32> -> tensor<16x2x4xf32>
  %c = nn.slice %qkv {axis = 1 : i64, start = 4 : i64} : tensor<2x8x24xf32> -> tensor<2x4x24xf32>
  %ch = nn.reshape %c : tensor<2x4x24xf32> -> tensor<2x4x6x4xf32>
  return %ah, %bh, %ch : tensor<2x8x2x4xf32>, tensor<16x2x4xf32>, tensor<2x4x6x4xf32>
}
