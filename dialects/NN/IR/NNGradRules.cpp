// Reverse-mode derivative rules (GradOpInterface) of the nn ops.
// Each rule receives dL/dResult and builds dL/dOperand from nn ops, so the
// backward graph is ordinary nn IR that fuses and lowers like the forward one.
#include "dialects/NN/IR/NNDialect.h"

#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace gptc::nn;

namespace {
Value constantLike(OpBuilder &b, Location loc, Value like, double value) {
  return b.create<ConstantOp>(loc, like.getType(), value);
}
Value mul(OpBuilder &b, Location loc, Value x, Value y) { return b.create<MulOp>(loc, x, y); }
Value sub(OpBuilder &b, Location loc, Value x, Value y) { return b.create<SubOp>(loc, x, y); }
} // namespace

SmallVector<Value> AddOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  return {dys[0], dys[0]};
}

SmallVector<Value> SubOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  return {dys[0], b.create<NegOp>(getLoc(), dys[0])};
}

SmallVector<Value> MulOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  return {mul(b, getLoc(), dys[0], getRhs()), mul(b, getLoc(), dys[0], getLhs())};
}

SmallVector<Value> DivOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  Location loc = getLoc();
  // d(a/b)/da = 1/b; d(a/b)/db = -(a/b)/b.
  Value dA = b.create<DivOp>(loc, dys[0], getRhs());
  Value dB = b.create<NegOp>(loc, b.create<DivOp>(loc, mul(b, loc, dys[0], getResult()), getRhs()));
  return {dA, dB};
}

SmallVector<Value> NegOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  return {b.create<NegOp>(getLoc(), dys[0])};
}

SmallVector<Value> SigmoidOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  Location loc = getLoc();
  Value y = getResult();
  Value oneMinusY = sub(b, loc, constantLike(b, loc, y, 1.0), y);
  return {mul(b, loc, mul(b, loc, dys[0], y), oneMinusY)};
}

SmallVector<Value> ReluOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  return {b.create<ReluGradOp>(getLoc(), getInput(), dys[0])};
}

SmallVector<Value> TanhOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  Location loc = getLoc();
  Value y = getResult();
  Value oneMinusY2 = sub(b, loc, constantLike(b, loc, y, 1.0), mul(b, loc, y, y));
  return {mul(b, loc, dys[0], oneMinusY2)};
}

SmallVector<Value> ExpOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  return {mul(b, getLoc(), dys[0], getResult())};
}

SmallVector<Value> LogOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  return {b.create<DivOp>(getLoc(), dys[0], getInput())};
}

SmallVector<Value> SqrtOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  Location loc = getLoc();
  Value twiceY = mul(b, loc, constantLike(b, loc, getResult(), 2.0), getResult());
  return {b.create<DivOp>(loc, dys[0], twiceY)};
}

SmallVector<Value> SoftplusOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  return {mul(b, getLoc(), dys[0], b.create<SigmoidOp>(getLoc(), getInput()))};
}

SmallVector<Value> GeluOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  // A hand-written rule: the backward keeps x only, not the tanh and the
  // cubes the decomposition would.
  return {b.create<GeluGradOp>(getLoc(), getInput(), dys[0])};
}

SmallVector<Value> PowOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  Location loc = getLoc();
  double p = getExponent().convertToDouble();
  // d(x^p)/dx = p * x^(p-1); x^1 is x itself.
  Value xPm1 = p == 2.0 ? getInput()
                        : b.create<PowOp>(loc, getInput(), b.getF64FloatAttr(p - 1.0)).getResult();
  return {mul(b, loc, dys[0], mul(b, loc, constantLike(b, loc, xPm1, p), xPm1))};
}

SmallVector<Value> BroadcastOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  // Every copy made by the broadcast receives gradient: sum over the new dims.
  SmallVector<int64_t> newDims;
  for (int64_t d = 0; d < getResult().getType().getRank(); ++d)
    if (!llvm::is_contained(getDims(), d))
      newDims.push_back(d);
  if (newDims.empty())
    return {dys[0]};
  return {b.create<ReduceSumOp>(getLoc(), dys[0], newDims)};
}

SmallVector<Value> ReduceSumOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  SmallVector<int64_t> keptDims;
  for (int64_t d = 0; d < getInput().getType().getRank(); ++d)
    if (!llvm::is_contained(getAxes(), d))
      keptDims.push_back(d);
  return {b.create<BroadcastOp>(getLoc(), getInput().getType(), dys[0], keptDims)};
}

SmallVector<Value> TransposeOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  ArrayRef<int64_t> perm = getPermutation();
  SmallVector<int64_t> inverse(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    inverse[p] = i;
  return {b.create<TransposeOp>(getLoc(), dys[0], inverse)};
}

SmallVector<Value> ReshapeOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  return {b.create<ReshapeOp>(getLoc(), getInput().getType(), dys[0])};
}

