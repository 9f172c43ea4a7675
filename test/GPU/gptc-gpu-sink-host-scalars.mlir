// RUN: %gptc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(gptc-gpu-sink-host-scalars))' | FileCheck %s

// A hyperparameter read on the host (from device memory) and the scalar
// computed from it are recomputed at the start of the kernel that uses them;
// the host copies go.
// CHECK-LABEL: func.func @hyper
// CHECK-NOT: memref.load
// CHECK: scf.parallel
// CHECK: %[[LR:.*]] = memref.load %arg0[%c0{{.*}}]
// CHECK-NEXT: %[[NEG:.*]] = arith.negf %[[LR]]
// CHECK: arith.mulf %{{.*}}, %[[NEG]]
func.func @hyper(%hyper: memref<16xf32>, %w: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %lr = memref.load %hyper[%c0] : memref<16xf32>
  %neg = arith.negf %lr : f32
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    %x = memref.load %w[%i] : memref<64xf32>
    %y = arith.mulf %x, %neg : f32
    memref.store %y, %w[%i] : memref<64xf32>
  }
  return
}

// -----

// The loaded buffer is written between the load and the kernel: the load
// stays where it is (and gptc-check-host-launches-only will report it).
// CHECK-LABEL: func.func @written_between
// CHECK: %[[S:.*]] = memref.load %arg0
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK-NOT: memref.load %arg0
// CHECK: memref.store %[[S]]
func.func @written_between(%s: memref<4xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %v = memref.load %s[%c0] : memref<4xf32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %zero, %s[%i] : memref<4xf32>
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %v, %out[%i] : memref<4xf32>
  }
  return
}
