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

/// pad(a) + pad(b) + ... -> concat(a, b, ...) when the pads (along one axis,
/// each used only by the sum) tile the result: the backward of split, e.g. of
/// the fused q/k/v projection. Lowered, each input is then copied once into
/// its part; the sum of pads read every input at every element, with clamped
/// indices that keep the loop from vectorising.
struct SumOfPadsToConcat : public OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp op, PatternRewriter &rewriter) const override {
    SmallVector<PadOp> pads;
    SmallVector<Value> pending = {op.getLhs(), op.getRhs()};
    while (!pending.empty()) {
      Value v = pending.pop_back_val();
      if (!v.hasOneUse())
        return failure();
      if (auto add = v.getDefiningOp<AddOp>()) {
        pending.push_back(add.getLhs());
        pending.push_back(add.getRhs());
      } else if (auto pad = v.getDefiningOp<PadOp>()) {
        pads.push_back(pad);
      } else {
        return failure();
      }
    }
    int64_t axis = pads.front().getAxis();
    if (llvm::any_of(pads, [&](PadOp p) { return p.getAxis() != axis; }))
      return failure();
    llvm::sort(pads, [](PadOp x, PadOp y) { return x.getStart() < y.getStart(); });
    int64_t next = 0;
    SmallVector<Value> parts;
    for (PadOp pad : pads) {
      if (pad.getStart() != next)
        return failure(); // a gap or an overlap: not a concatenation
      next += pad.getInput().getType().getDimSize(axis);
      parts.push_back(pad.getInput());
    }
    if (next != op.getResult().getType().getDimSize(axis))
      return failure();
    rewriter.replaceOpWithNewOp<ConcatOp>(op, op.getResult().getType(), parts, axis);
    return success();
  }
};

/// reshape(slice(x)) -> slice(reshape(x)) when the slice cuts x's last axis
/// at a multiple of D and the reshape only splits that axis into [H, D]: the
/// heads of q, k and v (`heads(split(qkv, 3)[i])`) become a slice of the
/// heads of qkv. The reshape of qkv is a view, and the slice, now next to the
/// transpose that follows it, fuses with it into one kernel (it was a copy,
/// then a transpose, with a reshape between them that no fusion crosses).
struct SliceBeforeHeadsSplit : public OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op, PatternRewriter &rewriter) const override {
    auto slice = op.getInput().getDefiningOp<SliceOp>();
    if (!slice || !slice->hasOneUse())
      return failure();
    auto inType = cast<RankedTensorType>(slice.getInput().getType());
    auto partType = cast<RankedTensorType>(slice.getResult().getType());
    auto outType = cast<RankedTensorType>(op.getResult().getType());
    int64_t rank = partType.getRank();
    if (slice.getAxis() != rank - 1 || outType.getRank() != rank + 1 || !inType.hasStaticShape() ||
        !outType.hasStaticShape())
      return failure();
    ArrayRef<int64_t> part = partType.getShape(), out = outType.getShape();
    if (part.drop_back() != out.drop_back(2))
      return failure();
    int64_t d = out.back(), width = inType.getShape().back();
    if (d <= 0 || slice.getStart() % d != 0 || width % d != 0 || out[rank - 1] * d != part.back())
      return failure();
    SmallVector<int64_t> headsShape(inType.getShape().drop_back());
    headsShape.append({width / d, d});
    // q, k and v share one reshape of qkv (autodiff then sums their
    // gradients before the reshape back, and the sum of pads is one concat).
    auto headsType = RankedTensorType::get(headsShape, inType.getElementType());
    Value heads;
    for (Operation *user : slice.getInput().getUsers())
      if (auto other = dyn_cast<ReshapeOp>(user); other && other.getResult().getType() == headsType &&
                                                  other->getBlock() == op->getBlock() && other->isBeforeInBlock(op))
        heads = other.getResult();
    if (!heads) {
      rewriter.setInsertionPointAfterValue(slice.getInput());
      heads = rewriter.create<ReshapeOp>(op.getLoc(), headsType, slice.getInput());
      rewriter.setInsertionPoint(op);
    }
    rewriter.replaceOpWithNewOp<SliceOp>(op, outType, heads, rank - 1, slice.getStart() / d);
    return success();
  }
};

} // namespace

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &patterns, MLIRContext *context) {
  patterns.add<SliceBeforeHeadsSplit>(context);
}

void AddOp::getCanonicalizationPatterns(RewritePatternSet &patterns, MLIRContext *context) {
  patterns.add<SumOfPadsToConcat>(context);
}

void MatmulOp::getCanonicalizationPatterns(RewritePatternSet &patterns, MLIRContext *context) {
  patterns.add<FoldTransposeIntoMatmul>(context);
}
