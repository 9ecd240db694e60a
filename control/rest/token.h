// The API bearer token: reading it from its file and comparing it with what a request carries.
// Pure: no DPDK. Called at node start (the node), by dpfctl, and by the REST thread (compare);
// nothing here keeps state or allocates beyond the returned strings.
#pragma once

#include <string>
#include <string_view>

namespace dpf::rest {

// The token is the file's first line, without a trailing CR (CRLF files) or blanks. With
// private_only, a file that group or others may access is refused, as ssh refuses a private key:
// the error names the file and the fix (chmod 600 FILE). False with error on any refusal: not a
// regular file, unreadable, permissions, an empty first line, a first line beyond 4 KiB.
bool read_token_file(const std::string& path, bool private_only, std::string& token,
                     std::string& error);

// True when a equals b, in a time that depends on neither's contents nor on where they differ
// (both are hashed with SHA-256, and the digests compared with CRYPTO_memcmp).
bool tokens_equal(std::string_view a, std::string_view b);

}  // namespace dpf::rest
