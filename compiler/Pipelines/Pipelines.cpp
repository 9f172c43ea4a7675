#include "compiler/Pipelines/Pipelines.h"

#include "compiler/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/DLTI/DLTI.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Transforms/TilingInterfaceImpl.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace gptc {

void buildTrainStepPipeline(OpPassManager &pm, const TrainStepOptions &options) {
  // Attention is fused before autodiff, so its backward is nn.attention's own
  // rule (recompute from the logsumexp) and no [Tq, Tk] tensor is kept.
  if (options.fuseAttention) {
    pm.addPass(createCanonicalizerPass());
    FormAttentionOptions form;
    form.remarks = options.remarks;
    pm.addPass(createFormAttention(form));
  }
  pm.addPass(createAutodiff());
  ApplyOptimizerOptions optimizer;
  optimizer.callGrad = options.callGrad;
  pm.addPass(createApplyOptimizer(optimizer));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Decoding calls @encode once per sentence and @decode_step once per token.
  if (options.splitEncoder) {
    pm.addPass(createSplitEncoder());
    pm.addPass(createIncrementalDecode());
  }
}

void buildLowerToLinalgPipeline(OpPassManager &pm, const LowerToLinalgOptions &options) {
  ConvertNNToLinalgOptions convert;
  convert.concatInPlace = options.concatInPlace;
  pm.addPass(createConvertNNToLinalg(convert));
  pm.addPass(createCanonicalizerPass());
  FuseElementwiseOptions fuse;
  fuse.gemmEpilogues = options.gemmEpilogues;
  pm.addPass(createFuseElementwise(fuse));
  // No CSE here: it would merge the identical `fill(0) -> tensor.empty`
  // accumulators of different matmuls and reductions into one tensor, and
  // bufferization would then copy it for every writer. (CSE already ran on nn.)
}

void buildFusionPipeline(OpPassManager &pm, const FusionOptions &options) {
  FormFusionGroupsOptions form;
  form.remarks = options.remarks;
  form.gemmEpilogues = options.gemmEpilogues;
  pm.addPass(createFormFusionGroups(form));
  FormForeachGroupsOptions foreach;
  foreach.remarks = options.remarks;
  pm.addPass(createFormForeachGroups(foreach));
}

void buildLowerToLLVMPipeline(OpPassManager &pm, const LowerToLLVMOptions &options) {
  // Fusion groups are inlined: each op of a group is still its own loop nest
  // (row-blocks=1 makes a rows group one loop over blocks of rows; it
  // measured no faster and used more memory, see docs/fusion.md).
  pm.addPass(createLowerFusionGroups());
  pm.addPass(createCanonicalizerPass());
  // nn.attention(_grad) -> loops over buffers with runtime GEMM calls (after
  // the canonicaliser, which would fold the kernels' to_memref/to_tensor).
  pm.addPass(createLowerAttention());
  // Function arguments are the runtime's buffers and are never written: the
  // step functions return new tensors, which become out-params the runtime owns.
  bufferization::OneShotBufferizationOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.setFunctionBoundaryTypeConversion(bufferization::LayoutMapOption::IdentityLayoutMap);
  // A copy bufferization cannot avoid is a loop nest (vectorised, threaded like
  // any kernel), not a call to MLIR's C runner library.
  bufferize.memCpyFn = [](OpBuilder &b, Location loc, Value from, Value to) {
    b.create<linalg::CopyOp>(loc, from, to);
    return success();
  };
  // A value inserted into a slice of a bigger tensor (a concat's parts) is
  // computed in that slice: its tensor.empty destination becomes the slice.
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferResultsToOutParamsOpts outParams;
  outParams.hoistStaticAllocs = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  // @train_step's calls write the step's out-params (no copies at its end).
  pm.addPass(createForwardCallResults());
  pm.addPass(createCanonicalizerPass());
  // A part computed in its slice of a concat is then "copied" onto itself
  // from a second, equal subview: CSE makes the two one and the canonicaliser
  // drops the self-copy. (On buffers CSE is safe: allocations never merge.)
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  bufferization::buildBufferDeallocationPipeline(pm, bufferization::BufferDeallocationPipelineOptions());
  // The pipeline frees buffers at the end of their block, i.e. when the step
  // returns: free each one after its last use instead (the step's peak memory
  // becomes what is live at once, not the sum of all its buffers).
  FreeAfterLastUseOptions freeing;
  freeing.remarks = options.remarks;
  pm.addPass(createFreeAfterLastUse(freeing));
  pm.addPass(createForallToParallelLoopPass()); // the rows groups' tile loops
  if (options.gemm == GemmKind::Runtime)
    pm.addPass(createMatmulToRuntimeCalls());
  buildLoopsToLLVMPipeline(pm, options);
}

