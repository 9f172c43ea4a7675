// Recursive-descent parser for the gptc language. On a syntax error it reports
// `file:line:col: error: expected ...`, skips to the next statement and goes on,
// so one run reports every independent error.
#ifndef GPTC_FRONTEND_PARSER_H
#define GPTC_FRONTEND_PARSER_H

#include "compiler/Frontend/AST.h"
#include "compiler/Frontend/Lexer.h"

namespace gptc {

Program parseProgram(const std::vector<Token> &tokens, DiagnosticEngine &diags);

} // namespace gptc

#endif
