#include "compiler/Frontend/Lexer.h"

#include <cmath>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>

namespace gptc {

/// Whether `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
static bool isValidUtf8(const std::string &s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size())
      return false;
    uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
      unsigned char cc = s[i + k];
      if ((cc >> 6) != 0x2)
        return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n;
  }
  return true;
}

static constexpr double kLargestExactInteger = 9007199254740992.0; // 2^53: integers are exact up to it


const char *tokenKindName(TokenKind kind) {
  switch (kind) {
  case TokenKind::Eof: return "end of file";
  case TokenKind::Invalid: return "an invalid character";
  case TokenKind::Identifier: return "a name";
  case TokenKind::Number: return "a number";
  case TokenKind::String: return "a string";
  case TokenKind::LParen: return "'('";
  case TokenKind::RParen: return "')'";
  case TokenKind::LBrace: return "'{'";
  case TokenKind::RBrace: return "'}'";
  case TokenKind::LBracket: return "'['";
  case TokenKind::RBracket: return "']'";
  case TokenKind::Comma: return "','";
  case TokenKind::Colon: return "':'";
  case TokenKind::Semicolon: return "';'";
  case TokenKind::Assign: return "'='";
  case TokenKind::Plus: return "'+'";
  case TokenKind::Minus: return "'-'";
  case TokenKind::Star: return "'*'";
  case TokenKind::Slash: return "'/'";
  case TokenKind::At: return "'@'";
  case TokenKind::Caret: return "'^'";
  case TokenKind::Pipe: return "'|>'";
  case TokenKind::Less: return "'<'";
  case TokenKind::Greater: return "'>'";
  case TokenKind::LessEq: return "'<='";
  case TokenKind::GreaterEq: return "'>='";
  case TokenKind::EqEq: return "'=='";
  case TokenKind::NotEq: return "'!='";
  case TokenKind::KwConfig: return "'config'";
  case TokenKind::KwModel: return "'model'";
  case TokenKind::KwBlock: return "'block'";
  case TokenKind::KwParam: return "'param'";
  case TokenKind::KwTrain: return "'train'";
  case TokenKind::KwReturn: return "'return'";
  case TokenKind::KwRepeat: return "'repeat'";
  }
  return "token";
}

