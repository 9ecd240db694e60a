#include "control/rest/token.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace dpf::rest {

namespace {

// A token is one short line; a longer first line is a wrong file, not a token.
constexpr size_t kMaxTokenLine = 4096;

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

bool read_token_file(const std::string& path, bool private_only, std::string& token,
                     std::string& error) {
  const std::string what = "token file " + path;
  // Open first and check what was opened (fstat), so the file checked is the file read.
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  struct stat st {};
  if (f.fd < 0 || ::fstat(f.fd, &st) != 0) {
    error = what + ": cannot read: " + std::strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    error = what + ": not a regular file";
    return false;
  }
  if (private_only && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    error = what + ": group or others may access it (mode " + octal_mode(st.st_mode) +
            "); run chmod 600 " + path;
    return false;
  }
  std::string text(kMaxTokenLine + 1, '\0');
  size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(f.fd, text.data() + got, text.size() - got);
    if (n < 0) {
      error = what + ": cannot read";
      return false;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  text.resize(got);
  const size_t eol = text.find('\n');
  if (eol == std::string::npos && got > kMaxTokenLine) {
    error = what + ": the first line is longer than " + std::to_string(kMaxTokenLine) + " bytes";
    return false;
  }
  std::string line = text.substr(0, eol);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
    line.pop_back();
  if (line.empty()) {
    error = what + ": empty";
    return false;
  }
  token = std::move(line);
  return true;
}

bool tokens_equal(std::string_view a, std::string_view b) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> da{}, db{};
  SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), da.data());
  SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), db.data());
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
}

}  // namespace dpf::rest
