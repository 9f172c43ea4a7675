// gptc-gpu-sink-constant-globals (GPU): constant tensors a kernel reads live
// in the kernel module, on the device.
//
// Bufferization makes a constant tensor (the positions of `arange`, a causal
// mask written as a constant) a host memref.global, and the host passes it to
// the kernels that read it. The device cannot read host memory. Cloning the
// memref.get_global into each gpu.launch that uses it makes the global a
// symbol the kernel references, so gpu-kernel-outlining copies the global
// into the kernel's gpu.module (gptc-gpu-merge-kernel-modules keeps one copy):
// the PTX holds it as an initialised `.global` array, on the device as soon as
// the module is loaded. The host's get_global is left without uses (the
// canonicaliser removes it); any other host use is reported by
// gptc-check-host-launches-only.
#include "compiler/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Utils.h"

namespace gptc {
#define GEN_PASS_DEF_GPUSINKCONSTANTGLOBALS
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;

namespace {

struct GpuSinkConstantGlobalsPass : gptc::impl::GpuSinkConstantGlobalsBase<GpuSinkConstantGlobalsPass> {
  void runOnOperation() override {
    WalkResult result = getOperation().walk([](gpu::LaunchOp launch) -> WalkResult {
      return failed(sinkOperationsIntoLaunchOp(launch, [](Operation *op) { return isa<memref::GetGlobalOp>(op); }))
                 ? WalkResult::interrupt()
                 : WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
