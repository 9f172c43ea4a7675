#ifndef GPTC_PASSES_TD
#define GPTC_PASSES_TD

include "mlir/Pass/PassBase.td"

def Autodiff : Pass<"gptc-autodiff", "mlir::ModuleOp"> {
  let summary = "Reverse-mode autodiff: @forward -> @grad returning (loss, dloss/dparams...)";
  let description = [{
    Walks @forward backwards from its first result (the loss), asks each op's
    GradOpInterface for the adjoints of its operands, and sums the adjoints of
    values used more than once. Arguments marked {gptc.param} get gradients.
  }];
  let dependentDialects = ["gptc::nn::NNDialect", "mlir::func::FuncDialect"];
}

def ApplyOptimizer : Pass<"gptc-apply-optimizer", "mlir::ModuleOp"> {
  let summary = "Builds @train_step: @grad followed by the optimizer update of every param";
  let description = [{
    @train_step(params..., optimizer state..., inputs..., hyper) ->
      (loss, new params..., new optimizer state...).
    The optimizer is the module's `gptc.optimizer` ("sgd": one velocity per param;
    "adamw": m and v per param). Weight decay applies to params of rank 2 or more.
    `hyper` is a tensor<16xf32|f64> of runtime hyperparameters whose slots are
    named in runtime/include/gptc/contract.h (see nn.sgd_update and
    nn.adamw_update). With the module attribute gptc.clip, gradients are first
    scaled by nn.clip_scale (global-norm clipping, hyper::kClipMaxNorm). Also builds
    @apply_grads(params, state, grads, hyper) for gradient accumulation.
    With `call-grad`, @train_step's body is a call of @grad and a call of
    @apply_grads rather than copies of their bodies (the CPU target: LLVM then
    compiles each once).
  }];
  let options = [
    Option<"callGrad", "call-grad", "bool", /*default=*/"false",
           "@train_step calls @grad and @apply_grads instead of repeating their bodies">
  ];
  let dependentDialects = ["gptc::nn::NNDialect", "mlir::func::FuncDialect"];
}

