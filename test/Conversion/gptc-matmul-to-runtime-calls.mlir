// Buffer-level matmuls become calls to the runtime GEMM with
// (a, b, c, batch, m, n, k, transpose_a, transpose_b, accumulate).
// RUN: gptc-opt %s -split-input-file --gptc-matmul-to-runtime-calls | FileCheck %s

// CHECK-LABEL: func.func private @gptc_gemm_f32(index, index, index, index, index, index, index, index, index, index)
// CHECK-LABEL: func.func @plain
// CHECK-DAG: %[[A:.*]] = memref.extract_aligned_pointer_as_index %arg0 : memref<4x8xf32> -> index
// CHECK-DAG: %[[B:.*]] = memref.extract_aligned_pointer_as_index %arg1 : memref<8x5xf32> -> index
// CHECK-DAG: %[[C:.*]] = memref.extract_aligned_pointer_as_index %arg2 : memref<4x5xf32> -> index
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[M:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[N:.*]] = arith.constant 5 : index
// CHECK-DAG: %[[K:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[F:.*]] = arith.constant 0 : index
// CHECK: call @gptc_gemm_f32(%[[A]], %[[B]], %[[C]], %[[ONE]], %[[M]], %[[N]], %[[K]], %[[F]], %[[F]], %[[ONE]])
// CHECK-NOT: linalg.matmul
func.func @plain(%a: memref<4x8xf32>, %b: memref<8x5xf32>, %c: memref<4x5xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x5xf32>) outs(%c : memref<4x5xf32>)
  return
}

// -----

// CHECK-LABEL: func.func @transposed_f64
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[K:.*]] = arith.constant 4 : index
// CHECK: call @gptc_gemm_f64(%{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]], %{{.*}}, %{{.*}}, %[[K]], %[[ONE]], %[[ZERO]], %[[ONE]])
func.func @transposed_f64(%a: memref<4x8xf64>, %b: memref<4x5xf64>, %c: memref<8x5xf64>) {
  linalg.matmul_transpose_a ins(%a, %b : memref<4x8xf64>, memref<4x5xf64>) outs(%c : memref<8x5xf64>)
  return
}

// -----

// CHECK-LABEL: func.func @batched_transpose_b
// CHECK-DAG: %[[BATCH:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK: call @gptc_gemm_f32(%{{.*}}, %{{.*}}, %{{.*}}, %[[BATCH]], %{{.*}}, %{{.*}}, %{{.*}}, %[[ZERO]], %[[ONE]], %[[ONE]])
func.func @batched_transpose_b(%a: memref<2x4x8xf32>, %b: memref<2x3x8xf32>, %c: memref<2x4x3xf32>) {
  linalg.batch_matmul_transpose_b ins(%a, %b : memref<2x4x8xf32>, memref<2x3x8xf32>) outs(%c : memref<2x4x3xf32>)
  return
}

// -----

// A zero fill of C right before the matmul is dropped: the GEMM overwrites C
// (accumulate = 0) instead of adding to zeros.
// CHECK-LABEL: func.func @zero_filled
// CHECK-NOT: linalg.fill
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: call @gptc_gemm_f32(%{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]], %{{.*}}, %{{.*}}, %{{.*}}, %[[ZERO]], %[[ZERO]], %[[ZERO]])
func.func @zero_filled(%a: memref<4x8xf32>, %b: memref<8x5xf32>, %c: memref<4x5xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<4x5xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x5xf32>) outs(%c : memref<4x5xf32>)
  return
}

// -----

// A fill of another value, a fill of another buffer, or a write to C in
// between keeps the fill and accumulates.
// CHECK-LABEL: func.func @kept_fills
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg2
// CHECK: call @gptc_gemm_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c1{{(_[0-9]+)?}})
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg3
// CHECK: call @gptc_gemm_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c1{{(_[0-9]+)?}})
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg2
// CHECK: memref.store
// CHECK: call @gptc_gemm_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c1{{(_[0-9]+)?}})
func.func @kept_fills(%a: memref<4x8xf32>, %b: memref<8x5xf32>, %c: memref<4x5xf32>, %d: memref<4x5xf32>) {
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  %i = arith.constant 0 : index
  linalg.fill ins(%one : f32) outs(%c : memref<4x5xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x5xf32>) outs(%c : memref<4x5xf32>)
  linalg.fill ins(%zero : f32) outs(%d : memref<4x5xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x5xf32>) outs(%c : memref<4x5xf32>)
  linalg.fill ins(%zero : f32) outs(%c : memref<4x5xf32>)
  memref.store %one, %c[%i, %i] : memref<4x5xf32>
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x5xf32>) outs(%c : memref<4x5xf32>)
  return
}

// -----

// Tensors and strided views are left alone.
// CHECK-LABEL: func.func @untouched
// CHECK-NOT: call
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8x5xf32>)
// CHECK-NOT: call
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<4x8xf32, strided<[16, 1]>>, memref<8x5xf32>)
// CHECK-NOT: call
func.func @untouched(%a: tensor<4x8xf32>, %b: tensor<8x5xf32>, %c: tensor<4x5xf32>,
                     %sa: memref<4x8xf32, strided<[16, 1]>>, %mb: memref<8x5xf32>, %mc: memref<4x5xf32>) -> tensor<4x5xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x5xf32>) outs(%c : tensor<4x5xf32>) -> tensor<4x5xf32>
  linalg.matmul ins(%sa, %mb : memref<4x8xf32, strided<[16, 1]>>, memref<8x5xf32>) outs(%mc : memref<4x5xf32>)
  return %0 : tensor<4x5xf32>
}
