// Every nn verifier rejects malformed IR with a message that says what is wrong.
// RUN: gptc-opt %s -split-input-file -verify-diagnostics

func.func @add_mismatch(%a: tensor<2x3xf32>, %b: tensor<3x2xf32>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = "nn.add"(%a, %b) : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @integer_operand(%a: tensor<4xi32>) {
  // expected-error @+1 {{must be ranked tensor of 32-bit float or 64-bit float values}}
  %0 = "nn.sigmoid"(%a) : (tensor<4xi32>) -> tensor<4xi32>
  return
}

// -----

func.func @matmul_inner(%a: tensor<4x8xf32>, %b: tensor<7x5xf32>) {
  // expected-error @+1 {{operands do not contract: [4, 8] @ [7, 5]}}
  %0 = nn.matmul %a, %b : tensor<4x8xf32>, tensor<7x5xf32> -> tensor<4x5xf32>
  return
}

// -----

func.func @matmul_result(%a: tensor<4x8xf32>, %b: tensor<8x5xf32>) {
  // expected-error @+1 {{result type should be 'tensor<4x5xf32>'}}
  %0 = nn.matmul %a, %b : tensor<4x8xf32>, tensor<8x5xf32> -> tensor<5x4xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<8xf32>, %b: tensor<8x5xf32>) {
  // expected-error @+1 {{operands do not contract}}
  %0 = nn.matmul %a, %b : tensor<8xf32>, tensor<8x5xf32> -> tensor<5xf32>
  return
}

// -----

func.func @broadcast_size(%a: tensor<3xf32>) {
  // expected-error @+1 {{input dim 0 (size 3) does not match result dim 1 (size 4)}}
  %0 = nn.broadcast %a, [1] : tensor<3xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @broadcast_order(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{dims must be strictly increasing}}
  %0 = nn.broadcast %a, [2, 1] : tensor<2x3xf32> -> tensor<5x3x2xf32>
  return
}

// -----

func.func @reduce_axis(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = nn.reduce_sum %a, [2] : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @reduce_result(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{result type should be 'tensor<3xf32>'}}
  %0 = nn.reduce_sum %a, [0] : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @transpose_perm(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{permutation is not a permutation of 0..1}}
  %0 = nn.transpose %a, [1, 1] : tensor<2x3xf32> -> tensor<3x2xf32>
  return
}

// -----

func.func @reshape_count(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{cannot reshape [2, 3] (6 elements) to [7]}}
  %0 = nn.reshape %a : tensor<2x3xf32> -> tensor<7xf32>
  return
}

// -----

func.func @targets_shape(%l: tensor<4x10xf32>, %t: tensor<5xi32>) {
  // expected-error @+1 {{targets [5] must be the logits' shape [4, 10] without its last dimension}}
  %0 = nn.cross_entropy %l, %t : tensor<4x10xf32>, tensor<5xi32> -> tensor<f32>
  return
}

// -----

func.func @ce_result(%l: tensor<4x10xf32>, %t: tensor<4xi32>) {
  // expected-error @+1 {{result must be a scalar of the logits' element type}}
  %0 = nn.cross_entropy %l, %t : tensor<4x10xf32>, tensor<4xi32> -> tensor<4xf32>
  return
}

// -----

func.func @ce_grad_scalar(%l: tensor<4x10xf32>, %t: tensor<4xi32>, %d: tensor<1xf32>) {
  // expected-error @+1 {{grad must be a scalar}}
  %0 = nn.cross_entropy_grad %l, %t, %d : tensor<4x10xf32>, tensor<4xi32>, tensor<1xf32> -> tensor<4x10xf32>
  return
}

// -----

func.func @hyper_size(%p: tensor<3xf32>, %h: tensor<8xf32>) {
  // expected-error @+1 {{hyper must be a rank-1 tensor of 16 elements}}
  %0:2 = nn.sgd_update %p, %p, %p, %h {decay = false} : tensor<3xf32>, tensor<8xf32>
  return
}
