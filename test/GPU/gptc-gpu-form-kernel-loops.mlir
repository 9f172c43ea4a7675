// RUN: %gptc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(gptc-gpu-form-kernel-loops,canonicalize))' | FileCheck %s
// Without the canonicaliser, which would inline a one-iteration scf.parallel
// (the GPU pipeline runs none before the loops are mapped):
// RUN: %gptc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(gptc-gpu-form-kernel-loops))' | FileCheck %s --check-prefix=SERIAL

// A rows group (softmax-like: max, then exp(x - max)) over [4] rows of 16:
// one scf.parallel over the rows, each op's row loop sequential inside it,
// in the group's order.
// CHECK-LABEL: func.func @rows_group
// CHECK: scf.parallel (%[[ROW:.*]]) = (%{{.*}}) to (%c4{{.*}}) step
// CHECK-NOT: scf.parallel
// CHECK: memref.store %{{.*}}, %[[MAX:.*]][%[[ROW]]]
// CHECK: scf.for %[[COL:.*]] =
// CHECK: memref.load %{{.*}}[%[[ROW]], %[[COL]]]
// CHECK: arith.maximumf
// CHECK: memref.store %{{.*}}, %[[MAX]][%[[ROW]]]
// CHECK: scf.for %[[COL2:.*]] =
// CHECK: memref.load %[[MAX]][%[[ROW]]]
// CHECK: math.exp
// CHECK: scf.reduce
// CHECK-NEXT: } {gptc.kernel_class = "rows"}
// CHECK-NOT: linalg.
// CHECK: return
#map = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @rows_group(%x: memref<4x16xf32>, %max: memref<4xf32>, %y: memref<4x16xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  linalg.fill {gptc.kernel = 3 : i64, gptc.kernel_rows = 1 : i64} ins(%ninf : f32) outs(%max : memref<4xf32>)
  linalg.generic {indexing_maps = [#map, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x16xf32>) outs(%max : memref<4xf32>) attrs = {gptc.kernel = 3 : i64, gptc.kernel_rows = 1 : i64} {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %out : f32
    linalg.yield %m : f32
  }
  linalg.generic {indexing_maps = [#map, #row, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x, %max : memref<4x16xf32>, memref<4xf32>) outs(%y : memref<4x16xf32>) attrs = {gptc.kernel = 3 : i64, gptc.kernel_rows = 1 : i64} {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// A reduction over rows (a bias gradient, [8, 32] -> [32]) with its fill:
// one kernel, parallel over the 32 outputs, each thread looping over rows.
// CHECK-LABEL: func.func @column_sum
// CHECK: scf.parallel (%[[COL:.*]]) = (%{{.*}}) to (%c32{{.*}}) step
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[COL]]]
// CHECK: scf.for %[[ROW:.*]] =
// CHECK: memref.load %{{.*}}[%[[ROW]], %[[COL]]]
// CHECK: } {gptc.kernel_class = "reduce_thread"}
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @column_sum(%g: memref<8x32xf32>, %db: memref<32xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill {gptc.kernel = 7 : i64} ins(%zero : f32) outs(%db : memref<32xf32>)
  linalg.reduce ins(%g : memref<8x32xf32>) outs(%db : memref<32xf32>) dimensions = [0] {gptc.kernel = 7 : i64}
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  return
}

// -----

// Host code with no parallel loop (a scatter-add as scf.for, a scalar
// stored into a buffer) and a bufferization copy: each becomes a kernel,
// the loop and the store of one thread.
// SERIAL-LABEL: func.func @serial_code
// SERIAL: scf.parallel (%{{.*}}) = (%c0{{.*}}) to (%c1{{.*}}) step
// SERIAL-NEXT: scf.for
// SERIAL: scf.parallel (%{{.*}}) = (%c0{{.*}}) to (%c1{{.*}}) step
// SERIAL-NEXT: memref.store
// SERIAL: scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%c8{{.*}}) step
// SERIAL: affine.apply #{{.*}}(%[[I]])
// SERIAL: memref.load %arg3
// SERIAL: memref.store %{{.*}}, %arg4
// SERIAL-NOT: memref.copy
func.func @serial_code(%idx: memref<8xi32>, %table: memref<65xf32>, %s: memref<f32>, %a: memref<8xf32>, %b: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    %t = memref.load %idx[%i] : memref<8xi32>
    %j = arith.index_cast %t : i32 to index
    %old = memref.load %table[%j] : memref<65xf32>
    %new = arith.addf %old, %one : f32
    memref.store %new, %table[%j] : memref<65xf32>
  }
  memref.store %one, %s[] : memref<f32>
  memref.copy %a, %b : memref<8xf32> to memref<8xf32>
  return
}

