// gptc-incremental-decode: @decode_step, one target position per row with a
// key/value cache, derived from @decode; and the models it leaves alone.
// RUN: gptc-opt %s -split-input-file -verify-diagnostics --gptc-incremental-decode | FileCheck %s

// A one-layer decoder: embedding * scale + sinusoidal table, a causal
// self-attention with the target's padding mask, a cross-attention over the
// memory, the logits. Every [B, T] becomes [B, 1]; the table is gathered at
// each row's position; the self-attention reads cache + slot * new row and
// drops the causal mask (tgt's padding hides the slots after the position).
// CHECK-LABEL: module attributes {gptc.decode_caches = [tensor<4x3x2xf32>, tensor<4x3x2xf32>]}
// CHECK: func.func @decode(
// CHECK: func.func @decode_step(%[[EMB:[a-z0-9]+]]: tensor<10x4xf32> {gptc.name = "emb", gptc.param}, %[[WQ:[a-z0-9]+]]: tensor<4x4xf32> {gptc.name = "wq", gptc.param}, %{{.*}}: tensor<2x5xi32> {gptc.name = "src"}, %[[TGT:[a-z0-9]+]]: tensor<2x3xi32> {gptc.name = "tgt"}, %{{.*}}: tensor<2x3xi32> {gptc.name = "labels"}, %[[MEM:[a-z0-9]+]]: tensor<4x5x2xf32> {gptc.name = "memory0"}, %[[TOKEN:[a-z0-9]+]]: tensor<2x1xi32> {gptc.name = "step_token"}, %[[POS:[a-z0-9]+]]: tensor<2x1xi32> {gptc.name = "step_position"}, %[[SLOT:[a-z0-9]+]]: tensor<2x3xf32> {gptc.name = "step_slot"}, %[[CK:[a-z0-9]+]]: tensor<4x3x2xf32> {gptc.name = "cache0"}, %[[CV:[a-z0-9]+]]: tensor<4x3x2xf32> {gptc.name = "cache1"}) -> (tensor<2x1x10xf32>, tensor<4x1x2xf32>, tensor<4x1x2xf32>)
// CHECK: %[[E:.*]] = nn.gather %[[EMB]], %[[TOKEN]] : tensor<10x4xf32>, tensor<2x1xi32> -> tensor<2x1x4xf32>
// CHECK: %[[SCALE:.*]] = nn.constant 2.000000e+00 : tensor<2x1x4xf32>
// CHECK: %[[ES:.*]] = nn.mul %[[E]], %[[SCALE]] : tensor<2x1x4xf32>
// CHECK: %[[PE:.*]] = nn.gather %{{.*}}, %[[POS]] : tensor<3x4xf32>, tensor<2x1xi32> -> tensor<2x1x4xf32>
// CHECK: %[[X:.*]] = nn.add %[[ES]], %[[PE]] : tensor<2x1x4xf32>
// CHECK: %[[X2:.*]] = nn.reshape %[[X]] : tensor<2x1x4xf32> -> tensor<2x4xf32>
// CHECK: %[[Q:.*]] = nn.matmul %[[X2]], %[[WQ]] : tensor<2x4xf32>, tensor<4x4xf32> -> tensor<2x4xf32>
// CHECK: %[[QH:.*]] = nn.reshape %{{.*}} : tensor<2x2x1x2xf32> -> tensor<4x1x2xf32>
// CHECK: %[[SW:.*]] = nn.broadcast %[[SLOT]], [0, 2] : tensor<2x3xf32> -> tensor<2x2x3x2xf32>
// CHECK: %[[SW2:.*]] = nn.reshape %[[SW]] : tensor<2x2x3x2xf32> -> tensor<4x3x2xf32>
// CHECK: %[[NEWK:.*]] = nn.reshape %[[QH]] : tensor<4x1x2xf32> -> tensor<4x2xf32>
// CHECK: %[[NEWKW:.*]] = nn.broadcast %[[NEWK]], [0, 2] : tensor<4x2xf32> -> tensor<4x3x2xf32>
// CHECK: %[[PLACED:.*]] = nn.mul %[[SW2]], %[[NEWKW]] : tensor<4x3x2xf32>
// CHECK: %[[K:.*]] = nn.add %[[CK]], %[[PLACED]] : tensor<4x3x2xf32>
// CHECK: %[[V:.*]] = nn.add %[[CV]], %{{.*}} : tensor<4x3x2xf32>
// CHECK: %[[SELF:.*]], %{{.*}} = nn.attention %[[QH]], %[[K]], %[[V]] keys %[[TGT]] : tensor<2x3xi32> {key_pad = 0 : i64} : tensor<4x1x2xf32>, tensor<4x3x2xf32>, tensor<4x3x2xf32> -> tensor<4x1x2xf32>, tensor<4x1xf32>
// CHECK: %[[CROSS:.*]], %{{.*}} = nn.attention %[[SELF]], %[[MEM]], %[[MEM]] keys %{{.*}} : tensor<2x5xi32> {key_pad = 0 : i64} : tensor<4x1x2xf32>, tensor<4x5x2xf32>, tensor<4x5x2xf32> -> tensor<4x1x2xf32>, tensor<4x1xf32>
// CHECK: %[[OUT:.*]] = nn.matmul %{{.*}}, %[[EMB]] {transpose_rhs = true} : tensor<2x4xf32>, tensor<10x4xf32> -> tensor<2x10xf32>
// CHECK: %[[LOGITS:.*]] = nn.reshape %[[OUT]] : tensor<2x10xf32> -> tensor<2x1x10xf32>
// CHECK-NOT: nn.cross_entropy
// CHECK: return %[[LOGITS]], %[[QH]], %[[QH]] : tensor<2x1x10xf32>, tensor<4x1x2xf32>, tensor<4x1x2xf32>
module {
func.func @decode(%emb: tensor<10x4xf32> {gptc.param, gptc.name = "emb"}, %wq: tensor<4x4xf32> {gptc.param, gptc.name = "wq"},
                  %src: tensor<2x5xi32> {gptc.name = "src"}, %tgt: tensor<2x3xi32> {gptc.name = "tgt"},
                  %labels: tensor<2x3xi32> {gptc.name = "labels"}, %mem: tensor<4x5x2xf32> {gptc.name = "memory0"})
    -> (tensor<f32>, tensor<2x3x10xf32>) {
  %table = arith.constant dense<[[0.0, 1.0, 0.0, 1.0], [0.5, 0.5, 0.5, 0.5], [1.0, 0.0, 1.0, 0.0]]> : tensor<3x4xf32>
  %e = nn.gather %emb, %tgt : tensor<10x4xf32>, tensor<2x3xi32> -> tensor<2x3x4xf32>
  %scale = nn.constant 2.0 : tensor<2x3x4xf32>
  %es = nn.mul %e, %scale : tensor<2x3x4xf32>
  %pe = nn.broadcast %table, [1, 2] : tensor<3x4xf32> -> tensor<2x3x4xf32>
  %x = nn.add %es, %pe : tensor<2x3x4xf32>
  %x2 = nn.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %q = nn.matmul %x2, %wq : tensor<6x4xf32>, tensor<4x4xf32> -> tensor<6x4xf32>
  %q4 = nn.reshape %q : tensor<6x4xf32> -> tensor<2x3x2x2xf32>
  %qt = nn.transpose %q4, [0, 2, 1, 3] : tensor<2x3x2x2xf32> -> tensor<2x2x3x2xf32>
  %qh = nn.reshape %qt : tensor<2x2x3x2xf32> -> tensor<4x3x2xf32>
  %self, %lse = nn.attention %qh, %qh, %qh keys %tgt : tensor<2x3xi32> {key_pad = 0 : i64, mask = dense<[[false, true, true], [false, false, true], [false, false, false]]> : tensor<3x3xi1>} : tensor<4x3x2xf32>, tensor<4x3x2xf32>, tensor<4x3x2xf32> -> tensor<4x3x2xf32>, tensor<4x3xf32> score {
  ^bb0(%s: f32):
    nn.score_yield %s : f32
  }
  %cross, %lse2 = nn.attention %self, %mem, %mem keys %src : tensor<2x5xi32> {key_pad = 0 : i64} : tensor<4x3x2xf32>, tensor<4x5x2xf32>, tensor<4x5x2xf32> -> tensor<4x3x2xf32>, tensor<4x3xf32> score {
  ^bb0(%s: f32):
    nn.score_yield %s : f32
  }
  %y4 = nn.reshape %cross : tensor<4x3x2xf32> -> tensor<2x2x3x2xf32>
  %yt = nn.transpose %y4, [0, 2, 1, 3] : tensor<2x2x3x2xf32> -> tensor<2x3x2x2xf32>
  %y = nn.reshape %yt : tensor<2x3x2x2xf32> -> tensor<6x4xf32>
  %out = nn.matmul %y, %emb {transpose_rhs = true} : tensor<6x4xf32>, tensor<10x4xf32> -> tensor<6x10xf32>
  %logits = nn.reshape %out : tensor<6x10xf32> -> tensor<2x3x10xf32>
  %loss = nn.cross_entropy %logits, %labels {ignore_index = 0 : i64, smoothing = 0.0 : f64} : tensor<2x3x10xf32>, tensor<2x3xi32> -> tensor<f32>
  return %loss, %logits : tensor<f32>, tensor<2x3x10xf32>
}
}

