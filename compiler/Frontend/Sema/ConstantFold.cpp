// Arithmetic on constants, in double precision. Each function uses the
// formula its nn op lowers to (Conversion/NNToLinalg/Elementwise.cpp), so a
// folded constant and a computed tensor agree.
#include "compiler/Frontend/Sema/Checker.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace gptc::sema {

double applyBinary(BinaryOp op, double a, double b) {
  switch (op) {
  case BinaryOp::Add: return a + b;
  case BinaryOp::Sub: return a - b;
  case BinaryOp::Mul: return a * b;
  case BinaryOp::Div: return a / b;
  case BinaryOp::Pow: return std::pow(a, b);
  case BinaryOp::Less: return a < b;
  case BinaryOp::Greater: return a > b;
  case BinaryOp::LessEq: return a <= b;
  case BinaryOp::GreaterEq: return a >= b;
  case BinaryOp::Equal: return a == b;
  case BinaryOp::NotEqual: return a != b;
  case BinaryOp::Matmul: break; // not defined on numbers
  }
  return 0;
}

namespace {

double softplus(double x) {
  // max(x, 0) + log1p(exp(-|x|)): log1p(exp(x)) without the overflow.
  return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x)));
}

} // namespace

ExprType Checker::foldBinary(const Expr &e, const ExprType &l, const ExprType &r) {
  if (e.op == BinaryOp::Pow)
    return ExprType::constant(std::pow(l.value, r.value), l.isInteger && r.isInteger && r.value >= 0);
  if (e.op == BinaryOp::Matmul)
    return badOperand(e.loc, "'@'", l);
  if (e.op == BinaryOp::Div && r.value == 0) {
    error(e.loc, "division by zero in a constant expression");
    return ExprType();
  }
  bool isInt = (l.isInteger && r.isInteger && e.op != BinaryOp::Div) || isComparison(e.op);
  if (e.op == BinaryOp::Div && l.isInteger && r.isInteger && std::fmod(l.value, r.value) == 0)
    isInt = true;
  return ExprType::constant(applyBinary(e.op, l.value, r.value), isInt);
}

ExprType Checker::foldUnary(Builtin fn, const Expr &call, double x) {
  double v = 0;
  switch (fn) {
  case Builtin::Sigmoid: v = 1 / (1 + std::exp(-x)); break;
  case Builtin::Relu: v = x > 0 ? x : 0; break;
  case Builtin::Tanh: v = std::tanh(x); break;
  case Builtin::Exp: v = std::exp(x); break;
  case Builtin::Softplus: v = softplus(x); break;
  case Builtin::Gelu: v = 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); break;
  case Builtin::Log:
  case Builtin::Sqrt:
    if (x < 0 || (fn == Builtin::Log && x == 0)) {
      std::ostringstream os;
      os << spelling(fn) << "(" << x << ") is not a real number";
      error(call.loc, os.str());
      return ExprType();
    }
    v = fn == Builtin::Log ? std::log(x) : std::sqrt(x);
    break;
  default: break; // not an elementwise builtin
  }
  return ExprType::constant(v, false);
}

} // namespace gptc::sema
