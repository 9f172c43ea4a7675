// The syntax tree of a .dsl file. Sema fills in `Expr::type`; nothing here
// knows about MLIR.
#ifndef GPTC_FRONTEND_AST_H
#define GPTC_FRONTEND_AST_H

#include "compiler/Frontend/Diagnostics.h"

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace gptc {

enum class ElemType { F32, I32 };

/// The type Sema gives an expression.
struct ExprType {
  enum Kind { Invalid, Constant, Tensor, String, Tuple } kind = Invalid;
  double value = 0;       // Constant
  bool isInteger = false; // Constant
  ElemType elem = ElemType::F32;
  std::vector<int64_t> shape; // Tensor (empty: a scalar tensor)
  std::string text;           // String
  int node = -1;              // Tensor: the graph node computing it (see Graph.h)
  std::vector<ExprType> items; // Tuple: the values (a block's results, split's parts)

  static ExprType constant(double v, bool isInt) {
    ExprType t;
    t.kind = Constant;
    t.value = v;
    t.isInteger = isInt;
    return t;
  }
  static ExprType tensor(ElemType e, std::vector<int64_t> shape) {
    ExprType t;
    t.kind = Tensor;
    t.elem = e;
    t.shape = std::move(shape);
    return t;
  }
  bool isValid() const { return kind != Invalid; }
  /// "f32[10, 784]", "3.0", ...
  std::string str() const;
};

/// The binary operators of the DSL.
enum class BinaryOp {
  Add, Sub, Mul, Div, Matmul, Pow,                    // + - * / @ ^
  Less, Greater, LessEq, GreaterEq, Equal, NotEqual,  // < > <= >= == !=
};
/// How the source spells `op`: "+", "<=", ...
const char *spelling(BinaryOp op);
/// < > <= >= == != (they give 1 or 0).
bool isComparison(BinaryOp op);

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  // Error: stands in for text the lexer rejected (already reported).
  // Unary is negation (`-x`); Binary's operator is `op`.
  enum Kind { Number, Name, String, Unary, Binary, Call, List, Tuple, Error } kind;
  SourceLoc loc;
  int height = 1; // of the tree below (1: a leaf); the parser bounds it (Parser.h)
  double number = 0;       // Number
  bool isInteger = false;  // Number
  std::string name;        // Name, Call (callee), String (contents)
  BinaryOp op = BinaryOp::Add; // Binary
  std::vector<ExprPtr> args;         // operands / call arguments / list items
  std::vector<std::string> argNames; // Call: keyword of each argument ("" if positional)
  ExprType type;                     // set by Sema

  Expr(Kind k, SourceLoc l) : kind(k), loc(l) {}
};

/// `f32[B, 784]`
struct TypeSpec {
  SourceLoc loc;
  std::string elem;
  std::vector<ExprPtr> dims;
};

struct Stmt {
  enum Kind { Assign, Param, Repeat, Return } kind;
  SourceLoc loc;
  std::vector<std::string> names; // Assign targets (`q, k, v = ...`), Param name
  std::vector<SourceLoc> nameLocs;
  TypeSpec paramType; // Param
  ExprPtr value;      // Assign: the expression; Param: the initializer call; Repeat: the count
  std::vector<ExprPtr> results; // Return: the returned values
  std::vector<Stmt> body;       // Repeat: the statements repeated
};

struct Setting {
  std::string name;
  SourceLoc loc;
  ExprPtr value;
};

struct ModelInput {
  std::string name;
  SourceLoc loc;
  TypeSpec type;
};

/// A model, or a block (a function over tensors with its own params, whose
/// statements end with `return`). A block's inputs may leave out their types.
struct ModelDecl {
  std::string name;
  SourceLoc loc;
  std::vector<ModelInput> inputs;
  std::vector<Stmt> body;
  bool isBlock = false;
};

struct Program {
  std::vector<Setting> config;
  std::vector<ModelDecl> models;
  std::vector<ModelDecl> blocks;
  std::vector<Setting> train;
  SourceLoc trainLoc;
  bool hasTrain = false;
  // Error recovery: what a syntax error swallowed. Sema treats these names as
  // already reported, so it can check the rest without cascading errors.
  std::set<std::string> unparsedNames;
  bool skippedTopLevel = false; // a model or top-level region was skipped
};

/// --emit=ast
void printAST(const Program &program, std::ostream &os);

} // namespace gptc

#endif
