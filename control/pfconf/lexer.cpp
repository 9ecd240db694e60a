// pf.conf tokenizer; see lexer.h. The character classes follow pfctl's: a word starts with a
// letter, digit, `:` or `_` and runs until whitespace or one of ( ) { } < > ! = / # , " '.
#include "control/pfconf/lexer.h"

#include <cctype>

namespace dpf::pfconf {
namespace {

constexpr size_t kMaxMacroDepth = 32;
constexpr size_t kMaxIncludeDepth = 16;

bool word_start(int c) {
  return std::isalnum(c) || c == ':' || c == '_';
}

bool word_char(int c) {
  if (c < 0 || c > 127) return false;
  if (std::isalnum(c)) return true;
  if (!std::ispunct(c)) return false;
  switch (c) {
    case '(':
    case ')':
    case '{':
    case '}':
    case '<':
    case '>':
    case '!':
    case '=':
    case '/':
    case '#':
    case ',':
    case '"':
    case '\'':
      return false;
    default:
      return true;
  }
}

bool name_char(int c) {
  return c >= 0 && c <= 127 && (std::isalnum(c) || c == '_');
}

}  // namespace

Lexer::Lexer(std::string_view text) {
  stack_.push_back(Source{std::string(text), 0, 1, 1, false, 0});
}

bool Lexer::push_file(std::string text, int file) {
  size_t files = 0;
  for (const Source& s : stack_) files += s.macro ? 0 : 1;
  if (files > kMaxIncludeDepth) return false;
  stack_.push_back(Source{std::move(text), 0, 1, 1, false, file});
  return true;
}

const Lexer::Source& Lexer::current_file() const {
  for (size_t i = stack_.size(); i-- > 0;) {
    if (!stack_[i].macro) return stack_[i];
  }
  return stack_.front();
}

namespace {

// Length of a line continuation (`\` then LF or CRLF) at `pos`, 0 if there is none.
size_t continuation_at(const std::string& text, size_t pos) {
  if (pos >= text.size() || text[pos] != '\\') return 0;
  if (pos + 1 < text.size() && text[pos + 1] == '\n') return 2;
  if (pos + 2 < text.size() && text[pos + 1] == '\r' && text[pos + 2] == '\n') return 3;
  return 0;
}

}  // namespace

int Lexer::peek_char() const {
  for (size_t i = stack_.size(); i-- > 0;) {
    const Source& s = stack_[i];
    size_t pos = s.pos;
    if (!s.macro) {
      while (size_t n = continuation_at(s.text, pos)) pos += n;
    }
    if (pos < s.text.size()) return static_cast<unsigned char>(s.text[pos]);
    if (!s.macro) return -1;  // the end of a file is not crossed
  }
  return -1;
}

int Lexer::get_char() {
  while (true) {
    Source& s = stack_.back();
    if (!s.macro) {
      while (size_t n = continuation_at(s.text, s.pos)) {
        s.pos += n;
        ++s.line;
        s.col = 1;
      }
    }
    if (s.pos >= s.text.size()) {
      if (!s.macro) return -1;
      stack_.pop_back();
      continue;
    }
    char c = s.text[s.pos++];
    if (s.macro) return static_cast<unsigned char>(c);
    if (c == '\n') {
      ++s.line;
      s.col = 1;
    } else {
      ++s.col;
    }
    return static_cast<unsigned char>(c);
  }
}

void Lexer::skip_space_and_comments() {
  while (true) {
    while (stack_.back().macro && stack_.back().pos >= stack_.back().text.size()) {
      stack_.pop_back();
    }
    int c = peek_char();
    if (c == ' ' || c == '\t' || c == '\f' || c == '\r' || c == '\v') {
      get_char();
    } else if (c == '\n' && (depth_ > 0 || stack_.back().macro)) {
      get_char();
    } else if (c == '#') {
      while (peek_char() != '\n' && peek_char() != -1) get_char();
    } else {
      return;
    }
  }
}

Token Lexer::fail(int line, int col, std::string message) {
  if (!has_error_) {
    has_error_ = true;
    error_ = LexError{current_file().file, line, col, std::move(message)};
  }
  // Resynchronise at the end of the line.
  while (stack_.back().macro) stack_.pop_back();
  while (peek_char() != '\n' && peek_char() != -1) get_char();
  depth_ = 0;
  return Token{TokKind::kNewline, "", line, col};
}

bool Lexer::take_error(LexError& out) {
  if (!has_error_) return false;
  out = error_;
  has_error_ = false;
  return true;
}

bool Lexer::expand_macro(int line, int col) {
  std::string name;
  while (name_char(peek_char())) name.push_back(static_cast<char>(get_char()));
  if (name.empty()) {
    fail(line, col, "syntax error: '$' without a macro name");
    return false;
  }
  auto it = macros_.find(name);
  if (it == macros_.end()) {
    fail(line, col, "macro '" + name + "' not defined");
    return false;
  }
  if (stack_.size() > kMaxMacroDepth) {
    fail(line, col, "macro '" + name + "' expands too deeply");
    return false;
  }
  // Each expansion counts at least one byte, so that empty macros cannot multiply for free.
  expanded_ += it->second.size() + 1;
  if (expanded_ > kMaxExpansion) {
    fail(line, col, "macro '" + name + "': macros expand to more than 1 MiB in this ruleset");
    return false;
  }
  stack_.push_back(Source{it->second, 0, line, col, true, current_file().file});
  return true;
}

Token Lexer::lex_quoted(int line, int col) {
  int quote = get_char();
  std::string text;
  while (true) {
    int c = get_char();
    if (c == -1 || c == '\n') return fail(line, col, "unterminated quoted string");
    if (c == quote) break;
    if (c == '\\' && peek_char() == quote) c = get_char();
    text.push_back(static_cast<char>(c));
  }
  return Token{TokKind::kQuoted, std::move(text), line, col};
}

Token Lexer::lex_word(int line, int col) {
  std::string text;
  while (word_char(peek_char())) text.push_back(static_cast<char>(get_char()));
  return Token{TokKind::kWord, std::move(text), line, col};
}

Token Lexer::lex_punct(int line, int col) {
  int c = get_char();
  int n = peek_char();
  std::string text(1, static_cast<char>(c));
  auto two = [&](char second) {
    if (n == second) {
      get_char();
      text.push_back(second);
    }
  };
  switch (c) {
    case '!':
      two('=');
      break;
    case '<':
      if (n == '=' || n == '>') two(static_cast<char>(n));
      break;
    case '>':
      if (n == '=' || n == '<') two(static_cast<char>(n));
      break;
    case '-':
      two('>');
      break;
    case '{':
      ++depth_;
      break;
    case '}':
      if (depth_ > 0) --depth_;
      break;
    default:
      break;
  }
  return Token{TokKind::kPunct, std::move(text), line, col};
}

Token Lexer::next() {
  int file = current_file().file;
  Token t = lex_one();
  t.file = file;
  return t;
}

Token Lexer::lex_one() {
  while (true) {
    skip_space_and_comments();
    const Source& top = stack_.back();
    const Source& here = top.macro ? top : current_file();
    int line = here.line;
    int col = here.col;
    int c = peek_char();
    if (c == -1) {
      if (stack_.size() == 1) return Token{TokKind::kEof, "", line, col};
      // The end of an included file ends its last statement.
      stack_.pop_back();
      return Token{TokKind::kNewline, "", line, col};
    }
    if (c == '\n') {
      get_char();
      return Token{TokKind::kNewline, "", line, col};
    }
    if (c == '$') {
      get_char();
      if (!expand_macro(line, col)) return Token{TokKind::kNewline, "", line, col};
      continue;
    }
    if (c == '"' || c == '\'') return lex_quoted(line, col);
    if (word_start(c)) return lex_word(line, col);
    return lex_punct(line, col);
  }
}

}  // namespace dpf::pfconf
