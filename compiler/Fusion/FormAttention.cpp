// gptc-form-attention: attention written from primitives becomes one
// nn.attention op, whose kernel never stores the [.., Tq, Tk] scores.
//
// The chain it recognises is what `examples/gpt_char.dsl` and the builtin
// attention() produce, read from the softmax outwards:
//
//   raw     = matmul(q, k, transpose_rhs)          (maybe via reshapes that merge
//                                                   batch dims, k maybe transposed)
//   s       = e_n(...e_1(raw))                     elementwise score ops, each with
//                                                   one operand in the chain and the
//                                                   other a constant: scale, square,
//                                                   negate, exp, tanh ...
//   s       = mask_fill(s, MASK, -inf)             optional
//   w       = dropout(softmax(s))                  dropout optional
//   out     = matmul(w, v)
//
// Every intermediate must have no other use (otherwise the scores are needed
// anyway). The score ops become scalar arith/math ops in nn.attention's score
// region, so any score expression a user writes is compiled into the kernel.
// The pass runs before autodiff: the backward is nn.attention's own rule.
#include "compiler/Passes.h"

#include "mlir/IR/Matchers.h"

#include <cmath>

namespace gptc {
#define GEN_PASS_DEF_FORMATTENTION
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;
using namespace gptc;

namespace {

/// The splat value of an nn.constant operand, if `v` is one.
std::optional<double> constantValue(Value v) {
  if (auto c = v.getDefiningOp<nn::ConstantOp>())
    return c.getValue().convertToDouble();
  return std::nullopt;
}

/// One elementwise score op: how to apply it to a scalar.
struct ScoreStep {
  Operation *op;
  bool chainIsLhs = true;   // for binary ops: which operand carries the score
  double constant = 0;      // the other operand (binary) or the exponent (pow)
};

/// True when `t` swaps the last two dims and keeps the rest.
bool swapsLastTwo(nn::TransposeOp t) {
  ArrayRef<int64_t> perm = t.getPermutation();
  int64_t n = perm.size();
  if (n < 2 || perm[n - 1] != n - 2 || perm[n - 2] != n - 1)
    return false;
  for (int64_t i = 0; i + 2 < n; ++i)
    if (perm[i] != i)
      return false;
  return true;
}

/// True when reshaping `from` to `to` only merges or splits leading dims and
/// keeps the last two.
bool keepsLastTwo(RankedTensorType from, RankedTensorType to) {
  int64_t a = from.getRank(), b = to.getRank();
  return a >= 2 && b >= 2 && from.getDimSize(a - 1) == to.getDimSize(b - 1) &&
         from.getDimSize(a - 2) == to.getDimSize(b - 2);
}

/// True when one op uses `v` (maybe as several operands, as in s * s).
bool hasOneUse(Value v) {
  Operation *user = nullptr;
  for (Operation *u : v.getUsers()) {
    if (user && u != user)
      return false;
    user = u;
  }
  return user != nullptr;
}

struct Match {
  nn::SoftmaxOp softmax;
  nn::MatmulOp scores, output;
  SmallVector<ScoreStep> steps; // in program order
  nn::MaskFillOp mask;
  nn::PaddingMaskOp padding;
  nn::DropoutOp dropout;
  SmallVector<Operation *> erase; // the chain, consumer first
};

class AttentionMatcher {
public:
  explicit AttentionMatcher(bool remarks) : remarks_(remarks) {}

