// Reductions and the composite ops built on them: reduce_sum -> linalg.reduce;
// softmax, log_softmax and cross-entropy -> max / exp-sum / normalise generics
// over the last dimension (the numerically stable forms).
#include "compiler/Conversion/NNToLinalg/Patterns.h"

#include <limits>

using namespace mlir;
using namespace gptc;
using namespace gptc::lowering;

namespace {

Value addF(OpBuilder &b, Location l, Value acc, Value x) { return b.create<arith::AddFOp>(l, acc, x); }
Value maxF(OpBuilder &b, Location l, Value acc, Value x) { return b.create<arith::MaximumFOp>(l, acc, x); }

struct RowStats {
  Value max;     // [...]: max over the last dim
  Value shifted; // [..., C]: exp(x - max)
  Value sum;     // [...]: sum of shifted
};

RowStats rowStats(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  unsigned rank = type.getRank();
  AffineMap row = dropLastDimMap(b.getContext(), rank);
  AffineMap id = b.getMultiDimIdentityMap(rank);
  RowStats s;
  s.max = reduceLastDim(b, loc, x, -std::numeric_limits<double>::infinity(), maxF);
  s.shifted = parallelGeneric(b, loc, ValueRange{x, s.max}, {id, row}, TypeRange{type},
                              [](OpBuilder &nb, Location l, ValueRange a) -> SmallVector<Value> {
                                return {nb.create<math::ExpOp>(l, nb.create<arith::SubFOp>(l, a[0], a[1]))};
                              })[0];
  s.sum = reduceLastDim(b, loc, s.shifted, 0.0, addF);
  return s;
}

Value buildSoftmax(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  unsigned rank = type.getRank();
  RowStats s = rowStats(b, loc, x);
  return parallelGeneric(b, loc, ValueRange{s.shifted, s.sum},
                         {b.getMultiDimIdentityMap(rank), dropLastDimMap(b.getContext(), rank)},
                         TypeRange{type}, [](OpBuilder &nb, Location l, ValueRange a) -> SmallVector<Value> {
                           return {nb.create<arith::DivFOp>(l, a[0], a[1])};
                         })[0];
}

struct ReduceSumPattern : public OpConversionPattern<nn::ReduceSumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::ReduceSumOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value init = filled(rewriter, loc, op.getResult().getType(), 0.0);
    auto reduce = rewriter.create<linalg::ReduceOp>(
        loc, adaptor.getInput(), init, op.getAxes(),
        [](OpBuilder &b, Location l, ValueRange args) {
          b.create<linalg::YieldOp>(l, ValueRange{b.create<arith::AddFOp>(l, args[0], args[1])});
        });
    rewriter.replaceOp(op, reduce.getResults());
    return success();
  }
};

struct SoftmaxPattern : public OpConversionPattern<nn::SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::SoftmaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildSoftmax(rewriter, op.getLoc(), adaptor.getInput()));
    return success();
  }
};

struct LogSoftmaxPattern : public OpConversionPattern<nn::LogSoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::LogSoftmaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = op.getResult().getType();
    unsigned rank = type.getRank();
    RowStats s = rowStats(rewriter, loc, x);
    AffineMap row = dropLastDimMap(getContext(), rank);
    // x - max - log(sum(exp(x - max)))
    Value y = parallelGeneric(rewriter, loc, ValueRange{x, s.max, s.sum},
                              {rewriter.getMultiDimIdentityMap(rank), row, row}, TypeRange{type},
                              [](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
                                Value centered = b.create<arith::SubFOp>(l, a[0], a[1]);
                                return {b.create<arith::SubFOp>(l, centered, b.create<math::LogOp>(l, a[2]))};
                              })[0];
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// The value of logits[row..., targets[row...]] for every row.
Value pickTargets(OpBuilder &b, Location loc, Value logits, Value targets) {
  auto lt = cast<RankedTensorType>(logits.getType());
  auto rowType = RankedTensorType::get(lt.getShape().drop_back(), lt.getElementType());
  unsigned rows = rowType.getRank();
  return parallelGeneric(b, loc, ValueRange{targets}, {}, TypeRange{rowType},
                         [&](OpBuilder &nb, Location l, ValueRange a) -> SmallVector<Value> {
                           SmallVector<Value> idx;
                           for (unsigned d = 0; d < rows; ++d)
                             idx.push_back(nb.create<linalg::IndexOp>(l, d));
                           idx.push_back(nb.create<arith::IndexCastOp>(l, nb.getIndexType(), a[0]));
                           return {nb.create<tensor::ExtractOp>(l, logits, idx)};
                         })[0];
}