// -----

// A self-attention with a mask other than the causal one (here: a band that
// also hides the position before) would need the mask's row per position.
// CHECK-LABEL: module {
// CHECK-NOT: decode_step
module {
func.func @decode(%emb: tensor<10x2xf32> {gptc.param, gptc.name = "emb"}, %src: tensor<2x5xi32> {gptc.name = "src"},
                  %tgt: tensor<2x3xi32> {gptc.name = "tgt"}, %labels: tensor<2x3xi32> {gptc.name = "labels"})
    -> (tensor<f32>, tensor<2x3x2xf32>) {
  %e = nn.gather %emb, %tgt : tensor<10x2xf32>, tensor<2x3xi32> -> tensor<2x3x2xf32>
  // expected-warning @+1 {{no incremental decoding (decoding recomputes the target prefix for every token): 'nn.attention': a self-attention whose mask is not the causal one}}
  %a, %lse = nn.attention %e, %e, %e keys %tgt : tensor<2x3xi32> {key_pad = 0 : i64, mask = dense<[[false, true, true], [true, false, true], [true, true, false]]> : tensor<3x3xi1>} : tensor<2x3x2xf32>, tensor<2x3x2xf32>, tensor<2x3x2xf32> -> tensor<2x3x2xf32>, tensor<2x3xf32> score {
  ^bb0(%s: f32):
    nn.score_yield %s : f32
  }
  %loss = nn.cross_entropy %a, %labels {ignore_index = 0 : i64, smoothing = 0.0 : f64} : tensor<2x3x2xf32>, tensor<2x3xi32> -> tensor<f32>
  return %loss, %a : tensor<f32>, tensor<2x3x2xf32>
}
}

