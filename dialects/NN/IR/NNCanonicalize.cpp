// Canonicalization patterns of the nn ops.
#include "dialects/NN/IR/NNDialect.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace gptc::nn;

namespace {

/// True when `t` swaps the last two dimensions and keeps the others in place.
bool swapsLastTwo(TransposeOp t) {
  ArrayRef<int64_t> perm = t.getPermutation();
  int64_t n = perm.size();
  if (n < 2 || perm[n - 1] != n - 2 || perm[n - 2] != n - 1)
    return false;
  for (int64_t i = 0; i + 2 < n; ++i)
    if (perm[i] != i)
      return false;
  return true;
}

/// matmul(transpose(a), b) -> matmul(a, b) {transpose_lhs}, and likewise for
/// rhs: a learner's `q @ transpose(k)` runs as one GEMM reading k in place.
struct FoldTransposeIntoMatmul : public OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatmulOp op, PatternRewriter &rewriter) const override {
    Value lhs = op.getLhs(), rhs = op.getRhs();
    bool ta = op.getTransposeLhs(), tb = op.getTransposeRhs();
    bool changed = false;
    if (auto t = lhs.getDefiningOp<TransposeOp>(); t && swapsLastTwo(t)) {
      lhs = t.getInput();
      ta = !ta;
      changed = true;
    }
    if (auto t = rhs.getDefiningOp<TransposeOp>(); t && swapsLastTwo(t)) {
      rhs = t.getInput();
      tb = !tb;
      changed = true;
    }
    if (!changed)
      return failure();
    rewriter.replaceOpWithNewOp<MatmulOp>(op, op.getResult().getType(), lhs, rhs, ta, tb);
    return success();
  }
};

} // namespace

void MatmulOp::getCanonicalizationPatterns(RewritePatternSet &patterns, MLIRContext *context) {
  patterns.add<FoldTransposeIntoMatmul>(context);
}
