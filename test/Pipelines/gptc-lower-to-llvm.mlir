// The whole CPU lowering: tensors -> out-param buffers -> loops -> LLVM dialect
// with bare-pointer arguments and the runtime entry points.
// RUN: gptc-opt %s --gptc-lower-to-linalg --gptc-lower-to-llvm | FileCheck %s \
// RUN:   --implicit-check-not=memref. --implicit-check-not=linalg. --implicit-check-not='tensor<'

// The result becomes an out-param: forward(w, x, out) with plain pointers.
// CHECK: llvm.func @forward(%arg0: !llvm.ptr {gptc.param}, %arg1: !llvm.ptr, %arg2: !llvm.ptr)
// CHECK: llvm.call @gptc_gemm_f32
// CHECK: llvm.func @gptc_forward(%{{.*}}: !llvm.ptr)
// CHECK-COUNT-3: llvm.load
// CHECK: llvm.call @forward
func.func @forward(%w: tensor<8x4xf32> {gptc.param}, %x: tensor<2x8xf32>) -> tensor<f32> {
  %h = nn.matmul %x, %w : tensor<2x8xf32>, tensor<8x4xf32> -> tensor<2x4xf32>
  %r = nn.relu %h : tensor<2x4xf32>
  %l = nn.reduce_sum %r, [0, 1] : tensor<2x4xf32> -> tensor<f32>
  return %l : tensor<f32>
}
