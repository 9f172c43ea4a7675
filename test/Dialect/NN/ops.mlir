// Every nn op parses, verifies and prints back (round trip through the generic form too).
// RUN: gptc-opt %s | gptc-opt | FileCheck %s
// RUN: gptc-opt %s --mlir-print-op-generic | gptc-opt | FileCheck %s

// CHECK-LABEL: func @elementwise
func.func @elementwise(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: nn.constant 5.000000e-01 : tensor<2x3xf32>
  %c = nn.constant 0.5 : tensor<2x3xf32>
  // CHECK: nn.add
  %0 = nn.add %a, %b : tensor<2x3xf32>
  // CHECK: nn.sub
  %1 = nn.sub %0, %c : tensor<2x3xf32>
  // CHECK: nn.mul
  %2 = nn.mul %1, %b : tensor<2x3xf32>
  // CHECK: nn.div
  %3 = nn.div %2, %a : tensor<2x3xf32>
  // CHECK: nn.neg
  %4 = nn.neg %3 : tensor<2x3xf32>
  // CHECK: nn.sigmoid
  %5 = nn.sigmoid %4 : tensor<2x3xf32>
  // CHECK: nn.relu
  %6 = nn.relu %5 : tensor<2x3xf32>
  // CHECK: nn.tanh
  %7 = nn.tanh %6 : tensor<2x3xf32>
  // CHECK: nn.exp
  %8 = nn.exp %7 : tensor<2x3xf32>
  // CHECK: nn.log
  %9 = nn.log %8 : tensor<2x3xf32>
  // CHECK: nn.sqrt
  %10 = nn.sqrt %9 : tensor<2x3xf32>
  // CHECK: nn.softplus
  %11 = nn.softplus %10 : tensor<2x3xf32>
  // CHECK: nn.pow %{{.*}}, 3.000000e+00 : tensor<2x3xf32>
  %12 = nn.pow %11, 3.0 : tensor<2x3xf32>
  // CHECK: nn.relu_grad
  %13 = nn.relu_grad %12, %a : tensor<2x3xf32>
  return %13 : tensor<2x3xf32>
}

// CHECK-LABEL: func @shapes
func.func @shapes(%a: tensor<3xf64>, %m: tensor<2x3xf64>) -> (tensor<3x2xf64>, tensor<6xf64>, tensor<2xf64>) {
  // CHECK: nn.broadcast %{{.*}}, [1] : tensor<3xf64> -> tensor<2x3xf64>
  %0 = nn.broadcast %a, [1] : tensor<3xf64> -> tensor<2x3xf64>
  // CHECK: nn.transpose %{{.*}}, [1, 0] : tensor<2x3xf64> -> tensor<3x2xf64>
  %1 = nn.transpose %0, [1, 0] : tensor<2x3xf64> -> tensor<3x2xf64>
  // CHECK: nn.reshape %{{.*}} : tensor<2x3xf64> -> tensor<6xf64>
  %2 = nn.reshape %m : tensor<2x3xf64> -> tensor<6xf64>
  // CHECK: nn.reduce_sum %{{.*}}, [1] : tensor<2x3xf64> -> tensor<2xf64>
  %3 = nn.reduce_sum %m, [1] : tensor<2x3xf64> -> tensor<2xf64>
  return %1, %2, %3 : tensor<3x2xf64>, tensor<6xf64>, tensor<2xf64>
}

// CHECK-LABEL: func @contractions
func.func @contractions(%a: tensor<4x8xf32>, %b: tensor<8x5xf32>, %c: tensor<5x8xf32>,
                        %x: tensor<2x4x8xf32>, %y: tensor<2x8x3xf32>)
    -> (tensor<4x5xf32>, tensor<4x5xf32>, tensor<8x8xf32>, tensor<2x4x3xf32>) {
  // CHECK: nn.matmul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8x5xf32> -> tensor<4x5xf32>
  %0 = nn.matmul %a, %b : tensor<4x8xf32>, tensor<8x5xf32> -> tensor<4x5xf32>
  // CHECK: nn.matmul %{{.*}}, %{{.*}} {transpose_rhs = true}
  %1 = nn.matmul %a, %c {transpose_rhs = true} : tensor<4x8xf32>, tensor<5x8xf32> -> tensor<4x5xf32>
  // CHECK: nn.matmul %{{.*}}, %{{.*}} {transpose_lhs = true}
  %2 = nn.matmul %a, %a {transpose_lhs = true} : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<8x8xf32>
  // CHECK: nn.matmul {{.*}} : tensor<2x4x8xf32>, tensor<2x8x3xf32> -> tensor<2x4x3xf32>
  %3 = nn.matmul %x, %y : tensor<2x4x8xf32>, tensor<2x8x3xf32> -> tensor<2x4x3xf32>
  return %0, %1, %2, %3 : tensor<4x5xf32>, tensor<4x5xf32>, tensor<8x8xf32>, tensor<2x4x3xf32>
}

