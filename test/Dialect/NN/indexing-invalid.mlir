// The verifiers of the indexing, slicing, masking and clipping ops.
// RUN: gptc-opt %s -split-input-file -verify-diagnostics

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
