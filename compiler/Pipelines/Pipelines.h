// The named pass pipelines. gptc and gptc-opt run the same ones, so a lit test
// of `gptc-opt --gptc-lower-to-llvm` checks exactly what the driver does.
//
//   gptc-build-train-step : nn @forward -> + @grad (autodiff) -> + @train_step (optimizer)
//                           [-> + @encode, @decode (split-encoder=1, sequence-to-sequence models)]
//   gptc-lower-to-linalg  : nn -> linalg on tensors, elementwise chains fused
//   gptc-lower-to-llvm    : bufferize, out-params, deallocation, GEMM calls, loops,
//                           LLVM dialect with the runtime's entry points
#ifndef GPTC_PIPELINES_PIPELINES_H
#define GPTC_PIPELINES_PIPELINES_H

//
// Each pipeline is built from pass constructors by one function and registered
// with its options, so `gptc --gemm=loops` is `gptc-opt --gptc-lower-to-llvm=gemm=loops`.
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace gptc {

/// How matmuls become code.
enum class GemmKind {
  Runtime, // calls to the runtime's packed GEMM (the fast path)
  Loops,   // linalg's loops (a reference for the runtime's GEMM)
};

struct LowerToLLVMOptions : mlir::PassPipelineOptions<LowerToLLVMOptions> {
  Option<GemmKind> gemm{*this, "gemm", llvm::cl::desc("matmul code"), llvm::cl::init(GemmKind::Runtime),
                        llvm::cl::values(clEnumValN(GemmKind::Runtime, "runtime", "call the runtime's GEMM"),
                                         clEnumValN(GemmKind::Loops, "loops", "lower to loops"))};
  Option<bool> remarks{*this, "remarks", llvm::cl::desc("report each step function's buffer plan"),
                       llvm::cl::init(false)};
};

struct TrainStepOptions : mlir::PassPipelineOptions<TrainStepOptions> {
  Option<bool> fuseAttention{*this, "fuse-attention",
                             llvm::cl::desc("replace attention written from primitives by nn.attention"),
                             llvm::cl::init(true)};
  Option<bool> remarks{*this, "remarks", llvm::cl::desc("explain every softmax left out of a fused attention"),
                       llvm::cl::init(false)};
  Option<bool> splitEncoder{*this, "split-encoder",
                            llvm::cl::desc("also split @forward into @encode and @decode at its first input"),
                            llvm::cl::init(false)};
};
void buildTrainStepPipeline(mlir::OpPassManager &pm, const TrainStepOptions &options);
void buildLowerToLinalgPipeline(mlir::OpPassManager &pm);

struct FusionOptions : mlir::PassPipelineOptions<FusionOptions> {
  Option<bool> remarks{*this, "remarks", llvm::cl::desc("explain every op left out of its producer's group"),
                       llvm::cl::init(false)};
};
void buildFusionPipeline(mlir::OpPassManager &pm, const FusionOptions &options);
void buildLowerToLLVMPipeline(mlir::OpPassManager &pm, const LowerToLLVMOptions &options);

/// Dialects, interface models and LLVM IR translations the pipelines need.
void registerGptcDialects(mlir::DialectRegistry &registry);
/// Our passes, the upstream passes the pipelines use, and the named pipelines.
void registerGptcPassesAndPipelines();

} // namespace gptc

#endif
