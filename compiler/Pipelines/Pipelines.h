// The named pass pipelines. gptc and gptc-opt run the same ones, so a lit test
// of `gptc-opt --gptc-lower-to-llvm` checks exactly what the driver does.
//
//   gptc-build-train-step : nn @forward -> + @grad (autodiff) -> + @train_step (optimizer)
//   gptc-lower-to-linalg  : nn -> linalg on tensors, elementwise chains fused
//   gptc-lower-to-llvm    : bufferize, out-params, deallocation, GEMM calls, loops,
//                           LLVM dialect with the runtime's entry points
#ifndef GPTC_PIPELINES_PIPELINES_H
#define GPTC_PIPELINES_PIPELINES_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"

namespace gptc {

struct LoweringOptions {
  /// Call the runtime's GEMM for matmuls (the fast path) instead of lowering
  /// them to loops.
  bool runtimeGemm = true;
};

void buildTrainStepPipeline(mlir::OpPassManager &pm);
void buildLowerToLinalgPipeline(mlir::OpPassManager &pm);
mlir::LogicalResult buildLowerToLLVMPipeline(mlir::OpPassManager &pm, const LoweringOptions &options);

/// Dialects, interface models and LLVM IR translations the pipelines need.
void registerGptcDialects(mlir::DialectRegistry &registry);
/// Our passes, the upstream passes the pipelines use, and the named pipelines.
void registerGptcPassesAndPipelines();

} // namespace gptc

#endif
