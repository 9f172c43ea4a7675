// The indexing, slicing, masking and clipping ops parse, verify and print back.
// RUN: gptc-opt %s | gptc-opt | FileCheck %s
// RUN: gptc-opt %s --mlir-print-op-generic | gptc-opt | FileCheck %s

// CHECK-LABEL: func @indexing
func.func @indexing(%table: tensor<5x4xf32>, %idx: tensor<2x3xi32>, %x: tensor<2x3x4xf32>,
                    %rng: tensor<2xi32>, %hyper: tensor<16xf32>, %s: tensor<f32>) {
  // CHECK: nn.gather %{{.*}}, %{{.*}} : tensor<5x4xf32>, tensor<2x3xi32> -> tensor<2x3x4xf32>
  %0 = nn.gather %table, %idx : tensor<5x4xf32>, tensor<2x3xi32> -> tensor<2x3x4xf32>
  // CHECK: nn.scatter_add %{{.*}}, %{{.*}} : tensor<2x3xi32>, tensor<2x3x4xf32> -> tensor<5x4xf32>
  %1 = nn.scatter_add %idx, %0 : tensor<2x3xi32>, tensor<2x3x4xf32> -> tensor<5x4xf32>
  // CHECK: nn.slice %{{.*}} {axis = 2 : i64, start = 1 : i64} : tensor<2x3x4xf32> -> tensor<2x3x2xf32>
  %2 = nn.slice %x {axis = 2 : i64, start = 1 : i64} : tensor<2x3x4xf32> -> tensor<2x3x2xf32>
  // CHECK: nn.pad %{{.*}} {axis = 2 : i64, start = 1 : i64} : tensor<2x3x2xf32> -> tensor<2x3x4xf32>
  %3 = nn.pad %2 {axis = 2 : i64, start = 1 : i64} : tensor<2x3x2xf32> -> tensor<2x3x4xf32>
  // CHECK: nn.mask_fill %{{.*}}, dense<{{.*}}> : tensor<3x4xi1>, 0xFFF0000000000000 : tensor<2x3x4xf32>
  %4 = nn.mask_fill %x, dense<[[false, true, true, true], [false, false, true, true], [false, false, false, true]]> : tensor<3x4xi1>, 0xFFF0000000000000 : tensor<2x3x4xf32>
  // CHECK: nn.dropout %{{.*}}, %{{.*}} {p = 2.500000e-01 : f64, salt = 3 : i64} : tensor<2x3x4xf32>, tensor<2xi32>
  %5 = nn.dropout %x, %rng {p = 0.25 : f64, salt = 3 : i64} : tensor<2x3x4xf32>, tensor<2xi32>
  // CHECK: nn.clip_scale %{{.*}}, %{{.*}} : tensor<f32>, tensor<16xf32>
  %6 = nn.clip_scale %s, %hyper : tensor<f32>, tensor<16xf32>
  return
}
