// gptc-approximate-math: transcendentals become straight-line arithmetic that
// the vectoriser can widen, instead of one libm call per element.
//
//   * powf with a constant exponent is strength-reduced (x^2 = x*x, x^3 =
//     x*x*x, x^-0.5 = rsqrt(x), x^0.5 = sqrt(x), x^-1 = 1/x): GELU's cube and
//     layernorm's 1/sqrt(var + eps) are written as powers in the frontend.
//   * f32 exp, expm1, log, log1p, log2, tanh, erf, atan, sin, cos become
//     MLIR's polynomial approximations (FMA chains with range reduction). Their
//     measured error against libm is in docs/codegen.md and checked by
//     test/CodeGen/approximation-error.test. f64 keeps libm (gradient checks
//     run in f64 and want the exact functions).
#include "compiler/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace gptc {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;

namespace {

struct ApproximateMathPass : public gptc::impl::ApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathAlgebraicSimplificationPatterns(patterns);
    populateMathPolynomialApproximationPatterns(patterns, MathPolynomialApproximationOptions());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
