// A reduction over many rows (a bias gradient: [B*T, C] -> [C]) as two
// kernels, used by gptc-gpu-form-kernel-loops. See SplitRowReductions.cpp.
#ifndef GPTC_GPU_SPLITROWREDUCTIONS_H
#define GPTC_GPU_SPLITROWREDUCTIONS_H

#include "compiler/GPU/LaneKernels.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace gptc::gpu {

/// If `ops` (one kernel, program order) are a reduction over its leading
/// dimensions (not all of them) of more than 2 x `rowsPerSlice` rows, with or
/// without the fill of its output before it, rebuilds them as two kernels
/// (scf.parallel) at the reduction's place, erases them and returns true;
/// returns false, changing nothing, otherwise. With `lanes` > 1 and the fill,
/// the second kernel is a lane kernel combining each output's slices.
mlir::FailureOr<bool> splitRowReduction(llvm::ArrayRef<mlir::linalg::LinalgOp> ops, int64_t rowsPerSlice,
                                        int64_t lanes, LaneCollectives collectives);

} // namespace gptc::gpu

#endif
