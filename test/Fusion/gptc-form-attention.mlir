// RUN: gptc-opt %s --split-input-file --gptc-form-attention | FileCheck %s
// RUN: gptc-opt %s --split-input-file --gptc-form-attention=remarks=1 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK

// Scale, causal mask, softmax, dropout, matmul with v: one nn.attention whose
// score region is the scale; the mask and the dropout become its attributes.
// CHECK-LABEL: func.func @scaled_masked_dropout
// CHECK-SAME: (%[[Q:[a-z0-9]+]]: tensor<2x4x8xf32>, %[[K:[a-z0-9]+]]: tensor<2x4x8xf32>, %[[V:[a-z0-9]+]]: tensor<2x4x8xf32>, %[[RNG:[a-z0-9]+]]: tensor<2xi32>)
// CHECK: %[[OUT:[a-z0-9_]+]], %{{[a-z0-9_]+}} = nn.attention %[[Q]], %[[K]], %[[V]] rng %[[RNG]] : tensor<2xi32> {dropout = 1.000000e-01 : f64, mask = dense<{{.*}}> : tensor<4x4xi1>, salt = 3 : i64} : tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32> -> tensor<2x4x8xf32>, tensor<2x4xf32> score {
// CHECK-NEXT: ^bb0(%[[RAW:.*]]: f32):
// CHECK-NEXT: %[[C:.*]] = arith.constant 2.500000e-01 : f32
// CHECK-NEXT: %[[S:.*]] = arith.mulf %[[RAW]], %[[C]] : f32
// CHECK-NEXT: nn.score_yield %[[S]] : f32
// CHECK-NOT: nn.softmax
// CHECK: return %[[OUT]]
func.func @scaled_masked_dropout(%q: tensor<2x4x8xf32>, %k: tensor<2x4x8xf32>, %v: tensor<2x4x8xf32>, %rng: tensor<2xi32>) -> tensor<2x4x8xf32> {
  %s = nn.matmul %q, %k {transpose_rhs = true} : tensor<2x4x8xf32>, tensor<2x4x8xf32> -> tensor<2x4x4xf32>
  %c = nn.constant 2.500000e-01 : tensor<2x4x4xf32>
  %scaled = nn.mul %s, %c : tensor<2x4x4xf32>
  %m = nn.mask_fill %scaled, dense<[[false, true, true, true], [false, false, true, true], [false, false, false, true], [false, false, false, false]]> : tensor<4x4xi1>, 0xFFF0000000000000 : tensor<2x4x4xf32>
  %w = nn.softmax %m : tensor<2x4x4xf32>
  %d = nn.dropout %w, %rng {p = 1.000000e-01 : f64, salt = 3 : i64} : tensor<2x4x4xf32>, tensor<2xi32>
  %o = nn.matmul %d, %v : tensor<2x4x4xf32>, tensor<2x4x8xf32> -> tensor<2x4x8xf32>
  return %o : tensor<2x4x8xf32>
}

// -----

// heads() layout, as gpt_char.dsl writes it: [B, H, T, D] reshaped to
// [B*H, T, D] around each matmul and `transpose(k)` materialised; the kernel
// reads k in place (a reshape of the untransposed k) and the weights' reshape goes.
// CHECK-LABEL: func.func @heads_layout
// CHECK-SAME: (%[[Q4:[a-z0-9]+]]: tensor<2x2x4x8xf32>, %[[K4:[a-z0-9]+]]: tensor<2x2x4x8xf32>, %[[V4:[a-z0-9]+]]: tensor<2x2x4x8xf32>)
// CHECK-DAG: %[[Q:.*]] = nn.reshape %[[Q4]] : tensor<2x2x4x8xf32> -> tensor<4x4x8xf32>
// CHECK-DAG: %[[K:.*]] = nn.reshape %[[K4]] : tensor<2x2x4x8xf32> -> tensor<4x4x8xf32>
// CHECK-DAG: %[[V:.*]] = nn.reshape %[[V4]] : tensor<2x2x4x8xf32> -> tensor<4x4x8xf32>
// CHECK: nn.attention %[[Q]], %[[K]], %[[V]] :
// CHECK: arith.divf
// CHECK-NOT: nn.softmax
func.func @heads_layout(%q4: tensor<2x2x4x8xf32>, %k4: tensor<2x2x4x8xf32>, %v4: tensor<2x2x4x8xf32>) -> tensor<4x4x8xf32> {
  %kt = nn.transpose %k4, [0, 1, 3, 2] : tensor<2x2x4x8xf32> -> tensor<2x2x8x4xf32>
  %q = nn.reshape %q4 : tensor<2x2x4x8xf32> -> tensor<4x4x8xf32>
  %k = nn.reshape %kt : tensor<2x2x8x4xf32> -> tensor<4x8x4xf32>
  %s = nn.matmul %q, %k : tensor<4x4x8xf32>, tensor<4x8x4xf32> -> tensor<4x4x4xf32>
  %s4 = nn.reshape %s : tensor<4x4x4xf32> -> tensor<2x2x4x4xf32>
  %c = nn.constant 2.000000e+00 : tensor<2x2x4x4xf32>
  %scaled = nn.div %s4, %c : tensor<2x2x4x4xf32>
  %w = nn.softmax %scaled : tensor<2x2x4x4xf32>
  %w3 = nn.reshape %w : tensor<2x2x4x4xf32> -> tensor<4x4x4xf32>
  %v = nn.reshape %v4 : tensor<2x2x4x8xf32> -> tensor<4x4x8xf32>
  %o = nn.matmul %w3, %v : tensor<4x4x4xf32>, tensor<4x4x8xf32> -> tensor<4x4x8xf32>
  return %o : tensor<4x4x8xf32>
}

