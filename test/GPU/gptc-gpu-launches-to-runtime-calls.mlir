// RUN: %gptc-opt %s -split-input-file -verify-diagnostics --gptc-gpu-launches-to-runtime-calls --canonicalize | FileCheck %s

// Each launch becomes a call of the runtime's gptc_cuda_launch with the
// kernel's number (first launch order), the grid, the block, and a stack
// array of the buffers' addresses; the PTX and the kernel names (each with a
// tab and its class when its launch has one) become module attributes, the
// gpu.binary goes.
// CHECK: module attributes {gptc.cuda_kernels = "step_kernel_1\09rows_warp\0Astep_kernel_0\0A", gptc.cuda_ptx = "// ptx\0A.visible .entry step_kernel_0\0A"}
// CHECK: func.func private @gptc_cuda_launch(index, index, index, index, index, index, index, index, index, index)
// CHECK-LABEL: func.func @step(
// CHECK-SAME: %[[A:.*]]: memref<32xf32>, %[[B:.*]]: memref<4x8xf32>)
// CHECK: %[[ARGS:.*]] = memref.alloca() : memref<2xindex>
// CHECK: %[[PB:.*]] = memref.extract_aligned_pointer_as_index %[[B]]
// CHECK: memref.store %[[PB]], %[[ARGS]][%c0]
// CHECK: %[[PA:.*]] = memref.extract_aligned_pointer_as_index %[[A]]
// CHECK: memref.store %[[PA]], %[[ARGS]][%c1]
// CHECK: %[[P:.*]] = memref.extract_aligned_pointer_as_index %[[ARGS]]
// CHECK: call @gptc_cuda_launch(%c0, %c0, %c2, %c1, %c1, %c128, %c1, %c1, %[[P]], %c2)
// CHECK: call @gptc_cuda_launch(%c0, %c1, %c1, %c1, %c1, %c32, %c1, %c1, %{{.*}}, %c1)
// CHECK: call @gptc_cuda_launch(%c0, %c0, %c2, %c1, %c1, %c128, %c1, %c1, %{{.*}}, %c2)
// CHECK-NOT: gpu.
module attributes {gpu.container_module} {
  gpu.binary @gptc_kernels [#gpu.object<#nvvm.target, "// ptx\0A.visible .entry step_kernel_0\0A">]
  func.func @step(%a: memref<32xf32>, %b: memref<4x8xf32>) {
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c32 = arith.constant 32 : index
    %c128 = arith.constant 128 : index
    gpu.launch_func @gptc_kernels::@step_kernel_1 blocks in (%c2, %c1, %c1) threads in (%c128, %c1, %c1) args(%b : memref<4x8xf32>, %a : memref<32xf32>) {gptc.kernel_class = "rows_warp"}
    gpu.launch_func @gptc_kernels::@step_kernel_0 blocks in (%c1, %c1, %c1) threads in (%c32, %c1, %c1) args(%a : memref<32xf32>)
    gpu.launch_func @gptc_kernels::@step_kernel_1 blocks in (%c2, %c1, %c1) threads in (%c128, %c1, %c1) args(%b : memref<4x8xf32>, %a : memref<32xf32>)
    return
  }
}

// -----

// A length bucket's module (gptc.entry_suffix "_3") is module 3 for the runtime.
// CHECK-LABEL: func.func @bucket(
// CHECK: %[[THREE:.*]] = arith.constant 3 : index
// CHECK: call @gptc_cuda_launch(%[[THREE]], %c0,
module attributes {gpu.container_module, gptc.entry_suffix = "_3"} {
  gpu.binary @gptc_kernels [#gpu.object<#nvvm.target, "// ptx">]
  func.func @bucket(%a: memref<32xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @gptc_kernels::@bucket_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<32xf32>)
    return
  }
}

// -----

// Kernels take bare pointers: a strided view cannot be passed.
module attributes {gpu.container_module} {
  gpu.binary @gptc_kernels [#gpu.object<#nvvm.target, "// ptx">]
  func.func @strided(%a: memref<4x8xf32>) {
    %c1 = arith.constant 1 : index
    %view = memref.subview %a[0, 2] [4, 4] [1, 1] : memref<4x8xf32> to memref<4x4xf32, strided<[8, 1], offset: 2>>
    // expected-error @+1 {{kernel argument 0 is 'memref<4x4xf32, strided<[8, 1], offset: 2>>' (bare-pointer kernels take identity-layout memrefs only)}}
    gpu.launch_func @gptc_kernels::@strided_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%view : memref<4x4xf32, strided<[8, 1], offset: 2>>)
    return
  }
}
