// Recursive-descent parser for the gptc language. On a syntax error it reports
// `file:line:col: error: expected ...`, skips to the next statement and goes on,
// so one run reports every independent error.
#ifndef GPTC_FRONTEND_PARSER_H
#define GPTC_FRONTEND_PARSER_H

#include "compiler/Frontend/AST.h"
#include "compiler/Frontend/Lexer.h"

namespace gptc {

/// How deep a program may nest. Every later stage walks the syntax tree
/// recursively, so the parser refuses deeper programs with an error instead of
/// letting any stage run out of stack (clang's bracket depth is also 256):
/// brackets, calls, unary minus and `^` nest; so does each operator of a chain
/// (`x + x + ... + x` is a tree as deep as it is long); `repeat` bodies nest.
inline constexpr int kMaxNestingDepth = 256;

Program parseProgram(const std::vector<Token> &tokens, DiagnosticEngine &diags);

} // namespace gptc

#endif
