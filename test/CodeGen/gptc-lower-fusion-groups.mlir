// gptc-lower-fusion-groups: no nn.fusion_group is left. By default the ops are
// inlined in place; with row-blocks=1 a rows group becomes one scf.forall over
// blocks of rows in which each op is computed for the block, in order: values
// the group yields go into slices of full-size shared outputs, temporaries are
// tiles of the block only.
// RUN: gptc-opt %s -split-input-file --gptc-lower-fusion-groups | FileCheck %s
// RUN: gptc-opt %s -split-input-file --gptc-lower-fusion-groups=row-blocks=1 | FileCheck %s --check-prefix=BLOCKS

// CHECK-LABEL: func.func @row_sum_then_scale
// CHECK-NOT: nn.fusion_group
// CHECK: linalg.reduce
// CHECK: %[[OUT:.*]] = linalg.generic
// CHECK: return %[[OUT]]
// The row sum is a temporary: a tile of 4 rows, filled and reduced in the
// block; the scaled rows go into the one shared output (4 x 1024 = 4096
// elements a block).
// BLOCKS-LABEL: func.func @row_sum_then_scale
// BLOCKS-NOT: nn.fusion_group
// BLOCKS: %[[EMPTY:.*]] = tensor.empty() : tensor<8x1024xf32>
// BLOCKS: %[[R:.*]] = scf.forall (%[[I:.*]]) = (0) to (8) step (4) shared_outs(%[[S:.*]] = %[[EMPTY]]) -> (tensor<8x1024xf32>)
// BLOCKS: %[[T:.*]] = tensor.empty() : tensor<4xf32>
// BLOCKS: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[T]] : tensor<4xf32>)
// BLOCKS: %[[X:.*]] = tensor.extract_slice %arg0[%[[I]], 0] [4, 1024] [1, 1]
// BLOCKS: %[[SUM:.*]] = linalg.reduce ins(%[[X]] : tensor<4x1024xf32>)
// BLOCKS: %[[DST:.*]] = tensor.extract_slice %[[S]][%[[I]], 0] [4, 1024] [1, 1]
// BLOCKS: %[[Y:.*]] = linalg.generic {{.*}} outs(%[[DST]] : tensor<4x1024xf32>)
// BLOCKS: scf.forall.in_parallel
// BLOCKS-NEXT: tensor.parallel_insert_slice %[[Y]] into %[[S]][%[[I]], 0] [4, 1024] [1, 1]
// BLOCKS: return %[[R]]
func.func @row_sum_then_scale(%x: tensor<8x1024xf32>) -> tensor<8x1024xf32> {
  %0 = nn.fusion_group "rows" rows(1) -> tensor<8x1024xf32> {
    %zero = arith.constant 0.0 : f32
    %e0 = tensor.empty() : tensor<8xf32>
    %s0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<8xf32>) -> tensor<8xf32>
    %sum = linalg.reduce ins(%x : tensor<8x1024xf32>) outs(%s0 : tensor<8xf32>) dimensions = [1]
      (%in: f32, %acc: f32) {
        %r = arith.addf %in, %acc : f32
        linalg.yield %r : f32
      }
    %e1 = tensor.empty() : tensor<8x1024xf32>
    %out = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>],
                           iterator_types = ["parallel", "parallel"]}
        ins(%x, %sum : tensor<8x1024xf32>, tensor<8xf32>) outs(%e1 : tensor<8x1024xf32>) {
      ^bb0(%a: f32, %b: f32, %o: f32):
        %d = arith.divf %a, %b : f32
        linalg.yield %d : f32
    } -> tensor<8x1024xf32>
    nn.fusion_yield %out : tensor<8x1024xf32>
  }
  return %0 : tensor<8x1024xf32>
}

// -----

