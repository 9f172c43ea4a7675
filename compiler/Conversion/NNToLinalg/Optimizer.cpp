// Optimizer updates -> one multi-result elementwise linalg.generic per param.
// Hyperparameters are read from the `hyper` vector once, outside the loop.
#include "compiler/Conversion/NNToLinalg/Patterns.h"
#include "gptc/contract.h"

using namespace mlir;
using namespace gptc;
using namespace gptc::lowering;

namespace {

Value hyperAt(OpBuilder &b, Location loc, Value hyper, int64_t i) {
  Value idx = b.create<arith::ConstantIndexOp>(loc, i);
  return b.create<tensor::ExtractOp>(loc, hyper, ValueRange{idx});
}

/// acc (+)= sum of f(x) over x's dimensions from `keep` on: a generic whose
/// first `keep` dimensions are parallel (acc's), the rest reductions.
Value reduceTrailing(OpBuilder &b, Location loc, Value x, Value acc, unsigned keep, bool square) {
  unsigned rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<AffineExpr> kept;
  for (unsigned d = 0; d < keep; ++d)
    kept.push_back(b.getAffineDimExpr(d));
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank), AffineMap::get(rank, 0, kept, b.getContext())};
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::reduction);
  for (unsigned d = 0; d < keep; ++d)
    iterators[d] = utils::IteratorType::parallel;
  return b
      .create<linalg::GenericOp>(loc, TypeRange{acc.getType()}, ValueRange{x}, ValueRange{acc}, maps, iterators,
                                 [square](OpBuilder &nb, Location l, ValueRange args) {
                                   Value v = square ? nb.create<arith::MulFOp>(l, args[0], args[0]) : args[0];
                                   nb.create<linalg::YieldOp>(l, ValueRange{nb.create<arith::AddFOp>(l, args[1], v)});
                                 })
      .getResult(0);
}

/// The sum of every input's squares, each element read once and nothing
/// squared in memory. An input of rank >= 2 is summed row by row first (one
/// partial sum per row, rows in parallel), then its rows in order, into the
/// running sum: the order of the additions is fixed by the shapes alone, so
/// the norm does not depend on the thread count. A vector is summed directly.
struct SumSquaresPattern : public OpConversionPattern<nn::SumSquaresOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::SumSquaresOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getResult().getType();
    // Every matrix's row sums first, one after another (independent kernels,
    // which the CPU runs as one parallel region), then the running sum.
    SmallVector<Value> rowSums;
    for (Value input : adaptor.getInputs()) {
      auto inputType = cast<RankedTensorType>(input.getType());
      unsigned rank = inputType.getRank();
      if (rank < 2) {
        rowSums.push_back(Value());
        continue;
      }
      auto rowsType = RankedTensorType::get(inputType.getShape().drop_back(), type.getElementType());
      rowSums.push_back(reduceTrailing(rewriter, loc, input, filled(rewriter, loc, rowsType, 0.0), rank - 1,
                                       /*square=*/true));
    }
    Value sum = filled(rewriter, loc, type, 0.0);
    for (auto [input, rows] : llvm::zip(adaptor.getInputs(), rowSums))
      sum = rows ? reduceTrailing(rewriter, loc, rows, sum, 0, /*square=*/false)
                 : reduceTrailing(rewriter, loc, input, sum, 0, /*square=*/true);
    rewriter.replaceOp(op, sum);
    return success();
  }
};

/// A scalar computed from scalars: extract, arith, tensor.from_elements.
struct ClipScalePattern : public OpConversionPattern<nn::ClipScaleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::ClipScaleOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type elem = op.getResult().getType().getElementType();
    Value maxNorm = hyperAt(rewriter, loc, adaptor.getHyper(), hyper::kClipMaxNorm);
    Value sumsq = rewriter.create<tensor::ExtractOp>(loc, adaptor.getSumsq(), ValueRange{});
    Value norm = rewriter.create<arith::AddFOp>(loc, rewriter.create<math::SqrtOp>(loc, sumsq),
                                                scalar(rewriter, loc, elem, 1e-6));
    Value one = scalar(rewriter, loc, elem, 1.0);
    Value coef = rewriter.create<arith::MinimumFOp>(loc, rewriter.create<arith::DivFOp>(loc, maxNorm, norm), one);
    Value off = rewriter.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLE, maxNorm, scalar(rewriter, loc, elem, 0.0));
    Value result = rewriter.create<arith::SelectOp>(loc, off, one, coef);
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, op.getResult().getType(), ValueRange{result});
    return success();
  }
};

