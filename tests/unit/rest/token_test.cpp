// The API token file (permissions, CRLF, empty files) and the token comparison.
#include "control/rest/token.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include <catch2/catch.hpp>

using dpf::rest::read_token_file;
using dpf::rest::tokens_equal;

namespace {

struct TokenFile {
  std::string path = "/tmp/dpf_token_test." + std::to_string(getpid());
  TokenFile(const std::string& text, mode_t mode) {
    std::remove(path.c_str());
    std::ofstream(path, std::ios::binary) << text;
    ::chmod(path.c_str(), mode);
  }
  ~TokenFile() { std::remove(path.c_str()); }
};

}  // namespace

TEST_CASE("rest token: a file group or others may read is refused, naming the file and the fix") {
  for (mode_t mode : {0644, 0640, 0604, 0620}) {
    INFO(mode);
    TokenFile f("s3cret\n", mode);
    std::string token, error;
    CHECK_FALSE(read_token_file(f.path, true, token, error));
    char m[8];
    std::snprintf(m, sizeof m, "%04o", static_cast<unsigned>(mode));
    CHECK(error == "token file " + f.path + ": group or others may access it (mode " + m +
                       "); run chmod 600 " + f.path);
    CHECK(token.empty());
  }
}

TEST_CASE("rest token: a private file gives its first line; a client may read any mode") {
  TokenFile f("s3cret\nsecond line\n", 0600);
  std::string token, error;
  REQUIRE(read_token_file(f.path, true, token, error));
  CHECK(token == "s3cret");
  TokenFile g("other\n", 0644);
  REQUIRE(read_token_file(g.path, false, token, error));
  CHECK(token == "other");
}

TEST_CASE("rest token: CRLF line ends and trailing blanks are not part of the token") {
  for (const char* text : {"s3cret\r\n", "s3cret \r\n", "s3cret", "s3cret\t\n", "s3cret\r\nx"}) {
    INFO(text);
    TokenFile f(text, 0600);
    std::string token, error;
    REQUIRE(read_token_file(f.path, true, token, error));
    CHECK(token == "s3cret");
  }
}

TEST_CASE("rest token: an empty, missing, oversized or special token file is refused") {
  std::string token, error;
  {
    TokenFile f("\r\nsecond\n", 0600);
    CHECK_FALSE(read_token_file(f.path, true, token, error));
    CHECK(error == "token file " + f.path + ": empty");
  }
  {
    TokenFile f(std::string(5000, 'x'), 0600);
    CHECK_FALSE(read_token_file(f.path, true, token, error));
    CHECK(error == "token file " + f.path + ": the first line is longer than 4096 bytes");
  }
  CHECK_FALSE(read_token_file("/nonexistent/token", true, token, error));
  CHECK(error == "token file /nonexistent/token: cannot read: No such file or directory");
  CHECK_FALSE(read_token_file("/dev/zero", false, token, error));
  CHECK(error == "token file /dev/zero: not a regular file");
}

TEST_CASE("rest token: tokens compare equal only when identical, whatever their lengths") {
  CHECK(tokens_equal("s3cret", "s3cret"));
  CHECK_FALSE(tokens_equal("s3cret", "s3creT"));
  CHECK_FALSE(tokens_equal("s3cret", "s3cre"));
  CHECK_FALSE(tokens_equal("s3cret", "s3cretX"));
  CHECK_FALSE(tokens_equal(std::string_view("s3cret\0", 7), "s3cret"));
  CHECK_FALSE(tokens_equal("", "s3cret"));
  CHECK(tokens_equal("", ""));
}
