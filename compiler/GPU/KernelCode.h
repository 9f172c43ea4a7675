// Scalar code shared by the GPU kernel builders: a linalg reduction's
// combiner (add, mul, max, min of its accumulator and a term), its identity,
// the reduction's body at given indices, index arithmetic, kernel loops.
#ifndef GPTC_GPU_KERNELCODE_H
#define GPTC_GPU_KERNELCODE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace gptc::gpu {

/// The op that combines a reduction's accumulator with its term: the yielded
/// value, an addf, mulf, maximumf or minimumf of the output's block argument
/// (used nowhere else) and a value that does not depend on it; null if the
/// body is not of that form (then the reduction cannot be reassociated).
mlir::Operation *reductionCombiner(mlir::linalg::LinalgOp op);

/// The combiner's identity, of `type` (0, 1, -inf, +inf).
mlir::Value identityOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *combiner, mlir::FloatType type);

/// The combiner's kind (and attributes) applied to (x, y): scalars or vectors.
mlir::Value combine(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *combiner, mlir::Value x, mlir::Value y);

/// The indices `map` gives at `ivs`.
llvm::SmallVector<mlir::Value> indicesOf(mlir::OpBuilder &b, mlir::Location loc, mlir::AffineMap map,
                                         mlir::ValueRange ivs);

/// The body of reduction `op` at loop indices `ivs` (its inputs loaded),
/// with `acc` as its accumulator: the combined value it yields.
mlir::Value emitReductionStep(mlir::OpBuilder &b, mlir::Location loc, mlir::linalg::LinalgOp op, mlir::ValueRange ivs,
                              mlir::Value acc);

/// The indices of element `linear` of a row-major box with extents `extents`.
llvm::SmallVector<mlir::Value> delinearize(mlir::OpBuilder &b, mlir::Location loc, mlir::Value linear,
                                           llvm::ArrayRef<int64_t> extents);

/// A kernel loop: an scf.parallel from 0 over `ranges`, step 1 (one
/// iteration when `ranges` is empty: a one-thread kernel), of class
/// `kernelClass` (KernelTags.h).
mlir::scf::ParallelOp createKernelLoop(mlir::OpBuilder &b, mlir::Location loc, llvm::ArrayRef<int64_t> ranges,
                                       llvm::StringRef kernelClass);

/// Marks `loop` as a kernel of class `kernelClass` (KernelTags.h).
void setKernelClass(mlir::Operation *loop, llvm::StringRef kernelClass);

} // namespace gptc::gpu

#endif
