// One scf.parallel per big enough nest, the outermost; nested and small
// parallel loops become sequential scf.for loops.
// RUN: gptc-opt %s -split-input-file --gptc-parallelize-loops | FileCheck %s
// RUN: gptc-opt %s -split-input-file --gptc-parallelize-loops=min-work=1 | FileCheck %s --check-prefix=ALL

// A [256, 128] elementwise nest: 32768 bodies >= 16384, parallel over the
// 256 rows; the innermost dimension stays a sequential loop inside (one the
// vectoriser widens, not an OpenMP-collapsed index divided per element).
// CHECK-LABEL: func.func @big
// CHECK: scf.parallel (%[[I:[a-z0-9_]+]]) = (%c0) to (%c256)
// CHECK-NEXT: scf.for %[[J:[a-z0-9_]+]] = %c0 to %c128
// CHECK-NEXT: memref.store %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}[%[[I]], %[[J]]]
func.func @big(%a: memref<256x128xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c256, %c128) step (%c1, %c1) {
    memref.store %one, %a[%i, %j] : memref<256x128xf32>
    scf.reduce
  }
  return
}

// -----

// A row reduction: parallel over rows, the reduction loop inside counts too;
// the inner scf.parallel (a second pass over the row) becomes scf.for.
// CHECK-LABEL: func.func @rows
// CHECK: scf.parallel (%[[I:.*]]) =
// CHECK: scf.for
// CHECK: scf.for
// CHECK-NOT: scf.parallel
func.func @rows(%a: memref<256x128xf32>, %s: memref<256xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  scf.parallel (%i) = (%c0) to (%c256) step (%c1) {
    scf.for %k = %c0 to %c128 step %c1 {
      %x = memref.load %a[%i, %k] : memref<256x128xf32>
      %acc = memref.load %s[%i] : memref<256xf32>
      %y = arith.addf %x, %acc : f32
      memref.store %y, %s[%i] : memref<256xf32>
    }
    scf.parallel (%j) = (%c0) to (%c128) step (%c1) {
      %x = memref.load %a[%i, %j] : memref<256x128xf32>
      memref.store %x, %a[%i, %j] : memref<256x128xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}

// -----

// 64 x 32 = 2048 bodies: not worth waking other threads (unless min-work=1).
// CHECK-LABEL: func.func @small
// CHECK-NOT: scf.parallel
// CHECK: scf.for %[[I:.*]] = %c0 to %c64
// CHECK: scf.for %[[J:.*]] = %c0 to %c32
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[I]], %[[J]]]
// ALL-LABEL: func.func @small
// ALL: scf.parallel
func.func @small(%a: memref<64x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c32) step (%c1, %c1) {
    memref.store %one, %a[%i, %j] : memref<64x32xf32>
    scf.reduce
  }
  return
}

// -----

// Leading dimensions with fewer than 64 iterations do not give every thread
// work: the nest stays parallel over both dimensions.
// CHECK-LABEL: func.func @few_rows
// CHECK: scf.parallel (%{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) = (%c0, %c0) to (%c32, %c1024)
// CHECK-NOT: scf.for
func.func @few_rows(%a: memref<32x1024xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c1024 = arith.constant 1024 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c32, %c1024) step (%c1, %c1) {
    memref.store %one, %a[%i, %j] : memref<32x1024xf32>
    scf.reduce
  }
  return
}

// -----

// Loops whose bounds are not constants count as large, also two of them
// nested (the attention kernel's chunks: keys per row, rows per chunk): the
// product saturates instead of overflowing into "no work", so the chunks stay
// parallel.
// CHECK-LABEL: func.func @unknown_bounds
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c32)
// CHECK: scf.for
// CHECK: scf.for
func.func @unknown_bounds(%a: memref<?xf32>, %n: index, %m: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%chunk) = (%c0) to (%c32) step (%c1) {
    scf.for %i = %c0 to %n step %c1 {
      scf.for %j = %c0 to %m step %c1 {
        memref.store %one, %a[%j] : memref<?xf32>
      }
    }
    scf.reduce
  }
  return
}

// -----

// A function the runtime calls from its own threads (a GEMM epilogue,
// tagged gptc.serial): even a big nest stays sequential.
// CHECK-LABEL: func.func @serial
// CHECK-NOT: scf.parallel
// CHECK: scf.for
// CHECK: scf.for
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @serial(%a: memref<256x128xf32>) attributes {gptc.serial} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c256, %c128) step (%c1, %c1) {
    memref.store %one, %a[%i, %j] : memref<256x128xf32>
    scf.reduce
  }
  return
}