// -----

// A foreach group (gptc-form-foreach-groups): an update of a [4, 8] matrix,
// the sum of squares of each row of a [3, 5] matrix (fill + reduction, one
// member) and an update of an [8] vector. One kernel over their 32 + 3 + 8
// elements laid end to end; a binary search over the offsets (32, 35)
// picks the member; a member's element is delinearised into its dimensions;
// the reduction member fills then sums its row in the same thread.
// CHECK-LABEL: func.func @foreach
// CHECK: scf.parallel (%[[I:.*]]) = (%c0{{.*}}) to (%c43{{.*}}) step
// CHECK-NOT: scf.parallel
// CHECK: %[[LOW:.*]] = arith.cmpi ult, %[[I]], %c32
// CHECK-NEXT: scf.if %[[LOW]] {
// CHECK-NEXT: %[[C0:.*]] = arith.remui %[[I]], %c8
// CHECK-NEXT: %[[R0:.*]] = arith.divui %[[I]], %c8
// CHECK-NEXT: memref.load %arg0[%[[R0]], %[[C0]]] : memref<4x8xf32>
// CHECK-NEXT: arith.negf
// CHECK-NEXT: memref.store %{{.*}}, %arg1[%[[R0]], %[[C0]]] : memref<4x8xf32>
// CHECK-NEXT: } else {
// CHECK-NEXT: %[[MID:.*]] = arith.cmpi ult, %[[I]], %c35
// CHECK-NEXT: scf.if %[[MID]] {
// CHECK-NEXT: %[[ROW:.*]] = arith.subi %[[I]], %c32
// CHECK-NEXT: memref.store %{{.*}}, %arg3[%[[ROW]]] : memref<3xf32>
// CHECK-NEXT: scf.for %[[K:.*]] =
// CHECK-NEXT: memref.load %arg2[%[[ROW]], %[[K]]] : memref<3x5xf32>
// CHECK: } else {
// CHECK-NEXT: %[[V:.*]] = arith.subi %[[I]], %c35
// CHECK-NEXT: memref.load %arg4[%[[V]]] : memref<8xf32>
// CHECK-NOT: linalg.
// CHECK: return
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#id1 = affine_map<(d0) -> (d0)>
func.func @foreach(%w: memref<4x8xf32>, %w_new: memref<4x8xf32>, %a: memref<3x5xf32>, %sums: memref<3xf32>,
                   %b: memref<8xf32>, %b_new: memref<8xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%w : memref<4x8xf32>) outs(%w_new : memref<4x8xf32>) attrs = {gptc.kernel = 5 : i64, gptc.foreach_member = 0 : i64} {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  }
  linalg.fill {gptc.kernel = 5 : i64, gptc.foreach_member = 1 : i64} ins(%zero : f32) outs(%sums : memref<3xf32>)
  linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<3x5xf32>) outs(%sums : memref<3xf32>) attrs = {gptc.kernel = 5 : i64, gptc.foreach_member = 1 : i64} {
  ^bb0(%in: f32, %acc: f32):
    %sq = arith.mulf %in, %in : f32
    %s = arith.addf %acc, %sq : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%b : memref<8xf32>) outs(%b_new : memref<8xf32>) attrs = {gptc.kernel = 5 : i64, gptc.foreach_member = 2 : i64} {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  }
  return
}