void buildLoopsToLLVMPipeline(OpPassManager &pm, const LowerToLLVMOptions &options) {
  // Loops: every linalg op becomes a nest with its parallel dimensions as
  // scf.parallel; the outermost of each big nest runs on all cores (OpenMP,
  // the same thread team as the runtime's GEMM), the rest is sequential code
  // for LLVM's vectoriser, which needs no libm calls in the loop body.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createParallelizeLoops());
  pm.addNestedPass<func::FuncOp>(createPromoteReductions());
  pm.addNestedPass<func::FuncOp>(createApproximateMath());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createConvertSCFToOpenMPPass());
  // convert-scf-to-openmp wraps loop bodies in memref.alloca_scope, which
  // canonicalisation removes (scf-to-cf cannot lower it).
  pm.addPass(createCanonicalizerPass());
  if (options.mergeParallelRegions)
    pm.addNestedPass<func::FuncOp>(createMergeParallelRegions());
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // Only the GPU path's lane kernels, built for the CPU, hold vector ops (a
  // row's partials, LaneKernels.cpp); everything else is scalar loops.
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  ConvertFuncToLLVMPassOptions funcToLLVM;
  funcToLLVM.useBarePtrCallConv = true; // one pointer per buffer: the runtime's C ABI
  pm.addPass(createConvertFuncToLLVMPass(funcToLLVM));
  pm.addPass(createConvertControlFlowToLLVMPass());
  // After func-to-llvm: this pass also converts functions, with memref
  // descriptors, and would undo the bare-pointer calling convention.
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createEmitEntryPoints());
  pm.addPass(createCanonicalizerPass());
}

void registerGptcDialects(DialectRegistry &registry) {
  registry.insert<nn::NNDialect, func::FuncDialect, arith::ArithDialect, math::MathDialect,
                  tensor::TensorDialect, linalg::LinalgDialect, bufferization::BufferizationDialect,
                  memref::MemRefDialect, scf::SCFDialect, cf::ControlFlowDialect,
                  affine::AffineDialect, omp::OpenMPDialect, vector::VectorDialect,
                  LLVM::LLVMDialect, gpu::GPUDialect, NVVM::NVVMDialect, DLTIDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerTilingInterfaceExternalModels(registry); // rows groups are tiled
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  // The GPU path: kernels serialised to PTX in-process (DESIGN.md G7).
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
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
  registerConvertSCFToOpenMPPass();
  registerConvertOpenMPToLLVMPass();
  registerGPUPasses();
  registerConvertParallelLoopToGpu();
  registerConvertGpuOpsToNVVMOps();

  PassPipelineRegistration<TrainStepOptions>("gptc-build-train-step",
                             "nn @forward -> @grad (autodiff) and @train_step (optimizer)",
                             buildTrainStepPipeline);
  PassPipelineRegistration<LowerToLinalgOptions>("gptc-lower-to-linalg", "nn -> linalg on tensors, fused",
                             buildLowerToLinalgPipeline);
  PassPipelineRegistration<FusionOptions>("gptc-fuse", "linalg on tensors -> nn.fusion_group per kernel",
                                          buildFusionPipeline);
  PassPipelineRegistration<LowerToLLVMOptions>("gptc-lower-to-llvm", "linalg on tensors -> LLVM dialect",
                                               buildLowerToLLVMPipeline);
  PassPipelineRegistration<>("gptc-gpu-kernels-on-cpu",
                             "fused linalg on tensors -> the GPU path's kernel loops, run on the CPU (LLVM dialect)",
                             [](OpPassManager &pm) { buildGPUKernelsOnCPUPipeline(pm, /*bf16Matmuls=*/false); });
  PassPipelineRegistration<GPUOptions>("gptc-lower-to-gpu",
                                       "GPU: linalg on tensors -> kernel launches + gpu.module @gptc_kernels",
                                       buildLowerToGPUPipeline);
  PassPipelineRegistration<>("gptc-lower-gpu-host-to-llvm",
                             "GPU: host functions -> LLVM dialect (runtime launches, device buffers, PTX embedded)",
                             buildLowerGPUHostToLLVMPipeline);
  PassPipelineRegistration<GPUOptions>("gptc-lower-to-nvvm", "GPU: gpu.module kernels -> NVVM -> PTX (gpu.binary)",
                                       buildLowerToNVVMPipeline);
}

} // namespace gptc
