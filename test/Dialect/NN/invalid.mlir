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

// -----

// The verifiers of the indexing, slicing, masking and clipping ops.

func.func @gather_width(%t: tensor<5x4xf32>, %i: tensor<3xi32>) {
  // expected-error @+1 {{must be the indices' shape}}
  %0 = nn.gather %t, %i : tensor<5x4xf32>, tensor<3xi32> -> tensor<3x5xf32>
  return
}

// -----

func.func @gather_table_rank(%t: tensor<5xf32>, %i: tensor<3xi32>) {
  // expected-error @+1 {{needs a rank-2 table}}
  %0 = nn.gather %t, %i : tensor<5xf32>, tensor<3xi32> -> tensor<3x1xf32>
  return
}

// -----

func.func @scatter_rows(%i: tensor<3xi32>, %u: tensor<2x4xf32>) {
  // expected-error @+1 {{must be the indices' shape}}
  %0 = nn.scatter_add %i, %u : tensor<3xi32>, tensor<2x4xf32> -> tensor<5x4xf32>
  return
}

// -----

func.func @slice_out_of_range(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{does not fit in dimension 4}}
  %0 = nn.slice %x {axis = 1 : i64, start = 3 : i64} : tensor<2x4xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @slice_other_dim(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{shapes may differ only along axis 1}}
  %0 = nn.slice %x {axis = 1 : i64, start = 0 : i64} : tensor<2x4xf32> -> tensor<1x2xf32>
  return
}

// -----

func.func @pad_axis(%x: tensor<2x2xf32>) {
  // expected-error @+1 {{axis 2 is out of range}}
  %0 = nn.pad %x {axis = 2 : i64, start = 0 : i64} : tensor<2x2xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @concat_fill(%a: tensor<2x2xf32>, %b: tensor<2x3xf32>) {
  // expected-error @+1 {{inputs fill 5 of dimension 6 along axis 1}}
  %0 = nn.concat %a, %b {axis = 1 : i64} : tensor<2x2xf32>, tensor<2x3xf32> -> tensor<2x6xf32>
  return
}

// -----

func.func @concat_other_dim(%a: tensor<2x2xf32>, %b: tensor<3x2xf32>) {
  // expected-error @+1 {{shapes may differ only along axis 1}}
  %0 = nn.concat %a, %b {axis = 1 : i64} : tensor<2x2xf32>, tensor<3x2xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<2x2xf32>) {
  // expected-error @+1 {{axis -1 is out of range}}
  %0 = nn.concat %a {axis = -1 : i64} : tensor<2x2xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @sum_squares_scalar(%a: tensor<2x2xf32>) {
  // expected-error @+1 {{gives a scalar tensor}}
  %0 = nn.sum_squares %a : tensor<2x2xf32> -> tensor<1xf32>
  return
}

// -----

func.func @sum_squares_type(%a: tensor<2x2xf32>, %b: tensor<2xf64>) {
  // expected-error @+1 {{needs inputs of the result's element type}}
  %0 = nn.sum_squares %a, %b : tensor<2x2xf32>, tensor<2xf64> -> tensor<f32>
  return
}

// -----

func.func @mask_shape(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{must match the last two dimensions}}
  %0 = nn.mask_fill %x, dense<false> : tensor<4x4xi1>, 0.0 : tensor<2x3x4xf32>
  return
}

// -----

func.func @mask_type(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{needs a rank-2 i1 mask}}
  %0 = nn.mask_fill %x, dense<0> : tensor<3x4xi8>, 0.0 : tensor<3x4xf32>
  return
}

// -----

func.func @dropout_p(%x: tensor<4xf32>, %rng: tensor<2xi32>) {
  // expected-error @+1 {{p must be in [0, 1)}}
  %0 = nn.dropout %x, %rng {p = 1.0 : f64, salt = 0 : i64} : tensor<4xf32>, tensor<2xi32>
  return
}

// -----

func.func @dropout_rng(%x: tensor<4xf32>, %rng: tensor<3xi32>) {
  // expected-error @+1 {{rng must be tensor<2xi32>}}
  %0 = nn.dropout %x, %rng {p = 0.5 : f64, salt = 0 : i64} : tensor<4xf32>, tensor<3xi32>
  return
}

