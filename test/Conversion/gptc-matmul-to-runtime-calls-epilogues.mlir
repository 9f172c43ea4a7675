// A matmul and its epilogue (the linalg.generic tagged gptc.gemm_epilogue that
// reads its C) become one call to the runtime's GEMM with an outlined
// epilogue function (context, row, col, rows, cols) that runs the generic on
// one tile; the context is an array of the generic's operand addresses.
// RUN: gptc-opt %s -split-input-file --gptc-matmul-to-runtime-calls | FileCheck %s
// RUN: gptc-opt %s -split-input-file --gptc-matmul-to-runtime-calls="epilogues=0" | FileCheck %s --check-prefix=OFF

#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>

// CHECK-LABEL: func.func private @gptc_gemm_epilogue_f32(index, index, index, index, index, index, index, index, index, index, (index, index, index, index, index) -> (), index)
// CHECK-LABEL: func.func @bias_gelu
// The GEMM runs where the epilogue was, after the output is allocated; the
// free of A (its last use was the matmul) moves after the call.
// CHECK: %[[C:.*]] = memref.alloc() : memref<4x5xf32>
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<4x5xf32>
// CHECK-NOT: linalg.matmul
// CHECK: memref.extract_aligned_pointer_as_index %[[C]] : memref<4x5xf32> -> index
// CHECK: %[[P0:.*]] = memref.extract_aligned_pointer_as_index %[[C]] : memref<4x5xf32> -> index
// CHECK: %[[P1:.*]] = memref.extract_aligned_pointer_as_index %arg2 : memref<5xf32> -> index
// CHECK: %[[P2:.*]] = memref.extract_aligned_pointer_as_index %[[OUT]] : memref<4x5xf32> -> index
// CHECK: %[[CTX:.*]] = memref.alloca() : memref<3xindex>
// CHECK: memref.store %[[P0]], %[[CTX]][%c0{{.*}}]
// CHECK: memref.store %[[P1]], %[[CTX]][%c1{{.*}}]
// CHECK: memref.store %[[P2]], %[[CTX]][%c2{{.*}}]
// CHECK: %[[FN:.*]] = constant @gptc_gemm_epilogue_0 : (index, index, index, index, index) -> ()
// CHECK: %[[CTXP:.*]] = memref.extract_aligned_pointer_as_index %[[CTX]]
// CHECK: call @gptc_gemm_epilogue_f32({{.*}}, %[[FN]], %[[CTXP]])
// CHECK-NEXT: memref.dealloc %arg0
// CHECK-NEXT: memref.dealloc %[[C]]
// CHECK-NOT: linalg.generic
// CHECK: return %[[OUT]]
// The epilogue: the operands' buffers from the context, then the generic on
// their [row, col] tile, sequential (gptc.serial).
// CHECK: func.func private @gptc_gemm_epilogue_0(%[[CTXA:.*]]: index, %[[ROW:.*]]: index, %[[COL:.*]]: index, %[[ROWS:.*]]: index, %[[COLS:.*]]: index) attributes {gptc.serial, llvm.linkage = #llvm.linkage<internal>}
// CHECK: llvm.inttoptr
// CHECK: llvm.load {{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[CB:.*]] = builtin.unrealized_conversion_cast {{.*}} to memref<4x5xf32>
// CHECK: llvm.load {{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[BB:.*]] = builtin.unrealized_conversion_cast {{.*}} to memref<5xf32>
// CHECK: llvm.load {{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[OB:.*]] = builtin.unrealized_conversion_cast {{.*}} to memref<4x5xf32>
// CHECK: arith.constant 5.000000e-01 : f32
// CHECK-DAG: memref.subview %[[CB]][%[[ROW]], %[[COL]]] [%[[ROWS]], %[[COLS]]] [1, 1]
// CHECK-DAG: memref.subview %[[BB]][%[[COL]]] [%[[COLS]]] [1]
// CHECK-DAG: memref.subview %[[OB]][%[[ROW]], %[[COL]]] [%[[ROWS]], %[[COLS]]] [1, 1]
// CHECK: linalg.generic
// CHECK-NOT: gptc.gemm_epilogue
// CHECK: math.tanh
// OFF-LABEL: func.func @bias_gelu
// OFF: call @gptc_gemm_f32
// OFF: linalg.generic
func.func @bias_gelu(%a: memref<4x8xf32>, %b: memref<8x5xf32>, %bias: memref<5xf32>) -> memref<4x5xf32> {
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %c = memref.alloc() : memref<4x5xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<4x5xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x5xf32>) outs(%c : memref<4x5xf32>)
  memref.dealloc %a : memref<4x8xf32>
  %out = memref.alloc() : memref<4x5xf32>
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<4x5xf32>, memref<5xf32>) outs(%out : memref<4x5xf32>) attrs = {gptc.gemm_epilogue} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %t = math.tanh %s : f32
    %h = arith.mulf %t, %half : f32
    linalg.yield %h : f32
  }
  memref.dealloc %c : memref<4x5xf32>
  return %out : memref<4x5xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// An epilogue that writes C in place (the residual sum into C).
