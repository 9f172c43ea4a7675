// Derivative rules of the indexing, slicing and masking ops.
// RUN: gptc-opt %s -split-input-file --gptc-autodiff | FileCheck %s

// gather's table gets the incoming gradient summed into rows (scatter_add); indices get none.
// CHECK-LABEL: func.func @grad
// CHECK: %[[DT:.*]] = nn.scatter_add %arg1, %{{.*}} : tensor<2x3xi32>, tensor<2x3x4xf32> -> tensor<5x4xf32>
// CHECK: return %{{.*}}, %[[DT]]
func.func @forward(%t: tensor<5x4xf32> {gptc.param}, %i: tensor<2x3xi32>) -> tensor<f32> {
  %e = nn.gather %t, %i : tensor<5x4xf32>, tensor<2x3xi32> -> tensor<2x3x4xf32>
  %l = nn.reduce_sum %e, [0, 1, 2] : tensor<2x3x4xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// slice's backward pads the gradient back into place; pad's backward slices it out.
// CHECK-LABEL: func.func @grad
// CHECK: %[[P:.*]] = nn.pad %{{.*}} {axis = 1 : i64, start = 2 : i64} : tensor<3x2xf32> -> tensor<3x6xf32>
// CHECK: return %{{.*}}, %[[P]]
func.func @forward(%x: tensor<3x6xf32> {gptc.param}) -> tensor<f32> {
  %s = nn.slice %x {axis = 1 : i64, start = 2 : i64} : tensor<3x6xf32> -> tensor<3x2xf32>
  %l = nn.reduce_sum %s, [0, 1] : tensor<3x2xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @grad
// CHECK: %[[S:.*]] = nn.slice %{{.*}} {axis = 0 : i64, start = 1 : i64} : tensor<4xf32> -> tensor<2xf32>
// CHECK: return %{{.*}}, %[[S]]
func.func @forward(%x: tensor<2xf32> {gptc.param}) -> tensor<f32> {
  %p = nn.pad %x {axis = 0 : i64, start = 1 : i64} : tensor<2xf32> -> tensor<4xf32>
  %l = nn.reduce_sum %p, [0] : tensor<4xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Masked positions do not depend on the input: the same mask fills their gradient with 0.
// CHECK-LABEL: func.func @grad
// CHECK: %[[M:.*]] = nn.mask_fill %{{.*}}, dense<{{.*}}> : tensor<2x2xi1>, 0.000000e+00 : tensor<2x2xf32>
// CHECK: return %{{.*}}, %[[M]]
func.func @forward(%x: tensor<2x2xf32> {gptc.param}) -> tensor<f32> {
  %m = nn.mask_fill %x, dense<[[false, true], [false, false]]> : tensor<2x2xi1>, 0xFFF0000000000000 : tensor<2x2xf32>
  %s = nn.softmax %m : tensor<2x2xf32>
  %l = nn.reduce_sum %s, [0, 1] : tensor<2x2xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// dropout is linear in its input: the backward is the same op (same rng, p, salt) on the gradient.
// CHECK-LABEL: func.func @grad
// CHECK: nn.broadcast
// CHECK: %[[D:.*]] = nn.dropout %{{.*}}, %arg1 {p = 5.000000e-01 : f64, salt = 7 : i64}
// CHECK: return %{{.*}}, %[[D]]
func.func @forward(%x: tensor<4xf32> {gptc.param}, %rng: tensor<2xi32>) -> tensor<f32> {
  %d = nn.dropout %x, %rng {p = 0.5 : f64, salt = 7 : i64} : tensor<4xf32>, tensor<2xi32>
  %l = nn.reduce_sum %d, [0] : tensor<4xf32> -> tensor<f32>
  return %l : tensor<f32>
}