SmallVector<Value> MatmulOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  // C = op(A) op(B). The four transpose combinations, written out so each line
  // is one matmul with transpose flags and no materialised transpose.
  Location loc = getLoc();
  Value a = getLhs(), bb = getRhs(), dC = dys[0];
  bool ta = getTransposeLhs(), tb = getTransposeRhs();
  Value dA, dB;
  if (!ta && !tb) {        // C = A B
    dA = b.create<MatmulOp>(loc, dC, bb, false, true);   // dC B^T
    dB = b.create<MatmulOp>(loc, a, dC, true, false);    // A^T dC
  } else if (!ta && tb) {  // C = A B^T
    dA = b.create<MatmulOp>(loc, dC, bb, false, false);  // dC B
    dB = b.create<MatmulOp>(loc, dC, a, true, false);    // dC^T A
  } else if (ta && !tb) {  // C = A^T B
    dA = b.create<MatmulOp>(loc, bb, dC, false, true);   // B dC^T
    dB = b.create<MatmulOp>(loc, a, dC, false, false);   // A dC
  } else {                 // C = A^T B^T
    dA = b.create<MatmulOp>(loc, bb, dC, true, true);    // B^T dC^T
    dB = b.create<MatmulOp>(loc, dC, a, true, true);     // dC^T A^T
  }
  return {dA, dB};
}

SmallVector<Value> SoftmaxOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  // dx = y * (dy - sum(dy * y, last, keepdim))
  Location loc = getLoc();
  Value y = getResult();
  auto type = getResult().getType();
  int64_t last = type.getRank() - 1;
  Value rowDot = b.create<ReduceSumOp>(loc, mul(b, loc, dys[0], y), ArrayRef<int64_t>{last});
  SmallVector<int64_t> keep = llvm::to_vector(llvm::seq<int64_t>(0, last));
  Value rowDotB = b.create<BroadcastOp>(loc, type, rowDot, keep);
  return {mul(b, loc, y, sub(b, loc, dys[0], rowDotB))};
}

SmallVector<Value> LogSoftmaxOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  // dx = dy - softmax(x) * sum(dy, last, keepdim), softmax(x) = exp(y)
  Location loc = getLoc();
  auto type = getResult().getType();
  int64_t last = type.getRank() - 1;
  Value rowSum = b.create<ReduceSumOp>(loc, dys[0], ArrayRef<int64_t>{last});
  SmallVector<int64_t> keep = llvm::to_vector(llvm::seq<int64_t>(0, last));
  Value rowSumB = b.create<BroadcastOp>(loc, type, rowSum, keep);
  Value softmax = b.create<ExpOp>(loc, getResult());
  return {sub(b, loc, dys[0], mul(b, loc, softmax, rowSumB))};
}

SmallVector<Value> NormalizeOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  // From x alone: the row statistics are recomputed (docs/fusion.md).
  return {b.create<NormalizeGradOp>(getLoc(), getInput(), dys[0], getEpsAttr())};
}

SmallVector<Value> CrossEntropyOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  Value dLogits = b.create<CrossEntropyGradOp>(getLoc(), getLogits().getType(), getLogits(), getTargets(),
                                               dys[0], getIgnoreIndexAttr(), getSmoothingAttr());
  return {dLogits, Value()};
}

SmallVector<Value> GatherOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  Value dTable = b.create<ScatterAddOp>(getLoc(), getTable().getType(), getIndices(), dys[0]);
  return {dTable, Value()};
}

SmallVector<Value> SliceOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  return {b.create<PadOp>(getLoc(), getInput().getType(), dys[0], getAxis(), getStart())};
}

SmallVector<Value> PadOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  return {b.create<SliceOp>(getLoc(), getInput().getType(), dys[0], getAxis(), getStart())};
}

SmallVector<Value> ConcatOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  SmallVector<Value> dInputs;
  int64_t start = 0;
  for (Value input : getInputs()) {
    auto type = cast<RankedTensorType>(input.getType());
    dInputs.push_back(b.create<SliceOp>(getLoc(), type, dys[0], getAxis(), start));
    start += type.getDimSize(getAxis());
  }
  return dInputs;
}

SmallVector<Value> MaskFillOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  // Filled positions do not depend on the input.
  return {b.create<MaskFillOp>(getLoc(), dys[0], getMask(), b.getF64FloatAttr(0.0))};
}

SmallVector<Value> DropoutOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  // Same mask, same scale: the op is linear in its input.
  return {b.create<DropoutOp>(getLoc(), dys[0], getRng(), getPAttr(), getSaltAttr()), Value()};
}

SmallVector<Value> AttentionOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  // lse exists for the backward only; nothing else may depend on it.
  if (auto c = dys[1].getDefiningOp<ConstantOp>(); !c || !c.getValue().isZero())
    return {};
  auto grad = b.create<AttentionGradOp>(getLoc(), TypeRange{getQ().getType(), getK().getType(), getV().getType()},
                                        getQ(), getK(), getV(), getOut(), getLse(), dys[0], getRng(), getKeys(),
                                        getMaskAttr(), getKeyPadAttr(), getDropoutAttr(), getSaltAttr());
  IRMapping same;
  getScore().cloneInto(&grad.getScore(), same);
  SmallVector<Value> adjoints = {grad.getDq(), grad.getDk(), grad.getDv()};
  if (getRng())
    adjoints.push_back(Value());
  if (getKeys())
    adjoints.push_back(Value());
  return adjoints;
}

SmallVector<Value> PaddingMaskOp::buildAdjoints(OpBuilder &b, ValueRange dys) {
  // Hidden elements do not reach the result: their gradient is 0.
  Value dx = b.create<PaddingMaskOp>(getLoc(), dys[0].getType(), dys[0], getTokens(), getPadAttr(),
                                     b.getF64FloatAttr(0.0));
  return {dx, Value()};
}