// -----

// Without the target's padding mask nothing would hide the cache's empty slots.
module {
func.func @decode(%emb: tensor<10x2xf32> {gptc.param, gptc.name = "emb"}, %src: tensor<2x5xi32> {gptc.name = "src"},
                  %tgt: tensor<2x3xi32> {gptc.name = "tgt"}, %labels: tensor<2x3xi32> {gptc.name = "labels"})
    -> (tensor<f32>, tensor<2x3x2xf32>) {
  %e = nn.gather %emb, %tgt : tensor<10x2xf32>, tensor<2x3xi32> -> tensor<2x3x2xf32>
  // expected-warning @+1 {{'nn.attention': a self-attention needs the target's padding mask}}
  %a, %lse = nn.attention %e, %e, %e {mask = dense<[[false, true, true], [false, false, true], [false, false, false]]> : tensor<3x3xi1>} : tensor<2x3x2xf32>, tensor<2x3x2xf32>, tensor<2x3x2xf32> -> tensor<2x3x2xf32>, tensor<2x3xf32> score {
  ^bb0(%s: f32):
    nn.score_yield %s : f32
  }
  %loss = nn.cross_entropy %a, %labels {ignore_index = 0 : i64, smoothing = 0.0 : f64} : tensor<2x3x2xf32>, tensor<2x3xi32> -> tensor<f32>
  return %loss, %a : tensor<f32>, tensor<2x3x2xf32>
}
}

// -----

// A sum over the target positions (a mean-pooled decoder) mixes them outside
// an attention.
module {
func.func @decode(%emb: tensor<10x2xf32> {gptc.param, gptc.name = "emb"}, %src: tensor<2x5xi32> {gptc.name = "src"},
                  %tgt: tensor<2x3xi32> {gptc.name = "tgt"}, %labels: tensor<2x3xi32> {gptc.name = "labels"})
    -> (tensor<f32>, tensor<2x3x2xf32>) {
  %e = nn.gather %emb, %tgt : tensor<10x2xf32>, tensor<2x3xi32> -> tensor<2x3x2xf32>
  // expected-warning @+1 {{'nn.reduce_sum': it sums over the target positions}}
  %s = nn.reduce_sum %e, [1] : tensor<2x3x2xf32> -> tensor<2x2xf32>
  %b = nn.broadcast %s, [0, 2] : tensor<2x2xf32> -> tensor<2x3x2xf32>
  %loss = nn.cross_entropy %b, %labels {ignore_index = 0 : i64, smoothing = 0.0 : f64} : tensor<2x3x2xf32>, tensor<2x3xi32> -> tensor<f32>
  return %loss, %b : tensor<f32>, tensor<2x3x2xf32>
}
}

// -----

// expected-error @+1 {{gptc-incremental-decode needs a function named @decode (run gptc-split-encoder first)}}
module {
func.func @forward(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
}
