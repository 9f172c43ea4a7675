// Elementwise builtins and operators: sigmoid, relu, tanh, exp, log, sqrt,
// softplus, gelu (one nn op each; gelu is a composite with its own backward), and the
// operators -x, x + y, x - y, x * y, x / y (broadcasting) and x ^ p.
#include "compiler/Frontend/Sema/Checker.h"

#include <cmath>

namespace gptc::sema {

ExprType unary(Checker &c, Node::Kind kind, SourceLoc loc, const ExprType &x) {
  return c.emitOp(kind, loc, {x.node}, x);
}

ExprType binary(Checker &c, Node::Kind kind, SourceLoc loc, const ExprType &l, const ExprType &r,
                ExprType result) {
  int a = c.nodeOf(l, loc), b = c.nodeOf(r, loc);
  return c.emitOp(kind, loc, {a, b}, std::move(result));
}

ExprType scale(Checker &c, SourceLoc loc, const ExprType &x, double factor) {
  return binary(c, Node::Mul, loc, x, ExprType::constant(factor, false), x);
}

ExprType power(Checker &c, SourceLoc loc, const ExprType &x, double p) {
  return c.emitOp(Node::Pow, loc, {x.node}, x, {}, p);
}

namespace {

/// The node of each elementwise builtin that is one nn op.
Node::Kind unaryKind(Builtin b) {
  switch (b) {
  case Builtin::Sigmoid: return Node::Sigmoid;
  case Builtin::Relu: return Node::Relu;
  case Builtin::Tanh: return Node::Tanh;
  case Builtin::Exp: return Node::Exp;
  case Builtin::Log: return Node::Log;
  case Builtin::Sqrt: return Node::Sqrt;
  case Builtin::Softplus: return Node::Softplus;
  case Builtin::Gelu: return Node::Gelu; // GPT-2's tanh approximation, a composite op
  default: break;
  }
  return Node::Neg; // unreachable: the table sends only the builtins above here
}

} // namespace

/// sigmoid(x) ... gelu(x): one tensor in, same shape out; constants fold.
ExprType checkUnaryCall(Checker &c, Builtin b, Expr &call) {
  BoundArgs args = c.bind(call, {"x"});
  if (!args.ok)
    return ExprType();
  if (!args.slots[0]) {
    c.error(call.loc, "'" + call.name + "' expects 1 argument, got 0");
    return ExprType();
  }
  ExprType t = c.check(*args.slots[0]);
  if (t.kind == ExprType::Constant)
    return c.foldUnary(b, call, t.value);
  if (t.kind != ExprType::Tensor)
    return t.isValid() ? c.badOperand(call.loc, "'" + call.name + "'", t) : ExprType();
  if (!c.requireFloat(t, args.slots[0]->loc, "'" + call.name + "'"))
    return ExprType();
  return unary(c, unaryKind(b), call.loc, t);
}

ExprType checkNegation(Checker &c, Expr &e, const ExprType &x) {
  if (!c.requireFloat(x, e.args[0]->loc, "unary '-'"))
    return ExprType();
  return unary(c, Node::Neg, e.loc, x);
}

ExprType checkPower(Checker &c, Expr &e, const ExprType &x, double p) {
  if (!c.requireFloat(x, e.args[0]->loc, "'^'"))
    return ExprType();
  return power(c, e.loc, x, p);
}

/// Shapes align at the right; a missing leading dimension repeats. A constant
/// takes the other side's shape.
ExprType checkArithmetic(Checker &c, Expr &e, const ExprType &l, const ExprType &r) {
  std::string opName = std::string("'") + spelling(e.op) + "'";
  if (l.kind == ExprType::Tensor && !c.requireFloat(l, e.args[0]->loc, opName))
    return ExprType();
  if (r.kind == ExprType::Tensor && !c.requireFloat(r, e.args[1]->loc, opName))
    return ExprType();
  ExprType result;
  if (l.kind == ExprType::Constant) {
    result = r;
  } else if (r.kind == ExprType::Constant) {
    result = l;
  } else {
    const auto &ls = l.shape, &rs = r.shape;
    size_t rank = std::max(ls.size(), rs.size());
    std::vector<int64_t> shape(rank);
    for (size_t i = 0; i < rank; ++i) {
      int64_t ld = i < ls.size() ? ls[ls.size() - 1 - i] : -1;
      int64_t rd = i < rs.size() ? rs[rs.size() - 1 - i] : -1;
      if (ld != -1 && rd != -1 && ld != rd) {
        c.error(e.loc, "shapes do not broadcast for " + opName + ": " + l.str() + " and " + r.str());
        return ExprType();
      }
      shape[rank - 1 - i] = ld != -1 ? ld : rd;
    }
    result = ExprType::tensor(ElemType::F32, shape);
  }
  Node::Kind kind = e.op == BinaryOp::Add   ? Node::Add
                    : e.op == BinaryOp::Sub ? Node::Sub
                    : e.op == BinaryOp::Mul ? Node::Mul
                                            : Node::Div;
  return binary(c, kind, e.loc, l, r, result);
}

} // namespace gptc::sema
