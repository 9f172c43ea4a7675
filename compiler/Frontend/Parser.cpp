#include "compiler/Frontend/Parser.h"

#include <algorithm>
#include <optional>
#include <set>

namespace gptc {
namespace {

class Parser {
public:
  Parser(const std::vector<Token> &tokens, DiagnosticEngine &diags)
      : toks_(tokens), diags_(diags) {}

  Program parseProgram() {
    Program program;
    while (!at(TokenKind::Eof)) {
      const Token &t = peek();
      // `block NAME(...)` starts a block; elsewhere `block` is an ordinary name
      // (nanoGPT calls its context length block_size, and configs say block = 256).
      TokenKind kind = startsBlock() ? TokenKind::KwBlock : t.kind;
      switch (kind) {
      case TokenKind::KwConfig:
        next();
        parseSettingsBlock(program.config);
        break;
      case TokenKind::KwTrain:
        program.trainLoc = next().loc;
        if (program.hasTrain)
          diags_.error(program.trainLoc, "duplicate 'train' section");
        program.hasTrain = true;
        parseSettingsBlock(program.train);
        break;
      case TokenKind::KwModel:
      case TokenKind::KwBlock: {
        bool isBlock = kind == TokenKind::KwBlock;
        if (auto m = parseModel(isBlock))
          (isBlock ? program.blocks : program.models).push_back(std::move(*m));
        else
          program.skippedTopLevel = true;
        break;
      }
      case TokenKind::Invalid:
        next(); // already reported by the lexer
        break;
      default:
        diags_.error(t.loc, std::string("expected 'config', 'model' or 'train' at top level, found ") +
                                describe(t));
        program.skippedTopLevel = true;
        skipToTopLevelKeyword();
      }
    }
    unparsed_.erase("");
    program.unparsedNames = std::move(unparsed_);
    return program;
  }

private:
  /// The name a statement starting here defines (`name = ...`, `param name`), if any.
  std::string nameBeingDefined() const {
    if (at(TokenKind::Identifier) && peek(1).kind == TokenKind::Assign)
      return peek().text;
    if (at(TokenKind::KwParam) && peek(1).kind == TokenKind::Identifier)
      return peek(1).text;
    return "";
  }

  const Token &peek(int ahead = 0) const {
    size_t i = std::min(pos_ + ahead, toks_.size() - 1);
    return toks_[i];
  }
  bool at(TokenKind k) const { return peek().kind == k; }
  const Token &next() {
    const Token &t = toks_[pos_];
    if (pos_ + 1 < toks_.size())
      ++pos_;
    return t;
  }
  bool accept(TokenKind k) {
    if (!at(k))
      return false;
    next();
    return true;
  }
  static std::string describe(const Token &t) {
    switch (t.kind) {
    case TokenKind::Identifier: return "'" + t.text + "'";
    case TokenKind::Number: return "number " + t.text;
    case TokenKind::String: return "string \"" + t.text + "\"";
    default: return tokenKindName(t.kind);
    }
  }
  bool expect(TokenKind k, const char *context) {
    if (accept(k))
      return true;
    diags_.error(peek().loc, std::string("expected ") + tokenKindName(k) + " " + context +
                                 ", found " + describe(peek()));
    return false;
  }

  // Error recovery: skip the rest of the current statement (up to the first
  // token on a later line, a ';', or a closing brace of this block).
  void syncStatement(int errLine) {
    while (!at(TokenKind::Eof) && !at(TokenKind::RBrace)) {
      if (peek().loc.line > errLine)
        return;
      if (accept(TokenKind::Semicolon))
        return;
      if (at(TokenKind::LBrace)) {
        skipBalancedBraces();
        continue;
      }
      next();
    }
  }
  void skipBalancedBraces() {
    while (!at(TokenKind::Eof) && !at(TokenKind::LBrace))
      next();
    int depth = 0;
    while (!at(TokenKind::Eof)) {
      if (at(TokenKind::LBrace))
        ++depth;
      if (at(TokenKind::RBrace) && --depth == 0) {
        next();
        return;
      }
      next();
    }
  }
  bool startsBlock() const {
    return at(TokenKind::Identifier) && peek().text == "block" && peek(1).kind == TokenKind::Identifier;
  }
  void skipToTopLevelKeyword() {
    next();
    while (!at(TokenKind::Eof) && !at(TokenKind::KwConfig) && !at(TokenKind::KwModel) &&
           !at(TokenKind::KwTrain) && !startsBlock())
      next();
  }

