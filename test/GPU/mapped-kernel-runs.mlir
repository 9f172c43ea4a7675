// A kernel loop after gptc-gpu-map-kernel-loops, run: the mapped loops (a
// loop over blocks around a loop over the threads of a block, guarded where
// the tiles do not divide the trip counts) are still scf.parallel loops, so
// upstream passes lower them to sequential CPU loops (the mapping attributes
// unused) and mlir-cpu-runner runs them: every element must be written once,
// at its own index. A [3, 5, 7, 9] loop has its leading [3, 5] merged into
// one dimension of 15 (delinearised in the body), then 9 -> 16 threads x,
// 7 -> 8 threads y, 2 threads z: guards on all three. A [3, 5, 7, 9] buffer
// filled with -1 gets v = b*1000 + h*100 + i*10 + j at [b, h, i, j] when the
// kernel adds v + 1 to it once: the check counts the elements that differ
// from v (a missed or repeated element) and those left negative (0 and 0).
// REQUIRES: mlir-cpu-runner
// RUN: gptc-opt %s --pass-pipeline='builtin.module(func.func(gptc-gpu-map-kernel-loops))' \
// RUN:   | FileCheck %s --check-prefix=MAPPED
// MAPPED: scf.parallel ({{.*}}) = ({{.*}}) to (%c15{{.*}}, %c7{{.*}}, %c9{{.*}})
// MAPPED: scf.if
// MAPPED: arith.remui %{{.*}}, %c5
// RUN: gptc-opt %s --pass-pipeline='builtin.module(func.func(gptc-gpu-map-kernel-loops))' \
// RUN:   | mlir-opt -convert-linalg-to-loops -lower-affine -convert-scf-to-cf -expand-strided-metadata -lower-affine -convert-math-to-llvm \
// RUN:       -convert-arith-to-llvm -convert-cf-to-llvm -finalize-memref-to-llvm -convert-func-to-llvm -reconcile-unrealized-casts \
// RUN:   | mlir-cpu-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s
// CHECK: sizes = [2]
// CHECK-NEXT: [0,  0]

// The kernel: one thread per element, writing its coordinates' value.
func.func @kernel(%a: memref<3x5x7x9xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c7 = arith.constant 7 : index
  %c9 = arith.constant 9 : index
  scf.parallel (%b, %h, %i, %j) = (%c0, %c0, %c0, %c0) to (%c3, %c5, %c7, %c9) step (%c1, %c1, %c1, %c1) {
    %v = func.call @value(%b, %h, %i, %j) : (index, index, index, index) -> f32
    %old = memref.load %a[%b, %h, %i, %j] : memref<3x5x7x9xf32>
    %written = arith.addf %old, %v : f32
    %one = arith.constant 1.0 : f32
    %new = arith.addf %written, %one : f32
    memref.store %new, %a[%b, %h, %i, %j] : memref<3x5x7x9xf32>
  }
  return
}

func.func @value(%b: index, %h: index, %i: index, %j: index) -> f32 {
  %v = affine.apply affine_map<(d0, d1, d2, d3) -> (d0 * 1000 + d1 * 100 + d2 * 10 + d3)>(%b, %h, %i, %j)
  %int = arith.index_cast %v : index to i32
  %f = arith.sitofp %int : i32 to f32
  return %f : f32
}

func.func private @printMemrefF32(memref<*xf32>)

// [elements that differ from their value, elements outside the buffer's
// values] after the kernel: both 0.
func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c7 = arith.constant 7 : index
  %c9 = arith.constant 9 : index
  %minus = arith.constant -1.0 : f32
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<3x5x7x9xf32>
  linalg.fill ins(%minus : f32) outs(%a : memref<3x5x7x9xf32>)
  func.call @kernel(%a) : (memref<3x5x7x9xf32>) -> ()
  %counts = memref.alloc() : memref<2xf32>
  memref.store %zero, %counts[%c0] : memref<2xf32>
  memref.store %zero, %counts[%c1] : memref<2xf32>
  scf.for %b = %c0 to %c3 step %c1 {
    scf.for %h = %c0 to %c5 step %c1 {
      scf.for %i = %c0 to %c7 step %c1 {
        scf.for %j = %c0 to %c9 step %c1 {
          %got = memref.load %a[%b, %h, %i, %j] : memref<3x5x7x9xf32>
          %want = func.call @value(%b, %h, %i, %j) : (index, index, index, index) -> f32
          %same = arith.cmpf oeq, %got, %want : f32
          %n = memref.load %counts[%c0] : memref<2xf32>
          %n1 = arith.addf %n, %one : f32
          %next = arith.select %same, %n, %n1 : f32
          memref.store %next, %counts[%c0] : memref<2xf32>
          %negative = arith.cmpf olt, %got, %zero : f32
          %m = memref.load %counts[%c1] : memref<2xf32>
          %m1 = arith.addf %m, %one : f32
          %mnext = arith.select %negative, %m1, %m : f32
          memref.store %mnext, %counts[%c1] : memref<2xf32>
        }
      }
    }
  }
  %cast = memref.cast %counts : memref<2xf32> to memref<*xf32>
  func.call @printMemrefF32(%cast) : (memref<*xf32>) -> ()
  return
}
