// Tokenizer of pf.conf: operators, words, quotes, comments, continuation, macros.
#include "control/pfconf/lexer.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using dpf::pfconf::Lexer;
using dpf::pfconf::TokKind;

namespace {

// Token texts up to EOF, newlines shown as "\\n", quoted strings wrapped in quotes.
std::vector<std::string> tokens(Lexer& lx) {
  std::vector<std::string> out;
  for (auto t = lx.next(); t.kind != TokKind::kEof; t = lx.next()) {
    if (t.kind == TokKind::kNewline)
      out.push_back("\\n");
    else if (t.kind == TokKind::kQuoted)
      out.push_back("\"" + t.text + "\"");
    else
      out.push_back(t.text);
  }
  return out;
}

std::vector<std::string> tokens(const std::string& text) {
  Lexer lx(text);
  return tokens(lx);
}

}  // namespace

TEST_CASE("lexer: two-character operators are single tokens") {
  CHECK(tokens("!= <= >= <> >< -> ! < > =") ==
        std::vector<std::string>{"!=", "<=", ">=", "<>", "><", "->", "!", "<", ">", "="});
}

TEST_CASE("lexer: words keep dashes, colons and dots but stop at slashes and braces") {
  CHECK(tokens("return-rst 6669:65535 ::1 10.0.0.0/8 {a,b}") ==
        std::vector<std::string>{"return-rst", "6669:65535", "::1", "10.0.0.0", "/", "8", "{", "a",
                                 ",", "b", "}"});
}

TEST_CASE("lexer: a dash that starts a token is punctuation, as in address ranges") {
  CHECK(tokens("10.1.2.3 - 10.1.2.4") == std::vector<std::string>{"10.1.2.3", "-", "10.1.2.4"});
}

TEST_CASE("lexer: comments run to the end of the line and the newline remains") {
  CHECK(tokens("pass # all of it\nblock") == std::vector<std::string>{"pass", "\\n", "block"});
}

TEST_CASE("lexer: a backslash before a newline continues the line") {
  CHECK(tokens("pass \\\n in") == std::vector<std::string>{"pass", "in"});
}

TEST_CASE("lexer: newlines inside braces are folded away") {
  CHECK(tokens("{ a,\n b }\nc") == std::vector<std::string>{"{", "a", ",", "b", "}", "\\n", "c"});
}

TEST_CASE("lexer: form feeds are blanks") {
  CHECK(tokens("a\n\f\nb") == std::vector<std::string>{"a", "\\n", "\\n", "b"});
}

TEST_CASE("lexer: quoted strings keep their blanks and are not macro-expanded") {
  Lexer lx("label \"$nr: a b\"");
  lx.define("nr", "7");
  CHECK(tokens(lx) == std::vector<std::string>{"label", "\"$nr: a b\""});
}

TEST_CASE("lexer: a macro reference is replaced by its tokens") {
  Lexer lx("on $ifs all");
  lx.define("ifs", "{ em0, em1 }");
  CHECK(tokens(lx) == std::vector<std::string>{"on", "{", "em0", ",", "em1", "}", "all"});
}

TEST_CASE("lexer: tokens from a macro carry the position of the reference") {
  Lexer lx("pass\n  $x");
  lx.define("x", "in");
  lx.next();
  lx.next();
  auto t = lx.next();
  CHECK(t.text == "in");
  CHECK(t.line == 2);
  CHECK(t.col == 3);
}

TEST_CASE("lexer: an undefined macro is an error at its position") {
  Lexer lx("pass $nope\nblock");
  lx.next();
  lx.next();
  Lexer::LexError e;
  REQUIRE(lx.take_error(e));
  CHECK(e.message == "macro 'nope' not defined");
  CHECK(e.line == 1);
  CHECK(e.col == 6);
  CHECK(lx.next().kind == TokKind::kNewline);
  CHECK(lx.next().text == "block");
}

TEST_CASE("lexer: an unterminated quote is an error") {
  Lexer lx("label \"abc\npass");
  tokens(lx);
  Lexer::LexError e;
  REQUIRE(lx.take_error(e));
  CHECK(e.message == "unterminated quoted string");
}

TEST_CASE("lexer: a continuation may end in CRLF and several may follow each other") {
  CHECK(tokens("pa\\\r\nss \\\n\\\n in") == std::vector<std::string>{"pass", "in"});
}

TEST_CASE("lexer: an included file ends with a newline and lexing resumes in the includer") {
  Lexer lx("a\nd");
  CHECK(lx.next().text == "a");
  REQUIRE(lx.push_file("b c\\\n", 1));
  auto b = lx.next();
  CHECK(b.text == "b");
  CHECK(b.file == 1);
  CHECK(lx.next().text == "c");
  CHECK(lx.next().kind == TokKind::kNewline);
  CHECK(lx.next().kind == TokKind::kNewline);
  auto d = lx.next();
  CHECK(d.text == "d");
  CHECK(d.file == 0);
}