  // `{ name = expr ... }`
  void parseSettingsBlock(std::vector<Setting> &out) {
    if (!expect(TokenKind::LBrace, "to open the section")) {
      skipToTopLevelKeyword();
      return;
    }
    while (!at(TokenKind::RBrace) && !at(TokenKind::Eof)) {
      if (accept(TokenKind::Semicolon))
        continue;
      const Token &t = peek();
      if (t.kind == TokenKind::Invalid) {
        next();
        continue;
      }
      if (t.kind != TokenKind::Identifier) {
        diags_.error(t.loc, "expected a setting name, found " + describe(t));
        syncStatement(t.loc.line);
        if (peek().loc.line == t.loc.line && !at(TokenKind::RBrace))
          next();
        continue;
      }
      next();
      if (!expect(TokenKind::Assign, ("after '" + t.text + "'").c_str())) {
        unparsed_.insert(t.text);
        syncStatement(t.loc.line);
        continue;
      }
      ExprPtr value = parseExpr();
      if (!value) {
        unparsed_.insert(t.text);
        syncStatement(t.loc.line);
        continue;
      }
      out.push_back(Setting{t.text, t.loc, std::move(value)});
    }
    expect(TokenKind::RBrace, "to close the section");
  }

  bool parseTypeSpec(TypeSpec &type) {
    type.loc = peek().loc;
    if (!at(TokenKind::Identifier)) {
      diags_.error(peek().loc, "expected a tensor type such as f32[B, 784], found " + describe(peek()));
      return false;
    }
    type.elem = next().text;
    if (!expect(TokenKind::LBracket, "after the element type"))
      return false;
    do {
      ExprPtr dim = parseExpr();
      if (!dim)
        return false;
      type.dims.push_back(std::move(dim));
    } while (accept(TokenKind::Comma));
    return expect(TokenKind::RBracket, "to close the shape");
  }

  // model NAME(input: TYPE, ...) { statements }
  // block NAME(input[: TYPE], ...) { statements; return expr[, expr...] }
  std::optional<ModelDecl> parseModel(bool isBlock) {
    SourceLoc kwLoc = next().loc;
    ModelDecl model;
    model.loc = kwLoc;
    model.isBlock = isBlock;
    const char *what = isBlock ? "block" : "model";
    if (!at(TokenKind::Identifier)) {
      diags_.error(peek().loc, std::string("expected the ") + what + "'s name after '" + what +
                                   "', found " + describe(peek()));
      skipBalancedBraces();
      return std::nullopt;
    }
    model.name = next().text;
    if (!expect(TokenKind::LParen, isBlock ? "after the block name" : "after the model name")) {
      skipBalancedBraces();
      return std::nullopt;
    }
    if (!at(TokenKind::RParen)) {
      do {
        ModelInput in;
        in.loc = peek().loc;
        if (!at(TokenKind::Identifier)) {
          diags_.error(peek().loc, "expected an input name, found " + describe(peek()));
          skipBalancedBraces();
          return std::nullopt;
        }
        in.name = next().text;
        if (isBlock && !at(TokenKind::Colon)) { // a block's input types are optional
          model.inputs.push_back(std::move(in));
          continue;
        }
        if (!expect(TokenKind::Colon, "after the input name") || !parseTypeSpec(in.type)) {
          skipBalancedBraces();
          return std::nullopt;
        }
        model.inputs.push_back(std::move(in));
      } while (accept(TokenKind::Comma));
    }
    if (!expect(TokenKind::RParen, isBlock ? "to close the block inputs" : "to close the model inputs") ||
        !expect(TokenKind::LBrace, isBlock ? "to open the block body" : "to open the model body")) {
      skipBalancedBraces();
      return std::nullopt;
    }
    parseBody(model.body);
    expect(TokenKind::RBrace, isBlock ? "to close the block body" : "to close the model body");
    return model;
  }

