// The node's status page, served at GET / by the REST server: one HTML document whose style and
// script are inline, so the node needs no files and the browser nothing from elsewhere. The
// script polls the read-only GET endpoints every second and renders them; the page has no write
// action and needs no token. Its Content-Security-Policy allows exactly that style and that
// script (by their SHA-256), and fetches from the node itself.
// Pure: no DPDK. status_page() builds the page once (any thread) and keeps it for the process.
#pragma once

#include <string>

namespace dpf::rest {

struct StatusPage {
  std::string html;  // the whole document, UTF-8
  std::string csp;   // the Content-Security-Policy header value it is served with
};

const StatusPage& status_page();

// "sha256-BASE64" of text, as a CSP source expression names an inline element's content
// (CSP Level 3 §8.4, "hash-source").
std::string csp_hash(const std::string& text);

}  // namespace dpf::rest
