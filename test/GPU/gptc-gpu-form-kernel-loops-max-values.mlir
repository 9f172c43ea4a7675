// gptc-gpu-form-kernel-loops{max-kernel-values=N}: a kernel whose ops (or a
// foreach group's members) use more than N values between them (buffers,
// views, host scalars: each a kernel parameter; PTX 7.0 takes 544 pointers,
// and AdamW's update of a 12-layer GPT uses about 1000) is several kernels,
// ops or members packed in order.
// RUN: %gptc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(gptc-gpu-form-kernel-loops{max-kernel-values=5},canonicalize))' | FileCheck %s
// Without a limit: one kernel.
// RUN: %gptc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(gptc-gpu-form-kernel-loops,canonicalize))' | FileCheck %s --check-prefix=ONE
// Without the canonicaliser, which inlines a one-iteration scf.parallel:
// RUN: %gptc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(gptc-gpu-form-kernel-loops{max-kernel-values=5}))' | FileCheck %s --check-prefix=CHAIN
// RUN: %gptc-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(gptc-gpu-form-kernel-loops))' | FileCheck %s --check-prefix=CHAIN-ONE

// Members 0 and 1 use 5 values (w, w_new, b, b_new, 2.0): one kernel of 32 +
// 8 elements, member 1's at offsets from 32; member 2 (c, c_new, 2.0) would
// make 7: a kernel of its own, its elements from 0.
// CHECK-LABEL: func.func @foreach_split
// CHECK: scf.parallel (%[[I:.*]]) = (%c0) to (%c40) step (%c1)
// CHECK: arith.cmpi ult, %[[I]], %c32
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : memref<4x8xf32>
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<8xf32>
// CHECK: } {gptc.kernel_class = "foreach"}
// CHECK: scf.parallel (%[[J:.*]]) = (%c0) to (%c3) step (%c1)
// CHECK-NOT: arith.cmpi
// CHECK: memref.load %{{.*}}[%[[J]]] : memref<3xf32>
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[J]]] : memref<3xf32>
// CHECK: } {gptc.kernel_class = "foreach"}
// CHECK-NOT: scf.parallel
// ONE-LABEL: func.func @foreach_split
// ONE: scf.parallel (%{{.*}}) = (%c0) to (%c43) step (%c1)
// ONE-NOT: scf.parallel
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id1 = affine_map<(d0) -> (d0)>
func.func @foreach_split(%w: memref<4x8xf32>, %w_new: memref<4x8xf32>, %b: memref<8xf32>, %b_new: memref<8xf32>,
                         %c: memref<3xf32>, %c_new: memref<3xf32>) {
  %two = arith.constant 2.0 : f32
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%w : memref<4x8xf32>) outs(%w_new : memref<4x8xf32>) attrs = {gptc.kernel = 5 : i64, gptc.foreach_member = 0 : i64} {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  }
  linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%b : memref<8xf32>) outs(%b_new : memref<8xf32>) attrs = {gptc.kernel = 5 : i64, gptc.foreach_member = 1 : i64} {
  ^bb0(%in: f32, %out: f32):
    %n = arith.mulf %in, %two : f32
    linalg.yield %n : f32
  }
  linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%c : memref<3xf32>) outs(%c_new : memref<3xf32>) attrs = {gptc.kernel = 5 : i64, gptc.foreach_member = 2 : i64} {
  ^bb0(%in: f32, %out: f32):
    %n = arith.mulf %in, %two : f32
    linalg.yield %n : f32
  }
  return
}

// -----

// A one-thread kernel (the gradient norm's chain of rank-0 sums, each onto
// the previous one) using more than 5 values: split in order, the first four
// sums in one kernel (acc and x1..x4), the fifth in the next; each reads the
// accumulator the one before wrote.
// CHAIN-LABEL: func.func @sum_chain
// CHAIN: scf.parallel
// CHAIN: memref.load %arg1[] : memref<f32>
// CHAIN: memref.load %arg4[] : memref<f32>
// CHAIN-NOT: %arg5
// CHAIN: } {gptc.kernel_class = "one_thread"}
// CHAIN: scf.parallel
// CHAIN: memref.load %arg5[] : memref<f32>
// CHAIN: } {gptc.kernel_class = "one_thread"}
// CHAIN-NOT: scf.parallel
// CHAIN-ONE-LABEL: func.func @sum_chain
// CHAIN-ONE: scf.parallel
// CHAIN-ONE: memref.load %arg5[] : memref<f32>
// CHAIN-ONE: } {gptc.kernel_class = "one_thread"}
// CHAIN-ONE-NOT: scf.parallel
#scalar = affine_map<() -> ()>
func.func @sum_chain(%acc: memref<f32>, %x1: memref<f32>, %x2: memref<f32>, %x3: memref<f32>, %x4: memref<f32>,
                     %x5: memref<f32>) {
  linalg.generic {indexing_maps = [#scalar, #scalar], iterator_types = []} ins(%x1 : memref<f32>) outs(%acc : memref<f32>) attrs = {gptc.kernel = 9 : i64} {
  ^bb0(%in: f32, %a: f32):
    %s = arith.addf %a, %in : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#scalar, #scalar], iterator_types = []} ins(%x2 : memref<f32>) outs(%acc : memref<f32>) attrs = {gptc.kernel = 9 : i64} {
  ^bb0(%in: f32, %a: f32):
    %s = arith.addf %a, %in : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#scalar, #scalar], iterator_types = []} ins(%x3 : memref<f32>) outs(%acc : memref<f32>) attrs = {gptc.kernel = 9 : i64} {
  ^bb0(%in: f32, %a: f32):
    %s = arith.addf %a, %in : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#scalar, #scalar], iterator_types = []} ins(%x4 : memref<f32>) outs(%acc : memref<f32>) attrs = {gptc.kernel = 9 : i64} {
  ^bb0(%in: f32, %a: f32):
    %s = arith.addf %a, %in : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#scalar, #scalar], iterator_types = []} ins(%x5 : memref<f32>) outs(%acc : memref<f32>) attrs = {gptc.kernel = 9 : i64} {
  ^bb0(%in: f32, %a: f32):
    %s = arith.addf %a, %in : f32
    linalg.yield %s : f32
  }
  return
}
