#!/usr/bin/python3
"""Helpers for status_page.sh, which makes the assertions (run inside a firewall's namespace).

usage: status_page_tool.py facts DOM_FILE     print what the rendered status page shows, one fact a
                                         line: "name N", "ready true", "polls N", "vhid V STATE",
                                         "peer ADDR", "bulk STATE", "chart SAMPLES",
                                         "line PORT DIR POINTS", "port PORT", "banner hidden|shown",
                                         "failed ENDPOINT TEXT", "stale SECTION", "states N"
       status_page_tool.py proxy PORT API_URL  serve on 127.0.0.1:PORT what the node at API_URL
                                         answers (status, headers and body), except
                                         GET /api/v1/pf, which answers 503 as a node that cannot
                                         answer would: the page must show the rest and say what
                                         failed
"""
import http.server
import sys
import urllib.error
import urllib.request
from html.parser import HTMLParser


class Facts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.out = []
        self.capture = None  # (fact prefix, text so far) while inside an element read for text
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self.capture is not None:
            self.depth += 1
        if tag == "body":
            self.out.append("ready %s" % a.get("data-ready", "false"))
            self.out.append("polls %s" % a.get("data-polls", "0"))
        if tag == "tr" and "data-vhid" in a:
            self.out.append("vhid %s %s" % (a["data-vhid"], a.get("data-state", "?")))
        if tag == "tr" and "data-port" in a:
            self.out.append("port %s" % a["data-port"])
        if tag == "li" and "data-peer" in a:
            self.out.append("peer %s" % a["data-peer"])
        if a.get("id") == "pfsync-bulk":
            self.out.append("bulk %s" % a.get("data-bulk", "?"))
        if tag == "svg" and a.get("id") == "pps-chart":
            self.out.append("chart %s" % a.get("data-samples", "0"))
        if tag == "polyline" and "data-port" in a:
            self.out.append("line %s %s %s" % (a["data-port"], a.get("data-dir"),
                                               a.get("data-points", "0")))
        if a.get("id") == "banner":
            self.out.append("banner %s" % ("hidden" if "hidden" in a else "shown"))
        if tag == "section" and "stale" in a.get("class", "").split():
            self.out.append("stale %s" % a.get("id"))
        if tag == "li" and "data-endpoint" in a:
            self.capture, self.depth = ("failed %s " % a["data-endpoint"], ""), 0
        for ident, prefix in (("node-name", "name "), ("states-count", "states ")):
            if a.get("id") == ident:
                self.capture, self.depth = (prefix, ""), 0

    def handle_endtag(self, tag):
        if self.capture is None:
            return
        if self.depth == 0:
            self.out.append(self.capture[0] + self.capture[1].strip())
            self.capture = None
        else:
            self.depth -= 1

    def handle_data(self, data):
        if self.capture is not None:
            self.capture = (self.capture[0], self.capture[1] + data)


def facts(path):
    p = Facts()
    with open(path, encoding="utf-8", errors="replace") as f:
        p.feed(f.read())
    # A dump without the page's body (Chromium's error page, an empty file) is no page at all.
    if not any(line.startswith("ready ") for line in p.out):
        sys.exit("status_page_tool: %s is not the status page (no <body>)" % path)
    print("\n".join(p.out))


def proxy(port, api):
    # Tests talk to their own namespaces only: the proxy relays to the node's loopback API.
    assert api.startswith("http://127.0.0.1:"), "status_page_tool: %s is not on loopback" % api

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/api/v1/pf":
                body = b'{"error": "the node did not answer in time"}\n'
                self.send_response(503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            try:
                res = urllib.request.urlopen(api + self.path, timeout=5)
            except urllib.error.HTTPError as e:
                res = e
            body = res.read()
            self.send_response(res.status)
            for h in ("Content-Type", "Content-Security-Policy", "X-Content-Type-Options"):
                if res.headers.get(h):
                    self.send_header(h, res.headers[h])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    if sys.argv[1] == "facts":
        facts(sys.argv[2])
    elif sys.argv[1] == "proxy":
        proxy(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(__doc__)