struct SgdUpdatePattern : public OpConversionPattern<nn::SgdUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::SgdUpdateOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lr = hyperAt(rewriter, loc, adaptor.getHyper(), hyper::kSgdLr);
    Value momentum = hyperAt(rewriter, loc, adaptor.getHyper(), hyper::kSgdMomentum);
    Value decay = hyperAt(rewriter, loc, adaptor.getHyper(), hyper::kSgdWeightDecay);
    bool applyDecay = op.getDecay();
    Type t = op.getParam().getType();
    auto results = parallelGeneric(
        rewriter, loc, ValueRange{adaptor.getParam(), adaptor.getGrad(), adaptor.getVelocity()}, {},
        TypeRange{t, t}, [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
          Value g = a[1];
          if (applyDecay)
            g = b.create<arith::AddFOp>(l, g, b.create<arith::MulFOp>(l, decay, a[0]));
          Value v = b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, momentum, a[2]), g);
          Value p = b.create<arith::SubFOp>(l, a[0], b.create<arith::MulFOp>(l, lr, v));
          return {p, v};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct AdamWUpdatePattern : public OpConversionPattern<nn::AdamWUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::AdamWUpdateOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value h = adaptor.getHyper();
    Value lr = hyperAt(rewriter, loc, h, hyper::kAdamLr), beta1 = hyperAt(rewriter, loc, h, hyper::kAdamBeta1),
          beta2 = hyperAt(rewriter, loc, h, hyper::kAdamBeta2), eps = hyperAt(rewriter, loc, h, hyper::kAdamEps),
          decay = hyperAt(rewriter, loc, h, hyper::kAdamWeightDecay),
          bc1 = hyperAt(rewriter, loc, h, hyper::kAdamBiasCorrection1),
          bc2 = hyperAt(rewriter, loc, h, hyper::kAdamBiasCorrection2),
          oneMinusBeta1 = hyperAt(rewriter, loc, h, hyper::kAdamOneMinusBeta1),
          oneMinusBeta2 = hyperAt(rewriter, loc, h, hyper::kAdamOneMinusBeta2);
    bool applyDecay = op.getDecay();
    Type t = op.getParam().getType();
    Type elem = cast<RankedTensorType>(t).getElementType();
    // The scalar parts in torch.optim.AdamW's order, once per tensor:
    // step = lr / bc1, denom = sqrt(v) / sqrt(bc2) + eps.
    Value stepSize = rewriter.create<arith::DivFOp>(loc, lr, bc1);
    Value sqrtBc2 = rewriter.create<math::SqrtOp>(loc, bc2);
    Value decayFactor = rewriter.create<arith::SubFOp>(loc, scalar(rewriter, loc, elem, 1.0),
                                                       rewriter.create<arith::MulFOp>(loc, lr, decay));
    auto results = parallelGeneric(
        rewriter, loc, ValueRange{adaptor.getParam(), adaptor.getGrad(), adaptor.getM(), adaptor.getV()},
        {}, TypeRange{t, t, t}, [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
          Value p = a[0], g = a[1];
          // Decoupled weight decay first (p *= 1 - lr * wd), then the Adam step.
          if (applyDecay)
            p = b.create<arith::MulFOp>(l, p, decayFactor);
          Value m = b.create<arith::AddFOp>(
              l, b.create<arith::MulFOp>(l, beta1, a[2]),
              b.create<arith::MulFOp>(l, oneMinusBeta1, g));
          Value v = b.create<arith::AddFOp>(
              l, b.create<arith::MulFOp>(l, beta2, a[3]),
              b.create<arith::MulFOp>(l, oneMinusBeta2, b.create<arith::MulFOp>(l, g, g)));
          Value denom = b.create<arith::AddFOp>(
              l, b.create<arith::DivFOp>(l, b.create<math::SqrtOp>(l, v), sqrtBc2), eps);
          Value update = b.create<arith::MulFOp>(l, stepSize, b.create<arith::DivFOp>(l, m, denom));
          return {b.create<arith::SubFOp>(l, p, update), m, v};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void gptc::populateOptimizerPatterns(RewritePatternSet &patterns) {
  patterns.add<SumSquaresPattern, ClipScalePattern, SgdUpdatePattern, AdamWUpdatePattern>(patterns.getContext());
}
