// Recompute or store, next to a GEMM: the residual sum r = matmul + x has two
// users. It is cheap (one add), so by default it is recomputed in each of
// them; with gemm-epilogues=1 (the CPU) it is stored, because it is the only
// reader of the GEMM's output and will run as the GEMM's epilogue, while the
// tile is in cache: its users then read one buffer (r), not two (C and x).
// RUN: gptc-opt %s --gptc-convert-nn-to-linalg --gptc-fuse-elementwise | FileCheck %s --check-prefix=RECOMPUTE
// RUN: gptc-opt %s --gptc-convert-nn-to-linalg --gptc-fuse-elementwise=gemm-epilogues=1 | FileCheck %s --check-prefix=STORE

// RECOMPUTE-LABEL: func.func @residual_two_users
// RECOMPUTE: %[[C:.*]] = linalg.matmul
// RECOMPUTE: linalg.generic {{.*}} ins(%[[C]], %arg2
// RECOMPUTE: arith.addf
// RECOMPUTE: math.tanh
// RECOMPUTE: linalg.generic {{.*}} ins(%[[C]], %arg2
// RECOMPUTE: arith.addf
// RECOMPUTE: math.exp
// STORE-LABEL: func.func @residual_two_users
// STORE: %[[C:.*]] = linalg.matmul
// STORE: %[[R:.*]] = linalg.generic {{.*}} ins(%[[C]], %arg2
// STORE-NEXT: ^bb0
// STORE-NEXT: arith.addf
// STORE-NEXT: linalg.yield
// STORE: linalg.generic {{.*}} ins(%[[R]] :
// STORE: math.tanh
// STORE: linalg.generic {{.*}} ins(%[[R]] :
// STORE: math.exp
func.func @residual_two_users(%a: tensor<4x8xf32>, %w: tensor<8x3xf32>, %x: tensor<4x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>) {
  %c = nn.matmul %a, %w : tensor<4x8xf32>, tensor<8x3xf32> -> tensor<4x3xf32>
  %r = nn.add %c, %x : tensor<4x3xf32>
  %t = nn.tanh %r : tensor<4x3xf32>
  %e = nn.exp %r : tensor<4x3xf32>
  return %t, %e : tensor<4x3xf32>, tensor<4x3xf32>
}