// -----

// The variants: a squared dot product and an inverted one (negated scores),
// with a constant on the left of a subtraction; cross-attention (6 keys for 4
// queries).
// CHECK-LABEL: func.func @variants
// CHECK: nn.attention
// CHECK-NEXT: ^bb0(%[[RAW:.*]]: f32):
// CHECK-NEXT: %[[SQ:.*]] = arith.mulf %[[RAW]], %[[RAW]] : f32
// CHECK-NEXT: nn.score_yield %[[SQ]] : f32
// CHECK: nn.attention {{.*}} -> tensor<1x4x8xf32>, tensor<1x4xf32> score {
// CHECK-NEXT: ^bb0(%[[RAW2:.*]]: f32):
// CHECK-NEXT: %[[NEG:.*]] = arith.negf %[[RAW2]] : f32
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[SUB:.*]] = arith.subf %[[ONE]], %[[NEG]] : f32
// CHECK-NEXT: nn.score_yield %[[SUB]] : f32
func.func @variants(%q: tensor<1x4x8xf32>, %k: tensor<1x6x8xf32>, %v: tensor<1x6x8xf32>) -> (tensor<1x4x8xf32>, tensor<1x4x8xf32>) {
  %s = nn.matmul %q, %k {transpose_rhs = true} : tensor<1x4x8xf32>, tensor<1x6x8xf32> -> tensor<1x4x6xf32>
  %sq = nn.mul %s, %s : tensor<1x4x6xf32>
  %w = nn.softmax %sq : tensor<1x4x6xf32>
  %o = nn.matmul %w, %v : tensor<1x4x6xf32>, tensor<1x6x8xf32> -> tensor<1x4x8xf32>
  %s2 = nn.matmul %q, %k {transpose_rhs = true} : tensor<1x4x8xf32>, tensor<1x6x8xf32> -> tensor<1x4x6xf32>
  %neg = nn.neg %s2 : tensor<1x4x6xf32>
  %one = nn.constant 1.000000e+00 : tensor<1x4x6xf32>
  %sub = nn.sub %one, %neg : tensor<1x4x6xf32>
  %w2 = nn.softmax %sub : tensor<1x4x6xf32>
  %o2 = nn.matmul %w2, %v : tensor<1x4x6xf32>, tensor<1x6x8xf32> -> tensor<1x4x8xf32>
  return %o, %o2 : tensor<1x4x8xf32>, tensor<1x4x8xf32>
}

// -----

// Weights used twice: the scores are needed anyway, nothing fuses.
// CHECK-LABEL: func.func @weights_used_twice
// CHECK-NOT: nn.attention
// CHECK: nn.softmax
// REMARK: remark: attention not fused: the attention weights are used more than once
func.func @weights_used_twice(%q: tensor<1x4x8xf32>, %k: tensor<1x4x8xf32>, %v: tensor<1x4x8xf32>) -> (tensor<1x4x8xf32>, tensor<1x4x4xf32>) {
  %s = nn.matmul %q, %k {transpose_rhs = true} : tensor<1x4x8xf32>, tensor<1x4x8xf32> -> tensor<1x4x4xf32>
  %w = nn.softmax %s : tensor<1x4x4xf32>
  %o = nn.matmul %w, %v : tensor<1x4x4xf32>, tensor<1x4x8xf32> -> tensor<1x4x8xf32>
  return %o, %w : tensor<1x4x8xf32>, tensor<1x4x4xf32>
}

// -----

// A mask that fills a finite value is a score change, not hidden keys.
// CHECK-LABEL: func.func @finite_fill
// CHECK-NOT: nn.attention
// REMARK: remark: attention not fused: the mask fills with a finite value, not -inf
func.func @finite_fill(%q: tensor<1x2x8xf32>, %k: tensor<1x2x8xf32>, %v: tensor<1x2x8xf32>) -> tensor<1x2x8xf32> {
  %s = nn.matmul %q, %k {transpose_rhs = true} : tensor<1x2x8xf32>, tensor<1x2x8xf32> -> tensor<1x2x2xf32>
  %m = nn.mask_fill %s, dense<[[false, true], [false, false]]> : tensor<2x2xi1>, 5.000000e-01 : tensor<1x2x2xf32>
  %w = nn.softmax %m : tensor<1x2x2xf32>
  %o = nn.matmul %w, %v : tensor<1x2x2xf32>, tensor<1x2x8xf32> -> tensor<1x2x8xf32>
  return %o : tensor<1x2x8xf32>
}

