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

/// cross_entropy's options, read from either op.
struct CrossEntropyOptions {
  std::optional<int64_t> ignore; // the ignored class
  double smoothing = 0;
  template <typename Op> static CrossEntropyOptions of(Op op) {
    CrossEntropyOptions o;
    if (auto id = op.getIgnoreIndex())
      o.ignore = (int64_t)*id;
    if (FloatAttr e = op.getSmoothingAttr())
      o.smoothing = e.getValueAsDouble();
    return o;
  }
};

/// Whether a row's target counts (i1): it is not the ignored class.
Value countsRow(OpBuilder &b, Location l, Value target, const CrossEntropyOptions &o) {
  if (!o.ignore)
    return b.create<arith::ConstantIntOp>(l, 1, 1);
  Value ignored = b.create<arith::ConstantIntOp>(l, *o.ignore, target.getType());
  return b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, target, ignored);
}

/// The number of rows whose target counts, at least 1, as a 0-d float tensor
/// (the divisor of the mean).
Value countedRows(OpBuilder &b, Location loc, Value targets, Type elem, const CrossEntropyOptions &o) {
  auto tt = cast<RankedTensorType>(targets.getType());
  unsigned rows = tt.getRank();
  auto scalarType = RankedTensorType::get({}, elem);
  SmallVector<utils::IteratorType> iterators(rows, utils::IteratorType::reduction);
  Value count = b.create<linalg::GenericOp>(
                     loc, TypeRange{scalarType}, ValueRange{targets}, ValueRange{filled(b, loc, scalarType, 0.0)},
                     SmallVector<AffineMap>{b.getMultiDimIdentityMap(rows), AffineMap::get(rows, 0, {}, b.getContext())},
                     iterators,
                     [&](OpBuilder &nb, Location l, ValueRange a) {
                       Value one = nb.create<arith::SelectOp>(l, countsRow(nb, l, a[0], o), scalar(nb, l, elem, 1.0),
                                                               scalar(nb, l, elem, 0.0));
                       nb.create<linalg::YieldOp>(l, ValueRange{nb.create<arith::AddFOp>(l, a[1], one)});
                     })
                    .getResult(0);
  return parallelGeneric(b, loc, ValueRange{count}, {}, TypeRange{scalarType},
                         [&](OpBuilder &nb, Location l, ValueRange a) -> SmallVector<Value> {
                           return {nb.create<arith::MaximumFOp>(l, a[0], scalar(nb, l, elem, 1.0))};
                         })[0];
}