// Two rows dimensions ([3, 10] rows of 512): ones along the first, blocks of
// 8 along the second would not divide 10, so blocks of 5 (the largest divisor
// with at most 4096 elements). A yielded intermediate (the row max, kept for
// a backward pass) is a shared output too, and the group's results are the
// scf.forall's.
// BLOCKS-LABEL: func.func @two_row_dims_two_results
// BLOCKS: %[[R:.*]]:2 = scf.forall (%[[I:.*]], %[[J:.*]]) = (0, 0) to (3, 10) step (1, 5) shared_outs
// BLOCKS: linalg.reduce ins(%{{.*}} : tensor<1x5x512xf32>)
// BLOCKS: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x5x512xf32>)
// BLOCKS: tensor.parallel_insert_slice %{{.*}}[%[[I]], %[[J]]] [1, 5] [1, 1] : tensor<1x5xf32> into tensor<3x10xf32>
// BLOCKS: tensor.parallel_insert_slice %{{.*}}[%[[I]], %[[J]], 0] [1, 5, 512] [1, 1, 1] : tensor<1x5x512xf32> into tensor<3x10x512xf32>
// BLOCKS: return %[[R]]#0, %[[R]]#1
func.func @two_row_dims_two_results(%x: tensor<3x10x512xf32>) -> (tensor<3x10xf32>, tensor<3x10x512xf32>) {
  %0:2 = nn.fusion_group "rows" rows(2) -> tensor<3x10xf32>, tensor<3x10x512xf32> {
    %ninf = arith.constant 0xFF800000 : f32
    %e0 = tensor.empty() : tensor<3x10xf32>
    %m0 = linalg.fill ins(%ninf : f32) outs(%e0 : tensor<3x10xf32>) -> tensor<3x10xf32>
    %max = linalg.reduce ins(%x : tensor<3x10x512xf32>) outs(%m0 : tensor<3x10xf32>) dimensions = [2]
      (%in: f32, %acc: f32) {
        %r = arith.maximumf %in, %acc : f32
        linalg.yield %r : f32
      }
    %e1 = tensor.empty() : tensor<3x10x512xf32>
    %out = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
                           iterator_types = ["parallel", "parallel", "parallel"]}
        ins(%x, %max : tensor<3x10x512xf32>, tensor<3x10xf32>) outs(%e1 : tensor<3x10x512xf32>) {
      ^bb0(%a: f32, %b: f32, %o: f32):
        %d = arith.subf %a, %b : f32
        linalg.yield %d : f32
    } -> tensor<3x10x512xf32>
    nn.fusion_yield %max, %out : tensor<3x10xf32>, tensor<3x10x512xf32>
  }
  return %0#0, %0#1 : tensor<3x10xf32>, tensor<3x10x512xf32>
}

// -----

// A destination used twice (the same empty tensor as two ops' outputs) is
// not expressible as one chain per shared output: the group is inlined.
// BLOCKS-LABEL: func.func @shared_destination_is_inlined
// BLOCKS-NOT: scf.forall
// BLOCKS: linalg.generic
// BLOCKS: linalg.generic
// BLOCKS: return
func.func @shared_destination_is_inlined(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %0 = nn.fusion_group "rows" rows(1) -> tensor<8x16xf32> {
    %e = tensor.empty() : tensor<8x16xf32>
    %a = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                         iterator_types = ["parallel", "parallel"]}
        ins(%x : tensor<8x16xf32>) outs(%e : tensor<8x16xf32>) {
      ^bb0(%v: f32, %o: f32):
        %n = arith.negf %v : f32
        linalg.yield %n : f32
    } -> tensor<8x16xf32>
    %b = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                         iterator_types = ["parallel", "parallel"]}
        ins(%a : tensor<8x16xf32>) outs(%e : tensor<8x16xf32>) {
      ^bb0(%v: f32, %o: f32):
        %n = arith.mulf %v, %v : f32
        linalg.yield %n : f32
    } -> tensor<8x16xf32>
    nn.fusion_yield %b : tensor<8x16xf32>
  }
  return %0 : tensor<8x16xf32>
}
