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

} // namespace gptc::gpu

#endif
