// gptc-gpu-form-kernel-loops{rows-per-slice=N}: a reduction over many
// leading rows (a bias gradient) is two kernels (compiler/GPU/SplitRowReductions.cpp).
// RUN: %gptc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(gptc-gpu-form-kernel-loops{rows-per-slice=256},canonicalize))' | FileCheck %s
// With lanes (the GPU pipelines), the second kernel is a lane kernel when the
// output is filled: a warp per column folds the column's partials.
// RUN: %gptc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(gptc-gpu-form-kernel-loops{rows-per-slice=256 lanes=32},canonicalize))' | FileCheck %s --check-prefix=LANES
// RUN: %gptc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(gptc-gpu-form-kernel-loops{rows-per-slice=256 lanes=32 lane-collectives=loops},canonicalize))' | FileCheck %s --check-prefix=LOOPS

// [1000, 32] -> [32] with its fill: 4 slices of 256 rows (the last 232).
// Kernel 1, one thread per (slice, column): the slice's rows from 0.0 into
// a [32, 4] buffer (column-major: a column's partials side by side). Kernel
// 2, one thread per column: the fill's value, then the 4 partials in order.
// The buffer is freed after.
// CHECK-LABEL: func.func @bias_gradient
// CHECK: %[[PARTIAL:.*]] = memref.alloc() : memref<32x4xf32>
// CHECK: scf.parallel (%[[S:.*]], %[[C:.*]]) = (%c0, %c0) to (%c4, %c32)
// CHECK: %[[FIRST:.*]] = arith.muli %[[S]], %c256
// CHECK: %[[END:.*]] = arith.minui %{{.*}}, %c1000
// CHECK: scf.for %[[R:.*]] = %[[FIRST]] to %[[END]] step %c1 iter_args(%{{.*}} = %cst{{.*}})
// CHECK: memref.load %{{.*}}[%[[R]], %[[C]]] : memref<1000x32xf32>
// CHECK: arith.addf
// CHECK: memref.store %{{.*}}, %[[PARTIAL]][%[[C]], %[[S]]]
// CHECK: } {gptc.kernel_class = "reduce_slices"}
// CHECK: scf.parallel (%[[C2:.*]]) = (%c0) to (%c32)
// CHECK: scf.for %[[S2:.*]] = %c0 to %c4 step %c1 iter_args(%{{.*}} = %cst
// CHECK: memref.load %[[PARTIAL]][%[[C2]], %[[S2]]]
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[C2]]] : memref<32xf32>
// CHECK: } {gptc.kernel_class = "reduce_combine"}
// CHECK: memref.dealloc %[[PARTIAL]]
// CHECK-NOT: linalg.
// The lane kernel: (column, lane) threads, lane l folding partials l, l + 32,
// ... of its column from 0.0, five xor shuffles, then the fill.
// LANES-LABEL: func.func @bias_gradient
// LANES: %[[PARTIAL:.*]] = memref.alloc() : memref<32x4xf32>
// LANES: memref.store %{{.*}}, %[[PARTIAL]][%[[C:.*]], %[[S:.*]]] : memref<32x4xf32>
// LANES: scf.parallel (%[[COL:.*]], %[[LANE:.*]]) = (%c0, %c0) to (%c32, %c32)
// LANES: scf.for %[[E:.*]] = %[[LANE]] to %c4 step %c32 iter_args(%{{.*}} = %cst)
// LANES: memref.load %[[PARTIAL]][%[[COL]], %[[E]]]
// LANES-COUNT-5: gpu.shuffle  xor
// LANES: %[[TOTAL:.*]] = arith.addf %{{.*}}, %cst : f32
// LANES: memref.store %[[TOTAL]], %{{.*}}[%[[COL]]] : memref<32xf32>
// LANES: } {gptc.kernel_class = "reduce_combine"}
// LANES: memref.dealloc %[[PARTIAL]]
// LANES-NOT: linalg.
// On a CPU (lane-collectives=loops): the lanes a loop, the partials a vector
// combined in the butterfly's order.
// LOOPS-LABEL: func.func @bias_gradient
// LOOPS: scf.parallel (%{{.*}}) = (%c0) to (%c32)
// LOOPS: scf.for %{{.*}} = %c0 to %c32 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<32xf32>)
// LOOPS: vector.shuffle
// LOOPS-NOT: gpu.shuffle
// LOOPS: memref.dealloc
func.func @bias_gradient(%g: memref<1000x32xf32>, %db: memref<32xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill {gptc.kernel = 7 : i64} ins(%zero : f32) outs(%db : memref<32xf32>)
  linalg.reduce ins(%g : memref<1000x32xf32>) outs(%db : memref<32xf32>) dimensions = [0] {gptc.kernel = 7 : i64}
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  return
}

