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

module {
  // expected-error @+1 {{must take only pointers and return nothing}}
  llvm.func @grad(%a: !llvm.ptr, %n: i64) {
    llvm.return
  }
}
