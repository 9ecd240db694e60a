// pf.conf statements: the token cursor, macro definitions, `set` options and tables.
// Filter rules are in rule_grammar.cpp, addresses in address_grammar.cpp.
#include "control/pfconf/parser.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "control/pfconf/parser_impl.h"

namespace dpf::pfconf {

std::string ParseError::to_string() const {
  if (line == 0) return file + ": " + message;  // about the whole file
  return file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + message;
}

Result parse_ruleset(std::string_view text, const std::string& file_name,
                     const ParseOptions& options) {
  detail::Parser parser(text, file_name, options);
  return parser.run();
}

namespace detail {

std::optional<std::string> read_file_from_disk(const std::string& path, std::string* error,
                                               bool* private_file) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below anyway.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    *error = std::strerror(errno);
    return std::nullopt;
  }
  struct stat st {};
  std::optional<std::string> text;
  if (::fstat(fd, &st) != 0) {
    *error = std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    *error = "not a regular file";
  } else if (static_cast<uint64_t>(st.st_size) > kMaxFileSize) {
    *error = "larger than 16 MiB";
  } else {
    // Read until the end or one chunk past the limit: a file that grows meanwhile is bounded.
    std::string buf;
    buf.reserve(static_cast<size_t>(st.st_size));
    char chunk[65536];
    ssize_t n = 0;
    while (buf.size() <= kMaxFileSize && (n = ::read(fd, chunk, sizeof chunk)) > 0) {
      buf.append(chunk, static_cast<size_t>(n));
    }
    if (n < 0) {
      *error = std::strerror(errno);
    } else if (buf.size() > kMaxFileSize) {
      *error = "larger than 16 MiB";
    } else {
      text = std::move(buf);
      if (private_file != nullptr) *private_file = (st.st_mode & S_IROTH) == 0;
    }
  }
  ::close(fd);
  return text;
}

}  // namespace detail

std::optional<std::string> read_ruleset_text(const std::string& path, std::string* error) {
  return detail::read_file_from_disk(path, error);
}

Result parse_ruleset_file(const std::string& path, const ParseOptions& options) {
  std::string why;
  std::optional<std::string> text =
      options.read_file ? options.read_file(path, &why) : detail::read_file_from_disk(path, &why);
  if (!text) {
    Result r;
    r.errors.push_back(ParseError{path, 0, 0, "cannot open the main config file: " + why});
    return r;
  }
  return parse_ruleset(*text, path, options);
}

