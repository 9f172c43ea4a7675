// Each memref.dealloc moves up to just after the last op that uses the buffer
// or an alias of it (a view, a pointer, a loop result); a buffer that escapes
// its block keeps its dealloc where it was.
// RUN: gptc-opt %s -split-input-file --gptc-free-after-last-use | FileCheck %s
// RUN: gptc-opt %s -split-input-file --gptc-free-after-last-use=remarks=true -o /dev/null 2>&1 | FileCheck %s --check-prefix=PLAN

// Two temporaries freed at the end: each is freed after its last reader, so
// the second reuses the first's memory.
// CHECK-LABEL: func.func @chain
// CHECK: %[[A:.*]] = memref.alloc() : memref<64xf32>
// CHECK-NEXT: linalg.fill {{.*}} outs(%[[A]]
// CHECK-NEXT: %[[B:.*]] = memref.alloc() : memref<64xf32>
// CHECK-NEXT: linalg.copy ins(%[[A]] {{.*}} outs(%[[B]]
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: linalg.copy ins(%[[B]] {{.*}} outs(%arg0
// CHECK-NEXT: memref.dealloc %[[B]]
// CHECK-NEXT: return
// The buffer plan: the two buffers are live together once (512 bytes).
// PLAN: remark: buffer plan of @chain: at most 512 bytes of temporaries live at once, 512 bytes allocated in all
func.func @chain(%out: memref<64xf32>) {
  %cst = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<64xf32>
  linalg.fill ins(%cst : f32) outs(%a : memref<64xf32>)
  %b = memref.alloc() : memref<64xf32>
  linalg.copy ins(%a : memref<64xf32>) outs(%b : memref<64xf32>)
  linalg.copy ins(%b : memref<64xf32>) outs(%out : memref<64xf32>)
  memref.dealloc %a : memref<64xf32>
  memref.dealloc %b : memref<64xf32>
  return
}

// -----

// A use through a view (expand_shape) and a raw pointer keeps the buffer
// alive until the view's and the pointer's last users.
// CHECK-LABEL: func.func @aliases
// CHECK: %[[A:.*]] = memref.alloc() : memref<64xf32>
// CHECK: %[[V:.*]] = memref.expand_shape %[[A]]
// CHECK: %[[P:.*]] = memref.extract_aligned_pointer_as_index %[[A]]
// CHECK: linalg.copy ins(%[[V]]
// CHECK-NEXT: call @use_pointer(%[[P]])
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: call @later()
func.func private @use_pointer(index)
func.func private @later()
func.func @aliases(%out: memref<8x8xf32>) {
  %a = memref.alloc() : memref<64xf32>
  %v = memref.expand_shape %a [[0, 1]] output_shape [8, 8] : memref<64xf32> into memref<8x8xf32>
  %p = memref.extract_aligned_pointer_as_index %a : memref<64xf32> -> index
  linalg.copy ins(%v : memref<8x8xf32>) outs(%out : memref<8x8xf32>)
  call @use_pointer(%p) : (index) -> ()
  call @later() : () -> ()
  memref.dealloc %a : memref<64xf32>
  return
}

// -----

// A use nested in a loop counts as a use by the loop; a value loaded from the
// buffer is not an alias of it.
// CHECK-LABEL: func.func @nested
// CHECK: %[[A:.*]] = memref.alloc() : memref<4xf32>
// CHECK: %[[S:.*]] = scf.for
// CHECK: memref.load %[[A]]
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: call @later()
// CHECK-NEXT: return %[[S]]
func.func private @later()
// PLAN: remark: buffer plan of @nested: at most 16 bytes of temporaries live at once, 16 bytes allocated in all
func.func @nested() -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<4xf32>
  linalg.fill ins(%zero : f32) outs(%a : memref<4xf32>)
  %s = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f32) {
    %x = memref.load %a[%i] : memref<4xf32>
    %y = arith.addf %acc, %x : f32
    scf.yield %y : f32
  }
  call @later() : () -> ()
  memref.dealloc %a : memref<4xf32>
  return %s : f32
}

// -----

// A buffer yielded out of a region lives as long as the region op's result:
// both deallocs follow the result's last use.
// CHECK-LABEL: func.func @yielded
// CHECK: %[[R:.*]] = scf.if
// CHECK: call @use(%[[R]])
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: call @later()
func.func private @use(memref<4xf32>)
func.func private @later()
func.func @yielded(%c: i1) {
  %a = memref.alloc() : memref<4xf32>
  %b = memref.alloc() : memref<4xf32>
  %r = scf.if %c -> memref<4xf32> {
    scf.yield %a : memref<4xf32>
  } else {
    scf.yield %b : memref<4xf32>
  }
  call @use(%r) : (memref<4xf32>) -> ()
  call @later() : () -> ()
  memref.dealloc %a : memref<4xf32>
  memref.dealloc %b : memref<4xf32>
  return
}

// -----

// A buffer used by another block keeps its dealloc.
// CHECK-LABEL: func.func @other_block
// CHECK: ^bb1:
// CHECK-NEXT: call @use
// CHECK-NEXT: call @later()
// CHECK-NEXT: memref.dealloc
func.func private @use(memref<4xf32>)
func.func private @later()
func.func @other_block() {
  %a = memref.alloc() : memref<4xf32>
  cf.br ^next
^next:
  call @use(%a) : (memref<4xf32>) -> ()
  call @later() : () -> ()
  memref.dealloc %a : memref<4xf32>
  return
}

// -----

// A buffer that a block's terminator returns escapes: its dealloc (here one
// that would be wrong anyway) is not moved.
// CHECK-LABEL: func.func @returned
// CHECK: call @later()
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: return
func.func private @later()
func.func @returned() -> memref<4xf32> {
  %a = memref.alloc() : memref<4xf32>
  call @later() : () -> ()
  memref.dealloc %a : memref<4xf32>
  return %a : memref<4xf32>
}

// -----

// Three temporaries in a row, each dead before the next: the plan holds one
// at a time (4 KB of the 12 KB allocated).
// PLAN: remark: buffer plan of @sequence: at most 4.0 KB of temporaries live at once, 12.0 KB allocated in all
func.func @sequence(%out: memref<1024xf32>) {
  %a = memref.alloc() : memref<1024xf32>
  linalg.copy ins(%out : memref<1024xf32>) outs(%a : memref<1024xf32>)
  linalg.copy ins(%a : memref<1024xf32>) outs(%out : memref<1024xf32>)
  %b = memref.alloc() : memref<1024xf32>
  linalg.copy ins(%out : memref<1024xf32>) outs(%b : memref<1024xf32>)
  linalg.copy ins(%b : memref<1024xf32>) outs(%out : memref<1024xf32>)
  %c = memref.alloc() : memref<1024xf32>
  linalg.copy ins(%out : memref<1024xf32>) outs(%c : memref<1024xf32>)
  linalg.copy ins(%c : memref<1024xf32>) outs(%out : memref<1024xf32>)
  memref.dealloc %a : memref<1024xf32>
  memref.dealloc %b : memref<1024xf32>
  memref.dealloc %c : memref<1024xf32>
  return
}
