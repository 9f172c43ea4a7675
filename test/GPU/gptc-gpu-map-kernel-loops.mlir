// RUN: %gptc-opt %s --pass-pipeline='builtin.module(func.func(gptc-gpu-map-kernel-loops))' | FileCheck %s

// [10, 30]: threads x along the 30 (32 threads), y along the 10 (256 / 32 =
// 8 threads, 2 blocks); no min/max bounds, a guard instead; the block loop's
// last dimension is block x, the thread loop's is thread x.
// The kernels' classes, in order, go to the function for
// gptc-gpu-merge-kernel-modules (a loop with none: "kernel").
// CHECK-LABEL: func.func @two_dims
// CHECK-SAME: attributes {gptc.kernel_classes = ["elementwise", "kernel"]}
// CHECK-DAG: %[[TY:.*]] = arith.muli %c1, %c8 : index
// CHECK-DAG: %[[TX:.*]] = arith.muli %c1, %c32 : index
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c10, %c30) step (%[[TY]], %[[TX]])
// CHECK-NEXT: scf.parallel (%{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}) to (%[[TY]], %[[TX]]) step (%c1, %c1)
// CHECK-NOT: affine.min
// CHECK: scf.if
// CHECK: {mapping = [#gpu.loop_dim_map<processor = thread_y, map = (d0) -> (d0), bound = (d0) -> (d0)>, #gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// CHECK: {mapping = [#gpu.loop_dim_map<processor = block_y, map = (d0) -> (d0), bound = (d0) -> (d0)>, #gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
func.func @two_dims(%a: memref<10x30xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c10 = arith.constant 10 : index
  %c30 = arith.constant 30 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c10, %c30) step (%c1, %c1) {
    memref.store %zero, %a[%i, %j] : memref<10x30xf32>
  } {gptc.kernel_class = "elementwise"}
  scf.parallel (%i) = (%c0) to (%c10) step (%c1) {
    memref.store %zero, %a[%i, %c0] : memref<10x30xf32>
  }
  return
}

// Four dimensions: the leading two are merged into one (4 = 2 x 2,
// delinearised in the body), so all of them are spread over the grid: 8
// threads x, 8 y, 4 z; no dimension runs as a loop in a thread.
// CHECK-LABEL: func.func @four_dims
// CHECK: scf.parallel (%[[M:.*]], %{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}, %{{.*}}) to (%c4{{.*}}, %c8{{.*}}, %c8{{.*}})
// CHECK: %[[MERGED:.*]] = arith.addi %{{.*}}, %[[M]] : index
// CHECK: %[[H:.*]] = arith.remui %[[MERGED]], %c2
// CHECK: %[[B:.*]] = arith.divui %[[MERGED]], %c2
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[B]], %[[H]], %{{.*}}, %{{.*}}] : memref<2x2x8x8xf32>
// CHECK-NOT: sequential
// CHECK: {mapping = [#gpu.loop_dim_map<processor = thread_z{{.*}}#gpu.loop_dim_map<processor = thread_y{{.*}}#gpu.loop_dim_map<processor = thread_x
// CHECK: {mapping = [#gpu.loop_dim_map<processor = block_z{{.*}}#gpu.loop_dim_map<processor = block_y{{.*}}#gpu.loop_dim_map<processor = block_x
func.func @four_dims(%a: memref<2x2x8x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%b, %h, %i, %j) = (%c0, %c0, %c0, %c0) to (%c2, %c2, %c8, %c8) step (%c1, %c1, %c1, %c1) {
    memref.store %zero, %a[%b, %h, %i, %j] : memref<2x2x8x8xf32>
  }
  return
}

// 16777216 rows of 2: 2 threads x, 128 y would need 131072 blocks along y,
// more than the driver's 65535: the loop is made one-dimensional instead,
// 256 threads x, 131072 blocks x.
// CHECK-LABEL: func.func @too_many_rows
// CHECK: %[[T:.*]] = arith.muli %c1{{.*}}, %c256 : index
// CHECK: scf.parallel (%[[BLOCK:.*]]) = (%{{.*}}) to (%c33554432{{.*}}) step (%[[T]])
// CHECK: scf.parallel (%[[THREAD:.*]]) = (%{{.*}}) to (%[[T]])
// CHECK: %[[I:.*]] = arith.addi %[[THREAD]], %[[BLOCK]]
// CHECK: %[[COL:.*]] = arith.remui %[[I]], %c2
// CHECK: %[[ROW:.*]] = arith.divui %[[I]], %c2
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[ROW]], %[[COL]]] : memref<16777216x2xf32>
// CHECK: {mapping = [#gpu.loop_dim_map<processor = thread_x
// CHECK: {mapping = [#gpu.loop_dim_map<processor = block_x
func.func @too_many_rows(%a: memref<16777216x2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %rows = arith.constant 16777216 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c2) step (%c1, %c1) {
    memref.store %zero, %a[%i, %j] : memref<16777216x2xf32>
  }
  return
}