struct CrossEntropyPattern : public OpConversionPattern<nn::CrossEntropyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::CrossEntropyOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value logits = adaptor.getLogits();
    auto lt = op.getLogits().getType();
    unsigned rows = lt.getRank() - 1;
    int64_t numRows = lt.getNumElements() / lt.getShape().back();
    RowStats s = rowStats(rewriter, loc, logits);
    Value picked = pickTargets(rewriter, loc, logits, adaptor.getTargets());
    // loss = sum over rows of (max + log(sum) - picked) / rows
    auto scalarType = op.getResult().getType();
    Value acc = filled(rewriter, loc, scalarType, 0.0);
    AffineMap id = rewriter.getMultiDimIdentityMap(rows);
    AffineMap toScalar = AffineMap::get(rows, 0, {}, getContext());
    SmallVector<utils::IteratorType> iterators(rows, utils::IteratorType::reduction);
    Value invRows = scalar(rewriter, loc, lt.getElementType(), 1.0 / (double)numRows);
    auto loss = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{scalarType}, ValueRange{s.max, s.sum, picked}, ValueRange{acc},
        SmallVector<AffineMap>{id, id, id, toScalar}, iterators,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value lse = b.create<arith::AddFOp>(l, a[0], b.create<math::LogOp>(l, a[1]));
          Value rowLoss = b.create<arith::MulFOp>(l, b.create<arith::SubFOp>(l, lse, a[2]), invRows);
          b.create<linalg::YieldOp>(l, ValueRange{b.create<arith::AddFOp>(l, a[3], rowLoss)});
        });
    rewriter.replaceOp(op, loss.getResults());
    return success();
  }
};

struct CrossEntropyGradPattern : public OpConversionPattern<nn::CrossEntropyGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::CrossEntropyGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getResult().getType();
    unsigned rank = type.getRank();
    int64_t numRows = type.getNumElements() / type.getShape().back();
    Value probs = buildSoftmax(rewriter, loc, adaptor.getLogits());
    Type elem = type.getElementType();
    Value invRows = scalar(rewriter, loc, elem, 1.0 / (double)numRows);
    AffineMap toScalar = AffineMap::get(rank, 0, {}, getContext());
    // (softmax - onehot(target)) * dloss / rows
    Value dx = parallelGeneric(
        rewriter, loc, ValueRange{probs, adaptor.getTargets(), adaptor.getGrad()},
        {rewriter.getMultiDimIdentityMap(rank), dropLastDimMap(getContext(), rank), toScalar},
        TypeRange{type}, [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
          Value col = b.create<linalg::IndexOp>(l, rank - 1);
          Value target = b.create<arith::IndexCastOp>(l, b.getIndexType(), a[1]);
          Value isTarget = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, col, target);
          Value oneHot = b.create<arith::SelectOp>(l, isTarget, scalar(b, l, elem, 1.0), scalar(b, l, elem, 0.0));
          Value diff = b.create<arith::SubFOp>(l, a[0], oneHot);
          return {b.create<arith::MulFOp>(l, diff, b.create<arith::MulFOp>(l, a[2], invRows))};
        })[0];
    rewriter.replaceOp(op, dx);
    return success();
  }
};

} // namespace

void gptc::populateReductionPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceSumPattern, SoftmaxPattern, LogSoftmaxPattern, CrossEntropyPattern,
               CrossEntropyGradPattern>(patterns.getContext());
}