  /// Statements up to (not including) the closing '}'.
  void parseBody(std::vector<Stmt> &body) {
    while (!at(TokenKind::RBrace) && !at(TokenKind::Eof)) {
      if (accept(TokenKind::Semicolon))
        continue;
      int line = peek().loc.line;
      std::string defines = nameBeingDefined();
      std::optional<Stmt> s = parseStatement();
      if (s) {
        body.push_back(std::move(*s));
      } else {
        unparsed_.insert(defines);
        syncStatement(line);
      }
    }
  }

  std::optional<Stmt> parseStatement() {
    const Token &t = peek();
    if (t.kind == TokenKind::KwParam) {
      next();
      Stmt s;
      s.kind = Stmt::Param;
      s.loc = t.loc;
      if (!at(TokenKind::Identifier)) {
        diags_.error(peek().loc, "expected a parameter name after 'param', found " + describe(peek()));
        return std::nullopt;
      }
      s.nameLocs.push_back(peek().loc);
      s.names.push_back(next().text);
      if (!expect(TokenKind::Colon, "after the parameter name") || !parseTypeSpec(s.paramType))
        return std::nullopt;
      if (!expect(TokenKind::Assign, "before the parameter's initializer"))
        return std::nullopt;
      s.value = parseExpr();
      if (!s.value)
        return std::nullopt;
      return s;
    }
    if (t.kind == TokenKind::KwReturn) {
      next();
      Stmt s;
      s.kind = Stmt::Return;
      s.loc = t.loc;
      do {
        ExprPtr value = parseExpr();
        if (!value)
          return std::nullopt;
        s.results.push_back(std::move(value));
      } while (accept(TokenKind::Comma));
      return s;
    }
    if (t.kind == TokenKind::KwRepeat) { // repeat COUNT { statements }
      next();
      Stmt s;
      s.kind = Stmt::Repeat;
      s.loc = t.loc;
      s.value = parseExpr();
      if (!s.value || !expect(TokenKind::LBrace, "to open the repeated statements"))
        return std::nullopt;
      NestingGuard guard(repeatDepth_);
      if (tooDeep(repeatDepth_, t.loc, "this 'repeat'", "nest fewer repeats")) {
        for (int open = 1; open > 0 && !at(TokenKind::Eof);) // skip its body, iteratively
          open += at(TokenKind::LBrace) ? 1 : at(TokenKind::RBrace) ? -1 : 0, next();
        return std::nullopt;
      }
      parseBody(s.body);
      if (!expect(TokenKind::RBrace, "to close the repeated statements"))
        return std::nullopt;
      return s;
    }
    if (t.kind == TokenKind::Invalid) {
      next();
      return std::nullopt;
    }
    if (t.kind != TokenKind::Identifier) {
      diags_.error(t.loc, "expected a statement ('param' or name = expression), found " + describe(t));
      if (peek().loc.line == t.loc.line)
        next();
      return std::nullopt;
    }
    Stmt s;
    s.kind = Stmt::Assign;
    s.loc = t.loc;
    s.nameLocs.push_back(t.loc);
    s.names.push_back(next().text);
    while (accept(TokenKind::Comma)) { // q, k, v = split(...)
      if (!at(TokenKind::Identifier)) {
        diags_.error(peek().loc, "expected a name to assign to, found " + describe(peek()));
        return std::nullopt;
      }
      s.nameLocs.push_back(peek().loc);
      s.names.push_back(next().text);
    }
    if (!expect(TokenKind::Assign, ("after '" + s.names.back() + "'").c_str()))
      return std::nullopt;
    s.value = parseExpr();
    if (!s.value)
      return std::nullopt;
    return s;
  }

  // expr := additive [comparison additive]
  ExprPtr parseExpr() {
    if (at(TokenKind::Pipe)) {
      diags_.error(peek().loc, "'|>' is not supported yet");
      return nullptr;
    }
    ExprPtr lhs = parseAdditive();
    static const std::pair<TokenKind, BinaryOp> comparisons[] = {
        {TokenKind::Less, BinaryOp::Less},       {TokenKind::Greater, BinaryOp::Greater},
        {TokenKind::LessEq, BinaryOp::LessEq},   {TokenKind::GreaterEq, BinaryOp::GreaterEq},
        {TokenKind::EqEq, BinaryOp::Equal},      {TokenKind::NotEq, BinaryOp::NotEqual}};
    for (auto [kind, op] : comparisons)
      if (lhs && at(kind)) {
        SourceLoc loc = next().loc;
        ExprPtr rhs = parseAdditive();
        if (!rhs)
          return nullptr;
        return makeBinary(op, loc, std::move(lhs), std::move(rhs));
      }
    return lhs;
  }