namespace detail {
namespace {

// Statement keywords of pf.conf that this parser does not implement.
constexpr std::string_view kUnsupportedStatements[] = {"scrub", "anchor", "load",
                                                       "altq",  "queue",  "ether"};

std::string directory_of(const std::string& file) {
  size_t slash = file.rfind('/');
  return slash == std::string::npos ? std::string() : file.substr(0, slash + 1);
}

}  // namespace

Parser::Parser(std::string_view text, const std::string& file, const ParseOptions& options)
    : lexer_(text), files_{file}, private_{false}, options_(options) {}

Result Parser::run() {
  while (true) {
    const Token& t = peek();
    if (t.kind == TokKind::kEof) break;
    if (t.kind == TokKind::kNewline) {
      take();
      drain_lexer_error();
      continue;
    }
    try {
      statement();
      if (!at_end_of_statement()) fail_unexpected(peek());
    } catch (const StatementAbort&) {
      skip_statement();
    }
    drain_lexer_error();
  }
  drain_lexer_error();
  Result result;
  result.errors = std::move(errors_);
  if (result.errors.empty()) result.ruleset = std::move(ruleset_);
  return result;
}

const Token& Parser::peek(size_t ahead) {
  while (lookahead_.size() <= ahead) lookahead_.push_back(lexer_.next());
  return lookahead_[ahead];
}

Token Parser::take() {
  Token t = peek();
  lookahead_.pop_front();
  return t;
}

bool Parser::at_end_of_statement() {
  TokKind k = peek().kind;
  return k == TokKind::kNewline || k == TokKind::kEof;
}

bool Parser::accept_word(std::string_view word) {
  if (!peek().is(word)) return false;
  take();
  return true;
}

bool Parser::accept_punct(std::string_view p) {
  if (!peek().punct(p)) return false;
  take();
  return true;
}

void Parser::expect_punct(std::string_view p) {
  if (!accept_punct(p)) fail(peek(), "syntax error: expected '" + std::string(p) + "'");
}

Token Parser::expect_string(std::string_view what) {
  const Token& t = peek();
  if (t.kind != TokKind::kWord && t.kind != TokKind::kQuoted) {
    fail(t, "syntax error: expected " + std::string(what));
  }
  return take();
}

uint32_t Parser::expect_number(std::string_view what, uint64_t max) {
  Token t = peek();
  uint64_t v = 0;
  const char* first = t.text.data();
  const char* last = first + t.text.size();
  auto [ptr, ec] = std::from_chars(first, last, v);
  if (t.kind != TokKind::kWord || ec != std::errc() || ptr != last || t.text.empty()) {
    fail(t, "syntax error: expected " + std::string(what) + " (a number)");
  }
  if (v > max)
    fail(t, std::string(what) + " " + t.text + " out of range (max " + std::to_string(max) + ")");
  take();
  return static_cast<uint32_t>(v);
}

void Parser::record(int file, int line, int col, std::string message) {
  // An error in a file others may not read names the place, never the text: the node reads
  // files (as root) on behalf of whoever posts a ruleset, and `include "/etc/shadow"` must not
  // answer with its lines.
  const std::string& where = files_.at(static_cast<size_t>(file));
  if (private_.at(static_cast<size_t>(file))) {
    message = "invalid text in " + where + " (not shown: others may not read the file)";
  } else if (!quoting_private_.empty()) {
    message = "invalid text in " + quoting_private_ + " (not shown: others may not read the file)";
  }
  errors_.push_back(ParseError{where, line, col, std::move(message)});
}

std::optional<std::string> Parser::read_file(const std::string& path, std::string* why,
                                             bool& private_file) {
  private_file = false;
  if (options_.read_file) return options_.read_file(path, why);
  return read_file_from_disk(path, why, &private_file);
}

void Parser::drain_lexer_error() {
  Lexer::LexError e;
  if (lexer_.take_error(e)) record(e.file, e.line, e.col, e.message);
}

void Parser::fail(const Token& at, std::string message) {
  Lexer::LexError e;
  if (lexer_.take_error(e)) {
    // The lexer's own error explains this token better.
    record(e.file, e.line, e.col, e.message);
  } else {
    record(at.file, at.line, at.col, std::move(message));
  }
  throw StatementAbort{};
}

void Parser::fail_unexpected(const Token& at) {
  switch (at.kind) {
    case TokKind::kNewline:
    case TokKind::kEof:
      fail(at, "syntax error: unexpected end of line");
    case TokKind::kQuoted:
      fail(at, "syntax error near \"" + at.text + "\"");
    default:
      fail(at, "syntax error near '" + at.text + "'");
  }
}

void Parser::skip_statement() {
  while (!at_end_of_statement()) take();
}

void Parser::statement() {
  const Token& t = peek();
  if (t.kind == TokKind::kWord && peek(1).punct("=")) return macro_definition();
  if (t.is("set")) return set_option();
  if (t.is("table")) return table_definition();
  if (t.is("pass") || t.is("block") || t.is("match")) return filter_rule();
  if (t.is("antispoof")) return antispoof();
  if (t.is("nat") || t.is("rdr") || t.is("binat") || t.is("no")) return translation_rule();
  if (t.is("nat-anchor") || t.is("rdr-anchor") || t.is("binat-anchor")) {
    return translation_anchor();
  }
  if (t.is("include")) return include_file();
  if (t.kind == TokKind::kWord) {
    for (std::string_view kw : kUnsupportedStatements) {
      if (t.text == kw) fail(t, "'" + t.text + "' rules are not supported");
    }
    fail(t, "unknown keyword '" + t.text + "'");
  }
  fail_unexpected(t);
}

void Parser::macro_definition() {
  Token name = take();
  take();  // '='
  std::string value;
  while (peek().kind == TokKind::kWord || peek().kind == TokKind::kQuoted) {
    if (!value.empty()) value.push_back(' ');
    value += take().text;
  }
  if (!at_end_of_statement()) fail_unexpected(peek());
  for (char c : name.text) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
      fail(name, "invalid macro name '" + name.text + "'");
    }
  }
  if (value.size() > Lexer::kMaxExpansion)
    fail(name, "macro '" + name.text + "' is longer than 1 MiB");
  lexer_.define(name.text, value);
  ruleset_.definitions.push_back(Definition{DefinitionKind::kMacro, name.text, value, 0});
}

