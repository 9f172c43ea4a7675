// gptc-lower-fusion-groups: no nn.fusion_group is left. By default the ops are
// inlined in place; with tile-rows=1 a rows group becomes one scf.forall over
// blocks of rows with the group's ops fused into it.
// RUN: gptc-opt %s --gptc-lower-fusion-groups | FileCheck %s
// RUN: gptc-opt %s --gptc-lower-fusion-groups=tile-rows=1 | FileCheck %s --check-prefix=TILED

// CHECK-LABEL: func.func @row_sum_then_scale
// CHECK-NOT: nn.fusion_group
// CHECK: linalg.reduce
// CHECK: %[[OUT:.*]] = linalg.generic
// CHECK: return %[[OUT]]
// TILED-LABEL: func.func @row_sum_then_scale
// TILED-NOT: nn.fusion_group
// TILED: scf.forall (%[[I:.*]]) = (0) to (8) step (4)
// TILED: linalg.reduce ins(%{{.*}} : tensor<4x1024xf32>)
// TILED: linalg.generic
// TILED: tensor.parallel_insert_slice
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
