// Turns DSL source text into tokens. `#` starts a comment that runs to the end
// of the line, so lit's `# RUN:` lines can live inside .dsl files.
#ifndef GPTC_FRONTEND_LEXER_H
#define GPTC_FRONTEND_LEXER_H

#include "compiler/Frontend/Diagnostics.h"

#include <string>
#include <vector>

namespace gptc {

enum class TokenKind {
  Eof,
  Invalid, // a character the language does not have (already reported)
  Identifier,
  Number,
  String,
  // punctuation and operators
  LParen, RParen, LBrace, RBrace, LBracket, RBracket,
  Comma, Colon, Semicolon, Assign,
  Plus, Minus, Star, Slash, At, Caret, Pipe, // Pipe is `|>`
  Less, Greater, LessEq, GreaterEq, EqEq, NotEq,
  // keywords
  KwConfig, KwModel, KwBlock, KwParam, KwTrain, KwReturn, KwRepeat,
};

struct Token {
  TokenKind kind = TokenKind::Eof;
  std::string text; // identifier name, string contents, or number spelling
  double number = 0;
  bool isInteger = false;
  SourceLoc loc;
};

/// A human-readable name for a token kind, used in "expected X" messages.
const char *tokenKindName(TokenKind kind);

/// Lexes the whole file. Lexical errors are reported to `diags`; the bad
/// characters are skipped so parsing can continue and report more.
std::vector<Token> lex(const SourceFile &file, DiagnosticEngine &diags);

} // namespace gptc

#endif
