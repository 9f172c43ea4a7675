// gptc-form-fusion-groups: one nn.fusion_group per kernel.
// RUN: gptc-opt %s -split-input-file --gptc-form-fusion-groups | FileCheck %s
// RUN: gptc-opt %s -split-input-file --gptc-form-fusion-groups=remarks=1 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK

// A softmax written from primitives (max, exp(x - max), sum, divide) is one
// rows group over the leading dimension; the fills of the reductions are in it.
// CHECK-LABEL: func.func @softmax
// CHECK: %[[G:.*]] = nn.fusion_group "rows" rows(1) -> tensor<8x16xf32> {
// CHECK: linalg.fill
// CHECK: linalg.reduce
// CHECK: linalg.generic
// CHECK: linalg.fill
// CHECK: linalg.reduce
// CHECK: %[[OUT:.*]] = linalg.generic
// CHECK: nn.fusion_yield %[[OUT]] : tensor<8x16xf32>
// CHECK: return %[[G]]
func.func @softmax(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<8xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%e0 : tensor<8xf32>) -> tensor<8xf32>
  %max = linalg.reduce ins(%x : tensor<8x16xf32>) outs(%m0 : tensor<8xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %r = arith.maximumf %in, %acc : f32
      linalg.yield %r : f32
    }
  %e1 = tensor.empty() : tensor<8x16xf32>
  %exp = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>],
                         iterator_types = ["parallel", "parallel"]}
      ins(%x, %max : tensor<8x16xf32>, tensor<8xf32>) outs(%e1 : tensor<8x16xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %d = arith.subf %a, %b : f32
      %e = math.exp %d : f32
      linalg.yield %e : f32
  } -> tensor<8x16xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<8xf32>) -> tensor<8xf32>
  %sum = linalg.reduce ins(%exp : tensor<8x16xf32>) outs(%s0 : tensor<8xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %r = arith.addf %in, %acc : f32
      linalg.yield %r : f32
    }
  %out = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>],
                         iterator_types = ["parallel", "parallel"]}
      ins(%exp, %sum : tensor<8x16xf32>, tensor<8xf32>) outs(%e1 : tensor<8x16xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %d = arith.divf %a, %b : f32
      linalg.yield %d : f32
  } -> tensor<8x16xf32>
  return %out : tensor<8x16xf32>
}

// -----

// A matmul and the fill of its accumulator are a gemm group; the bias add
// after it is its own elementwise kernel (no GEMM epilogues yet), and says so.
// CHECK-LABEL: func.func @linear
// CHECK: %[[MM:.*]] = nn.fusion_group "gemm" rows(0) -> tensor<4x5xf32> {
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: linalg.matmul
// CHECK: nn.fusion_group "elementwise" rows(2)
// REMARK: remark: not fused with its producer: its producer is a GEMM
func.func @linear(%a: tensor<4x8xf32>, %w: tensor<8x5xf32>, %b: tensor<5xf32>) -> tensor<4x5xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x5xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<4x5xf32>) -> tensor<4x5xf32>
  %mm = linalg.matmul ins(%a, %w : tensor<4x8xf32>, tensor<8x5xf32>) outs(%acc : tensor<4x5xf32>) -> tensor<4x5xf32>
  %out = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                         iterator_types = ["parallel", "parallel"]}
      ins(%mm, %b : tensor<4x5xf32>, tensor<5xf32>) outs(%e : tensor<4x5xf32>) {
    ^bb0(%x: f32, %y: f32, %o: f32):
      %s = arith.addf %x, %y : f32
      linalg.yield %s : f32
  } -> tensor<4x5xf32>
  return %out : tensor<4x5xf32>
}

// -----

