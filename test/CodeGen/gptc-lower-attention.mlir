// RUN: gptc-opt %s --split-input-file --gptc-lower-attention=query-block=2 | FileCheck %s

// Forward: q, k, v read through read-only buffer views; per chunk of the
// batch and block of 2 query rows, the visible keys (tables: block 0 sees keys
// [0, 2), block 1 keys [0, 4)) are multiplied by the runtime's single-thread
// GEMM into a static scratch, the rows get score + mask + softmax + dropout in
// place (the row max and sum reassoc, so LLVM vectorises them), and a second
// GEMM writes the output. New buffers come back as tensors.
// CHECK-DAG: memref.global "private" @__gptc_attention_s_16_f32 : memref<16xf32> = uninitialized
// CHECK-DAG: func.func private @gptc_gemm_strided_f32(index, index, index, index, index, index, index, index, index, index, index, index)
// CHECK-LABEL: func.func @forward
// CHECK-DAG: bufferization.to_memref %{{.*}} read_only : memref<2x4x8xf32>
// CHECK-DAG: arith.constant dense<0> : tensor<2xindex>
// CHECK-DAG: arith.constant dense<[2, 4]> : tensor<2xindex>
// CHECK-DAG: memref.alloc() : memref<2x4x8xf32>
// CHECK-DAG: memref.alloc() : memref<2x4xf32>
// CHECK: memref.get_global @__gptc_attention_s_16_f32
// CHECK: scf.parallel
// CHECK: func.call @gptc_gemm_strided_f32
// CHECK: arith.divf
// CHECK: arith.maximumf {{.*}} fastmath<reassoc>
// CHECK: math.exp
// CHECK: math.log
// CHECK: func.call @gptc_gemm_strided_f32
// CHECK-NOT: func.call
// CHECK: bufferization.to_tensor %{{.*}} restrict writable : memref<2x4x8xf32>
// CHECK-NOT: nn.attention
func.func @forward(%q: tensor<2x4x8xf32>, %k: tensor<2x4x8xf32>, %v: tensor<2x4x8xf32>, %rng: tensor<2xi32>) -> (tensor<2x4x8xf32>, tensor<2x4xf32>) {
  %c = arith.constant 2.0 : f32
  %out, %lse = nn.attention %q, %k, %v rng %rng : tensor<2xi32> {dropout = 1.000000e-01 : f64, mask = dense<[[false, true, true, true], [false, false, true, true], [false, false, false, true], [false, false, false, false]]> : tensor<4x4xi1>, salt = 3 : i64} : tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32> -> tensor<2x4x8xf32>, tensor<2x4xf32> score {
  ^bb0(%raw: f32):
    %s = arith.divf %raw, %c : f32
    nn.score_yield %s : f32
  }
  return %out, %lse : tensor<2x4x8xf32>, tensor<2x4xf32>
}

// -----

// Backward in f64, rank-4 operands (collapsed to [N, T, D] and expanded
// back), a squared score: two GEMMs recompute the scores and dP, the score's
// derivative raw + raw is compiled from the region, and three GEMMs give dV, dQ, dK.
// CHECK-DAG: memref.global "private" @__gptc_attention_s_{{[0-9]+}}_f64
// CHECK-DAG: memref.global "private" @__gptc_attention_dp_{{[0-9]+}}_f64
// CHECK-LABEL: func.func @backward
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : tensor<2x2x3x4xf64> into tensor<4x3x4xf64>
// CHECK: scf.parallel
// CHECK-COUNT-2: func.call @gptc_gemm_strided_f64
// CHECK: %[[RAW:.*]] = memref.load %{{.*}}[%{{.*}}] : memref<{{[0-9]+}}xf64>
// CHECK: %[[SQ:.*]] = arith.mulf %[[RAW]], %[[RAW]] : f64
// CHECK-NEXT: %[[DSQ:.*]] = arith.addf %[[RAW]], %[[RAW]] : f64
// CHECK: %[[SHIFTED:.*]] = arith.subf %[[SQ]], %{{.*}} : f64
// CHECK-NEXT: math.exp %[[SHIFTED]]
// CHECK: arith.mulf %{{.*}}, %[[DSQ]] : f64
// CHECK-COUNT-3: func.call @gptc_gemm_strided_f64
// CHECK-NOT: func.call
// CHECK: tensor.expand_shape
// CHECK-NOT: nn.attention_grad
func.func @backward(%q: tensor<2x2x3x4xf64>, %k: tensor<2x2x3x4xf64>, %v: tensor<2x2x3x4xf64>, %o: tensor<2x2x3x4xf64>, %lse: tensor<2x2x3xf64>, %do: tensor<2x2x3x4xf64>) -> (tensor<2x2x3x4xf64>, tensor<2x2x3x4xf64>, tensor<2x2x3x4xf64>) {
  %dq, %dk, %dv = nn.attention_grad %q, %k, %v, %o, %lse, %do : tensor<2x2x3x4xf64>, tensor<2x2x3x4xf64>, tensor<2x2x3x4xf64>, tensor<2x2x3x4xf64>, tensor<2x2x3xf64>, tensor<2x2x3x4xf64> -> tensor<2x2x3x4xf64>, tensor<2x2x3x4xf64>, tensor<2x2x3x4xf64> score {
  ^bb0(%raw: f64):
    %s = arith.mulf %raw, %raw : f64
    nn.score_yield %s : f64
  }
  return %dq, %dk, %dv : tensor<2x2x3x4xf64>, tensor<2x2x3x4xf64>, tensor<2x2x3x4xf64>
}

// -----

// Padding keys: the kernel reads the keys' token ids ([B, Tk] = [2, 6] for a
// batch of 4 = 2 sentences x 2 heads: entry n reads row n / 2) and hides the
// keys whose id is key_pad, before the row's max.
// CHECK-LABEL: func.func @padding_keys
// CHECK-DAG: bufferization.to_memref %{{.*}} read_only : memref<2x6xi32>
// CHECK: scf.parallel
// CHECK: func.call @gptc_gemm_strided_f32
// CHECK: %[[ROW:[a-z0-9_]+]] = arith.divui %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}} : index
// CHECK: %[[TOKEN:[a-z0-9_]+]] = memref.load %{{[a-z0-9_]+}}[%[[ROW]], %{{[a-z0-9_]+}}] : memref<2x6xi32>
// CHECK: %[[PAD:[a-z0-9_]+]] = arith.constant 1 : i32
// CHECK: %[[IS:[a-z0-9_]+]] = arith.cmpi eq, %[[TOKEN]], %[[PAD]] : i32
// CHECK: arith.select %[[IS]]
// CHECK: arith.maximumf
func.func @padding_keys(%q: tensor<4x3x8xf32>, %k: tensor<4x6x8xf32>, %v: tensor<4x6x8xf32>, %src: tensor<2x6xi32>) -> (tensor<4x3x8xf32>, tensor<4x3xf32>) {
  %out, %lse = nn.attention %q, %k, %v keys %src : tensor<2x6xi32> {key_pad = 1 : i64} : tensor<4x3x8xf32>, tensor<4x6x8xf32>, tensor<4x6x8xf32> -> tensor<4x3x8xf32>, tensor<4x3xf32> score {
  ^bb0(%raw: f32):
    nn.score_yield %raw : f32
  }
  return %out, %lse : tensor<4x3x8xf32>, tensor<4x3xf32>
}
