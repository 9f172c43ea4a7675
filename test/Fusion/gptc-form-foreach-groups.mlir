// gptc-form-foreach-groups: side-by-side independent elementwise and
// reduction groups become one nn.fusion_group "foreach".
// RUN: gptc-opt %s -split-input-file --gptc-form-foreach-groups | FileCheck %s
// RUN: gptc-opt %s -split-input-file --gptc-form-foreach-groups=remarks=1 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id1 = affine_map<(d0) -> (d0)>

// Two parameter updates (SGD: w - lr * g) of different shapes, with the
// scalar code that reads the learning rate between them: one foreach group
// where the second one was, its ops tagged with their member, its results in
// member order.
// CHECK-LABEL: func.func @sgd
// CHECK: tensor.extract
// CHECK: %[[G:.*]]:2 = nn.fusion_group "foreach" rows(0) -> tensor<4x8xf32>, tensor<8xf32> {
// CHECK-NEXT: %[[W:.*]] = linalg.generic {{.*}} ins(%arg0, %arg1 : tensor<4x8xf32>, tensor<4x8xf32>) {{.*}}gptc.foreach_member = 0 : i64
// CHECK: } -> tensor<4x8xf32>
// CHECK-NEXT: %[[B:.*]] = linalg.generic {{.*}} ins(%arg2, %arg3 : tensor<8xf32>, tensor<8xf32>) {{.*}}gptc.foreach_member = 1 : i64
// CHECK: } -> tensor<8xf32>
// CHECK-NEXT: nn.fusion_yield %[[W]], %[[B]] : tensor<4x8xf32>, tensor<8xf32>
// CHECK-NEXT: }
// CHECK-NEXT: return %[[G]]#0, %[[G]]#1
// REMARK: remark: one foreach kernel for 2 independent groups
func.func @sgd(%w: tensor<4x8xf32>, %gw: tensor<4x8xf32>, %b: tensor<8xf32>, %gb: tensor<8xf32>,
               %hyper: tensor<2xf32>) -> (tensor<4x8xf32>, tensor<8xf32>) {
  %c0 = arith.constant 0 : index
  %lr = tensor.extract %hyper[%c0] : tensor<2xf32>
  %e0 = tensor.empty() : tensor<4x8xf32>
  %0 = nn.fusion_group "elementwise" rows(2) -> tensor<4x8xf32> {
    %r = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
        ins(%w, %gw : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e0 : tensor<4x8xf32>) {
      ^bb0(%x: f32, %g: f32, %o: f32):
        %s = arith.mulf %lr, %g : f32
        %n = arith.subf %x, %s : f32
        linalg.yield %n : f32
    } -> tensor<4x8xf32>
    nn.fusion_yield %r : tensor<4x8xf32>
  }
  %c1 = arith.constant 1 : index
  %lr2 = tensor.extract %hyper[%c1] : tensor<2xf32>
  %e1 = tensor.empty() : tensor<8xf32>
  %1 = nn.fusion_group "elementwise" rows(1) -> tensor<8xf32> {
    %r = linalg.generic {indexing_maps = [#id1, #id1, #id1], iterator_types = ["parallel"]}
        ins(%b, %gb : tensor<8xf32>, tensor<8xf32>) outs(%e1 : tensor<8xf32>) {
      ^bb0(%x: f32, %g: f32, %o: f32):
        %s = arith.mulf %lr2, %g : f32
        %n = arith.subf %x, %s : f32
        linalg.yield %n : f32
    } -> tensor<8xf32>
    nn.fusion_yield %r : tensor<8xf32>
  }
  return %0, %1 : tensor<4x8xf32>, tensor<8xf32>
}

// -----

#id1 = affine_map<(d0) -> (d0)>
#rows = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// Reduction groups (the global norm's sums of squares by row: a fill and the
// reduction into it) join too; each member keeps its fill.
// CHECK-LABEL: func.func @row_sums
// CHECK: nn.fusion_group "foreach" rows(0) -> tensor<4xf32>, tensor<3xf32> {
// CHECK-NEXT: linalg.fill {gptc.foreach_member = 0 : i64}
// CHECK-NEXT: linalg.generic {{.*}}gptc.foreach_member = 0 : i64
// CHECK: linalg.fill {gptc.foreach_member = 1 : i64}
// CHECK-NEXT: linalg.generic {{.*}}gptc.foreach_member = 1 : i64
// REMARK: remark: one foreach kernel for 2 independent groups
// Nothing else merges below.
// REMARK-NOT: remark
func.func @row_sums(%a: tensor<4x8xf32>, %b: tensor<3x5xf32>) -> (tensor<4xf32>, tensor<3xf32>) {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<4xf32>
  %0 = nn.fusion_group "reduction" rows(1) -> tensor<4xf32> {
    %f = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4xf32>) -> tensor<4xf32>
    %r = linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
        ins(%a : tensor<4x8xf32>) outs(%f : tensor<4xf32>) {
      ^bb0(%x: f32, %acc: f32):
        %sq = arith.mulf %x, %x : f32
        %s = arith.addf %acc, %sq : f32
        linalg.yield %s : f32
    } -> tensor<4xf32>
    nn.fusion_yield %r : tensor<4xf32>
  }
  %e1 = tensor.empty() : tensor<3xf32>
  %1 = nn.fusion_group "reduction" rows(1) -> tensor<3xf32> {
    %f = linalg.fill ins(%zero : f32) outs(%e1 : tensor<3xf32>) -> tensor<3xf32>
    %r = linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
        ins(%b : tensor<3x5xf32>) outs(%f : tensor<3xf32>) {
      ^bb0(%x: f32, %acc: f32):
        %sq = arith.mulf %x, %x : f32
        %s = arith.addf %acc, %sq : f32
        linalg.yield %s : f32
    } -> tensor<3xf32>
    nn.fusion_yield %r : tensor<3xf32>
  }
  return %0, %1 : tensor<4xf32>, tensor<3xf32>
}

// -----

#id1 = affine_map<(d0) -> (d0)>

// A group that reads another's result depends on it: two kernels, in order.
// CHECK-LABEL: func.func @dependent
// CHECK-NOT: "foreach"
// CHECK: nn.fusion_group "elementwise"
// CHECK: nn.fusion_group "elementwise"
// CHECK-NOT: "foreach"
func.func @dependent(%a: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %0 = nn.fusion_group "elementwise" rows(1) -> tensor<8xf32> {
    %r = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
        ins(%a : tensor<8xf32>) outs(%e : tensor<8xf32>) {
      ^bb0(%x: f32, %o: f32):
        %n = arith.negf %x : f32
        linalg.yield %n : f32
    } -> tensor<8xf32>
    nn.fusion_yield %r : tensor<8xf32>
  }
  %1 = nn.fusion_group "elementwise" rows(1) -> tensor<8xf32> {
    %r = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
        ins(%0 : tensor<8xf32>) outs(%e : tensor<8xf32>) {
      ^bb0(%x: f32, %o: f32):
        %n = arith.mulf %x, %x : f32
        linalg.yield %n : f32
    } -> tensor<8xf32>
    nn.fusion_yield %r : tensor<8xf32>
  }
  return %1 : tensor<8xf32>
}

// -----

#id1 = affine_map<(d0) -> (d0)>

// A scalar read of the first group's result between the two would come
// before the merged group: the run ends there.
// CHECK-LABEL: func.func @read_between
// CHECK-NOT: "foreach"
// CHECK: nn.fusion_group "elementwise"
// CHECK: tensor.extract
// CHECK: nn.fusion_group "elementwise"
func.func @read_between(%a: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, f32) {
  %c0 = arith.constant 0 : index
  %e = tensor.empty() : tensor<8xf32>
  %0 = nn.fusion_group "elementwise" rows(1) -> tensor<8xf32> {
    %r = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
        ins(%a : tensor<8xf32>) outs(%e : tensor<8xf32>) {
      ^bb0(%x: f32, %o: f32):
        %n = arith.negf %x : f32
        linalg.yield %n : f32
    } -> tensor<8xf32>
    nn.fusion_yield %r : tensor<8xf32>
  }
  %first = tensor.extract %0[%c0] : tensor<8xf32>
  %1 = nn.fusion_group "elementwise" rows(1) -> tensor<8xf32> {
    %r = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
        ins(%b : tensor<8xf32>) outs(%e : tensor<8xf32>) {
      ^bb0(%x: f32, %o: f32):
        %n = arith.mulf %x, %x : f32
        linalg.yield %n : f32
    } -> tensor<8xf32>
    nn.fusion_yield %r : tensor<8xf32>
  }
  return %0, %1, %first : tensor<8xf32>, tensor<8xf32>, f32
}

// -----

#id1 = affine_map<(d0) -> (d0)>

// A GEMM between two groups is work of its own: moving the first group past
// it could lengthen what is live during it, so the run ends; a rows group
// or a GEMM group never joins.
// CHECK-LABEL: func.func @gemm_between
// CHECK-NOT: "foreach"
// CHECK: nn.fusion_group "elementwise"
// CHECK: nn.fusion_group "gemm"
// CHECK: nn.fusion_group "elementwise"
func.func @gemm_between(%a: tensor<8xf32>, %m: tensor<4x4xf32>) -> (tensor<8xf32>, tensor<4x4xf32>, tensor<8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %0 = nn.fusion_group "elementwise" rows(1) -> tensor<8xf32> {
    %r = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
        ins(%a : tensor<8xf32>) outs(%e : tensor<8xf32>) {
      ^bb0(%x: f32, %o: f32):
        %n = arith.negf %x : f32
        linalg.yield %n : f32
    } -> tensor<8xf32>
    nn.fusion_yield %r : tensor<8xf32>
  }
  %em = tensor.empty() : tensor<4x4xf32>
  %1 = nn.fusion_group "gemm" rows(0) -> tensor<4x4xf32> {
    %f = linalg.fill ins(%zero : f32) outs(%em : tensor<4x4xf32>) -> tensor<4x4xf32>
    %p = linalg.matmul ins(%m, %m : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f : tensor<4x4xf32>) -> tensor<4x4xf32>
    nn.fusion_yield %p : tensor<4x4xf32>
  }
  %2 = nn.fusion_group "elementwise" rows(1) -> tensor<8xf32> {
    %r = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
        ins(%a : tensor<8xf32>) outs(%e : tensor<8xf32>) {
      ^bb0(%x: f32, %o: f32):
        %n = arith.mulf %x, %x : f32
        linalg.yield %n : f32
    } -> tensor<8xf32>
    nn.fusion_yield %r : tensor<8xf32>
  }
  return %0, %1, %2 : tensor<8xf32>, tensor<4x4xf32>, tensor<8xf32>
}

// -----

#id1 = affine_map<(d0) -> (d0)>

// A group alone stays as it is.
// CHECK-LABEL: func.func @alone
// CHECK: nn.fusion_group "elementwise" rows(1)
// CHECK-NOT: gptc.foreach_member
func.func @alone(%a: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %0 = nn.fusion_group "elementwise" rows(1) -> tensor<8xf32> {
    %r = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
        ins(%a : tensor<8xf32>) outs(%e : tensor<8xf32>) {
      ^bb0(%x: f32, %o: f32):
        %n = arith.negf %x : f32
        linalg.yield %n : f32
    } -> tensor<8xf32>
    nn.fusion_yield %r : tensor<8xf32>
  }
  return %0 : tensor<8xf32>
}
