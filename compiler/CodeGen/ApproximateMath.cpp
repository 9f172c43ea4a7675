// gptc-approximate-math: transcendentals become straight-line arithmetic that
// the vectoriser can widen, instead of one libm call per element.
//
//   * powf with a constant exponent that is a multiple of 1/2 (|e| <= 4)
//     becomes multiplies of x, sqrt(x) or rsqrt(x): x^3 = (x*x)*x, x^-1.5 =
//     r*r*r with r = rsqrt(x). GELU's cube and layernorm's (var + eps)^-0.5
//     and, in its backward, ^-1.5 are written as powers.
//   * f32 exp, expm1, log, log1p, log2, tanh, erf, atan, sin, cos become
//     MLIR's polynomial approximations (FMA chains with range reduction). Their
//     measured error against libm is in docs/codegen.md and checked by
//     test/CodeGen/approximation-error.test. f64 keeps libm (gradient checks
//     run in f64 and want the exact functions).
#include "compiler/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace gptc {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;

namespace {

/// powf(x, k/2) for an integer k with 0 < |k| <= 8.
struct HalfIntegerPower : OpRewritePattern<math::PowFOp> {
  HalfIntegerPower(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(math::PowFOp op, PatternRewriter &rewriter) const override {
    FloatAttr exponentAttr;
    if (!matchPattern(op.getRhs(), m_Constant(&exponentAttr)))
      return failure();
    double twice = 2 * exponentAttr.getValueAsDouble();
    if (twice != std::round(twice) || twice == 0 || std::fabs(twice) > 8)
      return failure();
    int64_t halves = (int64_t)twice;
    Location loc = op.getLoc();
    Value x = op.getLhs(), factor = x;
    int64_t count = std::abs(halves); // multiply `factor` this many times...
    if (halves % 2 != 0) {            // ... where factor is sqrt(x) or rsqrt(x)
      factor = halves > 0 ? (Value)rewriter.create<math::SqrtOp>(loc, x)
                          : (Value)rewriter.create<math::RsqrtOp>(loc, x);
    } else {
      count /= 2;
    }
    Value result = factor;
    for (int64_t i = 1; i < count; ++i)
      result = rewriter.create<arith::MulFOp>(loc, result, factor);
    if (halves < 0 && halves % 2 == 0) {
      Value one = rewriter.create<arith::ConstantOp>(loc, rewriter.getFloatAttr(x.getType(), 1.0));
      result = rewriter.create<arith::DivFOp>(loc, one, result);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ApproximateMathPass : public gptc::impl::ApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<HalfIntegerPower>(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, MathPolynomialApproximationOptions());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
