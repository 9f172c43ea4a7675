#include "compiler/Frontend/Diagnostics.h"

#include <algorithm>

#include <ostream>

namespace gptc {

SourceFile::SourceFile(std::string name, std::string text)
    : name_(std::move(name)), text_(std::move(text)) {
  lineStarts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n')
      lineStarts_.push_back(i + 1);
}

std::string SourceFile::lineText(int line) const {
  if (line < 1 || line > (int)lineStarts_.size())
    return "";
  size_t begin = lineStarts_[line - 1];
  size_t end = text_.find('\n', begin);
  if (end == std::string::npos)
    end = text_.size();
  return text_.substr(begin, end - begin);
}

/// Columns of source shown around the caret: a 1 MB line prints a window.
static constexpr int kWindowColumns = 100;

void DiagnosticEngine::emit(const char *kind, SourceLoc loc, const std::string &message) {
  os_ << file_.name();
  if (loc.line > 0)
    os_ << ":" << loc.line << ":" << loc.col;
  os_ << ": " << kind << ": " << message << "\n";
  if (loc.line > 0) {
    std::string text = file_.lineText(loc.line);
    int caretAt = std::min<int>(loc.col - 1, (int)text.size()); // 0-based
    int first = 0;
    std::string prefix, suffix;
    if ((int)text.size() > kWindowColumns) {
      first = std::max(0, std::min(caretAt - kWindowColumns / 2, (int)text.size() - kWindowColumns));
      if (first > 0)
        prefix = "...";
      if (first + kWindowColumns < (int)text.size())
        suffix = "...";
      text = text.substr(first, kWindowColumns);
    }
    os_ << prefix << text << suffix << "\n";
    std::string caret(prefix.size(), ' ');
    for (int i = first; i < caretAt && i - first < (int)text.size(); ++i)
      caret += text[i - first] == '\t' ? '\t' : ' ';
    os_ << caret << "^\n";
  }
}

void DiagnosticEngine::error(SourceLoc loc, const std::string &message) {
  if (!reported_.insert({loc.line, loc.col, message}).second)
    return;
  ++errors_;
  if (limit_ > 0 && errors_ > limit_) {
    if (errors_ == limit_ + 1)
      os_ << file_.name() << ": error: too many errors emitted, stopping now (--error-limit=" << limit_
          << "; 0 shows them all)\n";
    return;
  }
  emit("error", loc, message);
}

void DiagnosticEngine::note(SourceLoc loc, const std::string &message) {
  emit("note", loc, message);
}

} // namespace gptc
