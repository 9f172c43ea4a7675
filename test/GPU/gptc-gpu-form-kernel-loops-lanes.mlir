// gptc-gpu-form-kernel-loops{lanes=32}: rows groups and full reductions as
// lane kernels (compiler/GPU/LaneKernels.cpp), 32 lanes sharing each row.
// RUN: %gptc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(gptc-gpu-form-kernel-loops{lanes=32},canonicalize))' | FileCheck %s
// The same kernels with the lanes as loops (the CPU check of their arithmetic):
// RUN: %gptc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(gptc-gpu-form-kernel-loops{lanes=32 lane-collectives=loops},canonicalize))' | FileCheck %s --check-prefix=LOOPS
// Bad options are errors:
// RUN: not %gptc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(gptc-gpu-form-kernel-loops{lanes=32 lane-collectives=bogus}))' 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not %gptc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(gptc-gpu-form-kernel-loops{lanes=24}))' 2>&1 | FileCheck %s --check-prefix=BAD-LANES
// BAD: error: lane-collectives must be shuffle or loops, not bogus
// BAD-LANES: error: lanes must be 0 or a power of two

// A rows group (max, then exp(x - max)) over 4 rows of 40: one iteration per
// (row, lane); lane l folds elements l, l + 32 from -inf, five xor shuffles
// combine the lanes, every lane stores the row's max (the fill is dropped),
// then each lane runs the elementwise op at its own elements.
// CHECK-LABEL: func.func @softmax_like
// CHECK-NOT: linalg.fill
// CHECK: scf.parallel (%[[ROW:.*]], %[[LANE:.*]]) = (%c0, %c0) to (%c4, %c32)
// CHECK: %[[PARTIAL:.*]] = scf.for %[[E:.*]] = %[[LANE]] to %c40 step %c32 iter_args(%{{.*}} = %cst) -> (f32)
// CHECK: memref.load %{{.*}}[%[[ROW]], %[[E]]]
// CHECK: arith.maximumf
// CHECK: %[[S16:.*]], %{{.*}} = gpu.shuffle  xor %[[PARTIAL]], %c16_i32, %c32_i32 : f32
// CHECK-NEXT: %[[M16:.*]] = arith.maximumf %[[PARTIAL]], %[[S16]] : f32
// CHECK-NEXT: gpu.shuffle  xor %[[M16]], %c8_i32, %c32_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c4_i32, %c32_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c2_i32, %c32_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32, %c32_i32
// CHECK-NEXT: %[[MAX:.*]] = arith.maximumf
// CHECK-NEXT: memref.store %[[MAX]], %{{.*}}[%[[ROW]]] : memref<4xf32>
// CHECK-NEXT: scf.for %[[E2:.*]] = %[[LANE]] to %c40 step %c32 {
// CHECK: math.exp
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[ROW]], %[[E2]]]
// CHECK-NOT: linalg.
// LOOPS-LABEL: func.func @softmax_like
// LOOPS: scf.parallel (%[[ROW:.*]]) = (%c0) to (%c4)
// LOOPS: %[[PARTIALS:.*]] = scf.for %[[LANE:.*]] = %c0 to %c32 step %c1 iter_args(%{{.*}} = %cst) -> (vector<32xf32>)
// LOOPS: scf.for %{{.*}} = %[[LANE]] to %c40 step %c32 iter_args
// LOOPS: vector.insertelement %{{.*}}[%[[LANE]] : index] : vector<32xf32>
// LOOPS: %[[LOW:.*]] = vector.shuffle %[[PARTIALS]], %[[PARTIALS]] [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
// LOOPS: %[[HIGH:.*]] = vector.shuffle %[[PARTIALS]], %[[PARTIALS]] [16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]
// LOOPS: arith.maximumf %[[LOW]], %[[HIGH]] : vector<16xf32>
// LOOPS: arith.maximumf %{{.*}}, %{{.*}} : vector<1xf32>
// LOOPS: vector.extract
// LOOPS: memref.store %{{.*}}, %{{.*}}[%[[ROW]]] : memref<4xf32>
// LOOPS: scf.for %[[LANE2:.*]] = %c0 to %c32 step %c1 {
// LOOPS-NEXT: scf.for %{{.*}} = %[[LANE2]] to %c40 step %c32 {
// LOOPS-NOT: gpu.shuffle
#map = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @softmax_like(%x: memref<4x40xf32>, %max: memref<4xf32>, %y: memref<4x40xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  linalg.fill {gptc.kernel = 3 : i64, gptc.kernel_rows = 1 : i64} ins(%ninf : f32) outs(%max : memref<4xf32>)
  linalg.generic {indexing_maps = [#map, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x40xf32>) outs(%max : memref<4xf32>) attrs = {gptc.kernel = 3 : i64, gptc.kernel_rows = 1 : i64} {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %out : f32
    linalg.yield %m : f32
  }
  linalg.generic {indexing_maps = [#map, #row, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x, %max : memref<4x40xf32>, memref<4xf32>) outs(%y : memref<4x40xf32>) attrs = {gptc.kernel = 3 : i64, gptc.kernel_rows = 1 : i64} {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// A full reduction with its fill (the loss: [3, 50] -> a scalar, filled with
// 1.5): no rows, one warp; the fill's value joins the lanes' total, and the
// two reduced dimensions are one strided range, delinearised.
// CHECK-LABEL: func.func @full_sum
// CHECK: scf.parallel (%[[LANE:.*]]) = (%c0) to (%c32)
// CHECK: scf.for %[[E:.*]] = %[[LANE]] to %c150 step %c32 iter_args(%{{.*}} = %cst{{.*}}) -> (f32)
// CHECK-DAG: arith.remui %[[E]], %c50
// CHECK-DAG: arith.divui %[[E]], %c50
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32, %c32_i32
// CHECK-NEXT: %[[TOTAL:.*]] = arith.addf
// CHECK-NEXT: %[[RESULT:.*]] = arith.addf %[[TOTAL]], %cst{{.*}} : f32
// CHECK-NEXT: memref.store %[[RESULT]], %{{.*}}[] : memref<f32>
func.func @full_sum(%x: memref<3x50xf32>, %s: memref<f32>) {
  %init = arith.constant 1.5 : f32
  linalg.fill {gptc.kernel = 9 : i64} ins(%init : f32) outs(%s : memref<f32>)
  linalg.reduce ins(%x : memref<3x50xf32>) outs(%s : memref<f32>) dimensions = [0, 1] {gptc.kernel = 9 : i64}
    (%in: f32, %acc: f32) {
      %t = arith.addf %in, %acc : f32
      linalg.yield %t : f32
    }
  return
}

// -----

// An op that reads an element of the row another lane wrote (a reversal,
// then the row's sum): lanes would need a barrier, so the group stays one
// thread per row.
// CHECK-LABEL: func.func @reads_another_lane
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c4)
// CHECK-NOT: gpu.shuffle
// CHECK: return
#map = affine_map<(d0, d1) -> (d0, d1)>
#rev = affine_map<(d0, d1) -> (d0, 39 - d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @reads_another_lane(%x: memref<4x40xf32>, %t: memref<4x40xf32>, %y: memref<4x40xf32>, %s: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x40xf32>) outs(%t : memref<4x40xf32>) attrs = {gptc.kernel = 1 : i64, gptc.kernel_rows = 1 : i64} {
  ^bb0(%in: f32, %out: f32):
    %e = math.exp %in : f32
    linalg.yield %e : f32
  }
  linalg.generic {indexing_maps = [#rev, #map], iterator_types = ["parallel", "parallel"]}
      ins(%t : memref<4x40xf32>) outs(%y : memref<4x40xf32>) attrs = {gptc.kernel = 1 : i64, gptc.kernel_rows = 1 : i64} {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.fill {gptc.kernel = 1 : i64, gptc.kernel_rows = 1 : i64} ins(%zero : f32) outs(%s : memref<4xf32>)
  linalg.generic {indexing_maps = [#map, #row], iterator_types = ["parallel", "reduction"]}
      ins(%y : memref<4x40xf32>) outs(%s : memref<4xf32>) attrs = {gptc.kernel = 1 : i64, gptc.kernel_rows = 1 : i64} {
  ^bb0(%in: f32, %out: f32):
    %a = arith.addf %in, %out : f32
    linalg.yield %a : f32
  }
  return
}

// -----

// A reduction into a buffer not filled in the kernel (it accumulates onto
// what is there): each lane would read what another lane stores, so one
// thread per row.
// CHECK-LABEL: func.func @accumulates_onto_input
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c4)
// CHECK-NOT: gpu.shuffle
// CHECK: return
#map = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @accumulates_onto_input(%x: memref<4x40xf32>, %s: memref<4xf32>) {
  linalg.generic {indexing_maps = [#map, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x40xf32>) outs(%s : memref<4xf32>) attrs = {gptc.kernel = 2 : i64, gptc.kernel_rows = 1 : i64} {
  ^bb0(%in: f32, %out: f32):
    %a = arith.addf %in, %out : f32
    linalg.yield %a : f32
  }
  return
}

// -----

// A reduction whose body is not a combiner of the accumulator and a term
// (acc * 0.5 + x is not associative): one thread per row.
// CHECK-LABEL: func.func @not_a_combiner
// CHECK-NOT: gpu.shuffle
// CHECK: return
#map = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @not_a_combiner(%x: memref<4x40xf32>, %s: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  linalg.fill {gptc.kernel = 2 : i64, gptc.kernel_rows = 1 : i64} ins(%zero : f32) outs(%s : memref<4xf32>)
  linalg.generic {indexing_maps = [#map, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x40xf32>) outs(%s : memref<4xf32>) attrs = {gptc.kernel = 2 : i64, gptc.kernel_rows = 1 : i64} {
  ^bb0(%in: f32, %out: f32):
    %h = arith.mulf %out, %half : f32
    %a = arith.addf %h, %in : f32
    linalg.yield %a : f32
  }
  return
}
