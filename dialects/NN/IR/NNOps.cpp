// Builders and verifiers of the nn ops. Every shape rule the frontend checks is
// checked again here, so hand-written IR in tests gets the same guarantees.
#include "dialects/NN/IR/NNDialect.h"
#include "gptc/contract.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace gptc;
using namespace gptc::nn;

static std::string shapeStr(ShapedType t) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(t.getShape(), os);
  os << "]";
  return s;
}

//===----------------------------------------------------------------------===//
// BroadcastOp
//===----------------------------------------------------------------------===//

LogicalResult BroadcastOp::verify() {
  auto in = getInput().getType();
  auto out = getResult().getType();
  ArrayRef<int64_t> dims = getDims();
  if (in.getElementType() != out.getElementType())
    return emitOpError("element types differ");
  if ((int64_t)dims.size() != in.getRank())
    return emitOpError("needs one entry in dims per input dimension, got ")
           << dims.size() << " for rank " << in.getRank();
  for (auto [i, d] : llvm::enumerate(dims)) {
    if (d < 0 || d >= out.getRank())
      return emitOpError("dim ") << d << " is out of range for result rank " << out.getRank();
    if (i > 0 && dims[i - 1] >= d)
      return emitOpError("dims must be strictly increasing");
    if (in.getDimSize(i) != out.getDimSize(d))
      return emitOpError("input dim ") << i << " (size " << in.getDimSize(i)
                                       << ") does not match result dim " << d << " (size "
                                       << out.getDimSize(d) << ")";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// ReduceSumOp
//===----------------------------------------------------------------------===//

static RankedTensorType dropAxes(RankedTensorType t, ArrayRef<int64_t> axes) {
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < t.getRank(); ++i)
    if (!llvm::is_contained(axes, i))
      shape.push_back(t.getDimSize(i));
  return RankedTensorType::get(shape, t.getElementType());
}

void ReduceSumOp::build(OpBuilder &b, OperationState &state, Value input, ArrayRef<int64_t> axes) {
  auto t = cast<RankedTensorType>(input.getType());
  build(b, state, dropAxes(t, axes), input, axes);
}

LogicalResult ReduceSumOp::verify() {
  auto in = getInput().getType();
  ArrayRef<int64_t> axes = getAxes();
  for (auto [i, a] : llvm::enumerate(axes)) {
    if (a < 0 || a >= in.getRank())
      return emitOpError("axis ") << a << " is out of range for rank " << in.getRank();
    if (i > 0 && axes[i - 1] >= a)
      return emitOpError("axes must be strictly increasing");
  }
  if (dropAxes(in, axes) != getResult().getType())
    return emitOpError("result type should be ") << dropAxes(in, axes);
  return success();
}

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

static RankedTensorType permuted(RankedTensorType t, ArrayRef<int64_t> perm) {
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(t.getDimSize(p));
  return RankedTensorType::get(shape, t.getElementType());
}

void TransposeOp::build(OpBuilder &b, OperationState &state, Value input,
                        ArrayRef<int64_t> permutation) {
  auto t = cast<RankedTensorType>(input.getType());
  build(b, state, permuted(t, permutation), input, permutation);
}

LogicalResult TransposeOp::verify() {
  auto in = getInput().getType();
  ArrayRef<int64_t> perm = getPermutation();
  if ((int64_t)perm.size() != in.getRank())
    return emitOpError("permutation has ") << perm.size() << " entries for rank " << in.getRank();
  SmallVector<bool> seen(perm.size(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= in.getRank() || seen[p])
      return emitOpError("permutation is not a permutation of 0..") << in.getRank() - 1;
    seen[p] = true;
  }
  if (permuted(in, perm) != getResult().getType())
    return emitOpError("result type should be ") << permuted(in, perm);
  return success();
}

//===----------------------------------------------------------------------===//
// ReshapeOp
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  if (getInput().getType().getNumElements() != getResult().getType().getNumElements())
    return emitOpError("cannot reshape ") << shapeStr(getInput().getType()) << " ("
                                          << getInput().getType().getNumElements()
                                          << " elements) to " << shapeStr(getResult().getType());
  if (getInput().getType().getElementType() != getResult().getType().getElementType())
    return emitOpError("element types differ");
  return success();
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

RankedTensorType MatmulOp::inferResultType(RankedTensorType lhs, RankedTensorType rhs,
                                           bool transposeLhs, bool transposeRhs) {
  int64_t rank = lhs.getRank();
  if (rank != rhs.getRank() || (rank != 2 && rank != 3) ||
      lhs.getElementType() != rhs.getElementType())
    return nullptr;
  auto l = lhs.getShape(), r = rhs.getShape();
  int64_t m = transposeLhs ? l[rank - 1] : l[rank - 2];
  int64_t kl = transposeLhs ? l[rank - 2] : l[rank - 1];
  int64_t kr = transposeRhs ? r[rank - 1] : r[rank - 2];
  int64_t n = transposeRhs ? r[rank - 2] : r[rank - 1];
  if (kl != kr)
    return nullptr;
  SmallVector<int64_t> shape;
  if (rank == 3) {
    if (l[0] != r[0])
      return nullptr;
    shape.push_back(l[0]);
  }
  shape.push_back(m);
  shape.push_back(n);
  return RankedTensorType::get(shape, lhs.getElementType());
}

void MatmulOp::build(OpBuilder &b, OperationState &state, Value lhs, Value rhs,
                     bool transposeLhs, bool transposeRhs) {
  auto type = inferResultType(cast<RankedTensorType>(lhs.getType()),
                              cast<RankedTensorType>(rhs.getType()), transposeLhs, transposeRhs);
  assert(type && "matmul operands do not contract");
  build(b, state, type, lhs, rhs, transposeLhs, transposeRhs);
}

LogicalResult MatmulOp::verify() {
  auto type = inferResultType(getLhs().getType(), getRhs().getType(), getTransposeLhs(),
                              getTransposeRhs());
  if (!type)
    return emitOpError("operands do not contract: ")
           << shapeStr(getLhs().getType()) << (getTransposeLhs() ? "^T" : "") << " @ "
           << shapeStr(getRhs().getType()) << (getTransposeRhs() ? "^T" : "");
  if (type != getResult().getType())
    return emitOpError("result type should be ") << type;
  return success();
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

static LogicalResult verifyLogitsAndTargets(Operation *op, RankedTensorType logits,
                                            RankedTensorType targets) {
  if (logits.getRank() < 1 || targets.getRank() != logits.getRank() - 1 ||
      logits.getShape().drop_back() != targets.getShape())
    return op->emitOpError("targets ") << shapeStr(targets) << " must be the logits' shape "
                                       << shapeStr(logits) << " without its last dimension";
  return success();
}

/// cross_entropy's options: label smoothing in [0, 1].
static LogicalResult verifySmoothing(Operation *op, FloatAttr smoothing) {
  if (smoothing && (smoothing.getValueAsDouble() < 0 || smoothing.getValueAsDouble() > 1))
    return op->emitOpError("smoothing must be in [0, 1], got ") << smoothing.getValueAsDouble();
  return success();
}

LogicalResult CrossEntropyOp::verify() {
  if (getResult().getType().getRank() != 0 ||
      getResult().getType().getElementType() != getLogits().getType().getElementType())
    return emitOpError("result must be a scalar of the logits' element type");
  if (failed(verifySmoothing(*this, getSmoothingAttr())))
    return failure();
  return verifyLogitsAndTargets(*this, getLogits().getType(), getTargets().getType());
}

LogicalResult CrossEntropyGradOp::verify() {
  if (getGrad().getType().getRank() != 0)
    return emitOpError("grad must be a scalar");
  if (getResult().getType() != getLogits().getType())
    return emitOpError("result type must equal the logits' type");
  if (failed(verifySmoothing(*this, getSmoothingAttr())))
    return failure();
  return verifyLogitsAndTargets(*this, getLogits().getType(), getTargets().getType());
}

LogicalResult PaddingMaskOp::verify() {
  auto x = getInput().getType();
  auto tokens = getTokens().getType();
  if (x.getRank() < 2 || tokens.getRank() != 2 || tokens.getDimSize(0) != x.getDimSize(0) ||
      tokens.getDimSize(1) != x.getDimSize(x.getRank() - 1))
    return emitOpError("needs tokens [B, Tk] for an input [B, ..., Tk], got input ")
           << shapeStr(x) << " and tokens " << shapeStr(tokens);
  return success();
}

//===----------------------------------------------------------------------===//
// Optimizer updates
//===----------------------------------------------------------------------===//

static LogicalResult verifyUpdate(Operation *op, ArrayRef<Value> sameTyped, Value hyper) {
  Type t = sameTyped.front().getType();
  for (Value v : sameTyped)
    if (v.getType() != t)
      return op->emitOpError("param, grad and optimizer state must share one type");
  for (Value v : op->getResults())
    if (v.getType() != t)
      return op->emitOpError("results must have the param's type");
  auto h = cast<RankedTensorType>(hyper.getType());
  if (h.getRank() != 1 || h.getDimSize(0) != hyper::kSize ||
      h.getElementType() != cast<RankedTensorType>(t).getElementType())
    return op->emitOpError("hyper must be a rank-1 tensor of ")
           << hyper::kSize << " elements of the param's element type";
  return success();
}

LogicalResult SgdUpdateOp::verify() {
  return verifyUpdate(*this, {getParam(), getGrad(), getVelocity()}, getHyper());
}

LogicalResult AdamWUpdateOp::verify() {
  return verifyUpdate(*this, {getParam(), getGrad(), getM(), getV()}, getHyper());
}

#define GET_OP_CLASSES
#include "dialects/NN/IR/NNOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Indexing, slicing and masking
//===----------------------------------------------------------------------===//

/// [..., C] from indices [...] and a table [V, C].
static LogicalResult verifyRows(Operation *op, RankedTensorType indices, RankedTensorType rows,
                                RankedTensorType table) {
  if (table.getRank() != 2)
    return op->emitOpError("needs a rank-2 table, got ") << table;
  if (rows.getRank() != indices.getRank() + 1 || rows.getShape().drop_back() != indices.getShape() ||
      rows.getShape().back() != table.getDimSize(1))
    return op->emitOpError("rows ") << rows << " must be the indices' shape " << indices
                                    << " followed by the table width " << table.getDimSize(1);
  if (rows.getElementType() != table.getElementType())
    return op->emitOpError("table and rows must have one element type");
  return success();
}

LogicalResult GatherOp::verify() {
  return verifyRows(*this, getIndices().getType(), getResult().getType(), getTable().getType());
}

LogicalResult ScatterAddOp::verify() {
  return verifyRows(*this, getIndices().getType(), getUpdates().getType(), getResult().getType());
}

/// `small` fits in `large` at [start, start + size) along axis; other dims equal.
static LogicalResult verifySliceShapes(Operation *op, RankedTensorType small, RankedTensorType large,
                                       int64_t axis, int64_t start) {
  if (small.getRank() != large.getRank() || small.getElementType() != large.getElementType())
    return op->emitOpError("needs input and result of one rank and element type");
  if (axis < 0 || axis >= large.getRank())
    return op->emitOpError("axis ") << axis << " is out of range";
  for (int64_t d = 0; d < large.getRank(); ++d)
    if (d != axis && small.getDimSize(d) != large.getDimSize(d))
      return op->emitOpError("shapes may differ only along axis ") << axis << ": " << small << " and " << large;
  if (start < 0 || start + small.getDimSize(axis) > large.getDimSize(axis))
    return op->emitOpError("part [") << start << ", " << start + small.getDimSize(axis)
                                     << ") does not fit in dimension " << large.getDimSize(axis);
  return success();
}

LogicalResult SliceOp::verify() {
  return verifySliceShapes(*this, getResult().getType(), getInput().getType(), getAxis(), getStart());
}

LogicalResult PadOp::verify() {
  return verifySliceShapes(*this, getInput().getType(), getResult().getType(), getAxis(), getStart());
}

LogicalResult ConcatOp::verify() {
  auto type = getResult().getType();
  int64_t axis = getAxis();
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  if (axis < 0 || axis >= type.getRank())
    return emitOpError("axis ") << axis << " is out of range";
  int64_t filled = 0;
  for (Value input : getInputs()) {
    auto part = cast<RankedTensorType>(input.getType());
    if (part.getRank() != type.getRank() || part.getElementType() != type.getElementType())
      return emitOpError("needs inputs and result of one rank and element type");
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (d != axis && part.getDimSize(d) != type.getDimSize(d))
        return emitOpError("shapes may differ only along axis ") << axis << ": " << part << " and " << type;
    filled += part.getDimSize(axis);
  }
  if (filled != type.getDimSize(axis))
    return emitOpError("inputs fill ") << filled << " of dimension " << type.getDimSize(axis) << " along axis "
                                       << axis;
  return success();
}

LogicalResult MaskFillOp::verify() {
  auto type = getInput().getType();
  auto mask = cast<ShapedType>(getMask().getType());
  if (!mask.getElementType().isInteger(1) || mask.getRank() != 2)
    return emitOpError("needs a rank-2 i1 mask, got ") << mask;
  if (type.getRank() < 2 || type.getShape().take_back(2) != mask.getShape())
    return emitOpError("mask ") << mask << " must match the last two dimensions of " << type;
  return success();
}

LogicalResult DropoutOp::verify() {
  if (getRng().getType().getShape() != ArrayRef<int64_t>{2})
    return emitOpError("rng must be tensor<2xi32> ([seed, training]), got ") << getRng().getType();
  if (!(getP().convertToDouble() >= 0 && getP().convertToDouble() < 1))
    return emitOpError("p must be in [0, 1)");
  return success();
}

/// softmax and log_softmax normalise over the last dimension: a scalar has none.
static LogicalResult verifyHasLastDim(Operation *op, RankedTensorType t) {
  if (t.getRank() == 0)
    return op->emitOpError("needs a tensor of rank 1 or more (it normalises over the last dimension), got ")
           << t;
  return success();
}
LogicalResult SoftmaxOp::verify() { return verifyHasLastDim(*this, getInput().getType()); }
LogicalResult LogSoftmaxOp::verify() { return verifyHasLastDim(*this, getInput().getType()); }
LogicalResult NormalizeOp::verify() {
  if (!(getEps().convertToDouble() >= 0))
    return emitOpError("needs eps >= 0");
  return verifyHasLastDim(*this, getInput().getType());
}

LogicalResult SumSquaresOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  if (getResult().getType().getRank() != 0)
    return emitOpError("gives a scalar tensor");
  for (Value input : getInputs())
    if (cast<RankedTensorType>(input.getType()).getElementType() != getResult().getType().getElementType())
      return emitOpError("needs inputs of the result's element type");
  return success();
}

LogicalResult ClipScaleOp::verify() {
  if (getSumsq().getType().getRank() != 0 || getResult().getType() != getSumsq().getType())
    return emitOpError("takes and gives a scalar tensor");
  if (getHyper().getType().getRank() != 1 || getHyper().getType().getDimSize(0) != hyper::kSize)
    return emitOpError("needs the ") << hyper::kSize << "-element hyperparameter vector";
  return success();
}

LogicalResult FusionGroupOp::verify() {
  StringRef kind = getKind();
  if (kind != "gemm" && kind != "rows" && kind != "reduction" && kind != "elementwise" && kind != "foreach")
    return emitOpError("kind must be gemm, rows, reduction, elementwise or foreach, not '") << kind << "'";
  if (kind == "foreach" && getRows() != 0)
    return emitOpError("a foreach group has no shared rows: rows must be 0");
  if (getRows() < 0 || (kind == "rows" && getRows() < 1))
    return emitOpError("rows must be >= 0, and >= 1 for a rows group");
  auto yield = cast<FusionYieldOp>(getBody().front().getTerminator());
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields ") << yield.getValues().getTypes() << " but returns " << getResultTypes();
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionOp, AttentionGradOp
//===----------------------------------------------------------------------===//

/// The shape rules nn.attention and nn.attention_grad share.
static LogicalResult verifyAttention(Operation *op, RankedTensorType q, RankedTensorType k,
                                     RankedTensorType v, RankedTensorType out, RankedTensorType lse,
                                     Value rng, Value keys, std::optional<uint64_t> keyPad,
                                     std::optional<ElementsAttr> mask, double dropout, Region &score) {
  int64_t rank = q.getRank();
  if (rank < 2 || k.getRank() != rank || v.getRank() != rank || out.getRank() != rank ||
      lse.getRank() != rank - 1)
    return op->emitOpError("needs q, k, v, out of one rank >= 2 and lse of one rank less");
  Type elem = q.getElementType();
  for (RankedTensorType t : {k, v, out, lse})
    if (t.getElementType() != elem)
      return op->emitOpError("needs one element type, got ") << elem << " and " << t.getElementType();
  for (int64_t d = 0; d + 2 < rank; ++d)
    if (k.getDimSize(d) != q.getDimSize(d) || v.getDimSize(d) != q.getDimSize(d) ||
        out.getDimSize(d) != q.getDimSize(d) || lse.getDimSize(d) != q.getDimSize(d))
      return op->emitOpError("needs the same leading (batch) dims on every operand, got q ")
             << shapeStr(q) << ", k " << shapeStr(k) << ", v " << shapeStr(v);
  int64_t tq = q.getDimSize(rank - 2), d = q.getDimSize(rank - 1), tk = k.getDimSize(rank - 2);
  int64_t dv = v.getDimSize(rank - 1);
  if (k.getDimSize(rank - 1) != d)
    return op->emitOpError("needs q and k of one head size, got ") << shapeStr(q) << " and " << shapeStr(k);
  if (v.getDimSize(rank - 2) != tk)
    return op->emitOpError("needs one value per key, got k ") << shapeStr(k) << " and v " << shapeStr(v);
  if (out.getDimSize(rank - 2) != tq || out.getDimSize(rank - 1) != dv || lse.getDimSize(rank - 2) != tq)
    return op->emitOpError("needs out [..., Tq, Dv] and lse [..., Tq], got ") << shapeStr(out) << " and "
           << shapeStr(lse);
  if (mask) {
    auto maskType = dyn_cast<RankedTensorType>(mask->getType());
    if (!maskType || !maskType.getElementType().isInteger(1) || maskType.getRank() != 2 ||
        maskType.getDimSize(0) != tq || maskType.getDimSize(1) != tk)
      return op->emitOpError("needs an i1 mask of [Tq, Tk] = [") << tq << ", " << tk << "]";
  }
  if (keys) {
    auto keysType = cast<RankedTensorType>(keys.getType());
    int64_t batch = 1; // the product of the leading dims
    for (int64_t dim = 0; dim + 2 < rank; ++dim)
      batch *= q.getDimSize(dim);
    if (keysType.getRank() != 2 || keysType.getDimSize(1) != tk || keysType.getDimSize(0) < 1 ||
        batch % keysType.getDimSize(0) != 0)
      return op->emitOpError("needs keys [B, Tk] with Tk = ")
             << tk << " and B dividing the batch dims' product " << batch << ", got " << shapeStr(keysType);
    if (!keyPad)
      return op->emitOpError("needs key_pad with keys");
  } else if (keyPad) {
    return op->emitOpError("has key_pad but no keys");
  }
  if (dropout < 0 || dropout >= 1)
    return op->emitOpError("needs a dropout probability in [0, 1), got ") << dropout;
  if (dropout > 0 && !rng)
    return op->emitOpError("needs the rng operand for dropout");
  Block &body = score.front();
  if (body.getNumArguments() != 1 || body.getArgument(0).getType() != elem)
    return op->emitOpError("needs a score region taking one ") << elem;
  if (body.getTerminator()->getOperand(0).getType() != elem)
    return op->emitOpError("needs a score region yielding one ") << elem;
  return success();
}

LogicalResult AttentionOp::verify() {
  return verifyAttention(*this, getQ().getType(), getK().getType(), getV().getType(), getOut().getType(),
                         getLse().getType(), getRng(), getKeys(), getKeyPad(), getMask(),
                         getDropout().convertToDouble(), getScore());
}

LogicalResult AttentionGradOp::verify() {
  if (getDout().getType() != getOut().getType())
    return emitOpError("needs dout of out's type");
  if (getDq().getType() != getQ().getType() || getDk().getType() != getK().getType() ||
      getDv().getType() != getV().getType())
    return emitOpError("gives dq, dk, dv of q, k, v's types");
  return verifyAttention(*this, getQ().getType(), getK().getType(), getV().getType(), getOut().getType(),
                         getLse().getType(), getRng(), getKeys(), getKeyPad(), getMask(),
                         getDropout().convertToDouble(), getScore());
}
