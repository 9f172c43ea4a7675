// The attributes by which the GPU passes recognise a fusion group's ops once
// the groups are gone (set by gptc-gpu-mark-kernels, read by
// gptc-gpu-form-kernel-loops).
#ifndef GPTC_GPU_KERNELTAGS_H
#define GPTC_GPU_KERNELTAGS_H

namespace gptc::gpu {

/// i64: the number of the fusion group (kernel) a linalg op belongs to.
inline constexpr char kKernelAttr[] = "gptc.kernel";
/// i64, rows groups only: the leading dimensions every op of the group shares.
inline constexpr char kKernelRowsAttr[] = "gptc.kernel_rows";
/// The gpu.module that holds every kernel of a model.
inline constexpr char kKernelModuleName[] = "gptc_kernels";
/// string: what kind of kernel a kernel loop (scf.parallel, set by
/// gptc-gpu-form-kernel-loops) and then its gpu.launch_func (set by
/// gptc-gpu-merge-kernel-modules) is: one of the kKernelClass* names below.
/// The runtime's profile sums GPU time by it (docs/gpu.md).
inline constexpr char kKernelClassAttr[] = "gptc.kernel_class";
/// func.func, between gptc-gpu-map-kernel-loops and
/// gptc-gpu-merge-kernel-modules: the classes of its kernel loops, in order
/// (gpu.launch ops carry no attributes of their own through conversion).
inline constexpr char kKernelClassesAttr[] = "gptc.kernel_classes";
inline constexpr char kKernelClassElementwise[] = "elementwise";        // a thread per element
inline constexpr char kKernelClassRows[] = "rows";                      // a thread per row
inline constexpr char kKernelClassRowsWarp[] = "rows_warp";             // a warp per row (lane kernel)
inline constexpr char kKernelClassReduceWarp[] = "reduce_warp";         // a full reduction, one warp
inline constexpr char kKernelClassReduceThread[] = "reduce_thread";     // a thread per output, looping over rows
inline constexpr char kKernelClassReduceSlices[] = "reduce_slices";     // a split reduction's slices
inline constexpr char kKernelClassReduceCombine[] = "reduce_combine";   // ... its slices combined, a warp each
inline constexpr char kKernelClassForeach[] = "foreach";                // several groups' elements end to end
inline constexpr char kKernelClassScatter[] = "scatter";                // the embedding gradient's scatter-add
inline constexpr char kKernelClassCopy[] = "copy";                      // a buffer copied
inline constexpr char kKernelClassOneThread[] = "one_thread";           // scalar code

} // namespace gptc::gpu

#endif
