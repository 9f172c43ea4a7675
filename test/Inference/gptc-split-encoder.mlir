// gptc-split-encoder: @forward split at its first input into @encode (what the
// source alone gives and the target side reads) and @decode (the rest, the
// memory as extra arguments), plus the error cases.
// RUN: gptc-opt %s -split-input-file -verify-diagnostics --gptc-split-encoder | FileCheck %s

// The encoder (src -> tanh(src @ we)) and its projection (memory @ wk) only
// need src: both go to @encode, and only the projection, which the target side
// reads, is the memory. The param-only op (the transpose of the tied output
// matrix) is recomputed where it is used; @forward stays as it was.
// CHECK-LABEL: module attributes {gptc.encoder_outputs = [tensor<2x4xf32>]}
// CHECK: func.func @forward
// CHECK: func.func @encode(%[[WE:[a-z0-9]+]]: tensor<4x4xf32> {gptc.name = "we", gptc.param}, %[[WK:[a-z0-9]+]]: tensor<4x4xf32> {gptc.name = "wk", gptc.param}, %{{.*}}: tensor<4x4xf32> {gptc.name = "wo", gptc.param}, %[[SRC:[a-z0-9]+]]: tensor<2x4xf32> {gptc.name = "src"}, %{{.*}}: tensor<2x4xf32> {gptc.name = "tgt"}) -> tensor<2x4xf32>
// CHECK-NEXT: %[[H:.*]] = nn.matmul %[[SRC]], %[[WE]]
// CHECK-NEXT: %[[E:.*]] = nn.tanh %[[H]]
// CHECK-NEXT: %[[K:.*]] = nn.matmul %[[E]], %[[WK]]
// CHECK-NEXT: return %[[K]] : tensor<2x4xf32>
// CHECK: func.func @decode(%{{.*}}: tensor<4x4xf32> {gptc.name = "we", gptc.param}, %{{.*}}: tensor<4x4xf32> {gptc.name = "wk", gptc.param}, %[[WO:[a-z0-9]+]]: tensor<4x4xf32> {gptc.name = "wo", gptc.param}, %{{.*}}: tensor<2x4xf32> {gptc.name = "src"}, %[[TGT:[a-z0-9]+]]: tensor<2x4xf32> {gptc.name = "tgt"}, %[[MEM:[a-z0-9]+]]: tensor<2x4xf32> {gptc.name = "memory0"}) -> (tensor<f32>, tensor<2x4xf32>)
// CHECK-NOT: nn.tanh
// CHECK: %[[S:.*]] = nn.add %[[TGT]], %[[MEM]]
// CHECK: %[[WOT:.*]] = nn.transpose %[[WO]]
// CHECK: %[[OUT:.*]] = nn.matmul %[[S]], %[[WOT]]
// CHECK: %[[L:.*]] = nn.reduce_sum %[[OUT]]
// CHECK-NEXT: return %[[L]], %[[OUT]]
func.func @forward(%we: tensor<4x4xf32> {gptc.param, gptc.name = "we"}, %wk: tensor<4x4xf32> {gptc.param, gptc.name = "wk"},
                   %wo: tensor<4x4xf32> {gptc.param, gptc.name = "wo"},
                   %src: tensor<2x4xf32> {gptc.name = "src"}, %tgt: tensor<2x4xf32> {gptc.name = "tgt"})
    -> (tensor<f32>, tensor<2x4xf32>) {
  %h = nn.matmul %src, %we : tensor<2x4xf32>, tensor<4x4xf32> -> tensor<2x4xf32>
  %e = nn.tanh %h : tensor<2x4xf32>
  %k = nn.matmul %e, %wk : tensor<2x4xf32>, tensor<4x4xf32> -> tensor<2x4xf32>
  %s = nn.add %tgt, %k : tensor<2x4xf32>
  %wot = nn.transpose %wo, [1, 0] : tensor<4x4xf32> -> tensor<4x4xf32>
  %out = nn.matmul %s, %wot : tensor<2x4xf32>, tensor<4x4xf32> -> tensor<2x4xf32>
  %l = nn.reduce_sum %out, [0, 1] : tensor<2x4xf32> -> tensor<f32>
  return %l, %out : tensor<f32>, tensor<2x4xf32>
}

// -----

// Heads merged into the batch ([B*H, S, D], as the fused attention reads keys)
// are still batch-major: one sentence's rows are contiguous.
// CHECK-LABEL: module attributes {gptc.encoder_outputs = [tensor<4x3x2xf32>]}
// CHECK: func.func @encode
// CHECK-SAME: -> tensor<4x3x2xf32>
func.func @forward(%src: tensor<2x3x4xf32> {gptc.name = "src"}, %tgt: tensor<4x5x2xf32> {gptc.name = "tgt"}) -> tensor<f32> {
  %e = nn.exp %src : tensor<2x3x4xf32>
  %r = nn.reshape %e : tensor<2x3x4xf32> -> tensor<2x3x2x2xf32>
  %t = nn.transpose %r, [0, 2, 1, 3] : tensor<2x3x2x2xf32> -> tensor<2x2x3x2xf32>
  %m = nn.reshape %t : tensor<2x2x3x2xf32> -> tensor<4x3x2xf32>
  %s = nn.matmul %tgt, %m {transpose_rhs = true} : tensor<4x5x2xf32>, tensor<4x3x2xf32> -> tensor<4x5x3xf32>
  %l = nn.reduce_sum %s, [0, 1, 2] : tensor<4x5x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// expected-error @+1 {{returns a value that does not depend on the inputs after the first: nothing to decode}}
func.func @forward(%src: tensor<2x3xf32> {gptc.name = "src"}, %tgt: tensor<2x3xf32> {gptc.name = "tgt"}) -> tensor<f32> {
  %l = nn.reduce_sum %src, [0, 1] : tensor<2x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// expected-error @+1 {{has no value computed from the first input alone that the other inputs need: nothing to encode}}
func.func @forward(%src: tensor<2x3xf32> {gptc.name = "src"}, %tgt: tensor<2x3xf32> {gptc.name = "tgt"}) -> tensor<f32> {
  %s = nn.add %src, %tgt : tensor<2x3xf32>
  %l = nn.reduce_sum %s, [0, 1] : tensor<2x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// The source's batch is 2, but the encoder output's leading dimension is 3.
func.func @forward(%src: tensor<2x3xf32> {gptc.name = "src"}, %tgt: tensor<3x3xf32> {gptc.name = "tgt"}) -> tensor<f32> {
  // expected-error @+1 {{is not batch-major (a static leading dimension that is a multiple of the batch 2)}}
  %t = nn.transpose %src, [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  %s = nn.matmul %tgt, %t : tensor<3x3xf32>, tensor<3x2xf32> -> tensor<3x2xf32>
  %l = nn.reduce_sum %s, [0, 1] : tensor<3x2xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// expected-error @+1 {{gptc-split-encoder needs a function named @forward}}
module {
  func.func @step(%x: tensor<2xf32>) -> tensor<2xf32> {
    return %x : tensor<2xf32>
  }
}