// -----

// A score plus a tensor argument (a learned bias, say) is not one scalar function of the score.
// CHECK-LABEL: func.func @tensor_bias
// CHECK-NOT: nn.attention
// REMARK: remark: attention not fused: a score op combines the scores with a tensor that is not a constant
func.func @tensor_bias(%q: tensor<1x2x8xf32>, %k: tensor<1x2x8xf32>, %v: tensor<1x2x8xf32>, %bias: tensor<1x2x2xf32>) -> tensor<1x2x8xf32> {
  %s = nn.matmul %q, %k {transpose_rhs = true} : tensor<1x2x8xf32>, tensor<1x2x8xf32> -> tensor<1x2x2xf32>
  %b = nn.add %s, %bias : tensor<1x2x2xf32>
  %w = nn.softmax %b : tensor<1x2x2xf32>
  %o = nn.matmul %w, %v : tensor<1x2x2xf32>, tensor<1x2x8xf32> -> tensor<1x2x8xf32>
  return %o : tensor<1x2x8xf32>
}

// -----

// Cross-attention with a padding mask from the source tokens and a causal
// mask, in either order: the token ids become the kernel's `keys` operand
// ([B, Tk] for a [B*H] batch) and the pad id its `key_pad`.
// CHECK-LABEL: func.func @padding_mask
// CHECK-SAME: %[[SRC:[a-z0-9]+]]: tensor<2x6xi32>
// CHECK: nn.attention %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}} keys %[[SRC]] : tensor<2x6xi32> {key_pad = 3 : i64, mask = dense<{{.*}}> : tensor<4x6xi1>} : tensor<4x4x8xf32>, tensor<4x6x8xf32>, tensor<4x6x8xf32> -> tensor<4x4x8xf32>, tensor<4x4xf32> score
// CHECK-NOT: nn.padding_mask
// CHECK-NOT: nn.softmax
func.func @padding_mask(%q4: tensor<2x2x4x8xf32>, %k4: tensor<2x2x6x8xf32>, %v4: tensor<2x2x6x8xf32>, %src: tensor<2x6xi32>) -> tensor<4x4x8xf32> {
  %q = nn.reshape %q4 : tensor<2x2x4x8xf32> -> tensor<4x4x8xf32>
  %k = nn.reshape %k4 : tensor<2x2x6x8xf32> -> tensor<4x6x8xf32>
  %s = nn.matmul %q, %k {transpose_rhs = true} : tensor<4x4x8xf32>, tensor<4x6x8xf32> -> tensor<4x4x6xf32>
  %s4 = nn.reshape %s : tensor<4x4x6xf32> -> tensor<2x2x4x6xf32>
  %p = nn.padding_mask %s4, %src {fill = 0xFFF0000000000000 : f64, pad = 3 : i64} : tensor<2x2x4x6xf32>, tensor<2x6xi32>
  %m = nn.mask_fill %p, dense<[[false, true, true, true, true, true], [false, false, true, true, true, true], [false, false, false, true, true, true], [false, false, false, false, true, true]]> : tensor<4x6xi1>, 0xFFF0000000000000 : tensor<2x2x4x6xf32>
  %w = nn.softmax %m : tensor<2x2x4x6xf32>
  %w3 = nn.reshape %w : tensor<2x2x4x6xf32> -> tensor<4x4x6xf32>
  %v = nn.reshape %v4 : tensor<2x2x6x8xf32> -> tensor<4x6x8xf32>
  %o = nn.matmul %w3, %v : tensor<4x4x6xf32>, tensor<4x6x8xf32> -> tensor<4x4x8xf32>
  return %o : tensor<4x4x8xf32>
}

// -----

// A padding mask that fills with a finite value is not a hidden key: no fusion.
// CHECK-LABEL: func.func @padding_mask_finite_fill
// CHECK-NOT: nn.attention
// CHECK: nn.padding_mask
// CHECK: nn.softmax
// REMARK: the padding mask fills with a finite value, not -inf
func.func @padding_mask_finite_fill(%q: tensor<2x4x8xf32>, %k: tensor<2x4x8xf32>, %v: tensor<2x4x8xf32>, %src: tensor<2x4xi32>) -> tensor<2x4x8xf32> {
  %s = nn.matmul %q, %k {transpose_rhs = true} : tensor<2x4x8xf32>, tensor<2x4x8xf32> -> tensor<2x4x4xf32>
  %p = nn.padding_mask %s, %src {fill = -1.000000e+04 : f64, pad = 0 : i64} : tensor<2x4x4xf32>, tensor<2x4xi32>
  %w = nn.softmax %p : tensor<2x4x4xf32>
  %o = nn.matmul %w, %v : tensor<2x4x4xf32>, tensor<2x4x8xf32> -> tensor<2x4x8xf32>
  return %o : tensor<2x4x8xf32>
}
