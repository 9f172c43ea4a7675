// Elementwise nn ops -> one all-parallel linalg.generic each (fusion merges
// chains of them later); nn.constant -> a splat arith.constant, which linalg's
// elementwise fusion folds into the consumer's body.
#include "compiler/Conversion/NNToLinalg/Patterns.h"

#include <cmath>

using namespace mlir;
using namespace gptc;
using namespace gptc::lowering;

namespace {

/// Lowers an op whose operands and result share one type through `scalarFn`,
/// which computes one result element from one element of each operand.
template <typename Op>
struct ElementwisePattern : public OpConversionPattern<Op> {
  using ScalarFn = std::function<Value(OpBuilder &, Location, ValueRange, Op)>;
  ElementwisePattern(MLIRContext *ctx, ScalarFn fn)
      : OpConversionPattern<Op>(ctx), fn_(std::move(fn)) {}

  LogicalResult matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto results = parallelGeneric(
        rewriter, op.getLoc(), adaptor.getOperands(), {}, TypeRange{op.getResult().getType()},
        [&](OpBuilder &b, Location loc, ValueRange args) -> SmallVector<Value> {
          return {fn_(b, loc, args, op)};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
  ScalarFn fn_;
};

template <typename Op, typename Fn>
void add(RewritePatternSet &patterns, Fn fn) {
  patterns.add<ElementwisePattern<Op>>(patterns.getContext(),
                                       [fn](OpBuilder &b, Location loc, ValueRange a, Op op) {
                                         return fn(b, loc, a, op);
                                       });
}

Value one(OpBuilder &b, Location loc, Value like) { return scalar(b, loc, like.getType(), 1.0); }

struct ConstantPattern : public OpConversionPattern<nn::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::ConstantOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = op.getResult().getType();
    auto attr = DenseElementsAttr::get(
        type, rewriter.getFloatAttr(type.getElementType(), op.getValue().convertToDouble()));
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, attr);
    return success();
  }
};

} // namespace

