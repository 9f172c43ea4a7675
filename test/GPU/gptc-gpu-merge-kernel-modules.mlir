// RUN: %gptc-opt %s -split-input-file -verify-diagnostics --gptc-gpu-merge-kernel-modules | FileCheck %s

// The outlined modules become one gpu.module @gptc_kernels, each kernel
// named after its module, every launch redirected to it; a constant global
// two kernels read is kept once. Each launch takes its kernel's class from
// the function's list (gptc-gpu-map-kernel-loops), in launch order, and the
// list goes.
// CHECK: gpu.module @gptc_kernels {
// CHECK: memref.global "private" constant @mask
// CHECK-NOT: memref.global
// CHECK: gpu.func @step_kernel(
// CHECK: gpu.func @step_kernel_0(
// CHECK-NOT: gpu.module
// CHECK-LABEL: func.func @step(
// CHECK-NOT: gptc.kernel_classes
// CHECK: gpu.launch_func @gptc_kernels::@step_kernel {{.*}} {gptc.kernel_class = "rows_warp"}
// CHECK: gpu.launch_func @gptc_kernels::@step_kernel_0 {{.*}} {gptc.kernel_class = "elementwise"}
module attributes {gpu.container_module} {
  gpu.module @step_kernel {
    memref.global "private" constant @mask : memref<4xi8> = dense<[1, 0, 1, 0]>
    gpu.func @step_kernel(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @step_kernel_0 {
    memref.global "private" constant @mask : memref<4xi8> = dense<[1, 0, 1, 0]>
    gpu.func @step_kernel(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
  func.func @step(%a: memref<4xf32>) attributes {gptc.kernel_classes = ["rows_warp", "elementwise"]} {
    %c1 = arith.constant 1 : index
    gpu.launch_func @step_kernel::@step_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<4xf32>)
    gpu.launch_func @step_kernel_0::@step_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<4xf32>)
    return
  }
}

// -----

// A list that does not match the launches is a compiler bug, reported.
module attributes {gpu.container_module} {
  gpu.module @f_kernel {
    gpu.func @f_kernel(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
  // expected-error @+1 {{gptc-gpu-merge-kernel-modules: 1 launches for 2 kernel loops}}
  func.func @f(%a: memref<4xf32>) attributes {gptc.kernel_classes = ["rows_warp", "elementwise"]} {
    %c1 = arith.constant 1 : index
    gpu.launch_func @f_kernel::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<4xf32>)
    return
  }
}
