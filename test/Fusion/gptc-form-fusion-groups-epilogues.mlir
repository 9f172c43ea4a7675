// gptc-form-fusion-groups with gemm-epilogues=1 (the CPU): an elementwise op
// that alone reads a 2-D GEMM's output joins the GEMM's group, collapsed to
// the GEMM's [M, N] and tagged gptc.gemm_epilogue.
// RUN: gptc-opt %s -split-input-file --gptc-form-fusion-groups=gemm-epilogues=1 | FileCheck %s
// RUN: gptc-opt %s -split-input-file --gptc-form-fusion-groups="gemm-epilogues=1 remarks=1" 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK
// RUN: gptc-opt %s -split-input-file --gptc-form-fusion-groups | FileCheck %s --check-prefix=OFF

// A linear layer's bias and GELU over [B, T, N] = expand_shape of the GEMM's
// [B * T, N]: the generic is collapsed to [B * T, N] and reads C itself; the
// result is expanded back for its users. It writes its result over C (in
// place: its body does not read its destination).
// CHECK-LABEL: func.func @bias_gelu
// CHECK: %[[G:.*]] = nn.fusion_group "gemm" rows(0) -> tensor<6x8xf32> {
// CHECK: linalg.fill
// CHECK: %[[C:.*]] = linalg.matmul
// CHECK: %[[E:.*]] = linalg.generic {indexing_maps = [#[[ID:.*]], #[[COL:.*]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[C]], %arg2 : tensor<6x8xf32>, tensor<8xf32>) outs(%[[C]] : tensor<6x8xf32>) attrs = {gptc.gemm_epilogue}
// CHECK: math.tanh
// CHECK: nn.fusion_yield %[[E]] : tensor<6x8xf32>
// CHECK: %[[R:.*]] = tensor.expand_shape %[[G]] {{\[}}[0, 1], [2]] output_shape [2, 3, 8]
// CHECK: return %[[R]]
// OFF-LABEL: func.func @bias_gelu
// OFF: nn.fusion_group "gemm"
// OFF: nn.fusion_group "elementwise" rows(3)
// OFF-NOT: gptc.gemm_epilogue
func.func @bias_gelu(%x: tensor<6x4xf32>, %w: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<2x3x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<6x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<6x8xf32>) -> tensor<6x8xf32>
  %c = linalg.matmul ins(%x, %w : tensor<6x4xf32>, tensor<4x8xf32>) outs(%z : tensor<6x8xf32>) -> tensor<6x8xf32>
  %c3 = tensor.expand_shape %c [[0, 1], [2]] output_shape [2, 3, 8] : tensor<6x8xf32> into tensor<2x3x8xf32>
  %o = tensor.empty() : tensor<2x3x8xf32>
  %h = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
                       iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%c3, %b : tensor<2x3x8xf32>, tensor<8xf32>) outs(%o : tensor<2x3x8xf32>) {
    ^bb0(%in: f32, %bias: f32, %out: f32):
      %s = arith.addf %in, %bias : f32
      %t = math.tanh %s : f32
      linalg.yield %t : f32
  } -> tensor<2x3x8xf32>
  return %h : tensor<2x3x8xf32>
}

// -----

// The GEMM's output has a second user (the backward pass keeps it): no
// epilogue, and a remark says so.
// CHECK-LABEL: func.func @two_users
// CHECK: nn.fusion_group "gemm"
// CHECK: nn.fusion_group "elementwise"
// CHECK-NOT: gptc.gemm_epilogue
// REMARK: remark: no epilogue: the GEMM's output has several users
func.func @two_users(%x: tensor<6x4xf32>, %w: tensor<4x8xf32>) -> (tensor<6x8xf32>, tensor<6x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<6x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<6x8xf32>) -> tensor<6x8xf32>
  %c = linalg.matmul ins(%x, %w : tensor<6x4xf32>, tensor<4x8xf32>) outs(%z : tensor<6x8xf32>) -> tensor<6x8xf32>
  %o = tensor.empty() : tensor<6x8xf32>
  %h = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%c : tensor<6x8xf32>) outs(%o : tensor<6x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %t = math.tanh %in : f32
      linalg.yield %t : f32
  } -> tensor<6x8xf32>
  return %c, %h : tensor<6x8xf32>, tensor<6x8xf32>
}

