// Expressions: names, operators and calls. Constants fold here
// (ConstantFold.cpp); operators on tensors and builtin calls go to their rules
// in Builtins/, block calls to Elaborate.cpp.
#include "compiler/Frontend/Sema/Checker.h"

#include <cmath>

namespace gptc::sema {

ExprType Checker::check(Expr &e) {
  e.type = checkImpl(e);
  return e.type;
}

ExprType Checker::checkImpl(Expr &e) {
  switch (e.kind) {
  case Expr::Number: return ExprType::constant(e.number, e.isInteger);
  case Expr::String: {
    ExprType t;
    t.kind = ExprType::String;
    t.text = e.name;
    return t;
  }
  case Expr::Name: return checkName(e);
  case Expr::Unary: return checkUnaryMinus(e);
  case Expr::Binary: return checkBinary(e);
  case Expr::Call: return checkCall(e);
  case Expr::Error:
    for (ExprPtr &a : e.args)
      check(*a);
    return ExprType(); // the lexer reported it
  case Expr::List:
  case Expr::Tuple: {
    ExprType t;
    t.kind = ExprType::Tuple;
    for (ExprPtr &a : e.args)
      check(*a);
    return t;
  }
  }
  return ExprType();
}

/// A local (input, param or assigned value), a config constant, B, or inf.
ExprType Checker::checkName(Expr &e) {
  if (auto it = locals_.find(e.name); it != locals_.end())
    return it->second; // an invalid type here was already reported
  if (auto it = constants_.find(e.name); it != constants_.end())
    return ExprType::constant(it->second, integral_[e.name]);
  if (e.name == "inf")
    return ExprType::constant(INFINITY, false);
  if (unparsed_->count(e.name) || poisoned_.count(e.name))
    return ExprType(); // its definition had an error, already reported
  if (e.name == "row" || e.name == "col")
    error(e.loc, "'" + e.name + "' is only defined in the condition of mask(x, condition, fill)");
  else
    error(e.loc, "undefined name '" + e.name + "'");
  return ExprType();
}

ExprType Checker::checkUnaryMinus(Expr &e) {
  ExprType t = check(*e.args[0]);
  if (t.kind == ExprType::Constant)
    return ExprType::constant(-t.value, t.isInteger);
  if (t.kind == ExprType::Tensor)
    return checkNegation(*this, e, t);
  return t.isValid() ? badOperand(e.loc, "unary '-'", t) : ExprType();
}

ExprType Checker::checkBinary(Expr &e) {
  ExprType l = check(*e.args[0]);
  ExprType r = check(*e.args[1]);
  if (!l.isValid() || !r.isValid())
    return ExprType();
  std::string opName = std::string("'") + spelling(e.op) + "'";
  for (auto *t : {&l, &r})
    if (t->kind != ExprType::Constant && t->kind != ExprType::Tensor)
      return badOperand(e.loc, opName, *t);
  if (e.op == BinaryOp::Pow) {
    if (r.kind != ExprType::Constant) {
      error(e.args[1]->loc, "the exponent of '^' must be a constant, got " + r.str());
      return ExprType();
    }
    if (l.kind == ExprType::Constant)
      return foldBinary(e, l, r);
    return checkPower(*this, e, l, r.value);
  }
  if (l.kind == ExprType::Constant && r.kind == ExprType::Constant)
    return foldBinary(e, l, r);
  if (isComparison(e.op)) {
    error(e.loc, "comparisons of tensors are not supported; compare positions in "
                 "mask(x, condition, fill), e.g. mask(scores, col > row, -inf)");
    return ExprType();
  }
  if (e.op == BinaryOp::Matmul)
    return checkMatmulOperator(*this, e, l, r);
  return checkArithmetic(*this, e, l, r);
}

/// A call of a block or a builtin function.
ExprType Checker::checkCall(Expr &e) {
  for (ModelDecl &block : *blocks_)
    if (block.name == e.name)
      return callBlock(e, block);
  if (std::optional<Builtin> builtin = parseBuiltin(e.name))
    return checkBuiltinCall(*this, *builtin, e);
  if (parseInitKind(e.name)) {
    error(e.loc, "'" + e.name + "' is an initializer; it can only follow 'param NAME: TYPE ='");
    return ExprType();
  }
  error(e.loc, "unknown function '" + e.name + "'");
  for (ExprPtr &a : e.args)
    check(*a);
  return ExprType();
}

} // namespace gptc::sema
