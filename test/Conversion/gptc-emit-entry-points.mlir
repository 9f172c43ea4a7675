// The runtime's C ABI: gptc_<fn>(void **buffers) unpacks one pointer per
// argument; the manifest becomes a NUL-terminated global.
// RUN: gptc-opt %s -split-input-file -verify-diagnostics --gptc-emit-entry-points | FileCheck %s

// CHECK: llvm.func @gptc_forward(%[[ARGV:.*]]: !llvm.ptr) {
// CHECK:   %[[S0:.*]] = llvm.getelementptr %[[ARGV]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:   %[[P0:.*]] = llvm.load %[[S0]] : !llvm.ptr -> !llvm.ptr
// CHECK:   %[[S1:.*]] = llvm.getelementptr %[[ARGV]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:   %[[P1:.*]] = llvm.load %[[S1]] : !llvm.ptr -> !llvm.ptr
// CHECK:   llvm.call @forward(%[[P0]], %[[P1]]) : (!llvm.ptr, !llvm.ptr) -> ()
// CHECK:   llvm.return
// CHECK-NOT: @gptc_grad
// CHECK: llvm.mlir.global external constant @gptc_manifest("gptc-manifest 1\0Amodel m\0A\00")
module attributes {gptc.manifest = "gptc-manifest 1\nmodel m\n"} {
  llvm.func @forward(%a: !llvm.ptr, %b: !llvm.ptr) {
    llvm.return
  }
}

// -----

// A split sequence-to-sequence model of length bucket 2: encode and decode get
// entry points too, and the memory's types become gptc_encoder_outputs_2.
// CHECK-LABEL: llvm.func @encode_2
// CHECK: llvm.func @gptc_encode_2(%{{.*}}: !llvm.ptr)
// CHECK: llvm.call @encode_2(
// CHECK: llvm.func @gptc_decode_2(%{{.*}}: !llvm.ptr)
// CHECK: llvm.call @decode_2(
// CHECK: llvm.mlir.global external constant @gptc_encoder_outputs_2("f32 8 4 12 16\0Ai32 8 12\0A\00")
module attributes {gptc.entry_suffix = "_2", gptc.encoder_outputs = [tensor<8x4x12x16xf32>, tensor<8x12xi32>]} {
  llvm.func @encode(%a: !llvm.ptr, %b: !llvm.ptr) {
    llvm.return
  }
  llvm.func @decode(%a: !llvm.ptr, %b: !llvm.ptr, %c: !llvm.ptr) {
    llvm.return
  }
}

// -----

// expected-error @+1 {{a tensor of type 'tensor<2xi1>' in gptc.encoder_outputs (f32, f64 or i32 only)}}
module attributes {gptc.encoder_outputs = [tensor<2xi1>]} {
}

// -----

module {
  // expected-error @+1 {{must take only pointers and return nothing}}
  llvm.func @grad(%a: !llvm.ptr, %n: i64) {
    llvm.return
  }
}
