// The foreach kernel's index arithmetic, run: gptc-gpu-form-kernel-loops
// builds the kernel loop of a foreach group (a [4, 8] negation, the sums of
// squares of the rows of a [3, 5] matrix, an [8] doubling and a rank-0 add,
// laid end to end: 32 + 3 + 8 + 1 iterations, each finding its member by a
// binary search), then upstream passes lower the scf.parallel to sequential
// CPU loops and mlir-cpu-runner runs it. Every element must be computed once,
// by its own member, at its own index (no GPU needed: the kernel's threads
// are the loop's iterations).
// REQUIRES: mlir-cpu-runner
// RUN: gptc-opt %s --pass-pipeline='builtin.module(func.func(gptc-gpu-form-kernel-loops))' \
// RUN:   | mlir-opt -lower-affine -convert-scf-to-cf -expand-strided-metadata -lower-affine -convert-math-to-llvm \
// RUN:       -convert-arith-to-llvm -convert-cf-to-llvm -finalize-memref-to-llvm -convert-func-to-llvm -reconcile-unrealized-casts \
// RUN:   | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s
// CHECK: sizes = [4, 8]
// CHECK-NEXT: [-0,   -1,   -2,   -3,   -4,   -5,   -6,   -7],
// CHECK-NEXT: [-8,   -9,   -10,   -11,   -12,   -13,   -14,   -15],
// CHECK-NEXT: [-16,   -17,   -18,   -19,   -20,   -21,   -22,   -23],
// CHECK-NEXT: [-24,   -25,   -26,   -27,   -28,   -29,   -30,   -31]]
// CHECK: sizes = [3]
// CHECK-NEXT: [30,  255,  730]
// CHECK: sizes = [8]
// CHECK-NEXT: [0,  2,  4,  6,  8,  10,  12,  14]
// CHECK: sizes = []
// CHECK-NEXT: [9]

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#id1 = affine_map<(d0) -> (d0)>
func.func @foreach(%w: memref<4x8xf32>, %w_new: memref<4x8xf32>, %a: memref<3x5xf32>, %sums: memref<3xf32>,
                   %b: memref<8xf32>, %b_new: memref<8xf32>, %s: memref<f32>, %s_new: memref<f32>) {
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
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
    %r = arith.addf %acc, %sq : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%b : memref<8xf32>) outs(%b_new : memref<8xf32>) attrs = {gptc.kernel = 5 : i64, gptc.foreach_member = 2 : i64} {
  ^bb0(%in: f32, %out: f32):
    %n = arith.mulf %in, %two : f32
    linalg.yield %n : f32
  }
  linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []}
      ins(%s : memref<f32>) outs(%s_new : memref<f32>) attrs = {gptc.kernel = 5 : i64, gptc.foreach_member = 3 : i64} {
  ^bb0(%in: f32, %out: f32):
    %n = arith.addf %in, %two : f32
    linalg.yield %n : f32
  }
  return
}

func.func private @printMemrefF32(memref<*xf32>)

// Element (i, j) of a buffer of [.., n] is i * n + j: the kernel's inputs.
func.func @iota2(%m: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %m, %c0 : memref<?x?xf32>
  %cols = memref.dim %m, %c1 : memref<?x?xf32>
  scf.for %i = %c0 to %rows step %c1 {
    scf.for %j = %c0 to %cols step %c1 {
      %ij = affine.apply affine_map<(d0, d1)[s0] -> (d0 * s0 + d1)>(%i, %j)[%cols]
      %int = arith.index_cast %ij : index to i32
      %f = arith.sitofp %int : i32 to f32
      memref.store %f, %m[%i, %j] : memref<?x?xf32>
    }
  }
  return
}

func.func @main() {
  %w = memref.alloc() : memref<4x8xf32>
  %w_new = memref.alloc() : memref<4x8xf32>
  %a = memref.alloc() : memref<3x5xf32>
  %sums = memref.alloc() : memref<3xf32>
  %b = memref.alloc() : memref<1x8xf32>
  %b_new = memref.alloc() : memref<8xf32>
  %s = memref.alloc() : memref<f32>
  %s_new = memref.alloc() : memref<f32>
  %wd = memref.cast %w : memref<4x8xf32> to memref<?x?xf32>
  %ad = memref.cast %a : memref<3x5xf32> to memref<?x?xf32>
  %bd = memref.cast %b : memref<1x8xf32> to memref<?x?xf32>
  call @iota2(%wd) : (memref<?x?xf32>) -> ()
  call @iota2(%ad) : (memref<?x?xf32>) -> ()
  call @iota2(%bd) : (memref<?x?xf32>) -> ()
  %seven = arith.constant 7.0 : f32
  memref.store %seven, %s[] : memref<f32>
  %b1 = memref.collapse_shape %b [[0, 1]] : memref<1x8xf32> into memref<8xf32>
  call @foreach(%w, %w_new, %a, %sums, %b1, %b_new, %s, %s_new)
      : (memref<4x8xf32>, memref<4x8xf32>, memref<3x5xf32>, memref<3xf32>, memref<8xf32>, memref<8xf32>, memref<f32>, memref<f32>) -> ()
  %p0 = memref.cast %w_new : memref<4x8xf32> to memref<*xf32>
  call @printMemrefF32(%p0) : (memref<*xf32>) -> ()
  %p1 = memref.cast %sums : memref<3xf32> to memref<*xf32>
  call @printMemrefF32(%p1) : (memref<*xf32>) -> ()
  %p2 = memref.cast %b_new : memref<8xf32> to memref<*xf32>
  call @printMemrefF32(%p2) : (memref<*xf32>) -> ()
  %p3 = memref.cast %s_new : memref<f32> to memref<*xf32>
  call @printMemrefF32(%p3) : (memref<*xf32>) -> ()
  return
}
