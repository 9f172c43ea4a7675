// nn -> linalg on tensors, one case per op family.
// RUN: gptc-opt %s -split-input-file --gptc-convert-nn-to-linalg | FileCheck %s
// RUN: gptc-opt %s -split-input-file --gptc-convert-nn-to-linalg=concat-in-place=0 | FileCheck %s --check-prefix=GPU

// Elementwise ops become one parallel linalg.generic each; constants become splats;
// function arguments are marked read-only for bufferization.
// CHECK-LABEL: func.func @elementwise(
// CHECK-SAME: %[[A:.*]]: tensor<2x3xf32> {bufferization.writable = false}
// CHECK: %[[C:.*]] = arith.constant dense<5.000000e-01> : tensor<2x3xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]{{.*}} ins(%[[A]], %[[C]] : tensor<2x3xf32>, tensor<2x3xf32>)
// CHECK: arith.addf
// CHECK: linalg.generic
// CHECK: arith.negf
// CHECK: math.exp
// CHECK: arith.divf
func.func @elementwise(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %c = nn.constant 0.5 : tensor<2x3xf32>
  %0 = nn.add %a, %c : tensor<2x3xf32>
  %1 = nn.sigmoid %0 : tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @relu_and_grad
// CHECK: arith.maximumf
// CHECK: arith.cmpf ogt
// CHECK: arith.select
func.func @relu_and_grad(%a: tensor<4xf64>, %d: tensor<4xf64>) -> (tensor<4xf64>, tensor<4xf64>) {
  %0 = nn.relu %a : tensor<4xf64>
  %1 = nn.relu_grad %a, %d : tensor<4xf64>
  return %0, %1 : tensor<4xf64>, tensor<4xf64>
}

// -----

// softplus in its overflow-free form; x^2 as one multiply.
// CHECK-LABEL: func.func @softplus_pow
// CHECK: math.absf
// CHECK: math.exp
// CHECK: math.log1p
// CHECK: arith.maximumf
// CHECK: linalg.generic
// CHECK: %[[SQ:.*]] = arith.mulf %[[IN:.*]], %[[IN]] : f32
// CHECK-NOT: math.powf
func.func @softplus_pow(%a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = nn.softplus %a : tensor<4xf32>
  %1 = nn.pow %a, 2.0 : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-DAG: #[[BCAST:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @broadcast
// CHECK: linalg.generic {indexing_maps = [#[[BCAST]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
func.func @broadcast(%b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = nn.broadcast %b, [1] : tensor<3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @data_movement
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<4x2x3xf32>) permutation = [2, 0, 1]
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2]] : tensor<4x2x3xf32> into tensor<24xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [4, 6] : tensor<24xf32> into tensor<4x6xf32>
func.func @data_movement(%x: tensor<2x3x4xf32>) -> tensor<4x6xf32> {
  %t = nn.transpose %x, [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  %r = nn.reshape %t : tensor<4x2x3xf32> -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}

// -----

// Transpose flags pick linalg's transposed named ops: no copies.
// CHECK-LABEL: func.func @matmuls
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<4x5xf32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8x5xf32>) outs(%[[Z]] : tensor<4x5xf32>)
// CHECK: linalg.matmul_transpose_b ins(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<5x8xf32>)
// CHECK: linalg.matmul_transpose_a ins(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<4x8xf32>)
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<2x4x8xf32>, tensor<2x8x3xf32>)
// CHECK: linalg.transpose
// CHECK: linalg.matmul_transpose_b ins(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<5x8xf32>)
func.func @matmuls(%a: tensor<4x8xf32>, %b: tensor<8x5xf32>, %c: tensor<5x8xf32>,
                   %x: tensor<2x4x8xf32>, %y: tensor<2x8x3xf32>, %at: tensor<8x4xf32>)
    -> (tensor<4x5xf32>, tensor<4x5xf32>, tensor<8x8xf32>, tensor<2x4x3xf32>, tensor<4x5xf32>) {
  %0 = nn.matmul %a, %b : tensor<4x8xf32>, tensor<8x5xf32> -> tensor<4x5xf32>
  %1 = nn.matmul %a, %c {transpose_rhs = true} : tensor<4x8xf32>, tensor<5x8xf32> -> tensor<4x5xf32>
  %2 = nn.matmul %a, %a {transpose_lhs = true} : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<8x8xf32>
  %3 = nn.matmul %x, %y : tensor<2x4x8xf32>, tensor<2x8x3xf32> -> tensor<2x4x3xf32>
  %4 = nn.matmul %at, %c {transpose_lhs = true, transpose_rhs = true} : tensor<8x4xf32>, tensor<5x8xf32> -> tensor<4x5xf32>
  return %0, %1, %2, %3, %4 : tensor<4x5xf32>, tensor<4x5xf32>, tensor<8x8xf32>, tensor<2x4x3xf32>, tensor<4x5xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_sum
// CHECK: %[[Z:.*]] = linalg.fill
// CHECK: linalg.reduce ins(%{{.*}} : tensor<2x3x4xf32>) outs(%[[Z]] : tensor<3xf32>) dimensions = [0, 2]
// CHECK: arith.addf
func.func @reduce_sum(%x: tensor<2x3x4xf32>) -> tensor<3xf32> {
  %0 = nn.reduce_sum %x, [0, 2] : tensor<2x3x4xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Stable softmax: row max, exp(x - max), row sum, divide.
// CHECK-LABEL: func.func @softmax
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: iterator_types = ["parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: iterator_types = ["parallel", "reduction"]
// CHECK: arith.addf
// CHECK: arith.divf
func.func @softmax(%x: tensor<4x10xf32>) -> tensor<4x10xf32> {
  %0 = nn.softmax %x : tensor<4x10xf32>
  return %0 : tensor<4x10xf32>
}

// -----

// CHECK-LABEL: func.func @log_softmax
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: math.log
// CHECK: arith.subf
func.func @log_softmax(%x: tensor<4x10xf32>) -> tensor<4x10xf32> {
  %0 = nn.log_softmax %x : tensor<4x10xf32>
  return %0 : tensor<4x10xf32>
}

// -----

// Cross-entropy gathers logits[row, target[row]] and averages logsumexp - picked.
// CHECK-LABEL: func.func @cross_entropy
// CHECK: linalg.index 0
// CHECK: arith.index_cast %{{.*}} : i32 to index
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<4x10xf32>
// CHECK: %[[INV:.*]] = arith.constant 2.500000e-01 : f32
// CHECK: iterator_types = ["reduction"]
// CHECK: math.log
// CHECK: arith.mulf %{{.*}}, %[[INV]] : f32
func.func @cross_entropy(%x: tensor<4x10xf32>, %t: tensor<4xi32>) -> tensor<f32> {
  %0 = nn.cross_entropy %x, %t : tensor<4x10xf32>, tensor<4xi32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @cross_entropy_grad
// CHECK: arith.divf
// CHECK: linalg.index 1
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK: arith.subf
func.func @cross_entropy_grad(%x: tensor<4x10xf32>, %t: tensor<4xi32>, %d: tensor<f32>) -> tensor<4x10xf32> {
  %0 = nn.cross_entropy_grad %x, %t, %d : tensor<4x10xf32>, tensor<4xi32>, tensor<f32> -> tensor<4x10xf32>
  return %0 : tensor<4x10xf32>
}

// -----

// An ignored class and label smoothing: each row also reads its sum (the
// smoothing's e / C spread), ignored rows add 0, and the sum is divided by
// the rows that count (at least 1), counted by a reduction over the targets.
// CHECK-LABEL: func.func @cross_entropy_ignore_smoothing
// CHECK: iterator_types = ["reduction"]
// CHECK-SAME: ins(%{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}} : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi32>)
// CHECK: arith.constant 0.899999976 : f32
// CHECK: arith.constant 0.00999999977 : f32
// CHECK: %[[PAD:[a-z0-9_]+]] = arith.constant 7 : i32
// CHECK: arith.cmpi ne, %{{[a-z0-9_]+}}, %[[PAD]] : i32
// CHECK: arith.select
// CHECK: arith.maximumf
// CHECK: arith.divf
func.func @cross_entropy_ignore_smoothing(%x: tensor<4x10xf32>, %t: tensor<4xi32>) -> tensor<f32> {
  %0 = nn.cross_entropy %x, %t {ignore_index = 7 : i64, smoothing = 1.000000e-01 : f64} : tensor<4x10xf32>, tensor<4xi32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Its backward: the target gets 1 - e + e / C, every class e / C; ignored rows 0.
// CHECK-LABEL: func.func @cross_entropy_grad_ignore_smoothing
// CHECK: arith.maximumf
// CHECK: linalg.index 1
// CHECK-DAG: arith.constant 9.100000e-01 : f32
// CHECK-DAG: arith.constant 0.00999999977 : f32
// CHECK: arith.divf
// CHECK: arith.cmpi ne
// CHECK: arith.select
func.func @cross_entropy_grad_ignore_smoothing(%x: tensor<4x10xf32>, %t: tensor<4xi32>, %d: tensor<f32>) -> tensor<4x10xf32> {
  %0 = nn.cross_entropy_grad %x, %t, %d {ignore_index = 7 : i64, smoothing = 1.000000e-01 : f64} : tensor<4x10xf32>, tensor<4xi32>, tensor<f32> -> tensor<4x10xf32>
  return %0 : tensor<4x10xf32>
}

// -----

// A padding mask reads tokens[b, j] at every (b, h, i, j).
// CHECK: = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
// CHECK-LABEL: func.func @padding_mask
// CHECK: linalg.generic {{.*}} ins(%{{[a-z0-9_]+}}, %{{[a-z0-9_]+}} : tensor<2x3x4x5xf32>, tensor<2x5xi32>)
// CHECK: %[[PAD:[a-z0-9_]+]] = arith.constant 0 : i32
// CHECK: %[[IS:[a-z0-9_]+]] = arith.cmpi eq, %{{[a-z0-9_]+}}, %[[PAD]] : i32
// CHECK: arith.select %[[IS]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}} : f32
func.func @padding_mask(%x: tensor<2x3x4x5xf32>, %src: tensor<2x5xi32>) -> tensor<2x3x4x5xf32> {
  %0 = nn.padding_mask %x, %src {fill = 0xFFF0000000000000 : f64, pad = 0 : i64} : tensor<2x3x4x5xf32>, tensor<2x5xi32>
  return %0 : tensor<2x3x4x5xf32>
}

// -----

// The global gradient norm: every element read once, squared in registers.
// A matrix is summed row by row first (rows in parallel, one partial sum
// each), then its rows in order into the running sum; a vector directly. The
// order of the additions depends on the shapes only.
// All the row sums come first (independent kernels: on the CPU one parallel
// region), then the running sum.
// CHECK-LABEL: func.func @sum_squares
// CHECK: %[[ROWS0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<4xf32>) -> tensor<4xf32>
// CHECK: %[[ROWS:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["parallel", "reduction"]} ins(%arg0 : tensor<4x3xf32>) outs(%[[ROWS0]] : tensor<4xf32>)
// CHECK: %[[SQ:.*]] = arith.mulf %[[X:.*]], %[[X]] : f32
// CHECK: arith.addf %{{.*}}, %[[SQ]] : f32
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<f32>) -> tensor<f32>
// CHECK: %[[S0:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["reduction"]} ins(%[[ROWS]] : tensor<4xf32>) outs(%[[Z]] : tensor<f32>)
// CHECK-NOT: arith.mulf
// CHECK: arith.addf
// CHECK: %[[S1:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["reduction"]} ins(%arg1 : tensor<3xf32>) outs(%[[S0]] : tensor<f32>)
// CHECK: arith.mulf
// CHECK: return %[[S1]]
func.func @sum_squares(%a: tensor<4x3xf32>, %b: tensor<3xf32>) -> tensor<f32> {
  %0 = nn.sum_squares %a, %b : tensor<4x3xf32>, tensor<3xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Optimizer updates: hyperparameters read once, one generic with two results.
// CHECK-LABEL: func.func @sgd
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[LR:.*]] = tensor.extract %{{.*}}[%[[C0]]] : tensor<16xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}}, %{{.*}} : tensor<3x2xf32>, tensor<3x2xf32>)
// CHECK: arith.mulf %[[LR]]
// CHECK: linalg.yield %{{.*}}, %{{.*}} : f32, f32
func.func @sgd(%p: tensor<3x2xf32>, %g: tensor<3x2xf32>, %v: tensor<3x2xf32>, %h: tensor<16xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %0:2 = nn.sgd_update %p, %g, %v, %h {decay = true} : tensor<3x2xf32>, tensor<16xf32>
  return %0#0, %0#1 : tensor<3x2xf32>, tensor<3x2xf32>
}

// -----

// CHECK-LABEL: func.func @adamw
// CHECK: linalg.generic {{.*}} outs(%{{.*}}, %{{.*}}, %{{.*}} : tensor<3xf64>, tensor<3xf64>, tensor<3xf64>)
// CHECK: math.sqrt
// CHECK: linalg.yield %{{.*}}, %{{.*}}, %{{.*}} : f64, f64, f64
func.func @adamw(%p: tensor<3xf64>, %g: tensor<3xf64>, %m: tensor<3xf64>, %v: tensor<3xf64>, %h: tensor<16xf64>) -> (tensor<3xf64>, tensor<3xf64>, tensor<3xf64>) {
  %0:3 = nn.adamw_update %p, %g, %m, %v, %h {decay = false} : tensor<3xf64>, tensor<16xf64>
  return %0#0, %0#1, %0#2 : tensor<3xf64>, tensor<3xf64>, tensor<3xf64>
}

// -----

// nn -> linalg for the indexing, slicing, masking and clipping ops.

// gather: a parallel generic over [..., C] reading the table at the clamped row.
// CHECK-LABEL: func.func @gather
// CHECK: linalg.generic {{.*}} ins(%arg1 : tensor<2x3xi32>) outs({{.*}} : tensor<2x3x4xf32>)
// CHECK: arith.index_cast
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: tensor.extract %arg0[
func.func @gather(%t: tensor<5x4xf32>, %i: tensor<2x3xi32>) -> tensor<2x3x4xf32> {
  %0 = nn.gather %t, %i : tensor<5x4xf32>, tensor<2x3xi32> -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// scatter_add: indices flattened to [N], a loop over rows and columns accumulating into [V, C].
// CHECK-LABEL: func.func @scatter_add
// CHECK: tensor.collapse_shape %arg0 {{.*}} into tensor<6xi32>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.addf
// CHECK: tensor.insert
func.func @scatter_add(%i: tensor<2x3xi32>, %u: tensor<2x3x4xf32>) -> tensor<5x4xf32> {
  %0 = nn.scatter_add %i, %u : tensor<2x3xi32>, tensor<2x3x4xf32> -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

// slice: a view (extract_slice) and an elementwise copy of it, which fusion
// takes into the consumer; with concat-in-place=0 (the GPU, identity-layout
// buffers only) a copy reading at index + start. pad: a select between the
// input and 0.
// CHECK-LABEL: func.func @slice_pad
// CHECK: %[[PART:.*]] = tensor.extract_slice %arg0[0, 2] [3, 2] [1, 1] : tensor<3x6xf32> to tensor<3x2xf32>
// CHECK: linalg.generic {{.*}} ins(%[[PART]] : tensor<3x2xf32>)
// CHECK: linalg.generic
// CHECK: arith.subi
// CHECK: arith.select
// GPU-LABEL: func.func @slice_pad
// GPU-NOT: tensor.extract_slice
// GPU: linalg.generic
// GPU: arith.addi %{{.*}}, %c2
// GPU: tensor.extract %arg0
func.func @slice_pad(%x: tensor<3x6xf32>) -> tensor<3x6xf32> {
  %0 = nn.slice %x {axis = 1 : i64, start = 2 : i64} : tensor<3x6xf32> -> tensor<3x2xf32>
  %1 = nn.pad %0 {axis = 1 : i64, start = 2 : i64} : tensor<3x2xf32> -> tensor<3x6xf32>
  return %1 : tensor<3x6xf32>
}

// -----

// mask_fill: the mask becomes an i8 constant read at the last two indices.
// CHECK-LABEL: func.func @mask_fill
// CHECK: arith.constant dense<{{\[\[}}0, 1], [0, 0]]> : tensor<2x2xi8>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[LAST2:.*]], #{{.*}}]
// CHECK: arith.cmpi ne
// CHECK: arith.select
func.func @mask_fill(%x: tensor<3x2x2xf32>) -> tensor<3x2x2xf32> {
  %0 = nn.mask_fill %x, dense<[[false, true], [false, false]]> : tensor<2x2xi1>, 0xFFF0000000000000 : tensor<3x2x2xf32>
  return %0 : tensor<3x2x2xf32>
}

// -----

// dropout: the seed and training flag are read once; each element hashes its position.
// CHECK-LABEL: func.func @dropout
// CHECK: tensor.extract %arg1[%c0
// CHECK: tensor.extract %arg1[%c1
// CHECK: linalg.generic
// CHECK: linalg.index 0
// CHECK: arith.muli
// CHECK: arith.cmpi uge
// CHECK: arith.select
func.func @dropout(%x: tensor<4x8xf32>, %rng: tensor<2xi32>) -> tensor<4x8xf32> {
  %0 = nn.dropout %x, %rng {p = 0.25 : f64, salt = 1 : i64} : tensor<4x8xf32>, tensor<2xi32>
  return %0 : tensor<4x8xf32>
}

// -----

// clip_scale: scalar arithmetic on hyper[15] and the norm.
// CHECK-LABEL: func.func @clip_scale
// CHECK: tensor.extract %arg1[%c15]
// CHECK: math.sqrt
// CHECK: arith.minimumf
// CHECK: arith.cmpf ole
// CHECK: tensor.from_elements
func.func @clip_scale(%s: tensor<f32>, %h: tensor<16xf32>) -> tensor<f32> {
  %0 = nn.clip_scale %s, %h : tensor<f32>, tensor<16xf32>
  return %0 : tensor<f32>
}

// -----

// normalize: the row sum, the mean, the centred sum of squares, 1 / sqrt(var +
// eps), then (x - mean) * rstd; no [rows, C] value but the result.
// CHECK-LABEL: func.func @normalize
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK: math.sqrt
// CHECK: arith.divf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @normalize(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = nn.normalize %x, 1.0e-05 : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// normalize_grad: the statistics again (2 reductions), sum(dy) and
// sum(dy * xhat), then rstd * (dy - mean(dy) - xhat * mean(dy * xhat)).
// CHECK-LABEL: func.func @normalize_grad
// CHECK-COUNT-4: iterator_types = ["parallel", "reduction"]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @normalize_grad(%x: tensor<4x8xf32>, %dy: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = nn.normalize_grad %x, %dy, 1.0e-05 : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
