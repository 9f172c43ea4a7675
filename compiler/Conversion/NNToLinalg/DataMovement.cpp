// Shape ops: broadcast -> linalg.generic reading the input through a projected
// map; transpose -> linalg.transpose; reshape -> collapse to 1-D then expand.
#include "compiler/Conversion/NNToLinalg/Patterns.h"

using namespace mlir;
using namespace gptc;
using namespace gptc::lowering;

namespace {

struct BroadcastPattern : public OpConversionPattern<nn::BroadcastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::BroadcastOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = op.getResult().getType();
    SmallVector<AffineExpr> exprs;
    for (int64_t d : op.getDims())
      exprs.push_back(rewriter.getAffineDimExpr(d));
    AffineMap map = AffineMap::get(type.getRank(), 0, exprs, getContext());
    auto results = parallelGeneric(rewriter, op.getLoc(), adaptor.getInput(), {map}, TypeRange{type},
                                   [](OpBuilder &, Location, ValueRange a) -> SmallVector<Value> {
                                     return {a[0]};
                                   });
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct TransposePattern : public OpConversionPattern<nn::TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::TransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value init = empty(rewriter, op.getLoc(), op.getResult().getType());
    auto t = rewriter.create<linalg::TransposeOp>(op.getLoc(), adaptor.getInput(), init,
                                                  op.getPermutation());
    rewriter.replaceOp(op, t.getResult());
    return success();
  }
};

struct ReshapePattern : public OpConversionPattern<nn::ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::ReshapeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto in = op.getInput().getType();
    auto out = op.getResult().getType();
    // To or from a scalar: every dim is 1, and the reassociation is empty.
    if (in.getRank() == 0) {
      rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, out, adaptor.getInput(),
                                                         ArrayRef<ReassociationIndices>{});
      return success();
    }
    if (out.getRank() == 0) {
      rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(op, out, adaptor.getInput(),
                                                           ArrayRef<ReassociationIndices>{});
      return success();
    }
    auto flatType = RankedTensorType::get({in.getNumElements()}, in.getElementType());
    SmallVector<ReassociationIndices> collapse(1), expand(1);
    for (int64_t i = 0; i < in.getRank(); ++i)
      collapse[0].push_back(i);
    for (int64_t i = 0; i < out.getRank(); ++i)
      expand[0].push_back(i);
    Value flat = adaptor.getInput();
    if (in.getRank() != 1)
      flat = rewriter.create<tensor::CollapseShapeOp>(loc, flatType, flat, collapse);
    Value result = flat;
    if (out.getRank() != 1)
      result = rewriter.create<tensor::ExpandShapeOp>(loc, out, flat, expand);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void gptc::populateDataMovementPatterns(RewritePatternSet &patterns) {
  patterns.add<BroadcastPattern, TransposePattern, ReshapePattern>(patterns.getContext());
}