  /// The chain around `softmax`, or nullopt (with a remark saying why).
  std::optional<Match> match(nn::SoftmaxOp softmax) {
    Match m;
    m.softmax = softmax;
    // Backwards from the softmax: mask, score ops, reshape, the QK matmul.
    Value x = softmax.getInput();
    // The masks (a constant one and one from the keys' padding, in either
    // order) hide keys with -inf; they commute, so their order does not matter.
    auto hidesWithMinusInf = [](double fill) { return std::isinf(fill) && fill < 0; };
    while (Operation *op = x.getDefiningOp()) {
      if (auto mf = dyn_cast<nn::MaskFillOp>(op); mf && !m.mask) {
        if (!hasOneUse(x))
          return fail(softmax, mf, "the masked scores are used elsewhere");
        if (!hidesWithMinusInf(mf.getFill().convertToDouble()))
          return fail(softmax, mf, "the mask fills with a finite value, not -inf");
        m.mask = mf;
        x = mf.getInput();
      } else if (auto pm = dyn_cast<nn::PaddingMaskOp>(op); pm && !m.padding) {
        if (!hasOneUse(x))
          return fail(softmax, pm, "the masked scores are used elsewhere");
        if (!hidesWithMinusInf(pm.getFill().convertToDouble()))
          return fail(softmax, pm, "the padding mask fills with a finite value, not -inf");
        if (cast<RankedTensorType>(pm.getInput().getType()).getRank() < 3)
          return fail(softmax, pm, "the padding mask's scores have no batch dimension before [Tq, Tk]");
        m.padding = pm;
        x = pm.getInput();
      } else {
        break;
      }
      m.erase.push_back(op);
    }
    SmallVector<ScoreStep> reversed;
    while (Operation *op = x.getDefiningOp()) {
      if (isa<nn::MatmulOp, nn::ReshapeOp>(op))
        break;
      if (!hasOneUse(x))
        return fail(softmax, op, "the scores are used elsewhere");
      ScoreStep step{op};
      if (isa<nn::AddOp, nn::SubOp, nn::MulOp, nn::DivOp>(op)) {
        Value lhs = op->getOperand(0), rhs = op->getOperand(1);
        if (lhs == rhs && isa<nn::MulOp>(op)) { // s * s: a square
          step.constant = 2.0;
          step.chainIsLhs = true;
          reversed.push_back(step);
          x = lhs;
          continue;
        }
        if (auto c = constantValue(rhs)) {
          step.constant = *c;
          x = lhs;
        } else if (auto c = constantValue(lhs)) {
          step.constant = *c;
          step.chainIsLhs = false;
          x = rhs;
        } else {
          return fail(softmax, op, "a score op combines the scores with a tensor that is not a constant");
        }
      } else if (auto pow = dyn_cast<nn::PowOp>(op)) {
        step.constant = pow.getExponent().convertToDouble();
        x = pow.getInput();
      } else if (isa<nn::NegOp, nn::ExpOp, nn::TanhOp, nn::SqrtOp, nn::LogOp, nn::SigmoidOp>(op)) {
        x = op->getOperand(0);
      } else {
        return fail(softmax, op, Twine("'") + op->getName().getStringRef() +
                                     "' is not an elementwise score op the attention kernel takes");
      }
      reversed.push_back(step);
    }
    m.steps.assign(reversed.rbegin(), reversed.rend());
    for (ScoreStep &s : reversed)
      m.erase.push_back(s.op);
    if (auto r = x.getDefiningOp<nn::ReshapeOp>()) {
      if (!hasOneUse(x) || !keepsLastTwo(r.getInput().getType(), r.getResult().getType()))
        return fail(softmax, r, "the scores are reshaped beyond their batch dims, or used elsewhere");
      m.erase.push_back(r);
      x = r.getInput();
    }
    m.scores = x.getDefiningOp<nn::MatmulOp>();
    if (!m.scores)
      return fail(softmax, x.getDefiningOp(), "the scores do not come from a matmul");
    if (!hasOneUse(x) || m.scores.getTransposeLhs())
      return fail(softmax, m.scores, "the score matmul is used elsewhere or transposes q");
    m.erase.push_back(m.scores);

    // Forwards from the softmax: dropout, reshape, the PV matmul.
    Value y = softmax.getResult();
    Operation *user = y.hasOneUse() ? *y.getUsers().begin() : nullptr;
    if (!user)
      return fail(softmax, softmax, "the attention weights are used more than once");
    if (auto d = dyn_cast<nn::DropoutOp>(user)) {
      m.dropout = d;
      y = d.getResult();
      user = y.hasOneUse() ? *y.getUsers().begin() : nullptr;
      if (!user)
        return fail(softmax, d, "the attention weights are used more than once");
    }
    if (auto r = dyn_cast<nn::ReshapeOp>(user)) {
      if (!keepsLastTwo(r.getInput().getType(), r.getResult().getType()))
        return fail(softmax, r, "the weights are reshaped beyond their batch dims");
      y = r.getResult();
      user = y.hasOneUse() ? *y.getUsers().begin() : nullptr;
      if (!user)
        return fail(softmax, r, "the attention weights are used more than once");
    }
    m.output = dyn_cast<nn::MatmulOp>(user);
    if (!m.output || m.output.getLhs() != y || m.output.getTransposeLhs())
      return fail(softmax, user, "the weights do not go into `weights @ v`");
    auto outType = m.output.getType();
    if (outType.getRank() != m.scores.getType().getRank() ||
        outType.getShape().drop_back(2) != m.scores.getType().getShape().drop_back(2))
      return fail(softmax, m.output, "the two matmuls do not share their batch dims");
    return m;
  }

private:
  std::nullopt_t fail(nn::SoftmaxOp softmax, Operation *at, const Twine &why) {
    if (remarks_)
      (at ? at : softmax.getOperation())->emitRemark("attention not fused: ") << why;
    return std::nullopt;
  }
  bool remarks_;
};

/// k as [..., Tk, D] from the score matmul's rhs (which is k or k^T).
Value keysOf(OpBuilder &b, nn::MatmulOp scores) {
  Value rhs = scores.getRhs();
  if (scores.getTransposeRhs())
    return rhs;
  Location loc = scores.getLoc();
  auto type = cast<RankedTensorType>(rhs.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> swapped(type.getShape());
  std::swap(swapped[rank - 1], swapped[rank - 2]);
  auto keysType = RankedTensorType::get(swapped, type.getElementType());
  // reshape(transpose(k4)) (the usual `q @ transpose(k)` after heads()): read k4 in place.
  if (auto r = rhs.getDefiningOp<nn::ReshapeOp>())
    if (auto t = r.getInput().getDefiningOp<nn::TransposeOp>(); t && swapsLastTwo(t) &&
                                                                  keepsLastTwo(r.getInput().getType(), type))
      return b.create<nn::ReshapeOp>(loc, keysType, t.getInput());
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  std::swap(perm[rank - 1], perm[rank - 2]);
  return b.create<nn::TransposeOp>(loc, rhs, perm);
}

/// v as [..., Tk, Dv] from the output matmul's rhs.
Value valuesOf(OpBuilder &b, nn::MatmulOp output) {
  Value rhs = output.getRhs();
  if (!output.getTransposeRhs())
    return rhs;
  int64_t rank = cast<RankedTensorType>(rhs.getType()).getRank();
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  std::swap(perm[rank - 1], perm[rank - 2]);
  return b.create<nn::TransposeOp>(output.getLoc(), rhs, perm);
}

/// Fills the score region: the user's elementwise ops, on one scalar.
void buildScoreRegion(OpBuilder &b, Location loc, Region &region, Type elem, ArrayRef<ScoreStep> steps) {
  Block *block = b.createBlock(&region, region.end(), {elem}, {loc});
  Value s = block->getArgument(0);
  auto c = [&](double v) { return b.create<arith::ConstantOp>(loc, b.getFloatAttr(elem, v)).getResult(); };
  for (const ScoreStep &step : steps) {
    Operation *op = step.op;
    auto binary = [&](auto tag) -> Value {
      using BinOp = decltype(tag);
      return step.chainIsLhs ? b.create<BinOp>(loc, s, c(step.constant)).getResult()
                             : b.create<BinOp>(loc, c(step.constant), s).getResult();
    };
    if (isa<nn::MulOp>(op) && op->getOperand(0) == op->getOperand(1))
      s = b.create<arith::MulFOp>(loc, s, s);
    else if (isa<nn::AddOp>(op))
      s = binary(arith::AddFOp());
    else if (isa<nn::SubOp>(op))
      s = binary(arith::SubFOp());
    else if (isa<nn::MulOp>(op))
      s = binary(arith::MulFOp());
    else if (isa<nn::DivOp>(op))
      s = binary(arith::DivFOp());
    else if (isa<nn::PowOp>(op))
      s = step.constant == 2.0 ? b.create<arith::MulFOp>(loc, s, s).getResult()
                               : b.create<math::PowFOp>(loc, s, c(step.constant)).getResult();
    else if (isa<nn::NegOp>(op))
      s = b.create<arith::NegFOp>(loc, s);
    else if (isa<nn::ExpOp>(op))
      s = b.create<math::ExpOp>(loc, s);
    else if (isa<nn::TanhOp>(op))
      s = b.create<math::TanhOp>(loc, s);
    else if (isa<nn::SqrtOp>(op))
      s = b.create<math::SqrtOp>(loc, s);
    else if (isa<nn::LogOp>(op))
      s = b.create<math::LogOp>(loc, s);
    else if (isa<nn::SigmoidOp>(op)) // 1 / (1 + exp(-s))
      s = b.create<arith::DivFOp>(loc, c(1.0),
                                  b.create<arith::AddFOp>(loc, c(1.0), b.create<math::ExpOp>(loc, b.create<arith::NegFOp>(loc, s))));
  }
  b.create<nn::ScoreYieldOp>(loc, s);
}

void rewrite(Match &m) {
  OpBuilder b(m.output);
  Location loc = m.softmax.getLoc();
  Value q = m.scores.getLhs();
  Value k = keysOf(b, m.scores);
  Value v = valuesOf(b, m.output);
  auto outType = m.output.getType();
  auto qType = cast<RankedTensorType>(q.getType());
  auto lseType = RankedTensorType::get(qType.getShape().drop_back(), qType.getElementType());
  Value rng = m.dropout ? m.dropout.getRng() : Value();
  ElementsAttr mask = m.mask ? m.mask.getMask() : ElementsAttr();
  Value keys = m.padding ? m.padding.getTokens() : Value();
  IntegerAttr keyPad = m.padding ? m.padding.getPadAttr() : IntegerAttr();
  auto attention = b.create<nn::AttentionOp>(
      loc, TypeRange{outType, lseType}, q, k, v, rng, keys, mask, keyPad,
      b.getF64FloatAttr(m.dropout ? m.dropout.getP().convertToDouble() : 0.0),
      b.getI64IntegerAttr(m.dropout ? m.dropout.getSalt() : 0));
  OpBuilder::InsertionGuard guard(b);
  buildScoreRegion(b, loc, attention.getScore(), qType.getElementType(), m.steps);
  m.output.getResult().replaceAllUsesWith(attention.getOut());
  // Erase consumers first: the output matmul, its reshape, dropout, softmax, then the scores' chain.
  SmallVector<Operation *> dead = {m.output};
  if (auto r = m.output.getLhs().getDefiningOp<nn::ReshapeOp>())
    dead.push_back(r);
  if (m.dropout)
    dead.push_back(m.dropout);
  dead.push_back(m.softmax);
  dead.append(m.erase.begin(), m.erase.end());
  for (Operation *op : dead)
    op->erase();
}

struct FormAttentionPass : public gptc::impl::FormAttentionBase<FormAttentionPass> {
  using Base::Base;
  void runOnOperation() override {
    AttentionMatcher matcher(remarks);
    SmallVector<Match> matches;
    getOperation().walk([&](nn::SoftmaxOp softmax) {
      if (auto m = matcher.match(softmax))
        matches.push_back(*m);
    });
    for (Match &m : matches)
      rewrite(m);
  }
};

} // namespace
