// nn.matmul -> linalg named contractions. Transpose flags select the
// *_transpose_a / *_transpose_b forms so no transposed copy is made; when both
// operands are transposed, lhs is transposed explicitly.
#include "compiler/Conversion/NNToLinalg/Patterns.h"

using namespace mlir;
using namespace gptc;
using namespace gptc::lowering;

namespace {

struct MatmulPattern : public OpConversionPattern<nn::MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::MatmulOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getResult().getType();
    bool batched = type.getRank() == 3;
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    bool ta = op.getTransposeLhs(), tb = op.getTransposeRhs();
    if (ta && tb) {
      auto lt = cast<RankedTensorType>(lhs.getType());
      SmallVector<int64_t> perm = batched ? SmallVector<int64_t>{0, 2, 1} : SmallVector<int64_t>{1, 0};
      SmallVector<int64_t> shape;
      for (int64_t p : perm)
        shape.push_back(lt.getDimSize(p));
      Value init = empty(rewriter, loc, RankedTensorType::get(shape, lt.getElementType()));
      lhs = rewriter.create<linalg::TransposeOp>(loc, lhs, init, perm).getResult()[0];
      ta = false;
    }
    Value acc = filled(rewriter, loc, type, 0.0);
    Operation *mm;
    if (!batched) {
      if (ta)
        mm = rewriter.create<linalg::MatmulTransposeAOp>(loc, TypeRange{type}, ValueRange{lhs, rhs}, acc);
      else if (tb)
        mm = rewriter.create<linalg::MatmulTransposeBOp>(loc, TypeRange{type}, ValueRange{lhs, rhs}, acc);
      else
        mm = rewriter.create<linalg::MatmulOp>(loc, TypeRange{type}, ValueRange{lhs, rhs}, acc);
    } else {
      if (ta)
        mm = rewriter.create<linalg::BatchMatmulTransposeAOp>(loc, TypeRange{type}, ValueRange{lhs, rhs}, acc);
      else if (tb)
        mm = rewriter.create<linalg::BatchMatmulTransposeBOp>(loc, TypeRange{type}, ValueRange{lhs, rhs}, acc);
      else
        mm = rewriter.create<linalg::BatchMatmulOp>(loc, TypeRange{type}, ValueRange{lhs, rhs}, acc);
    }
    rewriter.replaceOp(op, mm->getResults());
    return success();
  }
};

} // namespace

void gptc::populateLinearPatterns(RewritePatternSet &patterns) {
  patterns.add<MatmulPattern>(patterns.getContext());
}
