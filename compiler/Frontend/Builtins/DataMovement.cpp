// Shape builtins: transpose, permute, reshape, and the attention head
// layout heads / merge_heads (a reshape and a permutation each).
#include "compiler/Frontend/Sema/Checker.h"

#include <cmath>
#include <numeric>
#include <sstream>

namespace gptc::sema {

ExprType permute(Checker &c, SourceLoc loc, const ExprType &x, const std::vector<int64_t> &perm) {
  std::vector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(x.shape[p]);
  return c.emitOp(Node::Transpose, loc, {x.node}, ExprType::tensor(x.elem, shape), perm);
}

ExprType transposeLast2(Checker &c, SourceLoc loc, const ExprType &x) {
  std::vector<int64_t> perm(x.shape.size());
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
  return permute(c, loc, x, perm);
}

ExprType reshape(Checker &c, SourceLoc loc, const ExprType &x, std::vector<int64_t> shape) {
  return c.emitOp(Node::Reshape, loc, {x.node}, ExprType::tensor(x.elem, std::move(shape)));
}

ExprType broadcast(Checker &c, SourceLoc loc, const ExprType &x, std::vector<int64_t> shape,
                   std::vector<int64_t> dims) {
  return c.emitOp(Node::Broadcast, loc, {x.node}, ExprType::tensor(x.elem, std::move(shape)), std::move(dims));
}

/// transpose(x): swaps the last two dimensions; transpose(x, a, b) swaps a and b.
ExprType checkTransposeCall(Checker &c, Builtin, Expr &call) {
  BoundArgs args = c.bind(call, {"x", "a", "b"});
  if (!args.ok || !c.requireArgs(call, args, 1))
    return ExprType();
  ExprType x = c.floatArg(args.slots[0], "transpose");
  if (!x.isValid())
    return ExprType();
  if (x.shape.size() < 2) {
    c.error(call.loc, "'transpose' swaps two dimensions and needs rank 2 or more, got " + x.str());
    return ExprType();
  }
  int64_t n = x.shape.size();
  int64_t a = n - 2, b = n - 1;
  if (args.slots[1] || args.slots[2]) {
    if (!args.slots[1] || !args.slots[2]) {
      c.error(call.loc, "'transpose' takes both axes to swap, or none (the last two)");
      return ExprType();
    }
    auto first = c.axisArg(args.slots[1], n, "transpose"), second = c.axisArg(args.slots[2], n, "transpose");
    if (!first || !second)
      return ExprType();
    a = *first;
    b = *second;
  }
  std::vector<int64_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[a], perm[b]);
  return permute(c, call.loc, x, perm);
}

/// permute(x, [p0, p1, ...]): result dimension i is x's dimension p_i.
ExprType checkPermuteCall(Checker &c, Builtin, Expr &call) {
  BoundArgs args = c.bind(call, {"x", "dims"});
  if (!args.ok || !c.requireArgs(call, args, 2))
    return ExprType();
  ExprType x = c.floatArg(args.slots[0], "permute");
  if (!x.isValid())
    return ExprType();
  const Expr *list = args.slots[1];
  int64_t n = x.shape.size();
  if (list->kind != Expr::List || (int64_t)list->args.size() != n) {
    c.error(list->loc, "'permute' expects a list of " + std::to_string(n) + " axes, such as [0, 2, 1, 3]");
    return ExprType();
  }
  std::vector<int64_t> perm;
  std::vector<bool> seen(n, false);
  for (const ExprPtr &d : list->args) {
    auto axis = c.axisArg(d.get(), n, "permute");
    if (!axis)
      return ExprType();
    if (seen[*axis]) {
      c.error(d->loc, "axis " + std::to_string(*axis) + " appears twice in 'permute'");
      return ExprType();
    }
    seen[*axis] = true;
    perm.push_back(*axis);
  }
  return permute(c, call.loc, x, perm);
}

/// reshape(x, [dims]): same element count.
ExprType checkReshapeCall(Checker &c, Builtin, Expr &call) {
  BoundArgs args = c.bind(call, {"x", "shape"});
  if (!args.ok || !c.requireArgs(call, args, 2))
    return ExprType();
  ExprType x = c.floatArg(args.slots[0], "reshape");
  if (!x.isValid())
    return ExprType();
  const Expr *list = args.slots[1];
  if (list->kind != Expr::List) {
    c.error(list->loc, "'reshape' expects the new shape as a list, such as [B, 784]");
    return ExprType();
  }
  std::vector<int64_t> shape;
  for (const ExprPtr &d : list->args) {
    auto v = c.constArg(d.get(), "a dimension");
    if (!v)
      return ExprType();
    std::optional<int64_t> dim = exactInt64(*v);
    if (!dim || *dim < 1) {
      c.error(d->loc, *v >= 1 && *v == std::floor(*v) ? "a dimension must fit in int64"
                                                      : "a dimension must be a positive integer");
      return ExprType();
    }
    shape.push_back(*dim);
  }
  std::optional<int64_t> count = elementCount(shape);
  int64_t from = *elementCount(x.shape);
  if (count != from) {
    std::ostringstream os;
    os << "cannot reshape " << x.str() << " (" << from << " elements) to " << shapeStr(shape) << " (";
    if (count)
      os << *count << " elements)";
    else
      os << "more elements than int64 can count)";
    c.error(call.loc, os.str());
    return ExprType();
  }
  return reshape(c, call.loc, x, shape);
}

/// heads(x, n): [B, T, C] -> [B, n, T, C / n], each head's slice of the channels.
ExprType checkHeadsCall(Checker &c, Builtin, Expr &call) {
  BoundArgs args = c.bind(call, {"x", "n"});
  if (!args.ok || !c.requireArgs(call, args, 2))
    return ExprType();
  ExprType x = c.floatArg(args.slots[0], "heads");
  auto n = x.isValid() ? c.intArg(args.slots[1], "the number of heads") : std::nullopt;
  if (!n)
    return ExprType();
  if (x.shape.size() != 3 || x.shape[2] % *n != 0) {
    c.error(call.loc, "'heads' needs [B, T, C] with C divisible by " + std::to_string(*n) + ", got " + x.str());
    return ExprType();
  }
  ExprType split = reshape(c, call.loc, x, {x.shape[0], x.shape[1], *n, x.shape[2] / *n});
  return permute(c, call.loc, split, {0, 2, 1, 3});
}

/// merge_heads(x): [B, H, T, D] -> [B, T, H * D], the inverse of heads.
ExprType checkMergeHeadsCall(Checker &c, Builtin, Expr &call) {
  BoundArgs args = c.bind(call, {"x"});
  if (!args.ok || !c.requireArgs(call, args, 1))
    return ExprType();
  ExprType x = c.floatArg(args.slots[0], "merge_heads");
  if (!x.isValid())
    return ExprType();
  if (x.shape.size() != 4) {
    c.error(call.loc, "'merge_heads' needs [B, H, T, D], got " + x.str());
    return ExprType();
  }
  ExprType t = permute(c, call.loc, x, {0, 2, 1, 3});
  return reshape(c, call.loc, t, {x.shape[0], x.shape[2], x.shape[1] * x.shape[3]});
}

} // namespace gptc::sema