// -----

// The consumer reads C transposed, or reduces it (a softmax's max): no
// epilogue; each says why.
// CHECK-LABEL: func.func @transposed
// CHECK-NOT: gptc.gemm_epilogue
// CHECK-LABEL: func.func @reduction
// CHECK-NOT: gptc.gemm_epilogue
// REMARK: remark: not fused with its producer: no GEMM epilogue: it reads the GEMM's output other than element for element
// REMARK: remark: not fused with its producer: no GEMM epilogue: it is not an elementwise linalg.generic
func.func @transposed(%x: tensor<8x4xf32>, %w: tensor<4x8xf32>) -> tensor<8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<8x8xf32>) -> tensor<8x8xf32>
  %c = linalg.matmul ins(%x, %w : tensor<8x4xf32>, tensor<4x8xf32>) outs(%z : tensor<8x8xf32>) -> tensor<8x8xf32>
  %o = tensor.empty() : tensor<8x8xf32>
  %h = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%c : tensor<8x8xf32>) outs(%o : tensor<8x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %t = math.tanh %in : f32
      linalg.yield %t : f32
  } -> tensor<8x8xf32>
  return %h : tensor<8x8xf32>
}
func.func @reduction(%x: tensor<8x4xf32>, %w: tensor<4x8xf32>) -> tensor<8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<8x8xf32>) -> tensor<8x8xf32>
  %c = linalg.matmul ins(%x, %w : tensor<8x4xf32>, tensor<4x8xf32>) outs(%z : tensor<8x8xf32>) -> tensor<8x8xf32>
  %e1 = tensor.empty() : tensor<8xf32>
  %m = linalg.fill ins(%zero : f32) outs(%e1 : tensor<8xf32>) -> tensor<8xf32>
  %s = linalg.reduce ins(%c : tensor<8x8xf32>) outs(%m : tensor<8xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %r = arith.maximumf %in, %acc : f32
      linalg.yield %r : f32
    }
  return %s : tensor<8xf32>
}

// -----

// A position embedding over [T, N] added to [B, T, N]: its indexing (d1, d2)
// cannot be collapsed to [B * T, N], so the op stays a kernel of its own.
// CHECK-LABEL: func.func @not_collapsible
// CHECK-NOT: gptc.gemm_epilogue
// REMARK: remark: not fused with its producer: no GEMM epilogue: an operand's indexing cannot be collapsed
func.func @not_collapsible(%x: tensor<6x4xf32>, %w: tensor<4x8xf32>, %p: tensor<3x8xf32>) -> tensor<2x3x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<6x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<6x8xf32>) -> tensor<6x8xf32>
  %c = linalg.matmul ins(%x, %w : tensor<6x4xf32>, tensor<4x8xf32>) outs(%z : tensor<6x8xf32>) -> tensor<6x8xf32>
  %c3 = tensor.expand_shape %c [[0, 1], [2]] output_shape [2, 3, 8] : tensor<6x8xf32> into tensor<2x3x8xf32>
  %o = tensor.empty() : tensor<2x3x8xf32>
  %h = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
                       iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%c3, %p : tensor<2x3x8xf32>, tensor<3x8xf32>) outs(%o : tensor<2x3x8xf32>) {
    ^bb0(%in: f32, %pos: f32, %out: f32):
      %s = arith.addf %in, %pos : f32
      linalg.yield %s : f32
  } -> tensor<2x3x8xf32>
  return %h : tensor<2x3x8xf32>
}