// -----

func.func @clip_hyper(%s: tensor<f32>, %h: tensor<8xf32>) {
  // expected-error @+1 {{needs the 16-element hyperparameter vector}}
  %0 = nn.clip_scale %s, %h : tensor<f32>, tensor<8xf32>
  return
}

// -----

func.func @softmax_of_scalar(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'nn.softmax' op needs a tensor of rank 1 or more (it normalises over the last dimension), got 'tensor<f32>'}}
  %0 = nn.softmax %x : tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @log_softmax_of_scalar(%x: tensor<f64>) -> tensor<f64> {
  // expected-error @+1 {{'nn.log_softmax' op needs a tensor of rank 1 or more}}
  %0 = nn.log_softmax %x : tensor<f64>
  return %0 : tensor<f64>
}

// -----

func.func @normalize_of_scalar(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'nn.normalize' op needs a tensor of rank 1 or more}}
  %0 = nn.normalize %x, 1.0e-05 : tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @normalize_negative_eps(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'nn.normalize' op needs eps >= 0}}
  %0 = nn.normalize %x, -1.0 : tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @fusion_group_kind(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{kind must be gemm, rows, reduction, elementwise or foreach, not 'fast'}}
  %0 = nn.fusion_group "fast" rows(1) -> tensor<4xf32> {
    nn.fusion_yield %x : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @fusion_group_rows(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{rows must be >= 0, and >= 1 for a rows group}}
  %0 = nn.fusion_group "rows" rows(0) -> tensor<4xf32> {
    nn.fusion_yield %x : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @foreach_group_rows(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{a foreach group has no shared rows: rows must be 0}}
  %0 = nn.fusion_group "foreach" rows(1) -> tensor<4xf32> {
    nn.fusion_yield %x : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @fusion_group_yield(%x: tensor<4xf32>) -> tensor<4xf64> {
  // expected-error @+1 {{yields 'tensor<4xf32>' but returns 'tensor<4xf64>'}}
  %0 = nn.fusion_group "elementwise" rows(1) -> tensor<4xf64> {
    nn.fusion_yield %x : tensor<4xf32>
  }
  return %0 : tensor<4xf64>
}

// -----

func.func @attention_head_sizes(%q: tensor<2x4x8xf32>, %k: tensor<2x4x6xf32>, %v: tensor<2x4x8xf32>) {
  // expected-error @+1 {{needs q and k of one head size, got [2, 4, 8] and [2, 4, 6]}}
  %o, %l = nn.attention %q, %k, %v : tensor<2x4x8xf32>, tensor<2x4x6xf32>, tensor<2x4x8xf32> -> tensor<2x4x8xf32>, tensor<2x4xf32> score {
  ^bb0(%s: f32):
    nn.score_yield %s : f32
  }
  return
}

// -----

func.func @attention_values_per_key(%q: tensor<2x4x8xf32>, %k: tensor<2x5x8xf32>, %v: tensor<2x4x8xf32>) {
  // expected-error @+1 {{needs one value per key, got k [2, 5, 8] and v [2, 4, 8]}}
  %o, %l = nn.attention %q, %k, %v : tensor<2x4x8xf32>, tensor<2x5x8xf32>, tensor<2x4x8xf32> -> tensor<2x4x8xf32>, tensor<2x4xf32> score {
  ^bb0(%s: f32):
    nn.score_yield %s : f32
  }
  return
}

// -----

func.func @attention_mask_shape(%q: tensor<2x4x8xf32>, %k: tensor<2x4x8xf32>, %v: tensor<2x4x8xf32>) {
  // expected-error @+1 {{needs an i1 mask of [Tq, Tk] = [4, 4]}}
  %o, %l = nn.attention %q, %k, %v {mask = dense<false> : tensor<2x2xi1>} : tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32> -> tensor<2x4x8xf32>, tensor<2x4xf32> score {
  ^bb0(%s: f32):
    nn.score_yield %s : f32
  }
  return
}

// -----

func.func @attention_dropout_without_rng(%q: tensor<2x4x8xf32>, %k: tensor<2x4x8xf32>, %v: tensor<2x4x8xf32>) {
  // expected-error @+1 {{needs the rng operand for dropout}}
  %o, %l = nn.attention %q, %k, %v {dropout = 1.000000e-01 : f64} : tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32> -> tensor<2x4x8xf32>, tensor<2x4xf32> score {
  ^bb0(%s: f32):
    nn.score_yield %s : f32
  }
  return
}

// -----

func.func @attention_score_type(%q: tensor<2x4x8xf32>, %k: tensor<2x4x8xf32>, %v: tensor<2x4x8xf32>) {
  // expected-error @+1 {{needs a score region taking one 'f32'}}
  %o, %l = nn.attention %q, %k, %v : tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32> -> tensor<2x4x8xf32>, tensor<2x4xf32> score {
  ^bb0(%s: f64):
    nn.score_yield %s : f64
  }
  return
}

// -----

func.func @attention_lse_shape(%q: tensor<2x4x8xf32>, %k: tensor<2x4x8xf32>, %v: tensor<2x4x8xf32>) {
  // expected-error @+1 {{needs out [..., Tq, Dv] and lse [..., Tq], got [2, 4, 8] and [2, 5]}}
  %o, %l = nn.attention %q, %k, %v : tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32> -> tensor<2x4x8xf32>, tensor<2x5xf32> score {
  ^bb0(%s: f32):
    nn.score_yield %s : f32
  }
  return
}

// -----

func.func @attention_grad_types(%q: tensor<2x4x8xf32>, %o: tensor<2x4x8xf32>, %l: tensor<2x4xf32>, %d: tensor<2x4x8xf32>) {
  // expected-error @+1 {{gives dq, dk, dv of q, k, v's types}}
  %dq, %dk, %dv = nn.attention_grad %q, %q, %q, %o, %l, %d : tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4xf32>, tensor<2x4x8xf32> -> tensor<2x4x8xf32>, tensor<2x4x4xf32>, tensor<2x4x8xf32> score {
  ^bb0(%s: f32):
    nn.score_yield %s : f32
  }
  return
}

// -----

func.func @attention_keys_shape(%q: tensor<4x4x8xf32>, %k: tensor<4x6x8xf32>, %v: tensor<4x6x8xf32>, %src: tensor<3x6xi32>) {
  // expected-error @+1 {{needs keys [B, Tk] with Tk = 6 and B dividing the batch dims' product 4, got [3, 6]}}
  %o, %l = nn.attention %q, %k, %v keys %src : tensor<3x6xi32> {key_pad = 0 : i64} : tensor<4x4x8xf32>, tensor<4x6x8xf32>, tensor<4x6x8xf32> -> tensor<4x4x8xf32>, tensor<4x4xf32> score {
  ^bb0(%s: f32):
    nn.score_yield %s : f32
  }
  return
}

// -----

func.func @attention_keys_without_pad(%q: tensor<4x4x8xf32>, %k: tensor<4x6x8xf32>, %v: tensor<4x6x8xf32>, %src: tensor<2x6xi32>) {
  // expected-error @+1 {{needs key_pad with keys}}
  %o, %l = nn.attention %q, %k, %v keys %src : tensor<2x6xi32> : tensor<4x4x8xf32>, tensor<4x6x8xf32>, tensor<4x6x8xf32> -> tensor<4x4x8xf32>, tensor<4x4xf32> score {
  ^bb0(%s: f32):
    nn.score_yield %s : f32
  }
  return
}

// -----

func.func @padding_mask_tokens(%x: tensor<2x2x4x6xf32>, %src: tensor<2x4xi32>) {
  // expected-error @+1 {{needs tokens [B, Tk] for an input [B, ..., Tk], got input [2, 2, 4, 6] and tokens [2, 4]}}
  %0 = nn.padding_mask %x, %src {fill = 0xFFF0000000000000 : f64, pad = 0 : i64} : tensor<2x2x4x6xf32>, tensor<2x4xi32>
  return
}

// -----

func.func @cross_entropy_smoothing(%l: tensor<4x10xf32>, %t: tensor<4xi32>) {
  // expected-error @+1 {{smoothing must be in [0, 1], got 1.5}}
  %0 = nn.cross_entropy %l, %t {smoothing = 1.500000e+00 : f64} : tensor<4x10xf32>, tensor<4xi32> -> tensor<f32>
  return
}
