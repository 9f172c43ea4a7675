// A run of kernels (omp.parallel ops, small scf.for nests between them)
// becomes one omp.parallel; a construct keeps its barrier only when a later
// one, up to the next barrier, touches what it writes or writes what it reads.
// RUN: gptc-opt %s -split-input-file --gptc-merge-parallel-regions | FileCheck %s

// Two updates of different buffers (AdamW's two parameters) with a load of a
// read-only scalar and an alloc between them: one region, no barrier. The
// load and the alloc move before it.
// CHECK-LABEL: func.func @independent
// CHECK: memref.load %arg4[]
// CHECK-NEXT: memref.alloc
// CHECK-NEXT: omp.parallel {
// CHECK-NEXT: omp.wsloop nowait {
// CHECK: memref.store %{{.*}}, %arg1
// CHECK: omp.wsloop nowait {
// CHECK: memref.store %{{.*}}, %arg3
// CHECK-NOT: omp.parallel
// CHECK: return
func.func @independent(%a: memref<64xf32>, %b: memref<64xf32>, %c: memref<64xf32>, %d: memref<64xf32>, %s: memref<f32>) -> memref<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        %v = memref.load %a[%i] : memref<64xf32>
        memref.store %v, %b[%i] : memref<64xf32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  %x = memref.load %s[] : memref<f32>
  %t = memref.alloc() : memref<8xf32>
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        %v = memref.load %c[%i] : memref<64xf32>
        %w = arith.mulf %v, %x : f32
        memref.store %w, %d[%i] : memref<64xf32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  return %t : memref<8xf32>
}

// -----

// The second kernel reads what the first writes (through a view): one
// region, and the first keeps its barrier.
// CHECK-LABEL: func.func @dependent
// CHECK: omp.parallel {
// CHECK-NEXT: omp.wsloop {
// CHECK: omp.wsloop nowait {
// CHECK-NOT: omp.parallel
func.func @dependent(%a: memref<64xf32>, %b: memref<8x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1.0 : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %one, %a[%i] : memref<64xf32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  %view = memref.expand_shape %a [[0, 1]] output_shape [8, 8] : memref<64xf32> into memref<8x8xf32>
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c8) step (%c1) {
        %v = memref.load %view[%i, %c0] : memref<8x8xf32>
        memref.store %v, %b[%i, %c0] : memref<8x8xf32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  return
}

// -----

// A small sequential nest between two kernels that touches nothing the
// first one does moves before the region (it runs on the calling thread);
// the kernel after it reads what it wrote and still comes after it.
// CHECK-LABEL: func.func @small_kernel
// CHECK: scf.for
// CHECK: memref.store %{{.*}}, %arg1
// CHECK: omp.parallel {
// CHECK-NEXT: omp.wsloop nowait {
// CHECK: omp.wsloop nowait {
// CHECK-NOT: omp.single
func.func @small_kernel(%a: memref<64xf32>, %b: memref<4xf32>, %c: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1.0 : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %one, %a[%i] : memref<64xf32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %one, %b[%i] : memref<4xf32>
  }
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        %v = memref.load %b[%c0] : memref<4xf32>
        memref.store %v, %c[%i] : memref<64xf32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  return
}

// -----

// What may not move ends the run: a call (the runtime's GEMM), a load of a
// buffer the run writes, an alloc after a dealloc (both buffers would be
// live at once). Each region stays alone, its loop without a barrier of its
// own (the region's join is one).
// CHECK-LABEL: func.func @not_merged
// CHECK: omp.parallel {
// CHECK-NEXT: omp.wsloop nowait {
// CHECK: call @gemm
// CHECK: omp.parallel {
// CHECK: memref.load %arg1[]
// CHECK: omp.parallel {
// CHECK: memref.dealloc
// CHECK-NEXT: memref.alloc
// CHECK: omp.parallel {
func.func private @gemm(index)
func.func @not_merged(%a: memref<64xf32>, %s: memref<f32>, %p: index) -> memref<64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1.0 : f32
  %tmp = memref.alloc() : memref<64xf32>
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %one, %tmp[%i] : memref<64xf32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  func.call @gemm(%p) : (index) -> ()
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %one, %s[] : memref<f32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  %x = memref.load %s[] : memref<f32>
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %x, %a[%i] : memref<64xf32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  memref.dealloc %tmp : memref<64xf32>
  %out = memref.alloc() : memref<64xf32>
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %one, %out[%i] : memref<64xf32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  return %out : memref<64xf32>
}

// -----

// Two memref.get_global ops of one global are the same memory: the first
// kernel keeps its barrier. A kernel that calls a function keeps its own.
// CHECK-LABEL: func.func @same_global
// CHECK: omp.parallel {
// CHECK-NEXT: omp.wsloop {
// CHECK: omp.wsloop {
// CHECK: call @touch
// CHECK: omp.wsloop nowait {
memref.global "private" @scratch : memref<64xf32>
func.func private @touch(index)
func.func @same_global(%a: memref<64xf32>, %b: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1.0 : f32
  %g1 = memref.get_global @scratch : memref<64xf32>
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %one, %g1[%i] : memref<64xf32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  %g2 = memref.get_global @scratch : memref<64xf32>
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        %v = memref.load %g2[%i] : memref<64xf32>
        func.call @touch(%i) : (index) -> ()
        memref.store %v, %a[%i] : memref<64xf32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %one, %b[%i] : memref<64xf32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  return
}

// -----

// A small nest that reads what the kernel before it wrote ends the run.
// CHECK-LABEL: func.func @small_kernel_after
// CHECK: omp.parallel {
// CHECK: scf.for
// CHECK: omp.parallel {
func.func @small_kernel_after(%a: memref<64xf32>, %b: memref<4xf32>, %c: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1.0 : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %one, %a[%i] : memref<64xf32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %a[%i] : memref<64xf32>
    memref.store %v, %b[%i] : memref<4xf32>
  }
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %one, %c[%i] : memref<64xf32>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  return
}