// CHECK-LABEL: func @losses
func.func @losses(%logits: tensor<4x10xf32>, %t: tensor<4xi32>, %d: tensor<f32>)
    -> (tensor<4x10xf32>, tensor<4x10xf32>, tensor<f32>, tensor<4x10xf32>) {
  // CHECK: nn.softmax
  %0 = nn.softmax %logits : tensor<4x10xf32>
  // CHECK: nn.log_softmax
  %1 = nn.log_softmax %logits : tensor<4x10xf32>
  // CHECK: nn.cross_entropy %{{.*}}, %{{.*}} : tensor<4x10xf32>, tensor<4xi32> -> tensor<f32>
  %2 = nn.cross_entropy %logits, %t : tensor<4x10xf32>, tensor<4xi32> -> tensor<f32>
  // CHECK: nn.cross_entropy_grad
  %3 = nn.cross_entropy_grad %logits, %t, %d : tensor<4x10xf32>, tensor<4xi32>, tensor<f32> -> tensor<4x10xf32>
  return %0, %1, %2, %3 : tensor<4x10xf32>, tensor<4x10xf32>, tensor<f32>, tensor<4x10xf32>
}

// CHECK-LABEL: func @optimizers
func.func @optimizers(%p: tensor<3x2xf32>, %g: tensor<3x2xf32>, %s: tensor<3x2xf32>, %h: tensor<16xf32>)
    -> (tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>) {
  // CHECK: nn.sgd_update {{.*}} {decay = true} : tensor<3x2xf32>, tensor<16xf32>
  %0:2 = nn.sgd_update %p, %g, %s, %h {decay = true} : tensor<3x2xf32>, tensor<16xf32>
  // CHECK: nn.adamw_update {{.*}} {decay = false} : tensor<3x2xf32>, tensor<16xf32>
  %1:3 = nn.adamw_update %p, %g, %s, %s, %h {decay = false} : tensor<3x2xf32>, tensor<16xf32>
  return %0#0, %1#0, %1#2 : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>
}

// The indexing, slicing, masking and clipping ops parse, verify and print back.

// CHECK-LABEL: func @indexing
func.func @indexing(%table: tensor<5x4xf32>, %idx: tensor<2x3xi32>, %x: tensor<2x3x4xf32>,
                    %rng: tensor<2xi32>, %hyper: tensor<16xf32>, %s: tensor<f32>) {
  // CHECK: nn.gather %{{.*}}, %{{.*}} : tensor<5x4xf32>, tensor<2x3xi32> -> tensor<2x3x4xf32>
  %0 = nn.gather %table, %idx : tensor<5x4xf32>, tensor<2x3xi32> -> tensor<2x3x4xf32>
  // CHECK: nn.scatter_add %{{.*}}, %{{.*}} : tensor<2x3xi32>, tensor<2x3x4xf32> -> tensor<5x4xf32>
  %1 = nn.scatter_add %idx, %0 : tensor<2x3xi32>, tensor<2x3x4xf32> -> tensor<5x4xf32>
  // CHECK: nn.slice %{{.*}} {axis = 2 : i64, start = 1 : i64} : tensor<2x3x4xf32> -> tensor<2x3x2xf32>
  %2 = nn.slice %x {axis = 2 : i64, start = 1 : i64} : tensor<2x3x4xf32> -> tensor<2x3x2xf32>
  // CHECK: nn.pad %{{.*}} {axis = 2 : i64, start = 1 : i64} : tensor<2x3x2xf32> -> tensor<2x3x4xf32>
  %3 = nn.pad %2 {axis = 2 : i64, start = 1 : i64} : tensor<2x3x2xf32> -> tensor<2x3x4xf32>
  // CHECK: nn.mask_fill %{{.*}}, dense<{{.*}}> : tensor<3x4xi1>, 0xFFF0000000000000 : tensor<2x3x4xf32>
  %4 = nn.mask_fill %x, dense<[[false, true, true, true], [false, false, true, true], [false, false, false, true]]> : tensor<3x4xi1>, 0xFFF0000000000000 : tensor<2x3x4xf32>
  // CHECK: nn.dropout %{{.*}}, %{{.*}} {p = 2.500000e-01 : f64, salt = 3 : i64} : tensor<2x3x4xf32>, tensor<2xi32>
  %5 = nn.dropout %x, %rng {p = 0.25 : f64, salt = 3 : i64} : tensor<2x3x4xf32>, tensor<2xi32>
  // CHECK: nn.clip_scale %{{.*}}, %{{.*}} : tensor<f32>, tensor<16xf32>
  %6 = nn.clip_scale %s, %hyper : tensor<f32>, tensor<16xf32>
  // CHECK: nn.sum_squares %{{.*}}, %{{.*}} : tensor<2x3x4xf32>, tensor<f32> -> tensor<f32>
  %7 = nn.sum_squares %x, %s : tensor<2x3x4xf32>, tensor<f32> -> tensor<f32>
  // CHECK: nn.concat %{{.*}}, %{{.*}} {axis = 2 : i64} : tensor<2x3x4xf32>, tensor<2x3x4xf32> -> tensor<2x3x8xf32>
  %8 = nn.concat %x, %x {axis = 2 : i64} : tensor<2x3x4xf32>, tensor<2x3x4xf32> -> tensor<2x3x8xf32>
  return
}

