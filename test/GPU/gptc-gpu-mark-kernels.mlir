// RUN: %gptc-opt %s -split-input-file -verify-diagnostics --gptc-gpu-mark-kernels | FileCheck %s

// Every linalg op of a group is tagged with the group's number; a rows
// group's ops also with its row dimensions. Ops outside groups are not.
// CHECK-LABEL: func.func @groups
// CHECK: linalg.fill {gptc.kernel = 0 : i64} ins
// CHECK: linalg.generic {{.*}} attrs =  {gptc.kernel = 1 : i64, gptc.kernel_rows = 1 : i64}
// CHECK: linalg.fill ins
#map = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @groups(%x: tensor<4x16xf32>) -> (tensor<4x16xf32>, tensor<4xf32>, tensor<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<4x16xf32>
  %e1 = tensor.empty() : tensor<4xf32>
  %a = nn.fusion_group "elementwise" rows(2) -> tensor<4x16xf32> {
    %f = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x16xf32>) -> tensor<4x16xf32>
    nn.fusion_yield %f : tensor<4x16xf32>
  }
  %b = nn.fusion_group "rows" rows(1) -> tensor<4xf32> {
    %s = linalg.generic {indexing_maps = [#map, #row], iterator_types = ["parallel", "reduction"]}
        ins(%x : tensor<4x16xf32>) outs(%e1 : tensor<4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.addf %in, %out : f32
      linalg.yield %m : f32
    } -> tensor<4xf32>
    nn.fusion_yield %s : tensor<4xf32>
  }
  %c = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4xf32>) -> tensor<4xf32>
  return %a, %b, %c : tensor<4x16xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// nn.attention has only the CPU lowering: the GPU path says so.
func.func @attention(%q: tensor<2x4x8xf32>, %k: tensor<2x4x8xf32>, %v: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %c = arith.constant 2.0 : f32
  // expected-error @+1 {{nn.attention has no GPU lowering yet: the GPU path compiles attention from its primitives (run the train-step pipeline with fuse-attention=0)}}
  %out, %lse = nn.attention %q, %k, %v {mask = dense<false> : tensor<4x4xi1>} : tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32> -> tensor<2x4x8xf32>, tensor<2x4xf32> score {
  ^bb0(%raw: f32):
    %s = arith.divf %raw, %c : f32
    nn.score_yield %s : f32
  }
  return %out : tensor<2x4x8xf32>
}
