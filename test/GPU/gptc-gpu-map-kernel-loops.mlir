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

// Four dimensions: the first runs as a loop in every thread (sequential).
// CHECK-LABEL: func.func @four_dims
// CHECK: #gpu.loop_dim_map<processor = sequential{{.*}}#gpu.loop_dim_map<processor = thread_z{{.*}}#gpu.loop_dim_map<processor = thread_y{{.*}}#gpu.loop_dim_map<processor = thread_x
// CHECK: #gpu.loop_dim_map<processor = sequential{{.*}}#gpu.loop_dim_map<processor = block_z{{.*}}#gpu.loop_dim_map<processor = block_y{{.*}}#gpu.loop_dim_map<processor = block_x
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
