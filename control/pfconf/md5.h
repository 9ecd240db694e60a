// MD5 (RFC 1321), only for what pf.conf needs: pfctl turns a `source-hash "string"` key into
// the string's MD5 digest. Not for security. Any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace dpf::pfconf {

// The 16-byte digest of `data`, in RFC 1321's byte order (the usual hex form reads it in order).
std::array<uint8_t, 16> md5(std::string_view data);

}  // namespace dpf::pfconf
