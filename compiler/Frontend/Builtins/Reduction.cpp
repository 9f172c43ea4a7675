// Reductions and the builtins built on them: sum, mean, softmax, log_softmax,
// cross_entropy, mse and layernorm.
#include "compiler/Frontend/Sema/Checker.h"

#include <algorithm>
#include <numeric>
#include <sstream>

namespace gptc::sema {

ExprType reduceSum(Checker &c, SourceLoc loc, const ExprType &x, const std::vector<int64_t> &axes) {
  std::vector<int64_t> shape;
  for (size_t i = 0; i < x.shape.size(); ++i)
    if (std::find(axes.begin(), axes.end(), (int64_t)i) == axes.end())
      shape.push_back(x.shape[i]);
  return c.emitOp(Node::ReduceSum, loc, {x.node}, ExprType::tensor(ElemType::F32, shape), axes);
}

/// sum(x) / mean(x) over everything, or over one axis: sum(x, axis).
/// mean is the sum scaled by 1 / count.
ExprType checkReductionCall(Checker &c, Builtin b, Expr &call) {
  BoundArgs args = c.bind(call, {"x", "axis"});
  if (!args.ok || !c.requireArgs(call, args, 1))
    return ExprType();
  ExprType x = c.floatArg(args.slots[0], call.name);
  if (!x.isValid())
    return ExprType();
  std::vector<int64_t> axes;
  if (!args.slots[1]) {
    for (size_t i = 0; i < x.shape.size(); ++i)
      axes.push_back(i);
  } else {
    auto axis = c.axisArg(args.slots[1], x.shape.size(), call.name);
    if (!axis)
      return ExprType();
    axes.push_back(*axis);
  }
  int64_t count = 1;
  for (int64_t axis : axes)
    count *= x.shape[axis];
  ExprType sum = reduceSum(c, call.loc, x, axes);
  return b == Builtin::Mean ? scale(c, call.loc, sum, 1.0 / (double)count) : sum;
}

/// softmax / log_softmax over an axis (default: the last); another axis is
/// swapped to the end and back.
ExprType checkSoftmaxCall(Checker &c, Builtin b, Expr &call) {
  BoundArgs args = c.bind(call, {"x", "axis"});
  if (!args.ok || !c.requireArgs(call, args, 1))
    return ExprType();
  ExprType x = c.floatArg(args.slots[0], call.name, 1);
  if (!x.isValid())
    return ExprType();
  int64_t last = x.shape.size() - 1, axis = last;
  if (args.slots[1]) {
    auto a = c.axisArg(args.slots[1], x.shape.size(), call.name);
    if (!a)
      return ExprType();
    axis = *a;
  }
  Node::Kind kind = b == Builtin::Softmax ? Node::Softmax : Node::LogSoftmax;
  if (axis == last)
    return c.emitOp(kind, call.loc, {x.node}, x);
  std::vector<int64_t> swap(x.shape.size());
  std::iota(swap.begin(), swap.end(), 0);
  std::swap(swap[axis], swap[last]);
  ExprType moved = permute(c, call.loc, x, swap);
  ExprType y = c.emitOp(kind, call.loc, {moved.node}, moved);
  return permute(c, call.loc, y, swap);
}

/// cross_entropy(logits [..., C], targets i32 [...], ignore = id, smoothing = e)
/// -> the mean over the rows whose target is not `ignore`, f32[]. With
/// smoothing e the target distribution is (1 - e) one-hot + e / C (torch's
/// label_smoothing).
ExprType checkCrossEntropyCall(Checker &c, Builtin, Expr &call) {
  BoundArgs args = c.bind(call, {"logits", "targets", "ignore", "smoothing"});
  if (!args.ok || !c.requireArgs(call, args, 2))
    return ExprType();
  ExprType logits = c.tensorArg(args.slots[0], call.name);
  ExprType targets = c.tensorArg(args.slots[1], call.name);
  if (!logits.isValid() || !targets.isValid())
    return ExprType();
  if (!c.requireFloat(logits, args.slots[0]->loc, "the logits of 'cross_entropy'"))
    return ExprType();
  if (targets.elem != ElemType::I32) {
    c.error(args.slots[1]->loc, "the targets of 'cross_entropy' must be class indices (i32), got " +
                                    targets.str() + "; for one-hot targets write "
                                    "-sum(y * log_softmax(logits)) / B");
    return ExprType();
  }
  std::vector<int64_t> rows(logits.shape.begin(), logits.shape.empty() ? logits.shape.end() : logits.shape.end() - 1);
  if (logits.shape.empty() || rows != targets.shape) {
    c.error(call.loc, "cross_entropy needs targets shaped like the logits without their last "
                      "dimension: logits " + logits.str() + ", targets " + targets.str());
    return ExprType();
  }
  // ints: {ignored class or -1}; value: the smoothing.
  int64_t ignore = -1;
  if (args.slots[2]) {
    auto id = c.intArg(args.slots[2], "'ignore' (a class index)", 0);
    if (!id)
      return ExprType();
    ignore = *id;
  }
  double smoothing = 0;
  if (args.slots[3]) {
    auto e = c.constArg(args.slots[3], "'smoothing'");
    if (!e)
      return ExprType();
    if (*e < 0 || *e > 1) {
      c.error(args.slots[3]->loc, "'smoothing' must be in [0, 1]");
      return ExprType();
    }
    smoothing = *e;
  }
  return c.emitOp(Node::CrossEntropy, call.loc, {logits.node, targets.node}, ExprType::tensor(ElemType::F32, {}),
                  {ignore}, smoothing);
}

/// mse(prediction, target) = sum((prediction - target)^2) / count, f32[].
ExprType checkMseCall(Checker &c, Builtin, Expr &call) {
  BoundArgs args = c.bind(call, {"prediction", "target"});
  if (!args.ok || !c.requireArgs(call, args, 2))
    return ExprType();
  ExprType p = c.floatArg(args.slots[0], call.name);
  ExprType t = c.floatArg(args.slots[1], call.name);
  if (!p.isValid() || !t.isValid())
    return ExprType();
  if (p.shape != t.shape) {
    c.error(call.loc, "mse needs two tensors of one shape, got " + p.str() + " and " + t.str());
    return ExprType();
  }
  ExprType diff = binary(c, Node::Sub, call.loc, p, t, p);
  ExprType squared = binary(c, Node::Mul, call.loc, diff, diff, p);
  std::vector<int64_t> all(p.shape.size());
  std::iota(all.begin(), all.end(), 0);
  ExprType sum = reduceSum(c, call.loc, squared, all);
  return scale(c, call.loc, sum, 1.0 / (double)*elementCount(p.shape));
}

namespace {

/// (x - mean) / sqrt(var + eps) * weight + bias over the last axis (the
/// biased variance, as torch): one Normalize node (a composite op with its own
/// backward, which keeps only x), then the gain and bias as elementwise ops.
ExprType layernorm(Checker &c, SourceLoc loc, const ExprType &x, const ExprType &weight, const ExprType *bias,
                   double eps) {
  ExprType y = c.emitOp(Node::Normalize, loc, {x.node}, x, {}, eps);
  y = binary(c, Node::Mul, loc, y, weight, x);
  if (bias)
    y = binary(c, Node::Add, loc, y, *bias, x);
  return y;
}

} // namespace

/// layernorm(x, eps = 1e-5, bias = 1, name = ...) over the last axis, with a
/// gain (ones) and a bias (zeros) of x's width.
ExprType checkLayernormCall(Checker &c, Builtin, Expr &call) {
  BoundArgs args = c.bind(call, {"x", "eps", "bias", "name"});
  if (!args.ok || !c.requireArgs(call, args, 1) || !c.nameArg(args.slots[3]))
    return ExprType();
  ExprType x = c.floatArg(args.slots[0], "layernorm", 1);
  if (!x.isValid())
    return ExprType();
  double eps = 1e-5, bias = 1;
  if (args.slots[1]) {
    auto v = c.constArg(args.slots[1], "'eps'");
    if (!v)
      return ExprType();
    eps = *v;
  }
  if (args.slots[2]) {
    auto v = c.constArg(args.slots[2], "'bias' (1 or 0)");
    if (!v)
      return ExprType();
    bias = *v;
  }
  int64_t width = x.shape.back();
  std::string prefix = c.instancePrefix("layernorm", args.slots[3]);
  ExprType w = c.makeParam(prefix + "weight", {width}, InitSpec{InitKind::Ones, 0, 0}, call.loc);
  ExprType b;
  if (bias != 0)
    b = c.makeParam(prefix + "bias", {width}, InitSpec{InitKind::Zeros, 0, 0}, call.loc);
  if (!w.isValid() || (bias != 0 && !b.isValid()))
    return ExprType();
  return layernorm(c, call.loc, x, w, bias != 0 ? &b : nullptr, eps);
}

} // namespace gptc::sema
