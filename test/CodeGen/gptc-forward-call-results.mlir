// A call's result copied into the caller's out-param is written there by the
// call: the temporary and the copy go.
// RUN: gptc-opt %s -split-input-file --gptc-forward-call-results | FileCheck %s

// CHECK-LABEL: func.func @step(
// CHECK-SAME: %[[IN:.*]]: memref<4xf32>, %[[OUT:.*]]: memref<4xf32>)
// CHECK-NOT: memref.alloc
// CHECK: call @update(%[[IN]], %[[OUT]])
// CHECK-NOT: memref.copy
// CHECK: return
func.func private @update(memref<4xf32>, memref<4xf32>)
func.func @step(%in: memref<4xf32>, %out: memref<4xf32>) {
  %tmp = memref.alloc() : memref<4xf32>
  call @update(%in, %tmp) : (memref<4xf32>, memref<4xf32>) -> ()
  memref.copy %tmp, %out : memref<4xf32> to memref<4xf32>
  return
}

// -----

// The temporary is read after the copy: the copy stays.
// CHECK-LABEL: func.func @read_after(
// CHECK: %[[TMP:.*]] = memref.alloc
// CHECK: memref.copy %[[TMP]], %{{.*}}
// CHECK: memref.load %[[TMP]]
func.func private @update(memref<4xf32>, memref<4xf32>)
func.func @read_after(%in: memref<4xf32>, %out: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %tmp = memref.alloc() : memref<4xf32>
  call @update(%in, %tmp) : (memref<4xf32>, memref<4xf32>) -> ()
  memref.copy %tmp, %out : memref<4xf32> to memref<4xf32>
  %x = memref.load %tmp[%c0] : memref<4xf32>
  return %x : f32
}

// -----

// The target is used elsewhere too (it is not a plain out-param): the copy stays.
// CHECK-LABEL: func.func @target_read(
// CHECK: %[[TMP:.*]] = memref.alloc
// CHECK: memref.copy %[[TMP]], %{{.*}}
func.func private @update(memref<4xf32>, memref<4xf32>)
func.func @target_read(%in: memref<4xf32>, %out: memref<4xf32>) {
  %tmp = memref.alloc() : memref<4xf32>
  call @update(%out, %tmp) : (memref<4xf32>, memref<4xf32>) -> ()
  memref.copy %tmp, %out : memref<4xf32> to memref<4xf32>
  return
}

// -----

// The source is not an allocation of this function (an argument): the copy stays.
// CHECK-LABEL: func.func @from_argument(
// CHECK: memref.copy %{{.*}}, %{{.*}}
func.func @from_argument(%in: memref<4xf32>, %out: memref<4xf32>) {
  memref.copy %in, %out : memref<4xf32> to memref<4xf32>
  return
}

// -----

// The copy is inside a loop (the target is not a value of the function's
// entry block's level): the copy stays.
// CHECK-LABEL: func.func @in_loop(
// CHECK: scf.for
// CHECK: memref.copy
func.func @in_loop(%in: memref<4xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  scf.for %i = %c0 to %c2 step %c1 {
    %tmp = memref.alloc() : memref<4xf32>
    memref.copy %tmp, %out : memref<4xf32> to memref<4xf32>
  }
  return
}

// -----

// Different layouts (a strided target): the copy stays.
// CHECK-LABEL: func.func @other_type(
// CHECK: memref.copy
func.func @other_type(%out: memref<4xf32, strided<[2]>>) {
  %tmp = memref.alloc() : memref<4xf32>
  memref.copy %tmp, %out : memref<4xf32> to memref<4xf32, strided<[2]>>
  return
}