// -----

// Two leading dimensions ([4, 300] rows = 1200, 5 slices), no fill: the
// second kernel starts from the output as it was, one thread per column
// (lanes or not).
// CHECK-LABEL: func.func @accumulate_two_leading
// CHECK: memref.alloc() : memref<16x5xf32>
// CHECK: arith.remui %{{.*}}, %c300
// CHECK: arith.divui %{{.*}}, %c300
// CHECK: scf.parallel (%[[C:.*]]) = (%c0) to (%c16)
// CHECK: %[[OLD:.*]] = memref.load %{{.*}}[%[[C]]] : memref<16xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c5 step %c1 iter_args(%{{.*}} = %[[OLD]])
// LANES-LABEL: func.func @accumulate_two_leading
// LANES: scf.parallel (%[[C:.*]]) = (%c0) to (%c16)
// LANES-NOT: gpu.shuffle
// LANES: return
func.func @accumulate_two_leading(%g: memref<4x300x16xf32>, %db: memref<16xf32>) {
  linalg.reduce ins(%g : memref<4x300x16xf32>) outs(%db : memref<16xf32>) dimensions = [0, 1] {gptc.kernel = 2 : i64}
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  return
}

// -----

// 512 rows (not more than 2 x 256): one kernel, a thread per column.
// CHECK-LABEL: func.func @few_rows
// CHECK-NOT: memref.alloc
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c32)
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @few_rows(%g: memref<512x32xf32>, %db: memref<32xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill {gptc.kernel = 7 : i64} ins(%zero : f32) outs(%db : memref<32xf32>)
  linalg.reduce ins(%g : memref<512x32xf32>) outs(%db : memref<32xf32>) dimensions = [0] {gptc.kernel = 7 : i64}
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  return
}

// -----

