// attention(q, k, v, ...): scaled dot-product attention written out in
// primitives (matmul, scale, mask, softmax, dropout).
#include "compiler/Frontend/Sema/Checker.h"

#include <cmath>

namespace gptc::sema {

/// attention(q, k, v, causal = 1, scale = 1 / sqrt(D), dropout = 0):
/// dropout(softmax(mask(q @ transpose(k) * scale))) @ v.
ExprType checkAttentionCall(Checker &c, Builtin, Expr &call) {
  BoundArgs args = c.bind(call, {"q", "k", "v", "causal", "scale", "dropout"});
  if (!args.ok || !c.requireArgs(call, args, 3))
    return ExprType();
  ExprType q = c.floatArg(args.slots[0], "attention", 2), k = c.floatArg(args.slots[1], "attention", 2),
           v = c.floatArg(args.slots[2], "attention", 2);
  if (!q.isValid() || !k.isValid() || !v.isValid())
    return ExprType();
  double causal = 1, scaleBy = 1 / std::sqrt((double)q.shape.back()), p = 0;
  if (args.slots[3]) {
    auto value = c.constArg(args.slots[3], "'causal' (1 or 0)");
    if (!value)
      return ExprType();
    causal = *value;
  }
  if (args.slots[4]) {
    auto value = c.constArg(args.slots[4], "'scale'");
    if (!value)
      return ExprType();
    scaleBy = *value;
  }
  if (args.slots[5]) {
    auto value = c.constArg(args.slots[5], "'dropout'");
    if (!value)
      return ExprType();
    p = *value;
  }
  ExprType scores = matmul(c, call.loc, q, transposeLast2(c, call.loc, k));
  if (!scores.isValid())
    return ExprType();
  scores = scale(c, call.loc, scores, scaleBy);
  if (causal != 0)
    scores = maskFill(c, call.loc, scores, nullptr, -INFINITY);
  ExprType weights = c.emitOp(Node::Softmax, call.loc, {scores.node}, scores);
  weights = dropout(c, call.loc, weights, p, args.slots[5] ? args.slots[5]->loc : call.loc);
  return weights.isValid() ? matmul(c, call.loc, weights, v) : ExprType();
}

} // namespace gptc::sema
