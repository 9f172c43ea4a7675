// The GPU path's pipelines (docs/gpu.md; DESIGN.md G3-G7 for what was found
// to work on Debian's MLIR 19 and why each pass is here).
//
//   gptc-lower-to-gpu:  fused linalg on tensors (with nn.fusion_group ops)
//     -> each group's ops tagged with their kernel, groups inlined
//     -> buffers (the same bufferization as the CPU path)
//     -> GEMMs: calls to gptc_cuda_gemm_f32 (cuBLAS in the runtime)
//     -> one scf.parallel per group, host scalars sunk into the kernels
//     -> tiled into blocks of threads, mapped (threads x along the
//        contiguous dimension), gpu.launch, outlined into gpu.module @gptc_kernels
//     -> checked: host functions hold only launches, calls, buffers, views.
//   gptc-lower-to-nvvm: kernels -> NVVM with bare-pointer memref arguments
//     (one .u64 param per buffer) -> PTX in-process, libdevice linked.
//   gptc-lower-gpu-host-to-llvm: launches -> gptc_cuda_launch calls, the PTX
//     -> a string of the executable, buffers -> device allocations (the
//     runtime's _mlir_memref_to_llvm_alloc/free), host code -> LLVM with the
//     CPU path's entry points and manifest.
#include "compiler/Passes.h"
#include "compiler/Pipelines/Pipelines.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToGPU/SCFToGPUPass.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace gptc {

/// Threads sharing a row of a rows group (a lane kernel): one warp.
constexpr int64_t kWarpLanes = 32;
/// Rows folded by one thread of a split reduction's first kernel: 64 makes
/// the 6x6x384 GPT's bias gradients (16384 rows, 384 columns) 256 x 384
/// threads, 384 blocks (at 256 rows per slice: 96 blocks, fewer than an
/// H100's 132 SMs), and each output's 256 partials a warp's 8 per lane.
constexpr int64_t kRowsPerSlice = 64;
/// Values (buffers, views) one foreach kernel may use: each is a kernel
/// parameter of 8 bytes, and PTX before ISA 8.1 (the sm_80 default here is
/// 7.0) takes 4352 bytes of parameters; the rest is room for the buffers that
/// sunk host scalars load from.
constexpr int64_t kMaxKernelValues = 520;
/// Tokens added by one thread of a split scatter-add (the embedding
/// gradient): its last kernel adds every slice's table in order, one thread
/// per table element, so slices stay long.
constexpr int64_t kScatterTokensPerSlice = 256;

void buildGPUKernelLoopsPipeline(OpPassManager &pm, StringRef gemmPrefix, StringRef laneCollectives) {
  // Groups go before bufferization; their ops keep a tag saying which kernel
  // they belong to.
  pm.addPass(createGpuMarkKernels());
  pm.addPass(createLowerFusionGroups());
  pm.addPass(createCanonicalizerPass());
  bufferization::OneShotBufferizationOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.setFunctionBoundaryTypeConversion(bufferization::LayoutMapOption::IdentityLayoutMap);
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferResultsToOutParamsOpts outParams;
  outParams.hoistStaticAllocs = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  pm.addPass(createCanonicalizerPass());
  bufferization::buildBufferDeallocationPipeline(pm, bufferization::BufferDeallocationPipelineOptions());
  MatmulToRuntimeCallsOptions gemm;
  gemm.runtimePrefix = gemmPrefix.str();
  gemm.epilogues = false; // cuBLAS takes no callback
  pm.addPass(createMatmulToRuntimeCalls(gemm));
  GpuFormKernelLoopsOptions kernelLoops;
  kernelLoops.lanes = kWarpLanes; // rows groups and full reductions: a warp per row
  kernelLoops.laneCollectives = laneCollectives.str();
  kernelLoops.rowsPerSlice = kRowsPerSlice; // bias gradients: slices of rows, then the slices
  kernelLoops.scatterRowsPerSlice = kScatterTokensPerSlice;
  kernelLoops.maxKernelValues = kMaxKernelValues;
  pm.addNestedPass<func::FuncOp>(createGpuFormKernelLoops(kernelLoops));
  pm.addNestedPass<func::FuncOp>(createGpuSinkHostScalars());
  // After the kernels are formed: a group's ops are one loop, so a buffer
  // used inside the group is freed after the whole kernel.
  pm.addPass(createFreeAfterLastUse());
}

/// The runtime's GEMMs without the _f32/_f64 suffix: `bf16Matmuls` calls the
/// ones that round f32 operands to bf16 and accumulate in f32
/// (--precision=bf16: `gptc_cuda_gemm_bf16_f32`, cuBLAS's
/// CUBLAS_COMPUTE_32F_FAST_16BF; `gptc_gemm_bf16_f32` on the CPU).
static std::string gemmFunctionPrefix(StringRef base, bool bf16Matmuls) {
  return bf16Matmuls ? (base + "_bf16").str() : base.str();
}

void buildGPUKernelsOnCPUPipeline(OpPassManager &pm, bool bf16Matmuls) {
  buildGPUKernelLoopsPipeline(pm, gemmFunctionPrefix("gptc_gemm", bf16Matmuls), "loops");
  // The kernels as the GPU would launch them: merged, tiled into blocks of
  // threads, guarded (the mapping attributes unused on the CPU, where the
  // block loop is the parallel one and the thread loop sequential inside it).
  pm.addNestedPass<func::FuncOp>(createGpuMapKernelLoops(GpuMapKernelLoopsOptions{}));
  buildLoopsToLLVMPipeline(pm, LowerToLLVMOptions());
}

void buildLowerToGPUPipeline(OpPassManager &pm, const GPUOptions &options) {
  buildGPUKernelLoopsPipeline(pm, gemmFunctionPrefix("gptc_cuda_gemm", options.bf16Matmuls), "shuffle");
  GpuMapKernelLoopsOptions map;
  map.blockSize = options.blockSize;
  pm.addNestedPass<func::FuncOp>(createGpuMapKernelLoops(map));
  pm.addPass(createParallelLoopToGpuPass());
  // Constant tensors become device globals of the kernel module.
  pm.addNestedPass<func::FuncOp>(createGpuSinkConstantGlobals());
  pm.addPass(createCanonicalizerPass());
  // Constants used in a kernel are rematerialised in it rather than passed
  // as kernel parameters.
  pm.addPass(createGpuLauchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createGpuMergeKernelModules());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCheckHostLaunchesOnly());
}

void buildLowerToNVVMPipeline(OpPassManager &pm, const GPUOptions &options) {
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertSCFToCFPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  // The PTX ISA the chip needs (LLVM's default, +ptx60, predates sm_80).
  target.features = options.chip == "sm_80" || options.chip == "sm_86" ? "+ptx70" : "+ptx78";
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.useBarePtrCallConv = true; // one pointer per buffer: static shapes
  kernels.addPass(createConvertGpuOpsToNVVMOps(nvvm));
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = options.toolkit; // libdevice: tanh, exp, ... (G3)
  binary.compilationTarget = "isa";     // PTX text, in-process
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void buildLowerGPUHostToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(createGpuLaunchesToRuntimeCalls());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Every buffer a host function allocates is device memory: the generic
  // allocation functions are the runtime's CUDA allocator (gptc/abi.h).
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  ConvertFuncToLLVMPassOptions funcToLLVM;
  funcToLLVM.useBarePtrCallConv = true; // one pointer per buffer: the runtime's C ABI
  pm.addPass(createConvertFuncToLLVMPass(funcToLLVM));
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createEmitEntryPoints());
  pm.addPass(createCanonicalizerPass());
}

} // namespace gptc