// A foreach group (a layernorm's gain and bias gradients: two reductions over
// 600 rows, and an elementwise member): the reductions are split into two
// kernels each, the elementwise member is the foreach kernel left.
// CHECK-LABEL: func.func @foreach_members
// CHECK: memref.alloc() : memref<8x3xf32>
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c3, %c8)
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c8)
// CHECK: memref.dealloc
// CHECK: memref.alloc() : memref<8x3xf32>
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c3, %c8)
// CHECK: arith.mulf
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c8)
// CHECK: memref.dealloc
// CHECK: scf.parallel (%[[I:.*]]) = (%c0) to (%c8)
// CHECK: arith.negf
// CHECK-NOT: scf.parallel
// CHECK: return
#col = affine_map<(d0, d1) -> (d1)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id1 = affine_map<(d0) -> (d0)>
func.func @foreach_members(%g: memref<600x8xf32>, %x: memref<600x8xf32>, %db: memref<8xf32>, %dw: memref<8xf32>,
                           %v: memref<8xf32>, %v_new: memref<8xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill {gptc.kernel = 5 : i64, gptc.foreach_member = 0 : i64} ins(%zero : f32) outs(%db : memref<8xf32>)
  linalg.generic {indexing_maps = [#id2, #col], iterator_types = ["reduction", "parallel"]}
      ins(%g : memref<600x8xf32>) outs(%db : memref<8xf32>) attrs = {gptc.kernel = 5 : i64, gptc.foreach_member = 0 : i64} {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  }
  linalg.fill {gptc.kernel = 5 : i64, gptc.foreach_member = 1 : i64} ins(%zero : f32) outs(%dw : memref<8xf32>)
  linalg.generic {indexing_maps = [#id2, #id2, #col], iterator_types = ["reduction", "parallel"]}
      ins(%g, %x : memref<600x8xf32>, memref<600x8xf32>) outs(%dw : memref<8xf32>) attrs = {gptc.kernel = 5 : i64, gptc.foreach_member = 1 : i64} {
  ^bb0(%in: f32, %xin: f32, %acc: f32):
    %p = arith.mulf %in, %xin : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%v : memref<8xf32>) outs(%v_new : memref<8xf32>) attrs = {gptc.kernel = 5 : i64, gptc.foreach_member = 2 : i64} {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  }
  return
}

// -----

// The embedding gradient's scatter-add over 600 tokens (for n: out[clamp(
// idx[n]), j] += upd[n, j]): a zeroed [3, 65, 32] buffer, one thread per
// (slice of 256 tokens, column) adding its slice's tokens in order into its
// own table, then one thread per element of out adding the 3 tables in order.
// CHECK-LABEL: func.func @scatter_add
// CHECK: %[[PARTIAL:.*]] = memref.alloc() : memref<3x65x32xf32>
// CHECK: scf.parallel (%[[S0:.*]], %[[V0:.*]], %[[J0:.*]]) = (%c0, %c0, %c0) to (%c3, %c65, %c32)
// CHECK-NEXT: memref.store %cst, %[[PARTIAL]][%[[S0]], %[[V0]], %[[J0]]]
// CHECK: scf.parallel (%[[S:.*]], %[[J:.*]]) = (%c0, %c0) to (%c3, %c32)
// CHECK: scf.for %[[N:.*]] = %{{.*}} to %{{.*}} step %c1 {
// CHECK: memref.load %{{.*}}[%[[N]]] : memref<600xi32>
// CHECK: %[[ROW:.*]] = arith.minsi
// CHECK: %[[OLD:.*]] = memref.load %[[PARTIAL]][%[[S]], %[[ROW]], %[[J]]]
// CHECK: %[[UPD:.*]] = memref.load %{{.*}}[%[[N]], %[[J]]] : memref<600x32xf32>
// CHECK: %[[SUM:.*]] = arith.addf %[[OLD]], %[[UPD]]
// CHECK: memref.store %[[SUM]], %[[PARTIAL]][%[[S]], %[[ROW]], %[[J]]]
// CHECK: scf.parallel (%[[V:.*]], %[[J2:.*]]) = (%c0, %c0) to (%c65, %c32)
// CHECK: memref.load %{{.*}}[%[[V]], %[[J2]]] : memref<65x32xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[V]], %[[J2]]] : memref<65x32xf32>
// CHECK: } {gptc.kernel_class = "scatter"}
// CHECK: memref.dealloc %[[PARTIAL]]
func.func @scatter_add(%idx: memref<600xi32>, %out: memref<65x32xf32>, %upd: memref<600x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c600 = arith.constant 600 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  scf.for %n = %c0 to %c600 step %c1 {
    %i = memref.load %idx[%n] : memref<600xi32>
    %r = arith.index_cast %i : i32 to index
    %lo = arith.maxsi %r, %c0 : index
    %row = arith.minsi %lo, %c64 : index
    scf.for %j = %c0 to %c32 step %c1 {
      %old = memref.load %out[%row, %j] : memref<65x32xf32>
      %u = memref.load %upd[%n, %j] : memref<600x32xf32>
      %s = arith.addf %old, %u : f32
      memref.store %s, %out[%row, %j] : memref<65x32xf32>
    }
  }
  return
}
