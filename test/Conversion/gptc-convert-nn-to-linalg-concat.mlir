// nn.concat, both forms of gptc-convert-nn-to-linalg's concat-in-place option.
// RUN: gptc-opt %s -split-input-file --gptc-convert-nn-to-linalg | FileCheck %s --check-prefix=SLICES
// RUN: gptc-opt %s -split-input-file --gptc-convert-nn-to-linalg=concat-in-place=0 | FileCheck %s --check-prefix=GENERIC

// CPU (default): the parts inserted into one tensor, chained in the order they
// are computed (%b's producer comes first here), with the tensor.empty ahead of
// them all, so that eliminate-empty-tensors can make each producer write its
// slice. GPU: one generic reading, at each element, the part it lies in.
// SLICES-LABEL: func.func @concat
// SLICES: %[[E:.*]] = tensor.empty() : tensor<3x6xf32>
// SLICES: %[[B:.*]] = linalg.generic
// SLICES: %[[I0:.*]] = tensor.insert_slice %[[B]] into %[[E]][0, 2] [3, 4] [1, 1] : tensor<3x4xf32> into tensor<3x6xf32>
// SLICES: %[[A:.*]] = linalg.generic
// SLICES: %[[I1:.*]] = tensor.insert_slice %[[A]] into %[[I0]][0, 0] [3, 2] [1, 1] : tensor<3x2xf32> into tensor<3x6xf32>
// SLICES: return %[[I1]]
// GENERIC-LABEL: func.func @concat
// GENERIC-NOT: tensor.insert_slice
// GENERIC: linalg.generic
// GENERIC: linalg.generic
// GENERIC: %[[J:.*]] = linalg.index 1 : index
// GENERIC: tensor.extract %{{.*}} : tensor<3x2xf32>
// GENERIC: %[[C2:.*]] = arith.constant 2 : index
// GENERIC: arith.subi %[[J]], %[[C2]] : index
// GENERIC: tensor.extract %{{.*}} : tensor<3x4xf32>
// GENERIC: %[[IN:.*]] = arith.cmpi sge, %[[J]], %{{.*}} : index
// GENERIC: arith.select %[[IN]]
// GENERIC-NOT: tensor.insert_slice
func.func @concat(%x: tensor<3x2xf32>, %y: tensor<3x4xf32>) -> tensor<3x6xf32> {
  %b = nn.neg %y : tensor<3x4xf32>
  %a = nn.exp %x : tensor<3x2xf32>
  %0 = nn.concat %a, %b {axis = 1 : i64} : tensor<3x2xf32>, tensor<3x4xf32> -> tensor<3x6xf32>
  return %0 : tensor<3x6xf32>
}

// -----

// A function argument as a part: the tensor.empty goes first in the block.
// SLICES-LABEL: func.func @argument_part
// SLICES-NEXT: %[[E:.*]] = tensor.empty() : tensor<4x3xf32>
// SLICES: tensor.insert_slice %arg0 into %[[E]][0, 0] [1, 3] [1, 1]
// SLICES: tensor.insert_slice %{{.*}}[1, 0] [3, 3] [1, 1]
// GENERIC-LABEL: func.func @argument_part
// GENERIC: arith.cmpi sge
func.func @argument_part(%x: tensor<1x3xf32>, %y: tensor<3x3xf32>) -> tensor<4x3xf32> {
  %b = nn.neg %y : tensor<3x3xf32>
  %0 = nn.concat %x, %b {axis = 0 : i64} : tensor<1x3xf32>, tensor<3x3xf32> -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Merged heads ([B, T, H, D] -> [B, T, H * D], the q/k/v gradients before the
// backward of split): the parts are concatenated along H before the collapse,
// so their producers can write into the result too.
// SLICES-LABEL: func.func @merged_heads
// SLICES: %[[E:.*]] = tensor.empty() : tensor<2x3x3x4xf32>
// SLICES: %[[A:.*]] = linalg.generic
// SLICES: %[[I0:.*]] = tensor.insert_slice %[[A]] into %[[E]][0, 0, 0, 0] [2, 3, 2, 4] [1, 1, 1, 1]
// SLICES: %[[B:.*]] = linalg.generic
// SLICES: %[[I1:.*]] = tensor.insert_slice %[[B]] into %[[I0]][0, 0, 2, 0] [2, 3, 1, 4] [1, 1, 1, 1]
// SLICES: %[[C:.*]] = tensor.collapse_shape %[[I1]] {{\[\[}}0], [1], [2, 3]] : tensor<2x3x3x4xf32> into tensor<2x3x12xf32>
// SLICES: return %[[C]]
// GENERIC-LABEL: func.func @merged_heads
// GENERIC: tensor.collapse_shape
// GENERIC: tensor.collapse_shape
// GENERIC: linalg.generic
// GENERIC-NOT: tensor.insert_slice
func.func @merged_heads(%x: tensor<2x3x2x4xf32>, %y: tensor<2x3x1x4xf32>) -> tensor<2x3x12xf32> {
  %a = nn.neg %x : tensor<2x3x2x4xf32>
  %ra = nn.reshape %a : tensor<2x3x2x4xf32> -> tensor<2x3x8xf32>
  %b = nn.exp %y : tensor<2x3x1x4xf32>
  %rb = nn.reshape %b : tensor<2x3x1x4xf32> -> tensor<2x3x4xf32>
  %0 = nn.concat %ra, %rb {axis = 2 : i64} : tensor<2x3x8xf32>, tensor<2x3x4xf32> -> tensor<2x3x12xf32>
  return %0 : tensor<2x3x12xf32>
}
