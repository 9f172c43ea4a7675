// Lane kernels: a rows group (softmax, layernorm, cross-entropy) or a full
// reduction as a kernel in which `lanes` threads (one warp) share each row,
// used by gptc-gpu-form-kernel-loops. See LaneKernels.cpp.
#ifndef GPTC_GPU_LANEKERNELS_H
#define GPTC_GPU_LANEKERNELS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace gptc::gpu {

/// How the lanes of a row combine their partial reductions.
enum class LaneCollectives {
  /// gpu.shuffle xor butterflies: the lanes are the threads of one warp.
  Shuffle,
  /// The lanes are a sequential loop in the row's iteration, and the partials
  /// (a vector) are combined in the butterfly's order: the same results, bit
  /// for bit, for checking the kernel's arithmetic on a CPU.
  Loops,
};

/// Whether the ops of one kernel (program order, sharing `rows` leading
/// parallel dimensions) can be a lane kernel: each op covers the row
/// elementwise, reduces it into a per-row value with add, mul, max or min
/// into a buffer filled earlier in the kernel, or is a per-row op; and every
/// buffer the kernel writes is read only where the reading lane wrote it (an
/// element of the row) or where every lane wrote the same value (a per-row
/// value). Returns a reason when not.
std::optional<std::string> whyNotLaneKernel(llvm::ArrayRef<mlir::linalg::LinalgOp> ops, int64_t rows);

/// Rebuilds `ops` as one scf.parallel over the rows and (Shuffle) the lanes,
/// at the position of the last op, and erases them. The kernel's class
/// (KernelTags.h) is `kernelClass`, or by default rows_warp (rows > 0) or
/// reduce_warp.
mlir::LogicalResult formLaneKernel(llvm::ArrayRef<mlir::linalg::LinalgOp> ops, int64_t rows, int64_t lanes,
                                   LaneCollectives collectives, llvm::StringRef kernelClass = "");

} // namespace gptc::gpu

#endif
