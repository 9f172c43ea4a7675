// A reduction loop carries its accumulator (one load before, one store after)
// and its combining op becomes reassociable; loops whose buffers may alias,
// or that call out, stay as they were.
// RUN: gptc-opt %s -split-input-file --gptc-promote-reductions | FileCheck %s

// A row sum into a fresh allocation, reading an argument: promoted.
// CHECK-LABEL: func.func @row_sum
// CHECK: %[[ACC:.*]] = memref.alloc() : memref<4xf32>
// CHECK: scf.for %[[I:[a-z0-9_]+]] =
// CHECK-NEXT: %[[INIT:.*]] = memref.load %[[ACC]][%[[I]]]
// CHECK-NEXT: %[[SUM:.*]] = scf.for %[[J:[a-z0-9_]+]] = {{.*}} iter_args(%[[A:.*]] = %[[INIT]]) -> (f32)
// CHECK-NEXT: %[[X:.*]] = memref.load %{{.*}}[%[[I]], %[[J]]]
// CHECK-NEXT: %[[V:.*]] = arith.addf %[[A]], %[[X]] fastmath<reassoc> : f32
// CHECK-NEXT: scf.yield %[[V]] : f32
// CHECK: memref.store %[[SUM]], %[[ACC]][%[[I]]]
func.func @row_sum(%x: memref<4x64xf32>) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %acc = memref.alloc() : memref<4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c64 step %c1 {
      %a = memref.load %acc[%i] : memref<4xf32>
      %v = memref.load %x[%i, %j] : memref<4x64xf32>
      %s = arith.addf %a, %v : f32
      memref.store %s, %acc[%i] : memref<4xf32>
    }
  }
  return %acc : memref<4xf32>
}

// -----

// A row max through a subview of the accumulator, inside a parallel loop, with
// an existing fast-math flag kept: promoted.
// CHECK-LABEL: func.func @row_max
// CHECK: scf.parallel
// CHECK: scf.for {{.*}} iter_args
// CHECK: arith.maximumf %{{.*}}, %{{.*}} fastmath<{{(nnan,reassoc|reassoc,nnan)}}> : f32
// CHECK: scf.yield
// CHECK: memref.store
func.func @row_max(%x: memref<4x64xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %acc = memref.alloc() : memref<8xf32>
  %view = memref.subview %acc[0] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1]>>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    scf.for %j = %c0 to %c64 step %c1 {
      %a = memref.load %view[%i] : memref<4xf32, strided<[1]>>
      %v = memref.load %x[%i, %j] : memref<4x64xf32>
      %m = arith.maximumf %a, %v fastmath<nnan> : f32
      memref.store %m, %view[%i] : memref<4xf32, strided<[1]>>
    }
    scf.reduce
  }
  return
}

// -----

// The accumulator and the input are both arguments: they may be the same
// memory, so the loop keeps its loads and stores.
// CHECK-LABEL: func.func @may_alias
// CHECK-NOT: iter_args
// CHECK: memref.load %arg1
// CHECK: arith.addf %{{.*}}, %{{.*}} : f32
// CHECK: memref.store
func.func @may_alias(%x: memref<64xf32>, %acc: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  scf.for %j = %c0 to %c64 step %c1 {
    %a = memref.load %acc[%c0] : memref<1xf32>
    %v = memref.load %x[%j] : memref<64xf32>
    %s = arith.addf %a, %v : f32
    memref.store %s, %acc[%c0] : memref<1xf32>
  }
  return
}

// -----

// A loop that calls out (the runtime's GEMM takes pointers as integers) or
// stores the accumulator elsewhere than it loads it is left alone.
// CHECK-LABEL: func.func @calls_out
// CHECK-NOT: iter_args
// CHECK: call @opaque
// CHECK-LABEL: func.func @moves
// CHECK-NOT: iter_args
// CHECK: return
func.func private @opaque()
func.func @calls_out(%x: memref<64xf32>) -> memref<1xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %acc = memref.alloc() : memref<1xf32>
  scf.for %j = %c0 to %c64 step %c1 {
    %a = memref.load %acc[%c0] : memref<1xf32>
    %v = memref.load %x[%j] : memref<64xf32>
    %s = arith.addf %a, %v : f32
    memref.store %s, %acc[%c0] : memref<1xf32>
    func.call @opaque() : () -> ()
  }
  return %acc : memref<1xf32>
}
func.func @moves(%x: memref<64xf32>) -> memref<2xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %acc = memref.alloc() : memref<2xf32>
  scf.for %j = %c0 to %c64 step %c1 {
    %a = memref.load %acc[%c0] : memref<2xf32>
    %v = memref.load %x[%j] : memref<64xf32>
    %s = arith.addf %a, %v : f32
    memref.store %s, %acc[%c1] : memref<2xf32>
  }
  return %acc : memref<2xf32>
}
