// gptc-check-host-launches-only (GPU): the host side of a step function does
// nothing but launch kernels, call the runtime and manage buffers.
//
// Every buffer of the GPU path lives in device memory, so any computation
// left in a host function would read device pointers on the CPU, and any
// loop left there would be a whole kernel run on one CPU thread.
// convert-parallel-loops-to-gpu leaves a loop it cannot map on the host and
// still succeeds (DESIGN.md G4), so this check runs after outlining and fails
// with the op and the function named. Allowed in a host function:
//
//   gpu.launch_func, func.call (the runtime's GEMM), func.return,
//   memref.alloc / alloca / dealloc, views of buffers (subview,
//   expand_shape, collapse_shape, reinterpret_cast, cast, transpose),
//   memref.extract_aligned_pointer_as_index (a GEMM argument), and constants.
//
// Not memref.get_global: a constant global is host memory, so it must have
// been moved into the kernels (gptc-gpu-sink-constant-globals).
//
// gpu.module bodies (the kernels) are not host code and are not checked.
#include "compiler/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace gptc {
#define GEN_PASS_DEF_CHECKHOSTLAUNCHESONLY
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;

namespace {

bool allowedOnHost(Operation *op) {
  return isa<gpu::LaunchFuncOp, func::CallOp, func::ReturnOp, arith::ConstantOp, memref::AllocOp,
             memref::AllocaOp, memref::DeallocOp, memref::SubViewOp, memref::ExpandShapeOp,
             memref::CollapseShapeOp, memref::ReinterpretCastOp, memref::CastOp, memref::TransposeOp,
             memref::ExtractAlignedPointerAsIndexOp>(op);
}

struct CheckHostLaunchesOnlyPass : gptc::impl::CheckHostLaunchesOnlyBase<CheckHostLaunchesOnlyPass> {
  void runOnOperation() override {
    bool ok = true;
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      func.walk<WalkOrder::PreOrder>([&](Operation *op) {
        if (op == func.getOperation())
          return WalkResult::advance();
        if (allowedOnHost(op))
          return WalkResult::skip();
        op->emitError() << "'" << op->getName() << "' is left on the host in @" << func.getSymName()
                        << ": a GPU host function may only launch kernels, call the runtime, allocate, free "
                           "and take views of buffers";
        ok = false;
        return WalkResult::skip(); // one error per op, not per nested op
      });
    }
    if (!ok)
      signalPassFailure();
  }
};

} // namespace
