// nn -> linalg for the indexing, slicing, masking and clipping ops.
// RUN: gptc-opt %s -split-input-file --gptc-convert-nn-to-linalg | FileCheck %s

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

// slice: a contiguous copy reading at index + start; pad: a select between the input and 0.
// CHECK-LABEL: func.func @slice_pad
// CHECK: linalg.generic
// CHECK: arith.addi %{{.*}}, %c2
// CHECK: tensor.extract %arg0
// CHECK: linalg.generic
// CHECK: arith.subi
// CHECK: arith.select
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