// `include "file"`: the file's statements are parsed in place, as if written here. A relative
// path is relative to the directory of the including file.
void Parser::include_file() {
  Token kw = take();
  Token path = expect_string("a file name");
  if (!at_end_of_statement()) fail_unexpected(peek());
  std::string full = path.text;
  if (!full.empty() && full[0] != '/') {
    full = directory_of(files_.at(static_cast<size_t>(path.file))) + full;
  }
  std::string why;
  bool private_file = false;
  std::optional<std::string> text = read_file(full, &why, private_file);
  if (!text) fail(path, "cannot open include file \"" + path.text + "\": " + why);
  files_.push_back(full);
  private_.push_back(private_file);
  if (!lexer_.push_file(std::move(*text), static_cast<int>(files_.size() - 1))) {
    fail(kw, "include files nest too deeply");
  }
}

void Parser::table_definition() {
  Token kw = take();  // table
  expect_punct("<");
  Token name = expect_string("a table name");
  expect_punct(">");
  for (const Table& t : ruleset_.tables) {
    if (t.name == name.text) fail(name, "table <" + name.text + "> redefined");
  }
  Table table;
  table.name = name.text;
  table.line = kw.line;
  while (!at_end_of_statement()) {
    if (accept_word("persist")) {
      table.persist = true;
    } else if (accept_word("const")) {
      table.constant = true;
    } else if (accept_word("counters")) {
      table.counters = true;
    } else if (accept_word("file")) {
      Token path = expect_string("a file name");
      TableSource src;
      src.is_file = true;
      src.file = path.text;
      load_table_file(path, path.text, src.entries);
      table.sources.push_back(std::move(src));
    } else if (accept_punct("{")) {
      TableSource src;
      while (!accept_punct("}")) {
        if (accept_punct(",")) continue;
        bool negated = accept_punct("!");
        Token t = expect_string("a table entry");
        table_entry(t, negated, src.entries);
      }
      table.sources.push_back(std::move(src));
    } else {
      fail_unexpected(peek());
    }
  }
  for (const TableSource& s : table.sources) {
    table.entries.insert(table.entries.end(), s.entries.begin(), s.entries.end());
  }
  ruleset_.tables.push_back(std::move(table));
  ruleset_.definitions.push_back(
      Definition{DefinitionKind::kTable, "", "", ruleset_.tables.size() - 1});
}

void Parser::table_entry(const Token& tok, bool negated, std::vector<TableEntry>& out) {
  int prefix = -1;
  if (peek().punct("/")) {
    take();
    prefix = static_cast<int>(expect_number("netmask", 128));
  }
  std::vector<Address> addrs;
  resolve_host(tok, prefix, negated, addrs);
  for (Address& a : addrs) {
    if (a.kind != AddrKind::kHost) fail(tok, "invalid table entry " + tok.text);
    out.push_back(TableEntry{std::move(a)});
  }
}

void Parser::load_table_file(const Token& at, const std::string& path,
                             std::vector<TableEntry>& out) {
  std::string full = path;
  if (!path.empty() && path[0] != '/') {
    full = directory_of(files_.at(static_cast<size_t>(at.file))) + path;
  }
  std::string why;
  bool private_file = false;
  std::optional<std::string> text = read_file(full, &why, private_file);
  if (!text) fail(at, "cannot load \"" + path + "\": " + why);
  // The entries' errors are reported at the `file` token; a private file's are not quoted.
  struct Quoting {
    std::string& v;
    ~Quoting() { v.clear(); }
  } quoting{quoting_private_};
  if (private_file) quoting_private_ = full;
  // Entries are separated by blanks or commas; `#` and `;` start comments.
  size_t i = 0;
  const std::string& s = *text;
  while (i < s.size()) {
    char c = s[i];
    if (c == '#' || c == ';') {
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c)) || c == ',') {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])) && s[i] != ',' &&
           s[i] != '#' && s[i] != ';') {
      ++i;
    }
    std::string word = s.substr(start, i - start);
    bool negated = word[0] == '!';
    if (negated) word.erase(0, 1);
    int prefix = -1;
    size_t slash = word.find('/');
    if (slash != std::string::npos) {
      std::string bits = word.substr(slash + 1);
      word.resize(slash);
      int v = 0;
      auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), v);
      if (ec != std::errc() || ptr != bits.data() + bits.size() || bits.empty() || v > 128) {
        fail(at, "invalid netmask '/" + bits + "' in " + path);
      }
      prefix = v;
    }
    Token entry{TokKind::kWord, word, at.line, at.col, at.file};
    std::vector<Address> addrs;
    resolve_host(entry, prefix, negated, addrs);
    for (Address& a : addrs) out.push_back(TableEntry{std::move(a)});
  }
}

}  // namespace detail
}  // namespace dpf::pfconf
