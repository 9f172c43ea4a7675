// Matrix products: the `@` operator and linear(x, out). nn.matmul takes rank
// 2 or 3; other ranks are reshaped to those around it.
#include "compiler/Frontend/Sema/Checker.h"

#include <algorithm>
#include <sstream>

namespace gptc::sema {
namespace {

/// [..., m, k] @ [..., k, n] with equal leading dims, or [..., m, k] @ [k, n].
std::optional<std::vector<int64_t>> matmulShape(Checker &c, SourceLoc loc, const ExprType &l, const ExprType &r) {
  const auto &ls = l.shape, &rs = r.shape;
  if (ls.size() < 2 || rs.size() < 2 || (rs.size() != 2 && rs.size() != ls.size())) {
    c.error(loc, "'@' needs operands of rank 2 or more, of equal rank or with a rank-2 right side "
                 "(applied to every row), got " + l.str() + " @ " + r.str());
    return std::nullopt;
  }
  int64_t k1 = ls.back(), k2 = rs[rs.size() - 2];
  if (k1 != k2) {
    std::ostringstream os;
    os << "matmul shapes do not match: " << l.str() << " @ " << r.str() << " (inner dimensions " << k1
       << " and " << k2 << " differ)";
    c.error(loc, os.str());
    return std::nullopt;
  }
  if (rs.size() > 2 && !std::equal(ls.begin(), ls.end() - 2, rs.begin())) {
    c.error(loc, "batched matmul needs equal batch dimensions: " + l.str() + " @ " + r.str());
    return std::nullopt;
  }
  std::vector<int64_t> shape(ls.begin(), ls.end() - 1);
  shape.push_back(rs.back());
  return shape;
}

ExprType matmulNode(Checker &c, SourceLoc loc, const ExprType &l, const ExprType &r, std::vector<int64_t> shape) {
  return c.emitOp(Node::Matmul, loc, {l.node, r.node}, ExprType::tensor(ElemType::F32, std::move(shape)));
}

} // namespace

ExprType matmul(Checker &c, SourceLoc loc, const ExprType &l, const ExprType &r) {
  auto shape = matmulShape(c, loc, l, r);
  if (!shape)
    return ExprType();
  size_t lrank = l.shape.size(), rrank = r.shape.size();
  int64_t m = l.shape[lrank - 2], k = l.shape[lrank - 1], n = r.shape[rrank - 1];
  if ((lrank == 2 && rrank == 2) || (lrank == 3 && rrank == 3))
    return matmulNode(c, loc, l, r, *shape);
  if (rrank == 2) {
    // [..., K] @ [K, N]: one [rows, K] @ [K, N] product.
    int64_t rows = *elementCount(l.shape) / k;
    ExprType flat = reshape(c, loc, l, {rows, k});
    return reshape(c, loc, matmulNode(c, loc, flat, r, {rows, n}), *shape);
  }
  // [..., M, K] @ [..., K, N], rank > 3: the leading dims folded into one batch.
  int64_t batch = *elementCount(l.shape) / (m * k);
  ExprType l3 = reshape(c, loc, l, {batch, m, k});
  ExprType r3 = reshape(c, loc, r, {batch, k, n});
  return reshape(c, loc, matmulNode(c, loc, l3, r3, {batch, m, n}), *shape);
}

ExprType checkMatmulOperator(Checker &c, Expr &e, const ExprType &l, const ExprType &r) {
  if (l.kind != ExprType::Tensor || r.kind != ExprType::Tensor)
    return c.badOperand(e.loc, "'@'", l.kind != ExprType::Tensor ? l : r);
  if (!c.requireFloat(l, e.args[0]->loc, "'@'") || !c.requireFloat(r, e.args[1]->loc, "'@'"))
    return ExprType();
  return matmul(c, e.loc, l, r);
}

/// linear(x, out, bias = 1, std = 0.02, tied = W, name = ...): x @ weight + bias,
/// weight [in, out] ~ normal(0, std) as GPT-2; with `tied = W` ([out, in], such
/// as an embedding table) the layer uses transpose(W) instead of its own weight.
ExprType checkLinearCall(Checker &c, Builtin, Expr &call) {
  BoundArgs args = c.bind(call, {"x", "out", "bias", "std", "tied", "name"});
  if (!args.ok || !c.requireArgs(call, args, 1) || !c.nameArg(args.slots[5]))
    return ExprType();
  ExprType x = c.floatArg(args.slots[0], "linear", 1);
  if (!x.isValid())
    return ExprType();
  int64_t in = x.shape.back();
  ExprType tied;
  if (args.slots[4]) {
    tied = c.floatArg(args.slots[4], "linear");
    if (!tied.isValid())
      return ExprType();
    if (tied.shape.size() != 2 || tied.shape[1] != in) {
      c.error(args.slots[4]->loc, "a tied weight must be [out, " + std::to_string(in) + "], got " + tied.str());
      return ExprType();
    }
  }
  int64_t out = 0;
  if (args.slots[1]) {
    auto v = c.intArg(args.slots[1], "the output size of 'linear'");
    if (!v)
      return ExprType();
    out = *v;
  } else if (tied.isValid()) {
    out = tied.shape[0];
  } else {
    c.error(call.loc, "'linear' needs its output size: linear(x, out)");
    return ExprType();
  }
  if (tied.isValid() && tied.shape[0] != out) {
    c.error(args.slots[4]->loc, "a tied weight must be [" + std::to_string(out) + ", " + std::to_string(in) +
                                    "], got " + tied.str());
    return ExprType();
  }
  double bias = 1, std = 0.02;
  if (args.slots[2]) {
    auto v = c.constArg(args.slots[2], "'bias' (1 or 0)");
    if (!v)
      return ExprType();
    bias = *v;
  }
  if (args.slots[3]) {
    auto v = c.constArg(args.slots[3], "'std'");
    if (!v)
      return ExprType();
    std = *v;
  }
  std::string prefix = c.instancePrefix("linear", args.slots[5]);
  ExprType w = tied.isValid() ? transposeLast2(c, call.loc, tied)
                              : c.makeParam(prefix + "weight", {in, out}, InitSpec{InitKind::Normal, 0, std}, call.loc);
  if (!w.isValid())
    return ExprType();
  ExprType y = matmul(c, call.loc, x, w);
  if (bias == 0 || !y.isValid())
    return y;
  ExprType b = c.makeParam(prefix + "bias", {out}, InitSpec{InitKind::Zeros, 0, 0}, call.loc);
  return b.isValid() ? binary(c, Node::Add, call.loc, y, b, y) : ExprType();
}

} // namespace gptc::sema
