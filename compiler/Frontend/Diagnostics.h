// Source buffers and error reporting for the frontend: every message is
// `file:line:col: error: message`, followed by the source line and a caret
// (a window of the line around the caret when the line is long).
#ifndef GPTC_FRONTEND_DIAGNOSTICS_H
#define GPTC_FRONTEND_DIAGNOSTICS_H

#include <iosfwd>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace gptc {

struct SourceLoc {
  int line = 0; // 1-based; 0 means "no location"
  int col = 0;  // 1-based
};

class SourceFile {
public:
  SourceFile(std::string name, std::string text);
  const std::string &name() const { return name_; }
  const std::string &text() const { return text_; }
  /// The text of line `line` (1-based) without its newline.
  std::string lineText(int line) const;

private:
  std::string name_, text_;
  std::vector<size_t> lineStarts_;
};

class DiagnosticEngine {
public:
  DiagnosticEngine(const SourceFile &file, std::ostream &os) : file_(file), os_(os) {}
  /// After `limit` errors the rest are counted but not printed (0: no limit),
  /// as clang's -ferror-limit: random bytes should not print megabytes.
  void setErrorLimit(int limit) { limit_ = limit; }
  void error(SourceLoc loc, const std::string &message);
  void note(SourceLoc loc, const std::string &message);
  int errorCount() const { return errors_; }
  bool hadErrors() const { return errors_ > 0; }

private:
  void emit(const char *kind, SourceLoc loc, const std::string &message);
  const SourceFile &file_;
  std::ostream &os_;
  int errors_ = 0;
  int limit_ = 20;
  // A block used many times (repeat 12 { ... }) would repeat its errors: each
  // (line, col, message) is reported once.
  std::set<std::tuple<int, int, std::string>> reported_;
};

} // namespace gptc

#endif
