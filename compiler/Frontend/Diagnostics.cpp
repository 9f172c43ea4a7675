#include "compiler/Frontend/Diagnostics.h"

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

void DiagnosticEngine::emit(const char *kind, SourceLoc loc, const std::string &message) {
  os_ << file_.name();
  if (loc.line > 0)
    os_ << ":" << loc.line << ":" << loc.col;
  os_ << ": " << kind << ": " << message << "\n";
  if (loc.line > 0) {
    std::string text = file_.lineText(loc.line);
    os_ << text << "\n";
    std::string caret;
    for (int i = 1; i < loc.col && i - 1 < (int)text.size(); ++i)
      caret += text[i - 1] == '\t' ? '\t' : ' ';
    os_ << caret << "^\n";
  }
}

void DiagnosticEngine::error(SourceLoc loc, const std::string &message) {
  if (!reported_.insert({loc.line, loc.col, message}).second)
    return;
  ++errors_;
  emit("error", loc, message);
}

void DiagnosticEngine::note(SourceLoc loc, const std::string &message) {
  emit("note", loc, message);
}

} // namespace gptc
