// See md5.h. OpenSSL's digest (the project links libcrypto for CARP's HMAC already).
#include "control/pfconf/md5.h"

#include <openssl/evp.h>

namespace dpf::pfconf {

std::array<uint8_t, 16> md5(std::string_view data) {
  std::array<uint8_t, 16> out{};
  unsigned int len = 0;
  // EVP_Digest fails only when libcrypto cannot allocate a context; the key is then all zeros,
  // which is still a valid (if predictable) source-hash key.
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_md5(), nullptr);
  return out;
}

}  // namespace dpf::pfconf
