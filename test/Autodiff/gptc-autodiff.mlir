// Reverse-mode autodiff: one case per differentiable op, plus adjoint
// accumulation, unused parameters and the error cases.
// RUN: gptc-opt %s -split-input-file -verify-diagnostics --gptc-autodiff | FileCheck %s

// The loss seed dL/dL = 1 reaches each element through reduce_sum's broadcast.
// CHECK-LABEL: func.func @grad(%arg0: tensor<3xf32> {gptc.param}, %arg1: tensor<3xf32> {gptc.param}) -> (tensor<f32>, tensor<3xf32>, tensor<3xf32>)
// CHECK: %[[SEED:.*]] = nn.constant 1.000000e+00 : tensor<f32>
// CHECK: %[[DY:.*]] = nn.broadcast %[[SEED]], [] : tensor<f32> -> tensor<3xf32>
// CHECK: return %{{.*}}, %[[DY]], %[[DY]]
func.func @forward(%x: tensor<3xf32> {gptc.param}, %w: tensor<3xf32> {gptc.param}) -> tensor<f32> {
  %y = nn.add %x, %w : tensor<3xf32>
  %l = nn.reduce_sum %y, [0] : tensor<3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @grad
// CHECK: %[[DY:.*]] = nn.broadcast
// CHECK: %[[NEG:.*]] = nn.neg %[[DY]]
// CHECK: return %{{.*}}, %[[DY]], %[[NEG]]
func.func @forward(%x: tensor<3xf32> {gptc.param}, %w: tensor<3xf32> {gptc.param}) -> tensor<f32> {
  %y = nn.sub %x, %w : tensor<3xf32>
  %l = nn.reduce_sum %y, [0] : tensor<3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// d(x*w)/dx = w, d(x*w)/dw = x
// CHECK-LABEL: func.func @grad(%arg0: tensor<3xf32> {gptc.param}, %arg1: tensor<3xf32> {gptc.param})
// CHECK: %[[DY:.*]] = nn.broadcast
// CHECK: %[[DX:.*]] = nn.mul %[[DY]], %arg1
// CHECK: %[[DW:.*]] = nn.mul %[[DY]], %arg0
// CHECK: return %{{.*}}, %[[DX]], %[[DW]]
func.func @forward(%x: tensor<3xf32> {gptc.param}, %w: tensor<3xf32> {gptc.param}) -> tensor<f32> {
  %y = nn.mul %x, %w : tensor<3xf32>
  %l = nn.reduce_sum %y, [0] : tensor<3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// d(x/w)/dx = 1/w, d(x/w)/dw = -(x/w)/w
// CHECK-LABEL: func.func @grad(%arg0: tensor<3xf32> {gptc.param}, %arg1: tensor<3xf32> {gptc.param})
// CHECK: %[[Y:.*]] = nn.div %arg0, %arg1
// CHECK: %[[DY:.*]] = nn.broadcast
// CHECK: %[[DX:.*]] = nn.div %[[DY]], %arg1
// CHECK: %[[T:.*]] = nn.mul %[[DY]], %[[Y]]
// CHECK: %[[Q:.*]] = nn.div %[[T]], %arg1
// CHECK: %[[DW:.*]] = nn.neg %[[Q]]
// CHECK: return %{{.*}}, %[[DX]], %[[DW]]
func.func @forward(%x: tensor<3xf32> {gptc.param}, %w: tensor<3xf32> {gptc.param}) -> tensor<f32> {
  %y = nn.div %x, %w : tensor<3xf32>
  %l = nn.reduce_sum %y, [0] : tensor<3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @grad
// CHECK: %[[DY:.*]] = nn.broadcast
// CHECK: %[[DX:.*]] = nn.neg %[[DY]]
// CHECK: return %{{.*}}, %[[DX]]
func.func @forward(%x: tensor<3xf32> {gptc.param}) -> tensor<f32> {
  %y = nn.neg %x : tensor<3xf32>
  %l = nn.reduce_sum %y, [0] : tensor<3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// sigmoid' = y (1 - y), reusing the forward result
// CHECK-LABEL: func.func @grad
// CHECK: %[[Y:.*]] = nn.sigmoid %arg0
// CHECK: %[[DY:.*]] = nn.broadcast
// CHECK: %[[ONE:.*]] = nn.constant 1.000000e+00 : tensor<3xf32>
// CHECK: %[[OMY:.*]] = nn.sub %[[ONE]], %[[Y]]
// CHECK: %[[T:.*]] = nn.mul %[[DY]], %[[Y]]
// CHECK: %[[DX:.*]] = nn.mul %[[T]], %[[OMY]]
// CHECK: return %{{.*}}, %[[DX]]
func.func @forward(%x: tensor<3xf32> {gptc.param}) -> tensor<f32> {
  %y = nn.sigmoid %x : tensor<3xf32>
  %l = nn.reduce_sum %y, [0] : tensor<3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @grad
// CHECK: %[[DY:.*]] = nn.broadcast
// CHECK: %[[DX:.*]] = nn.relu_grad %arg0, %[[DY]]
// CHECK: return %{{.*}}, %[[DX]]
func.func @forward(%x: tensor<3xf32> {gptc.param}) -> tensor<f32> {
  %y = nn.relu %x : tensor<3xf32>
  %l = nn.reduce_sum %y, [0] : tensor<3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// tanh' = 1 - y^2
// CHECK-LABEL: func.func @grad
// CHECK: %[[Y:.*]] = nn.tanh %arg0
// CHECK: %[[DY:.*]] = nn.broadcast
// CHECK: %[[Y2:.*]] = nn.mul %[[Y]], %[[Y]]
// CHECK: %[[ONE:.*]] = nn.constant 1.000000e+00
// CHECK: %[[D:.*]] = nn.sub %[[ONE]], %[[Y2]]
// CHECK: %[[DX:.*]] = nn.mul %[[DY]], %[[D]]
// CHECK: return %{{.*}}, %[[DX]]
func.func @forward(%x: tensor<3xf32> {gptc.param}) -> tensor<f32> {
  %y = nn.tanh %x : tensor<3xf32>
  %l = nn.reduce_sum %y, [0] : tensor<3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @grad
// CHECK: %[[Y:.*]] = nn.exp %arg0
// CHECK: %[[DY:.*]] = nn.broadcast
// CHECK: %[[DX:.*]] = nn.mul %[[DY]], %[[Y]]
// CHECK: return %{{.*}}, %[[DX]]
func.func @forward(%x: tensor<3xf32> {gptc.param}) -> tensor<f32> {
  %y = nn.exp %x : tensor<3xf32>
  %l = nn.reduce_sum %y, [0] : tensor<3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @grad
// CHECK: %[[DY:.*]] = nn.broadcast
// CHECK: %[[DX:.*]] = nn.div %[[DY]], %arg0
// CHECK: return %{{.*}}, %[[DX]]
func.func @forward(%x: tensor<3xf32> {gptc.param}) -> tensor<f32> {
  %y = nn.log %x : tensor<3xf32>
  %l = nn.reduce_sum %y, [0] : tensor<3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// sqrt' = 1 / (2 y)
// CHECK-LABEL: func.func @grad
// CHECK: %[[Y:.*]] = nn.sqrt %arg0
// CHECK: %[[DY:.*]] = nn.broadcast
// CHECK: %[[TWO:.*]] = nn.constant 2.000000e+00
// CHECK: %[[TY:.*]] = nn.mul %[[TWO]], %[[Y]]
// CHECK: %[[DX:.*]] = nn.div %[[DY]], %[[TY]]
// CHECK: return %{{.*}}, %[[DX]]
func.func @forward(%x: tensor<3xf32> {gptc.param}) -> tensor<f32> {
  %y = nn.sqrt %x : tensor<3xf32>
  %l = nn.reduce_sum %y, [0] : tensor<3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// softplus' = sigmoid
// CHECK-LABEL: func.func @grad
// CHECK: %[[DY:.*]] = nn.broadcast
// CHECK: %[[S:.*]] = nn.sigmoid %arg0
// CHECK: %[[DX:.*]] = nn.mul %[[DY]], %[[S]]
// CHECK: return %{{.*}}, %[[DX]]
func.func @forward(%x: tensor<3xf32> {gptc.param}) -> tensor<f32> {
  %y = nn.softplus %x : tensor<3xf32>
  %l = nn.reduce_sum %y, [0] : tensor<3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// (x^3)' = 3 x^2
// CHECK-LABEL: func.func @grad
// CHECK: %[[DY:.*]] = nn.broadcast
// CHECK: %[[P:.*]] = nn.pow %arg0, 2.000000e+00
// CHECK: %[[THREE:.*]] = nn.constant 3.000000e+00
// CHECK: %[[D:.*]] = nn.mul %[[THREE]], %[[P]]
// CHECK: %[[DX:.*]] = nn.mul %[[DY]], %[[D]]
// CHECK: return %{{.*}}, %[[DX]]
func.func @forward(%x: tensor<3xf32> {gptc.param}) -> tensor<f32> {
  %y = nn.pow %x, 3.0 : tensor<3xf32>
  %l = nn.reduce_sum %y, [0] : tensor<3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A value used twice receives the sum of both adjoints; a broadcast's adjoint
// is summed over the broadcast dimension.
// CHECK-LABEL: func.func @grad(%arg0: tensor<4x3xf32> {gptc.param}, %arg1: tensor<3xf32> {gptc.param})
// CHECK: %[[DY:.*]] = nn.broadcast %{{.*}}, [] : tensor<f32> -> tensor<4x3xf32>
// CHECK: %[[DXX:.*]] = nn.mul %[[DY]], %{{.*}}
// CHECK: %[[DWB:.*]] = nn.mul %[[DY]], %{{.*}}
// CHECK: %[[A:.*]] = nn.mul %[[DXX]], %arg0
// CHECK: %[[B:.*]] = nn.mul %[[DXX]], %arg0
// CHECK: %[[DX:.*]] = nn.add %[[A]], %[[B]]
// CHECK: %[[DW:.*]] = nn.reduce_sum %[[DWB]], [0] : tensor<4x3xf32> -> tensor<3xf32>
// CHECK: return %{{.*}}, %[[DX]], %[[DW]]
func.func @forward(%x: tensor<4x3xf32> {gptc.param}, %w: tensor<3xf32> {gptc.param}) -> tensor<f32> {
  %wb = nn.broadcast %w, [1] : tensor<3xf32> -> tensor<4x3xf32>
  %xx = nn.mul %x, %x : tensor<4x3xf32>
  %y = nn.mul %xx, %wb : tensor<4x3xf32>
  %l = nn.reduce_sum %y, [0, 1] : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// C = A B: dA = dC B^T, dB = A^T dC, with transpose flags instead of copies.
// CHECK-LABEL: func.func @grad(%arg0: tensor<4x8xf32> {gptc.param}, %arg1: tensor<8x5xf32> {gptc.param})
// CHECK: %[[DC:.*]] = nn.broadcast %{{.*}}, [] : tensor<f32> -> tensor<4x5xf32>
// CHECK: %[[DA:.*]] = nn.matmul %[[DC]], %arg1 {transpose_rhs = true} : tensor<4x5xf32>, tensor<8x5xf32> -> tensor<4x8xf32>
// CHECK: %[[DB:.*]] = nn.matmul %arg0, %[[DC]] {transpose_lhs = true} : tensor<4x8xf32>, tensor<4x5xf32> -> tensor<8x5xf32>
// CHECK: return %{{.*}}, %[[DA]], %[[DB]]
func.func @forward(%a: tensor<4x8xf32> {gptc.param}, %b: tensor<8x5xf32> {gptc.param}) -> tensor<f32> {
  %c = nn.matmul %a, %b : tensor<4x8xf32>, tensor<8x5xf32> -> tensor<4x5xf32>
  %l = nn.reduce_sum %c, [0, 1] : tensor<4x5xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// C = A B^T: dA = dC B, dB = dC^T A.
// CHECK-LABEL: func.func @grad(%arg0: tensor<4x8xf32> {gptc.param}, %arg1: tensor<5x8xf32> {gptc.param})
// CHECK: %[[DC:.*]] = nn.broadcast
// CHECK: %[[DA:.*]] = nn.matmul %[[DC]], %arg1 : tensor<4x5xf32>, tensor<5x8xf32> -> tensor<4x8xf32>
// CHECK: %[[DB:.*]] = nn.matmul %[[DC]], %arg0 {transpose_lhs = true} : tensor<4x5xf32>, tensor<4x8xf32> -> tensor<5x8xf32>
// CHECK: return %{{.*}}, %[[DA]], %[[DB]]
func.func @forward(%a: tensor<4x8xf32> {gptc.param}, %b: tensor<5x8xf32> {gptc.param}) -> tensor<f32> {
  %c = nn.matmul %a, %b {transpose_rhs = true} : tensor<4x8xf32>, tensor<5x8xf32> -> tensor<4x5xf32>
  %l = nn.reduce_sum %c, [0, 1] : tensor<4x5xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Batched C = A^T B: dA = B dC^T, dB = A dC.
// CHECK-LABEL: func.func @grad(%arg0: tensor<2x8x4xf32> {gptc.param}, %arg1: tensor<2x8x5xf32> {gptc.param})
// CHECK: %[[DC:.*]] = nn.broadcast
// CHECK: %[[DA:.*]] = nn.matmul %arg1, %[[DC]] {transpose_rhs = true} : tensor<2x8x5xf32>, tensor<2x4x5xf32> -> tensor<2x8x4xf32>
// CHECK: %[[DB:.*]] = nn.matmul %arg0, %[[DC]] : tensor<2x8x4xf32>, tensor<2x4x5xf32> -> tensor<2x8x5xf32>
// CHECK: return %{{.*}}, %[[DA]], %[[DB]]
func.func @forward(%a: tensor<2x8x4xf32> {gptc.param}, %b: tensor<2x8x5xf32> {gptc.param}) -> tensor<f32> {
  %c = nn.matmul %a, %b {transpose_lhs = true} : tensor<2x8x4xf32>, tensor<2x8x5xf32> -> tensor<2x4x5xf32>
  %l = nn.reduce_sum %c, [0, 1, 2] : tensor<2x4x5xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// C = A^T B^T: dA = B^T dC^T, dB = dC^T A^T.
// CHECK-LABEL: func.func @grad(%arg0: tensor<8x4xf32> {gptc.param}, %arg1: tensor<5x8xf32> {gptc.param})
// CHECK: %[[DC:.*]] = nn.broadcast
// CHECK: %[[DA:.*]] = nn.matmul %arg1, %[[DC]] {transpose_lhs = true, transpose_rhs = true} : tensor<5x8xf32>, tensor<4x5xf32> -> tensor<8x4xf32>
// CHECK: %[[DB:.*]] = nn.matmul %[[DC]], %arg0 {transpose_lhs = true, transpose_rhs = true} : tensor<4x5xf32>, tensor<8x4xf32> -> tensor<5x8xf32>
// CHECK: return %{{.*}}, %[[DA]], %[[DB]]
func.func @forward(%a: tensor<8x4xf32> {gptc.param}, %b: tensor<5x8xf32> {gptc.param}) -> tensor<f32> {
  %c = nn.matmul %a, %b {transpose_lhs = true, transpose_rhs = true} : tensor<8x4xf32>, tensor<5x8xf32> -> tensor<4x5xf32>
  %l = nn.reduce_sum %c, [0, 1] : tensor<4x5xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// The adjoint of a transpose is the inverse transpose; of a reshape, the reshape back.
// CHECK-LABEL: func.func @grad(%arg0: tensor<2x3x4xf32> {gptc.param})
// CHECK: %[[DR:.*]] = nn.broadcast %{{.*}}, [] : tensor<f32> -> tensor<4x6xf32>
// CHECK: %[[DT:.*]] = nn.reshape %[[DR]] : tensor<4x6xf32> -> tensor<4x2x3xf32>
// CHECK: %[[DX:.*]] = nn.transpose %[[DT]], [1, 2, 0] : tensor<4x2x3xf32> -> tensor<2x3x4xf32>
// CHECK: return %{{.*}}, %[[DX]]
func.func @forward(%x: tensor<2x3x4xf32> {gptc.param}) -> tensor<f32> {
  %t = nn.transpose %x, [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  %r = nn.reshape %t : tensor<4x2x3xf32> -> tensor<4x6xf32>
  %l = nn.reduce_sum %r, [0, 1] : tensor<4x6xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// softmax: dx = y * (dy - sum(dy * y, last))
// CHECK-LABEL: func.func @grad(%arg0: tensor<4x10xf32> {gptc.param}, %arg1: tensor<4x10xf32>)
// CHECK: %[[Y:.*]] = nn.softmax %arg0
// CHECK: nn.broadcast
// CHECK: %[[DY:.*]] = nn.mul %{{.*}}, %arg1
// CHECK: %[[P:.*]] = nn.mul %[[DY]], %[[Y]]
// CHECK: %[[S:.*]] = nn.reduce_sum %[[P]], [1] : tensor<4x10xf32> -> tensor<4xf32>
// CHECK: %[[SB:.*]] = nn.broadcast %[[S]], [0] : tensor<4xf32> -> tensor<4x10xf32>
// CHECK: %[[D:.*]] = nn.sub %[[DY]], %[[SB]]
// CHECK: %[[DX:.*]] = nn.mul %[[Y]], %[[D]]
// CHECK: return %{{.*}}, %[[DX]]
func.func @forward(%x: tensor<4x10xf32> {gptc.param}, %w: tensor<4x10xf32>) -> tensor<f32> {
  %y = nn.softmax %x : tensor<4x10xf32>
  %z = nn.mul %y, %w : tensor<4x10xf32>
  %l = nn.reduce_sum %z, [0, 1] : tensor<4x10xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// normalize: one nn.normalize_grad from x and dy (the row statistics are
// recomputed, nothing else of the forward is read).
// CHECK-LABEL: func.func @grad(%arg0: tensor<4x10xf32> {gptc.param}, %arg1: tensor<4x10xf32>)
// CHECK: nn.normalize %arg0, 1.000000e-05
// CHECK: nn.constant 1.0
// CHECK: %[[DY:.*]] = nn.mul %{{.*}}, %arg1
// CHECK: %[[DX:.*]] = nn.normalize_grad %arg0, %[[DY]], 1.000000e-05 : tensor<4x10xf32>
// CHECK: return %{{.*}}, %[[DX]]
func.func @forward(%x: tensor<4x10xf32> {gptc.param}, %w: tensor<4x10xf32>) -> tensor<f32> {
  %y = nn.normalize %x, 1.0e-05 : tensor<4x10xf32>
  %z = nn.mul %y, %w : tensor<4x10xf32>
  %l = nn.reduce_sum %z, [0, 1] : tensor<4x10xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// log_softmax: dx = dy - exp(y) * sum(dy, last)
// CHECK-LABEL: func.func @grad(%arg0: tensor<4x10xf32> {gptc.param}, %arg1: tensor<4x10xf32>)
// CHECK: %[[Y:.*]] = nn.log_softmax %arg0
// CHECK: nn.broadcast
// CHECK: %[[DY:.*]] = nn.mul %{{.*}}, %arg1
// CHECK: %[[S:.*]] = nn.reduce_sum %[[DY]], [1]
// CHECK: %[[SB:.*]] = nn.broadcast %[[S]], [0]
// CHECK: %[[E:.*]] = nn.exp %[[Y]]
// CHECK: %[[M:.*]] = nn.mul %[[E]], %[[SB]]
// CHECK: %[[DX:.*]] = nn.sub %[[DY]], %[[M]]
// CHECK: return %{{.*}}, %[[DX]]
func.func @forward(%x: tensor<4x10xf32> {gptc.param}, %w: tensor<4x10xf32>) -> tensor<f32> {
  %y = nn.log_softmax %x : tensor<4x10xf32>
  %z = nn.mul %y, %w : tensor<4x10xf32>
  %l = nn.reduce_sum %z, [0, 1] : tensor<4x10xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// cross_entropy has its own fused backward; the integer targets get no adjoint.
// CHECK-LABEL: func.func @grad(%arg0: tensor<4x10xf32> {gptc.param}, %arg1: tensor<4xi32>) -> (tensor<f32>, tensor<4x10xf32>)
// CHECK: %[[SEED:.*]] = nn.constant 1.000000e+00 : tensor<f32>
// CHECK: %[[DX:.*]] = nn.cross_entropy_grad %arg0, %arg1, %[[SEED]]
// CHECK: return %{{.*}}, %[[DX]]
func.func @forward(%x: tensor<4x10xf32> {gptc.param}, %t: tensor<4xi32>) -> tensor<f32> {
  %l = nn.cross_entropy %x, %t : tensor<4x10xf32>, tensor<4xi32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A parameter the loss does not use has a zero gradient; the extra result
// (the model's output) is not part of @grad.
// CHECK-LABEL: func.func @grad(%arg0: tensor<3xf32> {gptc.param}, %arg1: tensor<2xf32> {gptc.param}) -> (tensor<f32>, tensor<3xf32>, tensor<2xf32>)
// CHECK: %[[Z:.*]] = nn.constant 0.000000e+00 : tensor<2xf32>
// CHECK: return %{{.*}}, %{{.*}}, %[[Z]]
func.func @forward(%x: tensor<3xf32> {gptc.param}, %unused: tensor<2xf32> {gptc.param}) -> (tensor<f32>, tensor<3xf32>) {
  %y = nn.exp %x : tensor<3xf32>
  %l = nn.reduce_sum %y, [0] : tensor<3xf32> -> tensor<f32>
  return %l, %y : tensor<f32>, tensor<3xf32>
}

// -----

func.func @forward(%x: tensor<3xf32> {gptc.param}) -> tensor<f32> {
  // expected-error @+1 {{'nn.relu_grad' op has no derivative rule, but the loss depends on it}}
  %y = nn.relu_grad %x, %x : tensor<3xf32>
  %l = nn.reduce_sum %y, [0] : tensor<3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// expected-error @+1 {{must return a scalar loss tensor as its first result}}
func.func @forward(%x: tensor<3xf32> {gptc.param}) -> tensor<3xf32> {
  return %x : tensor<3xf32>
}

// -----

// expected-error @+1 {{gptc-autodiff needs a function named @forward}}
module {
  func.func @not_forward() {
    return
  }
}

// -----

// Derivative rules of the indexing, slicing and masking ops.

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
