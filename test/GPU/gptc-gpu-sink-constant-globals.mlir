// RUN: %gptc-opt %s --pass-pipeline='builtin.module(func.func(gptc-gpu-sink-constant-globals),gpu-kernel-outlining,gptc-gpu-merge-kernel-modules,canonicalize)' | FileCheck %s

// A constant global two kernels read is copied once into the kernel module
// and read there; the host keeps no get_global and passes no host address.
// CHECK-LABEL: func.func @step(
// CHECK-NOT: memref.get_global
// CHECK: gpu.launch_func @gptc_kernels::@step_kernel blocks in {{.*}} args(%arg0 : memref<4xi32>)
// CHECK: gpu.launch_func @gptc_kernels::@step_kernel_0 blocks in {{.*}} args(%arg0 : memref<4xi32>)
// CHECK-LABEL: gpu.module @gptc_kernels
// CHECK: gpu.func @step_kernel(
// CHECK: memref.get_global @positions
// CHECK: memref.global "private" constant @positions : memref<4xi32> = dense<[0, 1, 2, 3]>
// CHECK-NOT: memref.global
// CHECK: gpu.func @step_kernel_0(
// CHECK: memref.get_global @positions
// CHECK-NOT: memref.global
module attributes {gpu.container_module} {
  memref.global "private" constant @positions : memref<4xi32> = dense<[0, 1, 2, 3]>
  func.func @step(%out: memref<4xi32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %g = memref.get_global @positions : memref<4xi32>
    gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1) threads(%tx, %ty, %tz) in (%u = %c4, %v = %c1, %w = %c1) {
      %p = memref.load %g[%tx] : memref<4xi32>
      memref.store %p, %out[%tx] : memref<4xi32>
      gpu.terminator
    }
    gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1) threads(%tx, %ty, %tz) in (%u = %c4, %v = %c1, %w = %c1) {
      %p = memref.load %g[%tx] : memref<4xi32>
      %q = arith.addi %p, %p : i32
      memref.store %q, %out[%tx] : memref<4xi32>
      gpu.terminator
    }
    return
  }
}
