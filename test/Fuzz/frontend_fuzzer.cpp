// libFuzzer target for gptc's frontend: any bytes go through the lexer, the
// parser, Sema (checks and elaboration into the graph) and the manifest writer,
// as `gptc --emit=manifest` does. Nothing here may crash, hang, read out of
// bounds or hit undefined behaviour (the harness is built with ASan + UBSan);
// diagnostics are written to a null stream.
#include "compiler/Frontend/Lexer.h"
#include "compiler/Frontend/Manifest.h"
#include "compiler/Frontend/Parser.h"
#include "compiler/Frontend/Sema.h"

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <streambuf>

namespace {
struct NullBuffer : std::streambuf {
  int overflow(int c) override { return c; }
};
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static NullBuffer nullBuffer;
  static std::ostream nullStream(&nullBuffer);
  gptc::SourceFile file("fuzz.dsl", std::string(reinterpret_cast<const char *>(data), size));
  gptc::DiagnosticEngine diags(file, nullStream);
  diags.setErrorLimit(0); // every diagnostic path runs
  std::vector<gptc::Token> tokens = gptc::lex(file, diags);
  gptc::Program program = gptc::parseProgram(tokens, diags);
  std::optional<gptc::CheckedProgram> checked = gptc::analyze(program, {}, diags);
  if (checked && !diags.hadErrors())
    (void)gptc::buildManifest(*checked, "f32");
  return 0;
}