  /// Null (after an error) when the tree would grow deeper than the limit.
  ExprPtr makeBinary(BinaryOp op, SourceLoc loc, ExprPtr lhs, ExprPtr rhs) {
    int height = std::max(lhs->height, rhs->height) + 1;
    if (tooDeep(height, loc, "this chain of operators"))
      return nullptr;
    auto e = std::make_unique<Expr>(Expr::Binary, loc);
    e->height = height;
    e->op = op;
    e->args.push_back(std::move(lhs));
    e->args.push_back(std::move(rhs));
    return e;
  }

  ExprPtr parseAdditive() {
    ExprPtr lhs = parseMultiplicative();
    while (lhs && (at(TokenKind::Plus) || at(TokenKind::Minus))) {
      const Token &op = next();
      ExprPtr rhs = parseMultiplicative();
      if (!rhs)
        return nullptr;
      lhs = makeBinary(op.kind == TokenKind::Plus ? BinaryOp::Add : BinaryOp::Sub, op.loc, std::move(lhs),
                       std::move(rhs));
    }
    return lhs;
  }

  ExprPtr parseMultiplicative() {
    ExprPtr lhs = parseUnary();
    // A rejected character between two operands (`x $ w`) stands for an
    // unknown operator: parse on, the lexer already reported it.
    while (lhs && at(TokenKind::Invalid)) {
      auto error = std::make_unique<Expr>(Expr::Error, next().loc);
      error->height = lhs->height + 1;
      error->args.push_back(std::move(lhs));
      if (ExprPtr rhs = startsOperand() ? parseUnary() : nullptr) {
        error->height = std::max(error->height, rhs->height + 1);
        error->args.push_back(std::move(rhs));
      }
      if (tooDeep(error->height, error->loc, "this expression"))
        return nullptr;
      lhs = std::move(error);
    }
    while (lhs && (at(TokenKind::Star) || at(TokenKind::Slash) || at(TokenKind::At))) {
      const Token &op = next();
      ExprPtr rhs = parseUnary();
      if (!rhs)
        return nullptr;
      BinaryOp kind = op.kind == TokenKind::Star    ? BinaryOp::Mul
                      : op.kind == TokenKind::Slash ? BinaryOp::Div
                                                    : BinaryOp::Matmul;
      lhs = makeBinary(kind, op.loc, std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  /// Counts the parser's own recursion (brackets, calls, minus signs, powers).
  struct NestingGuard {
    explicit NestingGuard(int &depth) : depth(depth) { ++depth; }
    ~NestingGuard() { --depth; }
    int &depth;
  };

  bool tooDeep(int depth, SourceLoc loc, const char *what,
               const char *hint = "name a part of it on a line of its own") {
    if (depth <= kMaxNestingDepth)
      return false;
    diags_.error(loc, std::string(what) + " nests more than " + std::to_string(kMaxNestingDepth) +
                          " levels deep (" + hint + ")");
    return true;
  }

  ExprPtr parseUnary() {
    NestingGuard guard(exprDepth_);
    if (tooDeep(exprDepth_, peek().loc, "this expression"))
      return nullptr;
    if (at(TokenKind::Minus)) {
      SourceLoc loc = next().loc;
      ExprPtr operand = parseUnary();
      if (!operand)
        return nullptr;
      auto e = std::make_unique<Expr>(Expr::Unary, loc);
      e->height = operand->height + 1;
      e->args.push_back(std::move(operand));
      return e;
    }
    return parsePower();
  }

  // power := primary ['^' unary]   (right associative; binds tighter than unary minus)
  ExprPtr parsePower() {
    ExprPtr base = parsePrimary();
    if (base && at(TokenKind::Caret)) {
      SourceLoc loc = next().loc;
      ExprPtr exponent = parseUnary();
      if (!exponent)
        return nullptr;
      return makeBinary(BinaryOp::Pow, loc, std::move(base), std::move(exponent));
    }
    return base;
  }

  bool startsOperand() const {
    switch (peek().kind) {
    case TokenKind::Number: case TokenKind::String: case TokenKind::Identifier:
    case TokenKind::LParen: case TokenKind::LBracket: case TokenKind::Minus:
    case TokenKind::Invalid:
      return true;
    default:
      return false;
    }
  }

  ExprPtr parsePrimary() {
    const Token &t = peek();
    switch (t.kind) {
    case TokenKind::Invalid:
      next();
      return std::make_unique<Expr>(Expr::Error, t.loc);
    case TokenKind::Number: {
      next();
      auto e = std::make_unique<Expr>(Expr::Number, t.loc);
      e->number = t.number;
      e->isInteger = t.isInteger;
      return e;
    }
    case TokenKind::String: {
      next();
      auto e = std::make_unique<Expr>(Expr::String, t.loc);
      e->name = t.text;
      return e;
    }
    case TokenKind::Identifier: {
      next();
      // A call needs its '(' on the same line, so a parenthesised expression on
      // the next line starts a new statement instead of calling this name.
      if (at(TokenKind::LParen) && peek().loc.line == t.loc.line)
        return parseCall(t);
      auto e = std::make_unique<Expr>(Expr::Name, t.loc);
      e->name = t.text;
      return e;
    }
    case TokenKind::LParen: {
      SourceLoc loc = next().loc;
      ExprPtr first = parseExpr();
      if (!first)
        return nullptr;
      if (at(TokenKind::Comma)) {
        auto tuple = std::make_unique<Expr>(Expr::Tuple, loc);
        tuple->height = first->height + 1;
        tuple->args.push_back(std::move(first));
        while (accept(TokenKind::Comma)) {
          ExprPtr item = parseExpr();
          if (!item)
            return nullptr;
          tuple->height = std::max(tuple->height, item->height + 1);
          tuple->args.push_back(std::move(item));
        }
        if (!expect(TokenKind::RParen, "to close the tuple"))
          return nullptr;
        return tuple;
      }
      if (!expect(TokenKind::RParen, "to close the parenthesis"))
        return nullptr;
      return first;
    }
    case TokenKind::LBracket: {
      SourceLoc loc = next().loc;
      auto list = std::make_unique<Expr>(Expr::List, loc);
      if (!at(TokenKind::RBracket)) {
        do {
          ExprPtr item = parseExpr();
          if (!item)
            return nullptr;
          list->height = std::max(list->height, item->height + 1);
          list->args.push_back(std::move(item));
        } while (accept(TokenKind::Comma));
      }
      if (!expect(TokenKind::RBracket, "to close the list"))
        return nullptr;
      return list;
    }
    default:
      diags_.error(t.loc, "expected an expression, found " + describe(t));
      return nullptr;
    }
  }

  ExprPtr parseCall(const Token &callee) {
    next(); // '('
    auto call = std::make_unique<Expr>(Expr::Call, callee.loc);
    call->name = callee.text;
    if (!at(TokenKind::RParen)) {
      do {
        std::string keyword;
        if (at(TokenKind::Identifier) && peek(1).kind == TokenKind::Assign) {
          keyword = next().text;
          next();
        }
        ExprPtr arg = parseExpr();
        if (!arg)
          return nullptr;
        call->height = std::max(call->height, arg->height + 1);
        call->args.push_back(std::move(arg));
        call->argNames.push_back(keyword);
      } while (accept(TokenKind::Comma));
    }
    if (!expect(TokenKind::RParen, ("to close the call to '" + callee.text + "'").c_str()))
      return nullptr;
    return call;
  }

  const std::vector<Token> &toks_;
  DiagnosticEngine &diags_;
  size_t pos_ = 0;
  std::set<std::string> unparsed_;
  int exprDepth_ = 0, repeatDepth_ = 0;
};

} // namespace

Program parseProgram(const std::vector<Token> &tokens, DiagnosticEngine &diags) {
  return Parser(tokens, diags).parseProgram();
}

} // namespace gptc
