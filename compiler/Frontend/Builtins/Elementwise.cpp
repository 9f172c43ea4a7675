// Elementwise builtins and operators: sigmoid, relu, tanh, exp, log, sqrt,
// softplus (one nn op each), gelu (written out in primitives), and the
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

/// GPT-2's tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
ExprType gelu(Checker &c, SourceLoc loc, const ExprType &x) {
  ExprType square = binary(c, Node::Mul, loc, x, x, x);
  ExprType cube = binary(c, Node::Mul, loc, square, x, x);
  ExprType cubeTerm = scale(c, loc, cube, 0.044715);
  ExprType inner = binary(c, Node::Add, loc, x, cubeTerm, x);
  ExprType th = unary(c, Node::Tanh, loc, scale(c, loc, inner, std::sqrt(2.0 / M_PI)));
  ExprType onePlus = binary(c, Node::Add, loc, th, ExprType::constant(1.0, false), x);
  ExprType half = scale(c, loc, x, 0.5);
  return binary(c, Node::Mul, loc, half, onePlus, x);
}

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
  default: break;
  }
  return Node::Neg; // unreachable: the table sends only the builtins above and gelu here
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
  if (b == Builtin::Gelu)
    return gelu(c, call.loc, t);
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
