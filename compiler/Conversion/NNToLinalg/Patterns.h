// nn -> linalg lowering, split by op family as torch-mlir does: each file
// exposes populateXPatterns. Shared helpers for building linalg.generic live here.
#ifndef GPTC_CONVERSION_NNTOLINALG_PATTERNS_H
#define GPTC_CONVERSION_NNTOLINALG_PATTERNS_H

#include "dialects/NN/IR/NNDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace gptc {

void populateElementwisePatterns(mlir::RewritePatternSet &patterns);
void populateDataMovementPatterns(mlir::RewritePatternSet &patterns);
void populateLinearPatterns(mlir::RewritePatternSet &patterns);
void populateReductionPatterns(mlir::RewritePatternSet &patterns);
void populateOptimizerPatterns(mlir::RewritePatternSet &patterns);
/// concatInPlace: see the gptc-convert-nn-to-linalg option of that name.
void populateIndexingPatterns(mlir::RewritePatternSet &patterns, bool concatInPlace = true);

namespace lowering {

using BodyBuilder =
    llvm::function_ref<mlir::SmallVector<mlir::Value>(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// tensor.empty of `type`.
mlir::Value empty(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type);
/// A tensor of `type` filled with `value`.
mlir::Value filled(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type, double value);
/// A float scalar constant of type `t`.
mlir::Value scalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Type t, double value);

/// An all-parallel linalg.generic over `outTypes`' shape (they share one shape);
/// each input is indexed by the given map (identity when `inputMaps` is empty).
mlir::SmallVector<mlir::Value> parallelGeneric(mlir::OpBuilder &b, mlir::Location loc,
                                               mlir::ValueRange inputs,
                                               mlir::ArrayRef<mlir::AffineMap> inputMaps,
                                               mlir::TypeRange outTypes, BodyBuilder body);

/// Reduces the last dimension of `input` ([..., C] -> [...]) starting from `init`;
/// `combine(acc, x)` gives the new accumulator.
mlir::Value reduceLastDim(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input, double init,
                          llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                                         mlir::Value acc, mlir::Value x)> combine);

/// The map (d0..dn) -> (d0..dn-1): a per-row value read at every column.
mlir::AffineMap dropLastDimMap(mlir::MLIRContext *ctx, unsigned rank);

/// A 32-bit integer hash (lowbias32) of an i32: dropout's counter-based mask
/// is mix32(mix32(position) ^ key), key = mix32(seed ^ mix32(salt-constant)).
mlir::Value mix32(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

} // namespace lowering
} // namespace gptc

#endif