// CHECK-LABEL: func.func @in_place
// CHECK: memref.alloca() : memref<2xindex>
// CHECK: call @gptc_gemm_epilogue_f32
// CHECK-NOT: linalg.generic
// CHECK-LABEL: func.func private @gptc_gemm_epilogue_0
func.func @in_place(%a: memref<4x8xf32>, %b: memref<8x5xf32>, %r: memref<4x5xf32>, %c: memref<4x5xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x5xf32>) outs(%c : memref<4x5xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%r : memref<4x5xf32>) outs(%c : memref<4x5xf32>) attrs = {gptc.gemm_epilogue} {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %x, %o : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// Something between the GEMM and its epilogue writes memory: two calls.
// CHECK-LABEL: func.func @write_between
// CHECK: call @gptc_gemm_f32
// CHECK: linalg.fill
// CHECK: linalg.generic
// CHECK-NOT: gptc_gemm_epilogue_0
func.func @write_between(%a: memref<4x8xf32>, %b: memref<8x5xf32>, %c: memref<4x5xf32>, %o: memref<4x5xf32>, %s: memref<3xf32>) {
  %one = arith.constant 1.0 : f32
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x5xf32>) outs(%c : memref<4x5xf32>)
  linalg.fill ins(%one : f32) outs(%s : memref<3xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<4x5xf32>) outs(%o : memref<4x5xf32>) attrs = {gptc.gemm_epilogue} {
  ^bb0(%x: f32, %y: f32):
    %e = arith.addf %x, %x : f32
    linalg.yield %e : f32
  }
  return
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#t = affine_map<(d0, d1) -> (d1, d0)>

// The epilogue writes the GEMM's input A (which other tiles still read), or
// reads C at other elements than its own: not fused.
// CHECK-LABEL: func.func @writes_a
// CHECK: call @gptc_gemm_f32
// CHECK: linalg.generic
// CHECK-LABEL: func.func @reads_c_transposed
// CHECK: call @gptc_gemm_f32
// CHECK: linalg.generic
// CHECK-NOT: gptc_gemm_epilogue_0
func.func @writes_a(%a: memref<4x4xf32>, %b: memref<4x4xf32>, %c: memref<4x4xf32>) {
  linalg.matmul ins(%a, %b : memref<4x4xf32>, memref<4x4xf32>) outs(%c : memref<4x4xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<4x4xf32>) outs(%a : memref<4x4xf32>) attrs = {gptc.gemm_epilogue} {
  ^bb0(%x: f32, %y: f32):
    linalg.yield %x : f32
  }
  return
}
func.func @reads_c_transposed(%a: memref<4x4xf32>, %b: memref<4x4xf32>, %c: memref<4x4xf32>, %o: memref<4x4xf32>) {
  linalg.matmul ins(%a, %b : memref<4x4xf32>, memref<4x4xf32>) outs(%c : memref<4x4xf32>)
  linalg.generic {indexing_maps = [#id, #t, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c, %c : memref<4x4xf32>, memref<4x4xf32>) outs(%o : memref<4x4xf32>) attrs = {gptc.gemm_epilogue} {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// A scalar the body reads from outside (a dropout's seed, loaded between
// the GEMM and the epilogue) travels in the context after the addresses, as
// a 64-bit word, and is rebuilt from it in the epilogue.
// CHECK-LABEL: func.func @seed
// CHECK: %[[SEED:.*]] = memref.load %arg3
// CHECK: %[[WIDE:.*]] = arith.extui %[[SEED]] : i32 to i64
// CHECK: %[[WORD:.*]] = arith.index_cast %[[WIDE]] : i64 to index
// CHECK: memref.alloca() : memref<3xindex>
// CHECK: memref.store %[[WORD]], %{{.*}}[%c2{{.*}}]
// CHECK: call @gptc_gemm_epilogue_f32
// CHECK: func.func private @gptc_gemm_epilogue_0
// CHECK: %[[SLOT:.*]] = llvm.getelementptr %{{.*}}[2] : (!llvm.ptr) -> !llvm.ptr, i64
// CHECK: %[[LOADED:.*]] = llvm.load %[[SLOT]] : !llvm.ptr -> i64
// CHECK: %[[BACK:.*]] = arith.trunci %[[LOADED]] : i64 to i32
// The element's index is the tile's plus its offset in the tile.
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: affine.apply #{{.*}}(%[[I]])[%[[ROW0:arg1]]]
// CHECK: arith.xori %{{.*}}, %[[BACK]] : i32
func.func @seed(%a: memref<4x8xf32>, %b: memref<8x5xf32>, %c: memref<4x5xf32>, %rng: memref<2xi32>, %o: memref<4x5xf32>) {
  %c0 = arith.constant 0 : index
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x5xf32>) outs(%c : memref<4x5xf32>)
  %seed = memref.load %rng[%c0] : memref<2xi32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<4x5xf32>) outs(%o : memref<4x5xf32>) attrs = {gptc.gemm_epilogue} {
  ^bb0(%x: f32, %y: f32):
    %i = linalg.index 0 : index
    %ii = arith.index_cast %i : index to i32
    %h = arith.xori %ii, %seed : i32
    %f = arith.uitofp %h : i32 to f32
    %s = arith.mulf %x, %f : f32
    linalg.yield %s : f32
  }
  return
}