// -----

// The embedding gradient's scatter-add (for n: out[clamp(idx[n]), j] +=
// upd[n, j] for every column j): one thread per column, each adding its
// column's updates in the order of n (duplicate rows keep their order).
// SERIAL-LABEL: func.func @scatter_add
// SERIAL: scf.parallel (%[[J:.*]]) = (%c0{{.*}}) to (%c32{{.*}}) step
// SERIAL-NEXT: scf.for %[[N:.*]] = %c0{{.*}} to %c16{{.*}} step
// SERIAL-NEXT: %[[IDX:.*]] = memref.load %arg0[%[[N]]] : memref<16xi32>
// SERIAL: %[[ROW:.*]] = arith.minsi
// SERIAL-NEXT: %[[OLD:.*]] = memref.load %arg1[%[[ROW]], %[[J]]] : memref<65x32xf32>
// SERIAL-NEXT: %[[UPD:.*]] = memref.load %arg2[%[[N]], %[[J]]] : memref<16x32xf32>
// SERIAL-NEXT: %[[SUM:.*]] = arith.addf %[[OLD]], %[[UPD]]
// SERIAL-NEXT: memref.store %[[SUM]], %arg1[%[[ROW]], %[[J]]] : memref<65x32xf32>
// SERIAL-NOT: scf.for
// SERIAL: return
func.func @scatter_add(%idx: memref<16xi32>, %out: memref<65x32xf32>, %upd: memref<16x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  scf.for %n = %c0 to %c16 step %c1 {
    %i = memref.load %idx[%n] : memref<16xi32>
    %r = arith.index_cast %i : i32 to index
    %lo = arith.maxsi %r, %c0 : index
    %row = arith.minsi %lo, %c64 : index
    scf.for %j = %c0 to %c32 step %c1 {
      %old = memref.load %out[%row, %j] : memref<65x32xf32>
      %u = memref.load %upd[%n, %j] : memref<16x32xf32>
      %s = arith.addf %old, %u : f32
      memref.store %s, %out[%row, %j] : memref<65x32xf32>
    }
  }
  return
}

// -----

// A loop that reads its output at another column (a running sum along the
// row) is not a scatter-add: one thread.
// SERIAL-LABEL: func.func @not_a_scatter
// SERIAL: scf.parallel (%{{.*}}) = (%c0{{.*}}) to (%c1{{.*}}) step
// SERIAL-NEXT: scf.for
// SERIAL: scf.for
func.func @not_a_scatter(%out: memref<4x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  scf.for %n = %c0 to %c4 step %c1 {
    scf.for %j = %c1 to %c32 step %c1 {
      %jm1 = arith.subi %j, %c1 : index
      %prev = memref.load %out[%n, %jm1] : memref<4x32xf32>
      %cur = memref.load %out[%n, %j] : memref<4x32xf32>
      %s = arith.addf %prev, %cur : f32
      memref.store %s, %out[%n, %j] : memref<4x32xf32>
    }
  }
  return
}

// -----

