// Tokenizer for pf.conf with pfctl's lexical rules: `#` comments, `\` line continuation,
// quoted strings, operators (!= <= >= <> >< ->), macro expansion of `$name` outside quotes
// (the macro's text is tokenized in place, at most kMaxExpansion bytes per ruleset), and
// newlines inside braces folded away.
// Used by the parser on the control thread; allocates token strings.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dpf::pfconf {

enum class TokKind { kWord, kQuoted, kPunct, kNewline, kEof };

struct Token {
  TokKind kind = TokKind::kEof;
  std::string text;
  int line = 0;
  int col = 0;
  int file = 0;  // index of the file the token comes from (0 = the main file)
  bool is(std::string_view word) const { return kind == TokKind::kWord && text == word; }
  bool punct(std::string_view p) const { return kind == TokKind::kPunct && text == p; }
};

class Lexer {
 public:
  // The most macro text one ruleset may expand, summed over every `$name` (bytes): macros that
  // refer to macros (b="$a $a", c="$b $b", ...) would otherwise grow exponentially.
  static constexpr size_t kMaxExpansion = size_t{1} << 20;

  explicit Lexer(std::string_view text);

  // The next token; on a lexical error, records it in error() and returns a newline token.
  Token next();
  void define(const std::string& name, const std::string& value) { macros_[name] = value; }
  // Continues lexing in an included file; at its end a newline is returned and lexing resumes
  // after the include statement. Returns false if includes nest too deeply.
  bool push_file(std::string text, int file);

  // A pending lexical error (empty if none); reading it clears it.
  struct LexError {
    int file = 0;
    int line = 0;
    int col = 0;
    std::string message;
  };
  bool take_error(LexError& out);

 private:
  struct Source {
    std::string text;
    size_t pos = 0;
    int line = 1;  // for macro sources: the line/col of the `$name` reference
    int col = 1;
    bool macro = false;
    int file = 0;
  };
  const Source& current_file() const;
  Token lex_one();
  int peek_char() const;
  int get_char();
  void skip_space_and_comments();
  Token lex_quoted(int line, int col);
  Token lex_word(int line, int col);
  Token lex_punct(int line, int col);
  bool expand_macro(int line, int col);
  Token fail(int line, int col, std::string message);

  std::vector<Source> stack_;
  std::map<std::string, std::string> macros_;
  int depth_ = 0;        // brace nesting, newlines inside are dropped
  size_t expanded_ = 0;  // bytes of macro text expanded so far (kMaxExpansion)
  bool has_error_ = false;
  LexError error_;
};

}  // namespace dpf::pfconf
