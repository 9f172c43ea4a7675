#include "compiler/Frontend/AST.h"

#include <ostream>
#include <sstream>

namespace gptc {

std::string ExprType::str() const {
  std::ostringstream os;
  switch (kind) {
  case Invalid: return "<invalid>";
  case Constant: os << value; return os.str();
  case String: return "\"" + text + "\"";
  case Tuple: return "tuple";
  case Tensor:
    os << (elem == ElemType::F32 ? "f32" : "i32") << "[";
    for (size_t i = 0; i < shape.size(); ++i)
      os << (i ? ", " : "") << shape[i];
    os << "]";
    return os.str();
  }
  return "?";
}

const char *spelling(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add: return "+";
  case BinaryOp::Sub: return "-";
  case BinaryOp::Mul: return "*";
  case BinaryOp::Div: return "/";
  case BinaryOp::Matmul: return "@";
  case BinaryOp::Pow: return "^";
  case BinaryOp::Less: return "<";
  case BinaryOp::Greater: return ">";
  case BinaryOp::LessEq: return "<=";
  case BinaryOp::GreaterEq: return ">=";
  case BinaryOp::Equal: return "==";
  case BinaryOp::NotEqual: return "!=";
  }
  return "?";
}

bool isComparison(BinaryOp op) {
  switch (op) {
  case BinaryOp::Less: case BinaryOp::Greater: case BinaryOp::LessEq:
  case BinaryOp::GreaterEq: case BinaryOp::Equal: case BinaryOp::NotEqual:
    return true;
  default:
    return false;
  }
}

namespace {

void printExpr(const Expr &e, std::ostream &os, int indent) {
  std::string pad(indent, ' ');
  os << pad;
  switch (e.kind) {
  case Expr::Number: os << "Number " << e.number; break;
  case Expr::Name: os << "Name " << e.name; break;
  case Expr::String: os << "String \"" << e.name << "\""; break;
  case Expr::Unary: os << "Unary -"; break;
  case Expr::Binary: os << "Binary " << spelling(e.op); break;
  case Expr::Call: os << "Call " << e.name; break;
  case Expr::List: os << "List"; break;
  case Expr::Tuple: os << "Tuple"; break;
  case Expr::Error: os << "Error"; break;
  }
  os << " @" << e.loc.line << ":" << e.loc.col;
  if (e.type.isValid())
    os << " : " << e.type.str();
  os << "\n";
  for (size_t i = 0; i < e.args.size(); ++i) {
    if (i < e.argNames.size() && !e.argNames[i].empty())
      os << pad << "  " << e.argNames[i] << " =\n";
    printExpr(*e.args[i], os, indent + 2);
  }
}

void printSettings(const char *title, const std::vector<Setting> &settings, std::ostream &os) {
  os << title << "\n";
  for (const Setting &s : settings) {
    os << "  " << s.name << " =\n";
    printExpr(*s.value, os, 4);
  }
}

void printBody(const std::vector<Stmt> &body, std::ostream &os, int indent) {
  std::string pad(indent, ' ');
  for (const Stmt &s : body) {
    switch (s.kind) {
    case Stmt::Param:
      os << pad << "Param " << s.names[0] << " : " << s.paramType.elem << "\n";
      for (const ExprPtr &d : s.paramType.dims)
        printExpr(*d, os, indent + 2);
      os << pad << "  init =\n";
      printExpr(*s.value, os, indent + 4);
      break;
    case Stmt::Assign:
      os << pad << "Assign";
      for (const std::string &n : s.names)
        os << " " << n;
      os << "\n";
      printExpr(*s.value, os, indent + 2);
      break;
    case Stmt::Repeat:
      os << pad << "Repeat\n";
      printExpr(*s.value, os, indent + 2);
      printBody(s.body, os, indent + 2);
      break;
    case Stmt::Return:
      os << pad << "Return\n";
      for (const ExprPtr &r : s.results)
        printExpr(*r, os, indent + 2);
      break;
    }
  }
}

void printDecl(const char *kind, const ModelDecl &m, std::ostream &os) {
  os << kind << " " << m.name << " @" << m.loc.line << ":" << m.loc.col << "\n";
  for (const ModelInput &in : m.inputs) {
    os << "  Input " << in.name << (in.type.elem.empty() ? "" : " : " + in.type.elem) << "\n";
    for (const ExprPtr &d : in.type.dims)
      printExpr(*d, os, 4);
  }
  printBody(m.body, os, 2);
}
} // namespace

void printAST(const Program &program, std::ostream &os) {
  if (!program.config.empty())
    printSettings("Config", program.config, os);
  for (const ModelDecl &b : program.blocks)
    printDecl("Block", b, os);
  for (const ModelDecl &m : program.models)
    printDecl("Model", m, os);
  if (program.hasTrain)
    printSettings("Train", program.train, os);
}

} // namespace gptc