std::vector<Token> lex(const SourceFile &file, DiagnosticEngine &diags) {
  static const std::map<std::string, TokenKind> keywords = {
      {"config", TokenKind::KwConfig}, {"model", TokenKind::KwModel},
      {"param", TokenKind::KwParam},
      {"train", TokenKind::KwTrain},   {"return", TokenKind::KwReturn},
      {"repeat", TokenKind::KwRepeat}};

  const std::string &s = file.text();
  std::vector<Token> tokens;
  size_t i = 0;
  int line = 1, col = 1;
  auto advance = [&](size_t n = 1) {
    for (size_t k = 0; k < n && i < s.size(); ++k, ++i) {
      if (s[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
  };
  auto push = [&](TokenKind kind, SourceLoc loc, std::string text = "") {
    Token t;
    t.kind = kind;
    t.loc = loc;
    t.text = std::move(text);
    tokens.push_back(std::move(t));
  };

  while (i < s.size()) {
    char c = s[i];
    SourceLoc loc{line, col};
    if (c == '#') {
      while (i < s.size() && s[i] != '\n')
        advance();
      continue;
    }
    if (std::isspace((unsigned char)c)) {
      advance();
      continue;
    }
    if (std::isalpha((unsigned char)c) || c == '_') {
      size_t start = i;
      while (i < s.size() && (std::isalnum((unsigned char)s[i]) || s[i] == '_'))
        advance();
      std::string word = s.substr(start, i - start);
      auto kw = keywords.find(word);
      push(kw == keywords.end() ? TokenKind::Identifier : kw->second, loc, word);
      continue;
    }
    if (std::isdigit((unsigned char)c) ||
        (c == '.' && i + 1 < s.size() && std::isdigit((unsigned char)s[i + 1]))) {
      size_t start = i;
      bool isInteger = true;
      while (i < s.size() && std::isdigit((unsigned char)s[i]))
        advance();
      if (i < s.size() && s[i] == '.') {
        isInteger = false;
        advance();
        while (i < s.size() && std::isdigit((unsigned char)s[i]))
          advance();
      }
      if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        size_t save = i;
        int saveLine = line, saveCol = col;
        advance();
        if (i < s.size() && (s[i] == '+' || s[i] == '-'))
          advance();
        if (i < s.size() && std::isdigit((unsigned char)s[i])) {
          isInteger = false;
          while (i < s.size() && std::isdigit((unsigned char)s[i]))
            advance();
        } else {
          i = save;
          line = saveLine;
          col = saveCol;
        }
      }
      std::string spelling = s.substr(start, i - start);
      if (i < s.size() && (std::isalpha((unsigned char)s[i]) || s[i] == '_')) {
        size_t bad = i;
        while (i < s.size() && (std::isalnum((unsigned char)s[i]) || s[i] == '_'))
          advance();
        diags.error(loc, "malformed number '" + spelling + s.substr(bad, i - bad) + "'");
        // Fall through with the numeric prefix so parsing goes on without a cascade.
      }
      Token t;
      t.kind = TokenKind::Number;
      t.loc = loc;
      t.text = spelling;
      t.number = std::strtod(spelling.c_str(), nullptr);
      t.isInteger = isInteger;
      // Numbers are doubles: integers are exact up to 2^53, floats finite.
      auto beyondExact = [](const std::string &digits) { // compared as text: the double rounds
        size_t first = digits.find_first_not_of('0');
        std::string d = first == std::string::npos ? "0" : digits.substr(first);
        return d.size() > 16 || (d.size() == 16 && d > "9007199254740992");
      };
      if (isInteger && beyondExact(spelling)) {
        diags.error(loc, "integer literal '" + spelling + "' is too large (integers are exact up to 2^53 = " +
                             std::to_string((int64_t)kLargestExactInteger) + ")");
        t.number = 1; // parse on without a cascade
      } else if (!std::isfinite(t.number)) {
        diags.error(loc, "number '" + spelling + "' is out of range (the largest is about 1.8e308)");
        t.number = 1;
      }
      tokens.push_back(t);
      continue;
    }
    if (c == '"') {
      advance();
      std::string value;
      bool closed = false;
      while (i < s.size() && s[i] != '\n') {
        if (s[i] == '"') {
          closed = true;
          advance();
          break;
        }
        value += s[i];
        advance();
      }
      if (!closed)
        diags.error(loc, "unterminated string literal"); // keep the token: no cascade
      if (!isValidUtf8(value)) { // strings end up in the JSON manifest, which is UTF-8
        diags.error(loc, "string literal is not valid UTF-8");
        value.clear();
      }
      push(TokenKind::String, loc, value);
      continue;
    }
    TokenKind kind;
    size_t len = 1;
    switch (c) {
    case '(': kind = TokenKind::LParen; break;
    case ')': kind = TokenKind::RParen; break;
    case '{': kind = TokenKind::LBrace; break;
    case '}': kind = TokenKind::RBrace; break;
    case '[': kind = TokenKind::LBracket; break;
    case ']': kind = TokenKind::RBracket; break;
    case ',': kind = TokenKind::Comma; break;
    case ':': kind = TokenKind::Colon; break;
    case ';': kind = TokenKind::Semicolon; break;
    case '=':
      kind = TokenKind::Assign;
      if (i + 1 < s.size() && s[i + 1] == '=') {
        kind = TokenKind::EqEq;
        len = 2;
      }
      break;
    case '<':
    case '>': {
      bool eq = i + 1 < s.size() && s[i + 1] == '=';
      kind = c == '<' ? (eq ? TokenKind::LessEq : TokenKind::Less) : (eq ? TokenKind::GreaterEq : TokenKind::Greater);
      len = eq ? 2 : 1;
      break;
    }
    case '!':
      if (i + 1 < s.size() && s[i + 1] == '=') {
        kind = TokenKind::NotEq;
        len = 2;
        break;
      }
      goto unexpected;
    case '+': kind = TokenKind::Plus; break;
    case '-': kind = TokenKind::Minus; break;
    case '*':
      if (i + 1 < s.size() && s[i + 1] == '*') {
        kind = TokenKind::Caret; // `**` is accepted as a spelling of `^`
        len = 2;
      } else {
        kind = TokenKind::Star;
      }
      break;
    case '/': kind = TokenKind::Slash; break;
    case '@': kind = TokenKind::At; break;
    case '^': kind = TokenKind::Caret; break;
    case '|':
      if (i + 1 < s.size() && s[i + 1] == '>') {
        kind = TokenKind::Pipe;
        len = 2;
        break;
      }
      [[fallthrough]];
    default:
    unexpected: {
      // One character, even when UTF-8 spends several bytes on it.
      size_t len = 1;
      unsigned char lead = (unsigned char)c;
      if (lead >= 0xC0)
        len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
      while (len > 1 && i + len > s.size())
        --len;
      std::string shown = s.substr(i, len);
      if (len == 1 && !std::isprint(lead)) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02x", lead);
        shown = hex;
      }
      diags.error(loc, "unexpected character '" + shown + "'");
      // Keep a placeholder token so the parser can go on without a cascade.
      push(TokenKind::Invalid, loc, shown);
      advance(len);
      continue;
    }
    }
    push(kind, loc, s.substr(i, len));
    advance(len);
  }
  Token eof;
  eof.kind = TokenKind::Eof;
  eof.loc = {line, col};
  tokens.push_back(eof);
  return tokens;
}

} // namespace gptc
