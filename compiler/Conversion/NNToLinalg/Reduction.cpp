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

/// A reduction over the last dimension of generic inputs: `combine(acc, row
/// inputs)` gives the new accumulator; inputs are indexed by `maps`
/// (identity: an element, dropLastDimMap: the row's value).
Value reduceRows(OpBuilder &b, Location loc, RankedTensorType type, ValueRange inputs, ArrayRef<AffineMap> maps,
                 function_ref<Value(OpBuilder &, Location, Value, ValueRange)> combine) {
  unsigned rank = type.getRank();
  auto rowType = RankedTensorType::get(type.getShape().drop_back(), type.getElementType());
  Value acc = filled(b, loc, rowType, 0.0);
  SmallVector<AffineMap> allMaps(maps.begin(), maps.end());
  allMaps.push_back(dropLastDimMap(b.getContext(), rank));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  iterators.back() = utils::IteratorType::reduction;
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{rowType}, inputs, ValueRange{acc}, allMaps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        nb.create<linalg::YieldOp>(nloc, combine(nb, nloc, args.back(), args.drop_back()));
      });
  return generic.getResult(0);
}

/// Each row's mean and 1 / sqrt(biased variance + eps), [...] each.
std::pair<Value, Value> rowMoments(OpBuilder &b, Location loc, Value x, double eps) {
  auto type = cast<RankedTensorType>(x.getType());
  unsigned rank = type.getRank();
  AffineMap id = b.getMultiDimIdentityMap(rank), row = dropLastDimMap(b.getContext(), rank);
  Type elem = type.getElementType();
  double inv = 1.0 / (double)type.getShape().back();
  auto rowType = RankedTensorType::get(type.getShape().drop_back(), elem);
  Value sum = reduceLastDim(b, loc, x, 0.0, addF);
  Value mean = parallelGeneric(b, loc, ValueRange{sum}, {}, TypeRange{rowType},
                               [&](OpBuilder &nb, Location l, ValueRange a) -> SmallVector<Value> {
                                 return {nb.create<arith::MulFOp>(l, a[0], scalar(nb, l, elem, inv))};
                               })[0];
  Value sq = reduceRows(b, loc, type, ValueRange{x, mean}, {id, row},
                        [](OpBuilder &nb, Location l, Value acc, ValueRange a) -> Value {
                          Value d = nb.create<arith::SubFOp>(l, a[0], a[1]);
                          return nb.create<arith::AddFOp>(l, acc, nb.create<arith::MulFOp>(l, d, d));
                        });
  Value rstd = parallelGeneric(b, loc, ValueRange{sq}, {}, TypeRange{rowType},
                               [&](OpBuilder &nb, Location l, ValueRange a) -> SmallVector<Value> {
                                 Value var = nb.create<arith::MulFOp>(l, a[0], scalar(nb, l, elem, inv));
                                 Value sd = nb.create<math::SqrtOp>(
                                     l, nb.create<arith::AddFOp>(l, var, scalar(nb, l, elem, eps)));
                                 return {nb.create<arith::DivFOp>(l, scalar(nb, l, elem, 1.0), sd)};
                               })[0];
  return {mean, rstd};
}

struct NormalizePattern : public OpConversionPattern<nn::NormalizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::NormalizeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    unsigned rank = type.getRank();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank), row = dropLastDimMap(getContext(), rank);
    auto [mean, rstd] = rowMoments(rewriter, loc, x, op.getEps().convertToDouble());
    Value y = parallelGeneric(rewriter, loc, ValueRange{x, mean, rstd}, {id, row, row}, TypeRange{type},
                              [](OpBuilder &nb, Location l, ValueRange a) -> SmallVector<Value> {
                                return {nb.create<arith::MulFOp>(l, nb.create<arith::SubFOp>(l, a[0], a[1]), a[2])};
                              })[0];
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// dx = rstd * (dy - mean(dy) - xhat * mean(dy * xhat)), xhat = (x - mean) * rstd.
struct NormalizeGradPattern : public OpConversionPattern<nn::NormalizeGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::NormalizeGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput(), dy = adaptor.getGrad();
    auto type = cast<RankedTensorType>(x.getType());
    unsigned rank = type.getRank();
    Type elem = type.getElementType();
    double inv = 1.0 / (double)type.getShape().back();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank), row = dropLastDimMap(getContext(), rank);
    auto [mean, rstd] = rowMoments(rewriter, loc, x, op.getEps().convertToDouble());
    Value sumDy = reduceLastDim(rewriter, loc, dy, 0.0, addF);
    Value sumDyXhat = reduceRows(rewriter, loc, type, ValueRange{x, dy, mean, rstd}, {id, id, row, row},
                                 [](OpBuilder &nb, Location l, Value acc, ValueRange a) -> Value {
                                   Value xhat = nb.create<arith::MulFOp>(l, nb.create<arith::SubFOp>(l, a[0], a[2]), a[3]);
                                   return nb.create<arith::AddFOp>(l, acc, nb.create<arith::MulFOp>(l, a[1], xhat));
                                 });
    Value dx = parallelGeneric(
        rewriter, loc, ValueRange{x, dy, mean, rstd, sumDy, sumDyXhat}, {id, id, row, row, row, row},
        TypeRange{type}, [&](OpBuilder &nb, Location l, ValueRange a) -> SmallVector<Value> {
          Value n = scalar(nb, l, elem, inv);
          Value xhat = nb.create<arith::MulFOp>(l, nb.create<arith::SubFOp>(l, a[0], a[2]), a[3]);
          Value meanDy = nb.create<arith::MulFOp>(l, a[4], n);
          Value meanDyXhat = nb.create<arith::MulFOp>(l, a[5], n);
          Value inner = nb.create<arith::SubFOp>(l, nb.create<arith::SubFOp>(l, a[1], meanDy),
                                                 nb.create<arith::MulFOp>(l, xhat, meanDyXhat));
          return {nb.create<arith::MulFOp>(l, a[3], inner)};
        })[0];
    rewriter.replaceOp(op, dx);
    return success();
  }
};

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
  patterns.add<ReduceSumPattern, SoftmaxPattern, LogSoftmaxPattern, NormalizePattern, NormalizeGradPattern, CrossEntropyPattern,
               CrossEntropyGradPattern>(patterns.getContext());
}
