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

/// One reduction generic per input, each accumulating x * x into the previous
/// one's result: every element read once, nothing squared in memory.
struct SumSquaresPattern : public OpConversionPattern<nn::SumSquaresOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::SumSquaresOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getResult().getType();
    Value sum = filled(rewriter, loc, type, 0.0);
    for (Value input : adaptor.getInputs()) {
      unsigned rank = cast<RankedTensorType>(input.getType()).getRank();
      SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank),
                                     AffineMap::get(rank, 0, {}, rewriter.getContext())};
      SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::reduction);
      sum = rewriter
                .create<linalg::GenericOp>(loc, TypeRange{type}, ValueRange{input}, ValueRange{sum}, maps, iterators,
                                           [](OpBuilder &b, Location l, ValueRange args) {
                                             Value sq = b.create<arith::MulFOp>(l, args[0], args[0]);
                                             b.create<linalg::YieldOp>(
                                                 l, ValueRange{b.create<arith::AddFOp>(l, args[1], sq)});
                                           })
                .getResult(0);
    }
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