// A rows group with no reduction (the head split: a slice of qkv, then a
// transpose, sharing only the batch dimension) is not run a thread per
// batch row: each op is parallel over all its dimensions, one kernel each
// (their dimensions differ).
// CHECK-LABEL: func.func @rows_group_without_reduction
// CHECK: scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) = (%c0, %c0, %c0, %c0) to (%c2, %c8, %c2, %c16)
// CHECK: scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) = (%c0, %c0, %c0, %c0) to (%c2, %c2, %c8, %c16)
// CHECK-NOT: linalg.
// CHECK: return
#slice = affine_map<(b, t, h, d) -> (b, t, h, d)>
func.func @rows_group_without_reduction(%qkv: memref<2x8x2x16xf32>, %q: memref<2x8x2x16xf32>, %qt: memref<2x2x8x16xf32>) {
  linalg.generic {indexing_maps = [#slice, #slice], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%qkv : memref<2x8x2x16xf32>) outs(%q : memref<2x8x2x16xf32>) attrs = {gptc.kernel = 4 : i64, gptc.kernel_rows = 1 : i64} {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.transpose ins(%q : memref<2x8x2x16xf32>) outs(%qt : memref<2x2x8x16xf32>) permutation = [0, 2, 1, 3] {gptc.kernel = 4 : i64, gptc.kernel_rows = 1 : i64}
  return
}

// -----

// The head split (a rows group with no reduction): a slice of qkv into a
// [2, 4, 3, 8] buffer, then its transpose to [2, 3, 4, 8]. The slice writes
// the transpose's output directly, in the transposed order: one kernel, the
// intermediate buffer gone.
// CHECK-LABEL: func.func @heads_split
// CHECK-NOT: memref.alloc
// CHECK: scf.parallel (%[[B:.*]], %[[T:.*]], %[[H:.*]], %[[D:.*]]) = (%c0, %c0, %c0, %c0) to (%c2, %c4, %c3, %c8)
// CHECK: memref.load %{{.*}}[%[[B]], %[[T]], %{{.*}}] : memref<2x4x72xf32>
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[B]], %[[H]], %[[T]], %[[D]]] : memref<2x3x4x8xf32>
// CHECK: } {gptc.kernel_class = "elementwise"}
// CHECK-NOT: scf.parallel
// CHECK-NOT: memref.dealloc
// CHECK: return
#in = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 8 + d3 + 24)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @heads_split(%qkv: memref<2x4x72xf32>, %k: memref<2x3x4x8xf32>) {
  %tmp = memref.alloc() : memref<2x4x3x8xf32>
  linalg.generic {indexing_maps = [#in, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%qkv : memref<2x4x72xf32>) outs(%tmp : memref<2x4x3x8xf32>) attrs = {gptc.kernel = 3 : i64, gptc.kernel_rows = 1 : i64} {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.transpose ins(%tmp : memref<2x4x3x8xf32>) outs(%k : memref<2x3x4x8xf32>) permutation = [0, 2, 1, 3] {gptc.kernel = 3 : i64, gptc.kernel_rows = 1 : i64}
  memref.dealloc %tmp : memref<2x4x3x8xf32>
  return
}

// -----

// The intermediate is read again after the transpose (copied, a kernel of
// its own): it stays, the slice and the transpose two kernels.
// CHECK-LABEL: func.func @heads_split_kept
// CHECK: memref.alloc() : memref<2x4x3x8xf32>
// CHECK: } {gptc.kernel_class = "elementwise"}
// CHECK: } {gptc.kernel_class = "elementwise"}
// CHECK: } {gptc.kernel_class = "copy"}
#in2 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 8 + d3)>
#id4b = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @heads_split_kept(%qkv: memref<2x4x72xf32>, %k: memref<2x3x4x8xf32>, %keep: memref<2x4x3x8xf32>) {
  %tmp = memref.alloc() : memref<2x4x3x8xf32>
  linalg.generic {indexing_maps = [#in2, #id4b], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%qkv : memref<2x4x72xf32>) outs(%tmp : memref<2x4x3x8xf32>) attrs = {gptc.kernel = 3 : i64, gptc.kernel_rows = 1 : i64} {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.transpose ins(%tmp : memref<2x4x3x8xf32>) outs(%k : memref<2x3x4x8xf32>) permutation = [0, 2, 1, 3] {gptc.kernel = 3 : i64, gptc.kernel_rows = 1 : i64}
  memref.copy %tmp, %keep : memref<2x4x3x8xf32> to memref<2x4x3x8xf32>
  memref.dealloc %tmp : memref<2x4x3x8xf32>
  return
}
