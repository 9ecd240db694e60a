// Static name tables; see names.h. Provenance: service names and numbers are FreeBSD's
// etc/services (freebsd-src), protocol names FreeBSD's etc/protocols, ICMP names and timeout
// names the ones pfctl accepts and prints (pf.conf(5)).
#include "control/pfconf/names.h"

#include <array>

namespace dpf::pfconf {
namespace {

struct Service {
  std::string_view name;
  uint16_t port;
  bool tcp;
  bool udp;
  std::string_view aliases;  // space separated
};

// A subset of FreeBSD's etc/services: the well-known ports and those real rulesets name.
constexpr Service kServices[] = {
    {"tcpmux", 1, true, true, ""},
    {"compressnet", 2, true, true, ""},
    {"rje", 5, true, true, ""},
    {"echo", 7, true, true, ""},
    {"discard", 9, true, true, "sink null"},
    {"systat", 11, true, true, "users"},
    {"daytime", 13, true, true, ""},
    {"qotd", 17, true, true, "quote"},
    {"chargen", 19, true, true, "ttytst source"},
    {"ftp-data", 20, true, true, ""},
    {"ftp", 21, true, true, ""},
    {"ssh", 22, true, true, ""},
    {"telnet", 23, true, true, ""},
    {"smtp", 25, true, true, "mail"},
    {"time", 37, true, true, "timserver"},
    {"nameserver", 42, true, true, "name"},
    {"nicname", 43, true, true, "whois"},
    {"tacacs", 49, true, true, ""},
    {"domain", 53, true, true, ""},
    {"bootps", 67, true, true, "dhcps"},
    {"bootpc", 68, true, true, "dhcpc"},
    {"tftp", 69, true, true, ""},
    {"gopher", 70, true, true, ""},
    {"finger", 79, true, true, ""},
    {"http", 80, true, true, "www www-http"},
    {"kerberos-sec", 88, true, true, "kerberos"},
    {"pop2", 109, true, true, "postoffice"},
    {"pop3", 110, true, true, ""},
    {"sunrpc", 111, true, true, "rpcbind"},
    {"auth", 113, true, true, "ident tap"},
    {"sftp", 115, true, true, ""},
    {"nntp", 119, true, true, "usenet"},
    {"ntp", 123, true, true, ""},
    {"loc-srv", 135, true, true, "epmap"},
    {"netbios-ns", 137, true, true, ""},
    {"netbios-dgm", 138, true, true, ""},
    {"netbios-ssn", 139, true, true, ""},
    {"imap", 143, true, true, "imap2 imap4"},
    {"snmp", 161, true, true, ""},
    {"snmptrap", 162, true, true, "snmp-trap"},
    {"xdmcp", 177, true, true, ""},
    {"bgp", 179, true, true, ""},
    {"irc", 194, true, true, ""},
    {"smux", 199, true, true, ""},
    {"ldap", 389, true, true, ""},
    {"https", 443, true, true, ""},
    {"microsoft-ds", 445, true, true, ""},
    {"kpasswd", 464, true, true, ""},
    {"isakmp", 500, true, true, ""},
    {"exec", 512, true, false, ""},
    {"biff", 512, false, true, "comsat"},
    {"login", 513, true, false, ""},
    {"who", 513, false, true, "whod"},
    {"cmd", 514, true, false, "shell"},
    {"syslog", 514, false, true, ""},
    {"printer", 515, true, true, "spooler"},
    {"talk", 517, true, true, ""},
    {"ntalk", 518, true, true, ""},
    {"efs", 520, true, false, ""},
    {"router", 520, false, true, "route routed"},
    {"uucp", 540, true, true, "uucpd"},
    {"dhcpv6-client", 546, true, true, ""},
    {"dhcpv6-server", 547, true, true, ""},
    {"rtsp", 554, true, true, ""},
    {"nntps", 563, true, true, "snntp"},
    {"submission", 587, true, true, ""},
    {"ipp", 631, true, true, ""},
    {"ldaps", 636, true, true, ""},
    {"rsync", 873, true, true, ""},
    {"ftps-data", 989, true, true, ""},
    {"ftps", 990, true, true, ""},
    {"telnets", 992, true, true, ""},
    {"imaps", 993, true, true, ""},
    {"pop3s", 995, true, true, ""},
    {"socks", 1080, true, true, ""},
    {"openvpn", 1194, true, true, ""},
    {"ms-sql-s", 1433, true, true, ""},
    {"ms-sql-m", 1434, true, true, ""},
    {"l2tp", 1701, true, true, ""},
    {"pptp", 1723, true, true, ""},
    {"radius", 1812, true, true, ""},
    {"radius-acct", 1813, true, true, "radacct"},
    {"nfsd", 2049, true, true, "nfs"},
    {"cvspserver", 2401, true, true, ""},
    {"mysql", 3306, true, true, ""},
    {"ms-wbt-server", 3389, true, true, ""},
    {"svn", 3690, true, true, ""},
    {"ipsec-nat-t", 4500, true, true, ""},
    {"sip", 5060, true, true, ""},
    {"sip-tls", 5061, true, true, ""},
    {"xmpp-client", 5222, true, true, ""},
    {"xmpp-server", 5269, true, true, ""},
    {"mdns", 5353, true, true, ""},
    {"postgresql", 5432, true, true, ""},
    {"personal-agent", 5555, true, true, ""},
    {"x11", 6000, true, true, ""},
    {"ircd", 6667, true, false, ""},
    {"http-alt", 8080, true, true, ""},
    {"git", 9418, true, true, ""},
};

bool alias_matches(std::string_view aliases, std::string_view name) {
  while (!aliases.empty()) {
    size_t sp = aliases.find(' ');
    std::string_view one = aliases.substr(0, sp);
    if (one == name) return true;
    if (sp == std::string_view::npos) break;
    aliases.remove_prefix(sp + 1);
  }
  return false;
}

struct Named {
  std::string_view name;
  uint8_t number;
};

constexpr Named kProtocols[] = {
    {"ip", 0},          {"icmp", 1},       {"igmp", 2},     {"ggp", 3},         {"ipencap", 4},
    {"tcp", 6},         {"egp", 8},        {"igp", 9},      {"pup", 12},        {"udp", 17},
    {"idp", 22},        {"tp", 29},        {"ipv6", 41},    {"ipv6-route", 43}, {"ipv6-frag", 44},
    {"rsvp", 46},       {"gre", 47},       {"esp", 50},     {"ah", 51},         {"ipv6-icmp", 58},
    {"ipv6-nonxt", 59}, {"ipv6-opts", 60}, {"ospf", 89},    {"ipip", 94},       {"etherip", 97},
    {"encap", 98},      {"pim", 103},      {"ipcomp", 108}, {"carp", 112},      {"l2tp", 115},
    {"sctp", 132},      {"udplite", 136},  {"pfsync", 240},
};
// Accepted on input only.
constexpr Named kProtocolAliases[] = {{"icmp6", 58}, {"vrrp", 112}};

struct IcmpCode {
  std::string_view name;
  uint8_t type;
  uint8_t code;
};

constexpr Named kIcmpTypes[] = {
    {"echoreq", 8},    {"echorep", 0},    {"unreach", 3},    {"squench", 4},   {"redir", 5},
    {"althost", 6},    {"routeradv", 9},  {"routersol", 10}, {"timex", 11},    {"paramprob", 12},
    {"timereq", 13},   {"timerep", 14},   {"inforeq", 15},   {"inforep", 16},  {"maskreq", 17},
    {"maskrep", 18},   {"trace", 30},     {"dataconv", 31},  {"mobredir", 32}, {"ipv6-where", 33},
    {"ipv6-here", 34}, {"mobregreq", 35}, {"mobregrep", 36}, {"skip", 39},     {"photuris", 40},
};

constexpr Named kIcmp6Types[] = {
    {"unreach", 1},      {"toobig", 2},       {"timex", 3},        {"paramprob", 4},
    {"echoreq", 128},    {"echorep", 129},    {"groupqry", 130},   {"listqry", 130},
    {"grouprep", 131},   {"listenrep", 131},  {"groupterm", 132},  {"listendone", 132},
    {"routersol", 133},  {"routeradv", 134},  {"neighbrsol", 135}, {"neighbradv", 136},
    {"redir", 137},      {"routrrenum", 138}, {"wrureq", 139},     {"wrurep", 140},
    {"fqdnreq", 139},    {"fqdnrep", 140},    {"niqry", 139},      {"nirep", 140},
    {"mtraceresp", 200}, {"mtrace", 201},
};

constexpr IcmpCode kIcmpCodes[] = {
    {"net-unr", 3, 0},        {"host-unr", 3, 1},       {"proto-unr", 3, 2},
    {"port-unr", 3, 3},       {"needfrag", 3, 4},       {"srcfail", 3, 5},
    {"net-unk", 3, 6},        {"host-unk", 3, 7},       {"isolate", 3, 8},
    {"net-prohib", 3, 9},     {"host-prohib", 3, 10},   {"net-tos", 3, 11},
    {"host-tos", 3, 12},      {"filter-prohib", 3, 13}, {"host-preced", 3, 14},
    {"cutoff-preced", 3, 15}, {"redir-net", 5, 0},      {"redir-host", 5, 1},
    {"redir-tos-net", 5, 2},  {"redir-tos-host", 5, 3}, {"normal-adv", 9, 0},
    {"common-adv", 9, 16},    {"transit", 11, 0},       {"reassemb", 11, 1},
    {"badhead", 12, 0},       {"optmiss", 12, 1},       {"badlen", 12, 2},
    {"unknown-ind", 40, 1},   {"auth-fail", 40, 2},     {"decrypt-fail", 40, 3},
};

constexpr IcmpCode kIcmp6Codes[] = {
    {"admin-unr", 1, 1}, {"noroute-unr", 1, 0}, {"notnbr-unr", 1, 2},    {"beyond-unr", 1, 2},
    {"addr-unr", 1, 3},  {"port-unr", 1, 4},    {"transit", 3, 0},       {"reassemb", 3, 1},
    {"badhead", 4, 0},   {"nxthdr", 4, 1},      {"redironlink", 137, 0}, {"redirrouter", 137, 1},
};

constexpr std::array<std::string_view, kTimeoutCount> kTimeoutNames = {
    "tcp.first",  "tcp.opening",    "tcp.established", "tcp.closing",    "tcp.finwait",
    "tcp.closed", "udp.first",      "udp.single",      "udp.multiple",   "icmp.first",
    "icmp.error", "other.first",    "other.single",    "other.multiple", "frag",
    "interval",   "adaptive.start", "adaptive.end",    "src.track",      "tcp.tsdiff",
};

}  // namespace

std::optional<uint16_t> service_port(std::string_view name) {
  for (bool tcp : {true, false}) {
    for (const Service& s : kServices) {
      if (!(tcp ? s.tcp : s.udp)) continue;
      if (s.name == name || alias_matches(s.aliases, name)) return s.port;
    }
  }
  return std::nullopt;
}

std::string_view service_name(uint16_t port, bool tcp) {
  for (const Service& s : kServices) {
    if (s.port == port && (tcp ? s.tcp : s.udp)) return s.name;
  }
  return {};
}

std::optional<uint8_t> protocol_number(std::string_view name) {
  for (const Named& p : kProtocols) {
    if (p.name == name) return p.number;
  }
  for (const Named& p : kProtocolAliases) {
    if (p.name == name) return p.number;
  }
  return std::nullopt;
}

std::string_view protocol_name(uint8_t proto) {
  for (const Named& p : kProtocols) {
    if (p.number == proto) return p.name;
  }
  return {};
}

std::optional<uint8_t> icmp_type_number(std::string_view name, bool inet6) {
  if (inet6) {
    for (const Named& t : kIcmp6Types) {
      if (t.name == name) return t.number;
    }
  } else {
    for (const Named& t : kIcmpTypes) {
      if (t.name == name) return t.number;
    }
  }
  return std::nullopt;
}

std::string_view icmp_type_name(uint8_t type, bool inet6) {
  if (inet6) {
    for (const Named& t : kIcmp6Types) {
      if (t.number == type) return t.name;
    }
  } else {
    for (const Named& t : kIcmpTypes) {
      if (t.number == type) return t.name;
    }
  }
  return {};
}

std::optional<uint8_t> icmp_code_number(uint8_t type, std::string_view name, bool inet6) {
  if (inet6) {
    for (const IcmpCode& c : kIcmp6Codes) {
      if (c.type == type && c.name == name) return c.code;
    }
  } else {
    for (const IcmpCode& c : kIcmpCodes) {
      if (c.type == type && c.name == name) return c.code;
    }
  }
  return std::nullopt;
}

std::string_view icmp_code_name(uint8_t type, uint8_t code, bool inet6) {
  if (inet6) {
    for (const IcmpCode& c : kIcmp6Codes) {
      if (c.type == type && c.code == code) return c.name;
    }
  } else {
    for (const IcmpCode& c : kIcmpCodes) {
      if (c.type == type && c.code == code) return c.name;
    }
  }
  return {};
}

std::optional<Timeout> timeout_by_name(std::string_view name) {
  for (size_t i = 0; i < kTimeoutNames.size(); ++i) {
    if (kTimeoutNames[i] == name) return static_cast<Timeout>(i);
  }
  return std::nullopt;
}

std::string_view timeout_name(Timeout t) {
  size_t i = static_cast<size_t>(t);
  return i < kTimeoutNames.size() ? kTimeoutNames[i] : std::string_view("inv.timeout");
}

}  // namespace dpf::pfconf