// nn.attention and nn.attention_grad print and parse back, with their score region.
// CHECK-LABEL: func.func @attention
// CHECK: %[[OUT:.*]], %[[LSE:.*]] = nn.attention %{{.*}}, %{{.*}}, %{{.*}} rng %{{.*}} : tensor<2xi32> {dropout = 2.000000e-01 : f64, mask = dense<{{.*}}> : tensor<2x2xi1>, salt = 4 : i64} : tensor<3x2x8xf32>, tensor<3x2x8xf32>, tensor<3x2x4xf32> -> tensor<3x2x4xf32>, tensor<3x2xf32> score {
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32):
// CHECK-NEXT: %[[N:.*]] = arith.negf %[[S]] : f32
// CHECK-NEXT: nn.score_yield %[[N]] : f32
// CHECK: nn.attention_grad {{.*}} -> tensor<3x2x8xf32>, tensor<3x2x8xf32>, tensor<3x2x4xf32> score {
func.func @attention(%q: tensor<3x2x8xf32>, %k: tensor<3x2x8xf32>, %v: tensor<3x2x4xf32>, %rng: tensor<2xi32>, %d: tensor<3x2x4xf32>) -> (tensor<3x2x8xf32>, tensor<3x2x8xf32>, tensor<3x2x4xf32>) {
  %o, %l = nn.attention %q, %k, %v rng %rng : tensor<2xi32> {dropout = 2.000000e-01 : f64, mask = dense<[[false, true], [false, false]]> : tensor<2x2xi1>, salt = 4 : i64} : tensor<3x2x8xf32>, tensor<3x2x8xf32>, tensor<3x2x4xf32> -> tensor<3x2x4xf32>, tensor<3x2xf32> score {
  ^bb0(%s: f32):
    %n = arith.negf %s : f32
    nn.score_yield %n : f32
  }
  %dq, %dk, %dv = nn.attention_grad %q, %k, %v, %o, %l, %d rng %rng : tensor<2xi32> {dropout = 2.000000e-01 : f64, mask = dense<[[false, true], [false, false]]> : tensor<2x2xi1>, salt = 4 : i64} : tensor<3x2x8xf32>, tensor<3x2x8xf32>, tensor<3x2x4xf32>, tensor<3x2x4xf32>, tensor<3x2xf32>, tensor<3x2x4xf32> -> tensor<3x2x8xf32>, tensor<3x2x8xf32>, tensor<3x2x4xf32> score {
  ^bb0(%s: f32):
    %n = arith.negf %s : f32
    nn.score_yield %n : f32
  }
  return %dq, %dk, %dv : tensor<3x2x8xf32>, tensor<3x2x8xf32>, tensor<3x2x4xf32>
}