def SplitEncoder : Pass<"gptc-split-encoder", "mlir::ModuleOp"> {
  let summary = "Splits @forward at its first input into @encode and @decode (decoding without re-encoding)";
  let description = [{
    For a sequence-to-sequence model: @encode(forward's args) -> (memory...)
    computes every value that depends on the first input (the source) alone and
    that the target side reads; @decode(forward's args, memory...) -> forward's
    results computes the rest. Ops that depend on neither side are cloned where
    needed. The memory's types go to the module attribute gptc.encoder_outputs
    (exported as gptc_encoder_outputs); each must be batch-major (leading
    dimension a multiple of the batch), so the runtime can keep one sentence's rows.
  }];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

def IncrementalDecode : Pass<"gptc-incremental-decode", "mlir::ModuleOp"> {
  let summary = "Derives @decode_step from @decode: one new target position, with a key/value cache";
  let description = [{
    @decode_step(decode's args..., step_token: i32[B, 1], step_position: i32[B, 1],
    step_slot: f[B, T], caches...: [N, T, D]) -> (logits [B, 1, V], new rows...: [N, 1, D]).
    Every op of @decode's logits that depends on the target is rebuilt with the
    target's time axis of length 1; each causal self-attention reads its keys
    and values as cache + slot * new row and returns the new rows. The caches'
    types go to the module attribute gptc.decode_caches (exported as
    gptc_decode_caches). A model the rules do not cover gets a warning saying
    which op stopped it, and no @decode_step.
  }];
  let dependentDialects = ["gptc::nn::NNDialect", "mlir::func::FuncDialect"];
}

def ConvertNNToLinalg : Pass<"gptc-convert-nn-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lowers nn ops to linalg/tensor/arith/math on tensors";
  let options = [
    Option<"concatInPlace", "concat-in-place", "bool", /*default=*/"true",
           "nn.concat as inserts into one tensor, so each part's producer writes its slice, "
           "and nn.slice as a view read by its consumer (CPU); false: one elementwise generic "
           "that reads the part each element lies in, and a slice copied through indices "
           "(GPU kernels take identity-layout buffers only)">
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect", "mlir::math::MathDialect",
                           "mlir::scf::SCFDialect"];
}

def MatmulToRuntimeCalls : Pass<"gptc-matmul-to-runtime-calls", "mlir::ModuleOp"> {
  let summary = "Replaces buffer-level linalg matmuls with calls to the runtime's GEMM";
  let description = [{
    linalg.matmul / matmul_transpose_a / matmul_transpose_b and their batched forms on
    identity-layout memrefs become `func.call @gptc_gemm_f32` (or _f64) with the
    operands, M, N, K, batch count, transpose flags and an accumulate flag. The
    output is accumulated into (C += op(A) op(B)), matching linalg's semantics,
    unless a linalg.fill of zero into C comes right before the matmul: then the
    fill is removed and the GEMM overwrites C (accumulate = 0). The GPU path
    calls `gptc_cuda_gemm_f32` instead (runtime-prefix=gptc_cuda_gemm), with
    the same arguments, which are then device pointers.

    Epilogues (option epilogues): a 2-D matmul followed by the linalg.generic
    tagged gptc.gemm_epilogue that reads its C (gptc-form-fusion-groups), with
    nothing between them that touches memory but allocations and frees of
    other buffers, becomes one call `@gptc_gemm_epilogue_f32(..., fn,
    context)`: the generic is outlined into a function `fn` (context, row,
    col, rows, cols) that runs it on one tile, and the runtime calls it on
    each tile of C as soon as the tile is complete. `context` is an array of
    the generic's operand addresses.
  }];
  let options = [
    Option<"runtimePrefix", "runtime-prefix", "std::string", /*default=*/"\"gptc_gemm\"",
           "name of the runtime's GEMM without the _f32/_f64 suffix">,
    Option<"epilogues", "epilogues", "bool", /*default=*/"true",
           "outline tagged epilogues into the GEMM call (<prefix>_epilogue_f32)">
  ];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::arith::ArithDialect", "mlir::LLVM::LLVMDialect",
                           "mlir::memref::MemRefDialect"];
}

def EmitEntryPoints : Pass<"gptc-emit-entry-points", "mlir::ModuleOp"> {
  let summary = "Adds the C ABI the runtime calls: gptc_<fn>(void **buffers) and gptc_manifest";
  let description = [{
    Runs on the LLVM dialect with bare-pointer memref arguments. For each of
    forward, grad, train_step and apply_grads (those the module has) it adds `void gptc_<name>(void **buffers)` that
    loads one pointer per argument and calls the function, and turns the module's
    `gptc.manifest` string into a NUL-terminated global `gptc_manifest`. With a
    module attribute `gptc.entry_suffix` (a length bucket's "_k"), the step
    functions become NAME_k and the entry points gptc_NAME_k.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}


def FuseElementwise : Pass<"gptc-fuse-elementwise", "mlir::ModuleOp"> {
  let summary = "Fuses elementwise linalg.generic chains, never into contractions";
  let description = [{
    Like linalg's elementwise fusion, restricted to consumers whose loops are all
    parallel, so matmuls stay named ops that lower to the runtime's GEMM.
    A producer with several uses is recomputed in each when it is cheap
    (docs/fusion.md, "Recompute or store"), unless gemm-epilogues is set and it
    is the only reader of a GEMM's output (it will be the GEMM's epilogue).
  }];
  let options = [
    Option<"gemmEpilogues", "gemm-epilogues", "bool", /*default=*/"false",
           "store, not recompute, producers that will be GEMM epilogues">
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def MergeParallelRegions : Pass<"gptc-merge-parallel-regions"> {
  let summary = "One omp.parallel per run of kernels; no barrier between kernels that share no buffer";
  let description = [{
    After convert-scf-to-openmp. Consecutive omp.parallel ops become one
    (small sequential loop nests between them join as omp.single; allocs,
    deallocs, loads and pure ops between them move out of the way when that
    changes nothing any kernel sees). Every work-shared construct then gets
    `nowait` unless a construct after it, up to the next barrier, touches a
    buffer it writes or writes one it reads; buffers are told apart by their
    root allocation, and function arguments never alias.
  }];
  let dependentDialects = ["mlir::omp::OpenMPDialect"];
}

def PromoteReductions : Pass<"gptc-promote-reductions"> {
  let summary = "Reduction loops carry their accumulator in a register (scf.for iter_args), reassociable";
  let description = [{
    A loop that loads and stores one loop-invariant element of a buffer it
    touches nowhere else, while every other buffer it uses is provably other
    memory (different allocations, or an allocation against an argument),
    loads it once before the loop, carries it as an iter_arg and stores it
    once after. The op that combines it with each iteration's value gets the
    `reassoc` fast-math flag, so LLVM may vectorise the reduction (a summation
    order fixed at compile time, the same for any thread count).
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

def ApproximateMath : Pass<"gptc-approximate-math"> {
  let summary = "Constant powers become multiplies; f32 transcendentals become polynomials";
  let description = [{
    Strength-reduces math.powf with a constant exponent (2, 3, 0.5, -0.5, -1, ...)
    and replaces f32 exp/expm1/log/log1p/tanh/erf/... by MLIR's polynomial
    approximations: straight-line FMA code, so element loops vectorise instead
    of calling libm once per element. f64 is left to libm.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::math::MathDialect",
                           "mlir::vector::VectorDialect"];
}

def ForwardCallResults : Pass<"gptc-forward-call-results", "mlir::ModuleOp"> {
  let summary = "A call result copied into an out-param is written there by the call";
  let description = [{
    After buffer-results-to-out-params. A `memref.copy %tmp, %out` where %out
    is an argument of the function's entry block used by this copy alone and
    %tmp a memref.alloc of the same type, both the copy and the alloc in the
    entry block and %tmp used only before the copy (typically as a call's
    out-param), is removed: %out replaces %tmp.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def FreeAfterLastUse : Pass<"gptc-free-after-last-use"> {
  let summary = "Moves each memref.dealloc to just after the buffer's last use";
  let description = [{
    After the buffer deallocation pipeline, which frees every buffer at the end
    of its block. A dealloc of a memref.alloc moves up to follow the last op of
    the block that uses the buffer or an alias of it (any result of a user but
    a load); buffers that escape the block keep their dealloc.
  }];
  let options = [
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "report each function's buffer plan (peak and total bytes of its temporaries) as a remark">
  ];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def ParallelizeLoops : Pass<"gptc-parallelize-loops"> {
  let summary = "Keeps the outermost scf.parallel of each big enough nest; the rest become scf.for";
  let description = [{
    After convert-linalg-to-parallel-loops. A nest runs in parallel (one
    scf.parallel, later one OpenMP work-shared loop) when its innermost bodies
    run at least `min-work` times in all; nested scf.parallel loops and small
    nests become sequential scf.for loops.
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"16384",
           "iterations of the innermost bodies below which a nest stays sequential">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect"];
}

def FormFusionGroups : Pass<"gptc-form-fusion-groups", "mlir::ModuleOp"> {
  let summary = "Partitions linalg ops into nn.fusion_group ops, one per kernel";
  let description = [{
    GEMMs with their accumulator fill; reductions with the elementwise ops
    before and after them that share their leading parallel dimensions (rows
    groups: softmax, layernorm, cross-entropy); single elementwise nests. The
    rules are in docs/fusion.md. With remarks=1 each op that could not join its
    producer's group says why.
  }];
  let options = [
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "explain, as remarks, every op that stays out of its producer's group">,
    Option<"gemmEpilogues", "gemm-epilogues", "bool", /*default=*/"false",
           "an elementwise op that alone reads a 2-D GEMM's output joins the GEMM's "
           "group as its epilogue (collapsed to the GEMM's [M, N]; tagged gptc.gemm_epilogue)">
  ];
  let dependentDialects = ["gptc::nn::NNDialect", "mlir::tensor::TensorDialect"];
}

def FormForeachGroups : Pass<"gptc-form-foreach-groups", "mlir::ModuleOp"> {
  let summary = "Merges side-by-side independent elementwise groups into one foreach kernel";
  let description = [{
    A run of "elementwise" fusion groups (all-parallel linalg ops, static
    shapes) that do not use each other's values, with only scalar code and
    tensor.empty between them, becomes one nn.fusion_group "foreach" (the
    optimizer's per-parameter updates: one kernel for all parameters, as
    PyTorch's multi-tensor apply). Each member keeps its own iteration space.
  }];
  let options = [
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "say, as a remark, how many groups each foreach kernel holds">
  ];
  let dependentDialects = ["gptc::nn::NNDialect"];
}

def FormAttention : Pass<"gptc-form-attention", "mlir::ModuleOp"> {
  let summary = "Replaces attention written from nn primitives by one nn.attention";
  let description = [{
    Recognises matmul(q, k^T) -> elementwise score ops -> mask_fill(-inf) ->
    softmax -> dropout -> matmul(., v), as users write it, and replaces the
    chain by nn.attention, whose score region is the user's elementwise ops on
    one scalar. Runs on the forward graph, before autodiff, so the backward is
    nn.attention's own rule (nn.attention_grad), which keeps only the
    logsumexp of each row. With remarks=1, each softmax that looks like
    attention but does not fuse says which op stopped it.
  }];
  let options = [
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "explain, as remarks, every softmax that stays out of a fused attention">
  ];
  let dependentDialects = ["gptc::nn::NNDialect", "mlir::arith::ArithDialect", "mlir::math::MathDialect"];
}

def LowerAttention : Pass<"gptc-lower-attention", "mlir::ModuleOp"> {
  let summary = "CPU: nn.attention / nn.attention_grad -> blocked loops over query rows with runtime GEMM calls";
  let description = [{
    Runs on tensors, before bufferization. Each op becomes one scf.parallel over
    its batch (e.g. batch * heads); for each block of query rows, the keys the
    mask leaves visible are multiplied in by the runtime's single-thread GEMM
    (gptc_gemm_strided_*), and the softmax, mask, dropout and score derivative
    run as row loops over a per-thread scratch of [block, Tk]. Masked blocks of
    keys are skipped. Reads q, k, v through bufferization.to_memref read_only
    and returns new buffers through bufferization.to_tensor restrict writable.
  }];
  let options = [
    Option<"queryBlock", "query-block", "int64_t", /*default=*/"64",
           "query rows per block (and per scratch tile)">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::memref::MemRefDialect",
                           "mlir::bufferization::BufferizationDialect", "mlir::func::FuncDialect",
                           "mlir::arith::ArithDialect", "mlir::math::MathDialect"];
}

def LowerFusionGroups : Pass<"gptc-lower-fusion-groups"> {
  let summary = "CPU: removes nn.fusion_group ops (inlines them, or tiles rows groups)";
  let description = [{
    Inlines every group. With row-blocks=1, a rows group becomes one
    scf.forall over blocks of its leading `rows` dimensions in which every op
    of the group is computed for the block, in order, into slices of
    full-size shared outputs (a group it cannot express is inlined).
    No nn.fusion_group is left.
  }];
  let options = [
    Option<"rowBlocks", "row-blocks", "bool", /*default=*/"false",
           "make each rows group one scf.forall over blocks of rows">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::tensor::TensorDialect"];
}

//===----------------------------------------------------------------------===//
// The GPU path (compiler/GPU, docs/gpu.md)
//===----------------------------------------------------------------------===//

def GpuMarkKernels : Pass<"gptc-gpu-mark-kernels", "mlir::ModuleOp"> {
  let summary = "GPU: tags every linalg op of a fusion group with its kernel (gptc.kernel, gptc.kernel_rows)";
  let description = [{
    Runs on the fused IR, before the groups are inlined and bufferized: the
    tags survive bufferization, so gptc-gpu-form-kernel-loops can rebuild each
    group as one kernel on buffers. A rows group also records its number of
    row dimensions. Fails on nn.attention, which has only a CPU lowering.
  }];
  let dependentDialects = ["gptc::nn::NNDialect"];
}

def GpuFormKernelLoops : Pass<"gptc-gpu-form-kernel-loops", "mlir::func::FuncOp"> {
  let summary = "GPU: each kernel (a fusion group's linalg ops on buffers) becomes one scf.parallel";
  let description = [{
    The ops tagged with one gptc.kernel become one scf.parallel over the
    kernel's dimensions (a rows group's row dimensions; otherwise the ops'
    parallel dimensions), whose body runs each op's remaining dimensions as
    sequential scf.for loops, in the group's order. Untagged linalg ops and
    memref.copy are kernels of their own. Host code with no parallel loop
    (a top-level scf.for, a memref.store: the embedding's scatter-add, a
    scalar written into a buffer) is wrapped in a one-iteration scf.parallel:
    a one-thread kernel.

    With lanes=N (the GPU pipelines: 32), a rows group, or a full reduction
    with its fill, whose ops allow it (compiler/GPU/LaneKernels.cpp) is
    instead a lane kernel: N lanes share each row, each op striding over the
    row, reductions combined by a butterfly: gpu.shuffle xor
    (lane-collectives=shuffle) or, to run the same arithmetic on a CPU, a
    loop over the lanes and a vector of partials (lane-collectives=loops).

    With rows-per-slice=N (the GPU pipelines: 64), a reduction over leading
    dimensions of more than 2N rows (a bias gradient) is two kernels
    (compiler/GPU/SplitRowReductions.cpp): one thread per (slice of N rows,
    output element) folding its slice into a new buffer, then the slices of
    each output element combined: with lanes and the output's fill, a lane
    kernel per output element; otherwise one thread each, in slice order.
    The embedding gradient's scatter-add over more than 2M tokens is split
    likewise into slices of M = scatter-rows-per-slice tokens (the GPU
    pipelines: 256; 0: rows-per-slice).
  }];
  let options = [
    Option<"lanes", "lanes", "int64_t", "0",
           "threads sharing each row of a rows group (0: one thread per row)">,
    Option<"laneCollectives", "lane-collectives", "std::string", "\"shuffle\"",
           "how lanes combine partials: shuffle (GPU) or loops (the same order on a CPU)">,
    Option<"rowsPerSlice", "rows-per-slice", "int64_t", "0",
           "a reduction over more than twice this many leading rows is two kernels, "
           "slices of this many rows then the slices (0: one kernel)">,
    Option<"scatterRowsPerSlice", "scatter-rows-per-slice", "int64_t", "0",
           "tokens per slice of a split scatter-add (0: rows-per-slice)">,
    Option<"maxKernelValues", "max-kernel-values", "int64_t", "0",
           "a kernel whose ops (a foreach kernel's members) use more values than this (its "
           "parameters) is several kernels, in order (0: no limit; the GPU pipelines: 520)">,
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::memref::MemRefDialect",
                           "mlir::linalg::LinalgDialect", "mlir::arith::ArithDialect",
                           "mlir::affine::AffineDialect", "mlir::gpu::GPUDialect",
                           "mlir::vector::VectorDialect"];
}

def GpuSinkHostScalars : Pass<"gptc-gpu-sink-host-scalars", "mlir::func::FuncOp"> {
  let summary = "GPU: scalar host code that feeds a kernel is recomputed inside the kernel";
  let description = [{
    Buffers live on the device, so a memref.load on the host reads device
    memory. A scalar a kernel uses (a hyperparameter loaded from `hyper`, the
    clipping scale computed from the gradient norm) is computed from its
    loads and pure ops at the start of the kernel instead, provided no op
    between the load and the kernel touches the loaded buffer. Host ops left
    without uses are erased.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::memref::MemRefDialect"];
}

def GpuMapKernelLoops : Pass<"gptc-gpu-map-kernel-loops", "mlir::func::FuncOp"> {
  let summary = "GPU: tiles each kernel's scf.parallel into blocks of threads and maps it to the grid";
  let description = [{
    Each scf.parallel at the top of a host function is tiled (no min/max
    bounds: a guard instead) with a block of up to `block-size` threads whose
    x dimension is the loop's last (contiguous) dimension, so neighbouring
    threads touch neighbouring elements; the tile loop's last three
    dimensions map to blocks z, y, x, the tile's to threads z, y, x, and any
    further leading dimensions run sequentially in each thread. Nested
    scf.parallel loops become scf.for.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "most threads per block">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::gpu::GPUDialect"];
}

def GpuSinkConstantGlobals : Pass<"gptc-gpu-sink-constant-globals", "mlir::func::FuncOp"> {
  let summary = "GPU: constant globals a kernel reads become device globals of the kernel module";
  let description = [{
    Before kernel outlining. A constant tensor (the positions of `arange`, a
    causal mask) is a host memref.global, and a kernel may not read host
    memory. Each memref.get_global a gpu.launch uses is cloned into the
    launch's body, so gpu-kernel-outlining copies the global into the kernel
    module: it becomes a `.global` array with its initializer in the PTX, on
    the device from the moment the module is loaded. No host copy is needed.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::memref::MemRefDialect"];
}

def GpuMergeKernelModules : Pass<"gptc-gpu-merge-kernel-modules", "mlir::ModuleOp"> {
  let summary = "GPU: moves every outlined kernel into one gpu.module @gptc_kernels";
  let description = [{
    gpu-kernel-outlining makes one gpu.module per kernel; one module is one
    PTX file, loaded once by the runtime. Kernel names are already unique
    (FUNCTION_kernel_N); the launches are redirected to @gptc_kernels.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

def CheckHostLaunchesOnly : Pass<"gptc-check-host-launches-only", "mlir::ModuleOp"> {
  let summary = "GPU: fails if a host function does anything but launch kernels, call the runtime, allocate and take views";
  let description = [{
    After kernel outlining. convert-parallel-loops-to-gpu leaves a loop it
    cannot map on the host without a word (and bufferization or a lowering
    may leave host code): each host function may hold only gpu.launch_func,
    func.call, func.return, memref.alloc/alloca/dealloc, views
    (subview, expand_shape, collapse_shape, reinterpret_cast, cast, transpose),
    memref.extract_aligned_pointer_as_index and constants. Anything else is
    an error naming the op and the function (memref.get_global included: a
    constant global is host memory, gptc-gpu-sink-constant-globals moves it
    into the kernels).
  }];
}

def GpuLaunchesToRuntimeCalls : Pass<"gptc-gpu-launches-to-runtime-calls", "mlir::ModuleOp"> {
  let summary = "GPU host: gpu.launch_func -> calls to the runtime's gptc_cuda_launch; the PTX -> a module attribute";
  let description = [{
    After gpu-module-to-binary. The kernels of the module's one gpu.binary
    are numbered in the order of their first launch; each gpu.launch_func
    becomes
      call @gptc_cuda_launch(module, kernel, gridX, gridY, gridZ,
                             blockX, blockY, blockZ, args, count)
    where `args` is the address of a stack array holding each buffer's
    device address (the kernels take bare pointers, one per buffer) and
    `module` is the length bucket (0 for the plain names). The PTX and the
    kernel names (one per line, by number) become the module attributes
    gptc.cuda_ptx and gptc.cuda_kernels, which gptc-emit-entry-points
    exports as gptc_cuda_ptx and gptc_cuda_kernels. The gpu.binary goes.
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

#endif