void gptc::populateElementwisePatterns(RewritePatternSet &patterns) {
  patterns.add<ConstantPattern>(patterns.getContext());
  add<nn::AddOp>(patterns, [](OpBuilder &b, Location l, ValueRange a, auto) {
    return b.create<arith::AddFOp>(l, a[0], a[1]);
  });
  add<nn::SubOp>(patterns, [](OpBuilder &b, Location l, ValueRange a, auto) {
    return b.create<arith::SubFOp>(l, a[0], a[1]);
  });
  add<nn::MulOp>(patterns, [](OpBuilder &b, Location l, ValueRange a, auto) {
    return b.create<arith::MulFOp>(l, a[0], a[1]);
  });
  add<nn::DivOp>(patterns, [](OpBuilder &b, Location l, ValueRange a, auto) {
    return b.create<arith::DivFOp>(l, a[0], a[1]);
  });
  add<nn::NegOp>(patterns, [](OpBuilder &b, Location l, ValueRange a, auto) {
    return b.create<arith::NegFOp>(l, a[0]);
  });
  add<nn::SigmoidOp>(patterns, [](OpBuilder &b, Location l, ValueRange a, auto) {
    Value e = b.create<math::ExpOp>(l, b.create<arith::NegFOp>(l, a[0]));
    return b.create<arith::DivFOp>(l, one(b, l, a[0]), b.create<arith::AddFOp>(l, one(b, l, a[0]), e));
  });
  add<nn::ReluOp>(patterns, [](OpBuilder &b, Location l, ValueRange a, auto) {
    return b.create<arith::MaximumFOp>(l, a[0], scalar(b, l, a[0].getType(), 0.0));
  });
  add<nn::ReluGradOp>(patterns, [](OpBuilder &b, Location l, ValueRange a, auto) {
    Value positive = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, a[0],
                                             scalar(b, l, a[0].getType(), 0.0));
    return b.create<arith::SelectOp>(l, positive, a[1], scalar(b, l, a[0].getType(), 0.0));
  });
  add<nn::TanhOp>(patterns, [](OpBuilder &b, Location l, ValueRange a, auto) {
    return b.create<math::TanhOp>(l, a[0]);
  });
  add<nn::ExpOp>(patterns, [](OpBuilder &b, Location l, ValueRange a, auto) {
    return b.create<math::ExpOp>(l, a[0]);
  });
  add<nn::LogOp>(patterns, [](OpBuilder &b, Location l, ValueRange a, auto) {
    return b.create<math::LogOp>(l, a[0]);
  });
  add<nn::SqrtOp>(patterns, [](OpBuilder &b, Location l, ValueRange a, auto) {
    return b.create<math::SqrtOp>(l, a[0]);
  });
  add<nn::SoftplusOp>(patterns, [](OpBuilder &b, Location l, ValueRange a, auto) {
    // max(x, 0) + log1p(exp(-|x|)): never overflows.
    Value zero = scalar(b, l, a[0].getType(), 0.0);
    Value negAbs = b.create<arith::NegFOp>(l, b.create<math::AbsFOp>(l, a[0]));
    Value tail = b.create<math::Log1pOp>(l, b.create<math::ExpOp>(l, negAbs));
    return b.create<arith::AddFOp>(l, b.create<arith::MaximumFOp>(l, a[0], zero), tail);
  });
  // GELU (tanh approximation): y = 0.5 x (1 + t), t = tanh(u), u = k (x + c x^3);
  // y' = 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 c x^2).
  auto geluParts = [](OpBuilder &b, Location l, Value x) {
    Type t = x.getType();
    Value x2 = b.create<arith::MulFOp>(l, x, x);
    Value inner = b.create<arith::MulFOp>(l, x, b.create<arith::AddFOp>(l, one(b, l, x),
                                                    b.create<arith::MulFOp>(l, scalar(b, l, t, 0.044715), x2)));
    Value th = b.create<math::TanhOp>(l, b.create<arith::MulFOp>(l, scalar(b, l, t, std::sqrt(2.0 / M_PI)), inner));
    return std::make_pair(x2, th);
  };
  add<nn::GeluOp>(patterns, [geluParts](OpBuilder &b, Location l, ValueRange a, auto) -> Value {
    Value x = a[0];
    Value th = geluParts(b, l, x).second;
    Value halfX = b.create<arith::MulFOp>(l, scalar(b, l, x.getType(), 0.5), x);
    return b.create<arith::MulFOp>(l, halfX, b.create<arith::AddFOp>(l, one(b, l, x), th));
  });
  add<nn::GeluGradOp>(patterns, [geluParts](OpBuilder &b, Location l, ValueRange a, auto) -> Value {
    Value x = a[0], dy = a[1];
    Type t = x.getType();
    auto [x2, th] = geluParts(b, l, x);
    Value half = scalar(b, l, t, 0.5);
    Value left = b.create<arith::MulFOp>(l, half, b.create<arith::AddFOp>(l, one(b, l, x), th));
    Value sech2 = b.create<arith::SubFOp>(l, one(b, l, x), b.create<arith::MulFOp>(l, th, th));
    Value du = b.create<arith::MulFOp>(l, scalar(b, l, t, std::sqrt(2.0 / M_PI)),
                                       b.create<arith::AddFOp>(l, one(b, l, x),
                                                               b.create<arith::MulFOp>(l, scalar(b, l, t, 3 * 0.044715), x2)));
    Value right = b.create<arith::MulFOp>(l, b.create<arith::MulFOp>(l, half, x), b.create<arith::MulFOp>(l, sech2, du));
    return b.create<arith::MulFOp>(l, dy, b.create<arith::AddFOp>(l, left, right));
  });
  add<nn::PowOp>(patterns, [](OpBuilder &b, Location l, ValueRange a, nn::PowOp op) -> Value {
    double p = op.getExponent().convertToDouble();
    if (p == 1.0)
      return a[0];
    if (p == 2.0)
      return b.create<arith::MulFOp>(l, a[0], a[0]);
    if (p == 0.5)
      return b.create<math::SqrtOp>(l, a[0]);
    return b.create<math::PowFOp>(l, a[0], scalar(b, l, a[0].getType(), p));
  });
}
