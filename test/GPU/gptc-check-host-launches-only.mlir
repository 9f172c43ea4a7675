// RUN: %gptc-opt %s -split-input-file -verify-diagnostics --gptc-check-host-launches-only | FileCheck %s

// A host function of launches, runtime calls, buffers, views and constants
// passes unchanged.
// CHECK-LABEL: func.func @step
// CHECK: gpu.launch_func @gptc_kernels::@step_kernel
// CHECK: call @gptc_cuda_gemm_f32
module attributes {gpu.container_module} {
  gpu.module @gptc_kernels {
    gpu.func @step_kernel(%arg0: memref<4x8xf32>) kernel {
      gpu.return
    }
  }
  func.func private @gptc_cuda_gemm_f32(index, index, index, index, index, index, index, index, index, index)
  func.func @step(%a: memref<32xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %buffer = memref.alloc() : memref<4x8xf32>
    %view = memref.expand_shape %a [[0, 1]] output_shape [4, 8] : memref<32xf32> into memref<4x8xf32>
    gpu.launch_func @gptc_kernels::@step_kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%view : memref<4x8xf32>)
    %p = memref.extract_aligned_pointer_as_index %buffer : memref<4x8xf32> -> index
    call @gptc_cuda_gemm_f32(%p, %p, %p, %c1, %c4, %c4, %c4, %c0, %c0, %c0) : (index, index, index, index, index, index, index, index, index, index) -> ()
    memref.dealloc %buffer : memref<4x8xf32>
    return
  }
}

// -----

// A loop convert-parallel-loops-to-gpu could not map stays on the host.
func.func @loop_left(%a: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  // expected-error @+1 {{'scf.parallel' is left on the host in @loop_left}}
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    memref.store %zero, %a[%i] : memref<16xf32>
  }
  return
}

// -----

// A scalar read from a (device) buffer on the host.
func.func @host_load(%a: memref<16xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'memref.load' is left on the host in @host_load}}
  %x = memref.load %a[%c0] : memref<16xf32>
  return %x : f32
}

// -----

// Linalg not turned into a kernel; one error for the op, not its body.
func.func @linalg_left(%a: memref<16xf32>) {
  %zero = arith.constant 0.0 : f32
  // expected-error @+1 {{'linalg.fill' is left on the host in @linalg_left}}
  linalg.fill ins(%zero : f32) outs(%a : memref<16xf32>)
  return
}