struct CrossEntropyPattern : public OpConversionPattern<nn::CrossEntropyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::CrossEntropyOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    CrossEntropyOptions o = CrossEntropyOptions::of(op);
    Value logits = adaptor.getLogits();
    auto lt = op.getLogits().getType();
    Type elem = lt.getElementType();
    unsigned rows = lt.getRank() - 1;
    int64_t classes = lt.getShape().back();
    int64_t numRows = lt.getNumElements() / classes;
    RowStats s = rowStats(rewriter, loc, logits);
    Value picked = pickTargets(rewriter, loc, logits, adaptor.getTargets());
    // Inputs per row: max, sum of exp, the target's logit; with smoothing the
    // row's sum (e of the target spreads over every class); with an ignored
    // class the target.
    SmallVector<Value> inputs = {s.max, s.sum, picked};
    int rowSumAt = -1, targetAt = -1;
    if (o.smoothing != 0) {
      rowSumAt = inputs.size();
      inputs.push_back(reduceLastDim(rewriter, loc, logits, 0.0, addF));
    }
    if (o.ignore) {
      targetAt = inputs.size();
      inputs.push_back(adaptor.getTargets());
    }
    // loss = sum over counted rows of (lse - (1 - e) picked - e / C rowSum), divided
    // by the rows (every row counts: multiplied by 1 / rows as it accumulates).
    auto scalarType = op.getResult().getType();
    Value acc = filled(rewriter, loc, scalarType, 0.0);
    AffineMap id = rewriter.getMultiDimIdentityMap(rows);
    SmallVector<AffineMap> maps(inputs.size(), id);
    maps.push_back(AffineMap::get(rows, 0, {}, getContext()));
    SmallVector<utils::IteratorType> iterators(rows, utils::IteratorType::reduction);
    Value invRows = scalar(rewriter, loc, elem, 1.0 / (double)numRows);
    auto loss = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{scalarType}, inputs, ValueRange{acc}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value lse = b.create<arith::AddFOp>(l, a[0], b.create<math::LogOp>(l, a[1]));
          Value rowLoss;
          if (rowSumAt < 0) {
            rowLoss = b.create<arith::SubFOp>(l, lse, a[2]);
          } else {
            Value target = b.create<arith::MulFOp>(l, a[2], scalar(b, l, elem, 1.0 - o.smoothing));
            Value spread =
                b.create<arith::MulFOp>(l, a[rowSumAt], scalar(b, l, elem, o.smoothing / (double)classes));
            rowLoss = b.create<arith::SubFOp>(l, b.create<arith::SubFOp>(l, lse, target), spread);
          }
          if (targetAt < 0)
            rowLoss = b.create<arith::MulFOp>(l, rowLoss, invRows);
          else
            rowLoss = b.create<arith::SelectOp>(l, countsRow(b, l, a[targetAt], o), rowLoss, scalar(b, l, elem, 0.0));
          b.create<linalg::YieldOp>(l, ValueRange{b.create<arith::AddFOp>(l, a.back(), rowLoss)});
        });
    Value result = loss.getResult(0);
    if (o.ignore) {
      Value count = countedRows(rewriter, loc, adaptor.getTargets(), elem, o);
      result = parallelGeneric(rewriter, loc, ValueRange{result, count}, {}, TypeRange{scalarType},
                               [](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
                                 return {b.create<arith::DivFOp>(l, a[0], a[1])};
                               })[0];
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct CrossEntropyGradPattern : public OpConversionPattern<nn::CrossEntropyGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::CrossEntropyGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    CrossEntropyOptions o = CrossEntropyOptions::of(op);
    auto type = op.getResult().getType();
    unsigned rank = type.getRank();
    int64_t classes = type.getShape().back();
    int64_t numRows = type.getNumElements() / classes;
    Value probs = buildSoftmax(rewriter, loc, adaptor.getLogits());
    Type elem = type.getElementType();
    AffineMap toScalar = AffineMap::get(rank, 0, {}, getContext());
    // The mean's divisor: the rows that count (when a class is ignored).
    SmallVector<Value> inputs = {probs, adaptor.getTargets(), adaptor.getGrad()};
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank), dropLastDimMap(getContext(), rank),
                                   toScalar};
    if (o.ignore) {
      inputs.push_back(countedRows(rewriter, loc, adaptor.getTargets(), elem, o));
      maps.push_back(toScalar);
    }
    // (softmax - (1 - e) onehot(target) - e / C) * dloss / rows, 0 on ignored rows
    Value dx = parallelGeneric(
        rewriter, loc, inputs, maps, TypeRange{type},
        [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
          Value col = b.create<linalg::IndexOp>(l, rank - 1);
          Value target = b.create<arith::IndexCastOp>(l, b.getIndexType(), a[1]);
          Value isTarget = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, col, target);
          double hit = 1.0 - o.smoothing + o.smoothing / (double)classes, miss = o.smoothing / (double)classes;
          Value oneHot =
              b.create<arith::SelectOp>(l, isTarget, scalar(b, l, elem, hit), scalar(b, l, elem, miss));
          Value diff = b.create<arith::SubFOp>(l, a[0], oneHot);
          Value perRow = o.ignore ? b.create<arith::DivFOp>(l, a[2], a[3]).getResult()
                                  : b.create<arith::MulFOp>(l, a[2], scalar(b, l, elem, 1.0 / (double)numRows))
                                        .getResult();
          Value dx = b.create<arith::MulFOp>(l, diff, perRow);
          if (o.ignore)
            dx = b.create<arith::SelectOp>(l, countsRow(b, l, a[1], o), dx, scalar(b, l, elem, 0.0));
          return {dx};
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
