// The named pass pipelines. gptc and gptc-opt run the same ones, so a lit test
// of `gptc-opt --gptc-lower-to-llvm` checks exactly what the driver does.
//
//   gptc-build-train-step : nn @forward -> + @grad (autodiff) -> + @train_step (optimizer)
//                           [-> + @encode, @decode (split-encoder=1, sequence-to-sequence models)]
//   gptc-lower-to-linalg  : nn -> linalg on tensors, elementwise chains fused
//   gptc-lower-to-llvm    : bufferize, out-params, deallocation, GEMM calls, loops,
//                           LLVM dialect with the runtime's entry points
//   gptc-lower-to-gpu     : (GPU) bufferize, GEMM calls to the CUDA runtime, one kernel
//                           per fusion group, outlined into gpu.module @gptc_kernels
//   gptc-lower-to-nvvm    : (GPU) kernels -> NVVM -> PTX in a gpu.binary (docs/gpu.md)
//   gptc-lower-gpu-host-to-llvm : (GPU) host functions -> LLVM dialect: runtime calls for
//                           launches, device allocations, the PTX embedded, entry points
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
  Option<bool> mergeParallelRegions{*this, "merge-parallel-regions",
                                    llvm::cl::desc("one fork per run of kernels, no barrier where none is needed"),
                                    llvm::cl::init(true)};
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
  Option<bool> callGrad{*this, "call-grad",
                        llvm::cl::desc("@train_step calls @grad and @apply_grads (CPU: each compiled once)"),
                        llvm::cl::init(false)};
};
void buildTrainStepPipeline(mlir::OpPassManager &pm, const TrainStepOptions &options);
struct LowerToLinalgOptions : mlir::PassPipelineOptions<LowerToLinalgOptions> {
  Option<bool> concatInPlace{*this, "concat-in-place",
                             llvm::cl::desc("concat parts computed in their slices (CPU); false: one generic (GPU)"),
                             llvm::cl::init(true)};
  Option<bool> gemmEpilogues{*this, "gemm-epilogues",
                             llvm::cl::desc("keep GEMM epilogues stored, not recomputed (CPU)"),
                             llvm::cl::init(false)};
};
void buildLowerToLinalgPipeline(mlir::OpPassManager &pm, const LowerToLinalgOptions &options);

struct FusionOptions : mlir::PassPipelineOptions<FusionOptions> {
  Option<bool> remarks{*this, "remarks", llvm::cl::desc("explain every op left out of its producer's group"),
                       llvm::cl::init(false)};
  Option<bool> gemmEpilogues{*this, "gemm-epilogues",
                             llvm::cl::desc("elementwise consumers of GEMMs join them as epilogues (CPU)"),
                             llvm::cl::init(false)};
};
void buildFusionPipeline(mlir::OpPassManager &pm, const FusionOptions &options);
void buildLowerToLLVMPipeline(mlir::OpPassManager &pm, const LowerToLLVMOptions &options);
/// Its second half: buffers with GEMM calls and linalg ops -> threaded,
/// vectorised loops -> LLVM dialect with the runtime's entry points.
void buildLoopsToLLVMPipeline(mlir::OpPassManager &pm, const LowerToLLVMOptions &options);

/// The GPU path (docs/gpu.md). The toolkit is only read when the PTX is made
/// (gptc-lower-to-nvvm links its libdevice), never at build time.
struct GPUOptions : mlir::PassPipelineOptions<GPUOptions> {
  Option<std::string> chip{*this, "chip", llvm::cl::desc("GPU architecture (sm_80 PTX also runs on sm_90)"),
                           llvm::cl::init("sm_80")};
  Option<std::string> toolkit{*this, "toolkit", llvm::cl::desc("CUDA toolkit (its nvvm/libdevice is linked)"),
                              llvm::cl::init("/usr/local/cuda")};
  Option<int64_t> blockSize{*this, "block-size", llvm::cl::desc("most threads per block"), llvm::cl::init(256)};
  Option<bool> bf16Matmuls{*this, "bf16-matmuls",
                           llvm::cl::desc("GEMMs with bf16 operands and f32 accumulation (gptc_cuda_gemm_bf16_f32)"),
                           llvm::cl::init(false)};
};
/// Fused linalg on tensors -> host functions of kernel launches and runtime
/// calls, kernels in gpu.module @gptc_kernels (checked: nothing else on the host).
void buildLowerToGPUPipeline(mlir::OpPassManager &pm, const GPUOptions &options);
/// Its first half: one scf.parallel per kernel on buffers, GEMMs calls to
/// `gemmPrefix`_f32 (gptc_cuda_gemm on the GPU).
/// `laneCollectives`: how the lanes of a lane kernel (32 per row) combine
/// their partials, "shuffle" on a GPU or "loops" on a CPU (the same order).
void buildGPUKernelLoopsPipeline(mlir::OpPassManager &pm, llvm::StringRef gemmPrefix,
                                 llvm::StringRef laneCollectives);
/// The GPU path's kernel loops compiled for the CPU (gptc --gpu-kernels-on-cpu):
/// every kernel mapped to blocks and threads as for the GPU, then a parallel
/// loop of the CPU's runtime over its blocks; GEMMs the CPU's. It checks what
/// the GPU kernels compute without a GPU (test/GPU/kernels-on-cpu.test).
/// `bf16Matmuls`: GEMMs round their operands to bf16 (gptc_gemm_bf16_f32), as
/// --precision=bf16 asks of cuBLAS.
void buildGPUKernelsOnCPUPipeline(mlir::OpPassManager &pm, bool bf16Matmuls);
/// The kernels of gptc-lower-to-gpu -> NVVM -> PTX (gpu.binary, format isa).
void buildLowerToNVVMPipeline(mlir::OpPassManager &pm, const GPUOptions &options);

/// The host side after gptc-lower-to-nvvm -> LLVM dialect with the runtime's
/// entry points: launches become gptc_cuda_launch calls, buffers device
/// allocations (the runtime's _mlir_memref_to_llvm_alloc/free), the PTX a
/// string in the executable.
void buildLowerGPUHostToLLVMPipeline(mlir::OpPassManager &pm);

/// Dialects, interface models and LLVM IR translations the pipelines need.
void registerGptcDialects(mlir::DialectRegistry &registry);
/// Our passes, the upstream passes the pipelines use, and the named pipelines.
void registerGptcPassesAndPipelines();

} // namespace gptc

#endif
