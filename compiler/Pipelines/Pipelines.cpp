#include "compiler/Pipelines/Pipelines.h"

#include "compiler/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace gptc {

void buildTrainStepPipeline(OpPassManager &pm) {
  pm.addPass(createAutodiff());
  pm.addPass(createApplyOptimizer());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void buildLowerToLinalgPipeline(OpPassManager &pm) {
  pm.addPass(createConvertNNToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createFuseElementwise());
  // No CSE here: it would merge the identical `fill(0) -> tensor.empty`
  // accumulators of different matmuls and reductions into one tensor, and
  // bufferization would then copy it for every writer. (CSE already ran on nn.)
}

LogicalResult buildLowerToLLVMPipeline(OpPassManager &pm, const LoweringOptions &options) {
  // Function arguments are the runtime's buffers and are never written: the
  // step functions return new tensors, which become out-params the runtime owns.
  std::string pipeline =
      "one-shot-bufferize{bufferize-function-boundaries "
      "function-boundary-type-conversion=identity-layout-map},"
      "buffer-results-to-out-params{hoist-static-allocs},"
      "canonicalize,"
      "buffer-deallocation-pipeline,";
  if (options.runtimeGemm)
    pipeline += "gptc-matmul-to-runtime-calls,";
  pipeline +=
      "func.func(convert-linalg-to-loops),"
      "canonicalize,"
      "convert-scf-to-cf,"
      "expand-strided-metadata,"
      "lower-affine,"
      "convert-math-to-llvm,"
      "convert-math-to-libm,"
      "finalize-memref-to-llvm,"
      "convert-arith-to-llvm,"
      "convert-index-to-llvm,"
      "convert-func-to-llvm{use-bare-ptr-memref-call-conv},"
      "convert-cf-to-llvm,"
      "reconcile-unrealized-casts,"
      "gptc-emit-entry-points,"
      "canonicalize";
  return parsePassPipeline(pipeline, pm);
}

void registerGptcDialects(DialectRegistry &registry) {
  registry.insert<nn::NNDialect, func::FuncDialect, arith::ArithDialect, math::MathDialect,
                  tensor::TensorDialect, linalg::LinalgDialect, bufferization::BufferizationDialect,
                  memref::MemRefDialect, scf::SCFDialect, cf::ControlFlowDialect,
                  affine::AffineDialect, LLVM::LLVMDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

void registerGptcPassesAndPipelines() {
  registerGptcPasses();
  registerTransformsPasses();
  registerLinalgPasses();
  bufferization::registerBufferizationPasses();
  bufferization::registerBufferizationPipelines();
  memref::registerMemRefPasses();
  registerConvertFuncToLLVMPass();
  registerFinalizeMemRefToLLVMConversionPass();
  registerArithToLLVMConversionPass();
  registerConvertMathToLLVMPass();
  registerConvertMathToLibm();
  registerSCFToControlFlow();
  registerConvertControlFlowToLLVMPass();
  registerReconcileUnrealizedCasts();
  registerConvertIndexToLLVMPass();
  registerConvertAffineToStandard();

  PassPipelineRegistration<>("gptc-build-train-step",
                             "nn @forward -> @grad (autodiff) and @train_step (optimizer)",
                             buildTrainStepPipeline);
  PassPipelineRegistration<>("gptc-lower-to-linalg", "nn -> linalg on tensors, fused",
                             buildLowerToLinalgPipeline);
  PassPipelineRegistration<>("gptc-lower-to-llvm", "linalg on tensors -> LLVM dialect",
                             [](OpPassManager &pm) {
                               if (failed(buildLowerToLLVMPipeline(pm, LoweringOptions())))
                                 llvm::report_fatal_error("bad gptc-lower-to-llvm pipeline");
                             });
}

} // namespace gptc
