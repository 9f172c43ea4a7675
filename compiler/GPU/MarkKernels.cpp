// gptc-gpu-mark-kernels (GPU): records, on each linalg op, which fusion group
// (kernel) it belongs to.
//
// The GPU path builds one kernel per fusion group, but groups are regions on
// tensors and have to go before bufferization (nn.fusion_group is not
// bufferizable). Discardable attributes survive one-shot bufferization, so
// each linalg op of a group gets `gptc.kernel = N` (the group's number in the
// module) and, for a rows group, `gptc.kernel_rows = R` (its shared leading
// row dimensions); gptc-gpu-form-kernel-loops regroups the ops on buffers.
//
// nn.attention (formed by gptc-form-attention) has only the CPU lowering: the
// GPU path compiles attention from its primitives (batched GEMMs and a
// softmax rows group), and says so if it meets one.
#include "compiler/GPU/KernelTags.h"
#include "compiler/Passes.h"

namespace gptc {
#define GEN_PASS_DEF_GPUMARKKERNELS
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;
using gptc::nn::FusionGroupOp;

namespace {

struct GpuMarkKernelsPass : gptc::impl::GpuMarkKernelsBase<GpuMarkKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool attention = false;
    module.walk([&](Operation *op) {
      if (isa<gptc::nn::AttentionOp, gptc::nn::AttentionGradOp>(op)) {
        op->emitError("nn.attention has no GPU lowering yet: the GPU path compiles attention from its "
                      "primitives (run the train-step pipeline with fuse-attention=0)");
        attention = true;
      }
    });
    if (attention)
      return signalPassFailure();
    Builder b(&getContext());
    int64_t kernel = 0;
    module.walk([&](FusionGroupOp group) {
      for (Operation &op : group.getBody().front().without_terminator()) {
        if (!isa<linalg::LinalgOp>(op))
          continue;
        op.setAttr(gptc::gpu::kKernelAttr, b.getI64IntegerAttr(kernel));
        if (group.getKind() == "rows")
          op.setAttr(gptc::gpu::kKernelRowsAttr, b.getI64IntegerAttr(group.getRows()));
      }
      ++kernel;
    });
  }
};

} // namespace