// A column sum (a bias gradient: reduce over the rows) shares no leading
// parallel dimension with its producer: a reduction kernel of its own, and a
// remark that says why.
// CHECK-LABEL: func.func @column_sum
// CHECK: nn.fusion_group "elementwise" rows(2)
// CHECK: nn.fusion_group "reduction" rows(0)
// REMARK: remark: not fused with its producer: it does not read its producer row by row
func.func @column_sum(%x: tensor<8x16xf32>) -> tensor<16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x16xf32>
  %sq = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                        iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<8x16xf32>) outs(%e : tensor<8x16xf32>) {
    ^bb0(%a: f32, %o: f32):
      %s = arith.mulf %a, %a : f32
      linalg.yield %s : f32
  } -> tensor<8x16xf32>
  %e1 = tensor.empty() : tensor<16xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<16xf32>) -> tensor<16xf32>
  %sum = linalg.reduce ins(%sq : tensor<8x16xf32>) outs(%s0 : tensor<16xf32>) dimensions = [0]
    (%in: f32, %acc: f32) {
      %r = arith.addf %in, %acc : f32
      linalg.yield %r : f32
    }
  return %sum : tensor<16xf32>
}

// -----

// A value used outside the group before the next op would be computed after
// its use: that op starts a new group. Values used outside are yielded.
// CHECK-LABEL: func.func @used_in_between
// CHECK: %[[A:.*]] = nn.fusion_group "elementwise" rows(2) -> tensor<8x16xf32>
// CHECK: tensor.extract %[[A]]
// CHECK: nn.fusion_group "elementwise" rows(2)
// REMARK: remark: not fused with its producer: 'tensor.extract' outside the group uses the group's values before this op
func.func @used_in_between(%x: tensor<8x16xf32>) -> (tensor<8x16xf32>, f32) {
  %c0 = arith.constant 0 : index
  %e = tensor.empty() : tensor<8x16xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<8x16xf32>) outs(%e : tensor<8x16xf32>) {
    ^bb0(%v: f32, %o: f32):
      %s = arith.mulf %v, %v : f32
      linalg.yield %s : f32
  } -> tensor<8x16xf32>
  %first = tensor.extract %a[%c0, %c0] : tensor<8x16xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<8x16xf32>) outs(%e : tensor<8x16xf32>) {
    ^bb0(%v: f32, %o: f32):
      %s = arith.addf %v, %v : f32
      linalg.yield %s : f32
  } -> tensor<8x16xf32>
  return %b, %first : tensor<8x16xf32>, f32
}

// -----

// A sum chain (the global gradient norm: each addend's sum accumulated, in
// order, into the scalar the previous sum produced) is one reduction group
// with the fill of its first accumulator; a full reduction into a fresh
// accumulator starts a group of its own.
// CHECK-LABEL: func.func @sum_chain
// CHECK: %[[CHAIN:.*]] = nn.fusion_group "reduction" rows(0) -> tensor<f32> {
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: linalg.reduce ins(%arg0
// CHECK: linalg.reduce ins(%arg1
// CHECK: %[[LAST:.*]] = linalg.reduce ins(%arg2
// CHECK: nn.fusion_yield %[[LAST]] : tensor<f32>
// CHECK: nn.fusion_group "reduction" rows(0) -> tensor<f32> {
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: linalg.reduce ins(%arg0
// CHECK: nn.fusion_yield
func.func @sum_chain(%a: tensor<4xf32>, %b: tensor<8xf32>, %c: tensor<2xf32>) -> (tensor<f32>, tensor<f32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<f32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<f32>) -> tensor<f32>
  %s0 = linalg.reduce ins(%a : tensor<4xf32>) outs(%acc : tensor<f32>) dimensions = [0]
    (%in: f32, %o: f32) {
      %r = arith.addf %in, %o : f32
      linalg.yield %r : f32
    }
  %s1 = linalg.reduce ins(%b : tensor<8xf32>) outs(%s0 : tensor<f32>) dimensions = [0]
    (%in: f32, %o: f32) {
      %r = arith.addf %in, %o : f32
      linalg.yield %r : f32
    }
  %s2 = linalg.reduce ins(%c : tensor<2xf32>) outs(%s1 : tensor<f32>) dimensions = [0]
    (%in: f32, %o: f32) {
      %r = arith.addf %in, %o : f32
      linalg.yield %r : f32
    }
  %e2 = tensor.empty() : tensor<f32>
  %acc2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<f32>) -> tensor<f32>
  %t = linalg.reduce ins(%a : tensor<4xf32>) outs(%acc2 : tensor<f32>) dimensions = [0]
    (%in: f32, %o: f32) {
      %r = arith.addf %in, %o : f32
      linalg.yield %r : f32
    }
  return %s2, %t : tensor<f32>, tensor<f32>
}
