// See node_check.h.
#include "control/pfconf/node_check.h"

#include <algorithm>
#include <tuple>

namespace dpf::pfconf {

namespace {

// Adds the error unless the same text is already there (a rule expanded from lists repeats its
// position and its fault).
void add(std::vector<ParseError>& out, const Rule& r, std::string message) {
  if (r.file_private)
    message = "invalid text in " + r.file + " (not shown: others may not read the file)";
  ParseError e{r.file, r.line, r.col, std::move(message)};
  for (const ParseError& o : out) {
    if (o.file == e.file && o.line == e.line && o.col == e.col && o.message == e.message) return;
  }
  out.push_back(std::move(e));
}

// What an address may not be on a node; empty when it is fine.
std::string unsupported_address(const Address& a) {
  if (a.kind == AddrKind::kDynamic && (a.dyn_flags & kDynPeer))
    return "(" + a.name + ":peer) is not supported: the node has no point-to-point links";
  if (a.kind == AddrKind::kNoRoute) return "no-route is not supported by dpf";
  if (a.kind == AddrKind::kUrpfFailed) return "urpf-failed is not supported by dpf";
  return "";
}

// What the data path does not translate yet: refused at load rather than ignored.
void check_translation(std::vector<ParseError>& out, const Rule& r, const Ruleset& rs) {
  // An anchor call loads as an empty anchor: it translates nothing, so nothing to refuse.
  if (!r.anchor.empty()) return;
  if (r.af_to != Af::kAny) add(out, r, "af-to is not supported by dpf yet (it needs IPv6)");
  if (r.binat_to) add(out, r, "binat-to is not supported by dpf yet; use a binat rule");
  for (const Pool* p : {&r.nat_to, &r.rdr_to}) {
    if (p->addrs.empty() || r.af_to != Af::kAny) continue;
    if (p->endpoint_independent) add(out, r, "endpoint-independent is not supported by dpf yet");
    if (p->mape_offset != 0) add(out, r, "map-e-portset is not supported by dpf yet");
    for (const Address& a : p->addrs) {
      if (a.kind == AddrKind::kTable) {
        // The pool is taken from the table when the ruleset loads: it must hold an address.
        bool any = false;
        for (const Table& t : rs.tables) {
          if (t.name != a.name) continue;
          for (const TableEntry& e : t.entries)
            any = any || (!e.addr.negated && e.addr.addr.af == Af::kInet);
        }
        if (!any) add(out, r, "translation table <" + a.name + "> has no IPv4 address");
      }
      if (a.af() != Af::kInet6) continue;
      add(out, r,
          r.af == Af::kInet ? "translation address is IPv6 but the rule is inet"
                            : "IPv6 translation is not supported by dpf yet");
    }
  }
  if (r.af == Af::kInet6 && (r.translation != TranslationKind::kNone || !r.nat_to.addrs.empty() ||
                             !r.rdr_to.addrs.empty()))
    add(out, r, "IPv6 translation is not supported by dpf yet");
}

}  // namespace

bool NodeInterfaces::has(const std::string& name) const {
  return std::find(names.begin(), names.end(), name) != names.end() ||
         std::find(groups.begin(), groups.end(), name) != groups.end();
}

std::string no_such_interface(const NodeInterfaces& ifs, const std::string& name) {
  std::string known;
  for (size_t i = 0; i < ifs.names.size(); ++i) known += (i == 0 ? "" : ", ") + ifs.names[i];
  if (known.empty()) known = "no interfaces";
  for (const std::string& g : ifs.groups) known += " and the group " + g;
  return "interface " + name + " does not exist on node " + ifs.node + " (it has " + known + ")";
}

std::vector<ParseError> check_unsupported(const Ruleset& rs) {
  std::vector<ParseError> out;
  for (const Rule& r : rs.translations) check_translation(out, r, rs);
  for (const Rule& r : rs.rules) {
    check_translation(out, r, rs);
    // The node tracks `keep state` only: refuse what it would otherwise silently weaken.
    if (r.state == StateMode::kModulate || r.state == StateMode::kSynproxy) {
      add(out, r,
          std::string(r.state == StateMode::kModulate ? "modulate" : "synproxy") +
              " state is not supported by dpf yet; use keep state");
    }
    if (r.probability != 0 && r.probability != UINT32_MAX)
      add(out, r, "probability is not supported by dpf");
    if (r.once) add(out, r, "once is not supported by dpf");
    if (r.max_pkt_rate_limit != 0) add(out, r, "max-pkt-rate is not supported by dpf");
    if (r.max_pkt_size != 0) add(out, r, "max-pkt-size is not supported by dpf");
    for (const Address* a : {&r.src.addr, &r.dst.addr}) {
      if (std::string why = unsupported_address(*a); !why.empty()) add(out, r, why);
    }
  }
  // In source order within each file, translation statements among the filter rules.
  std::stable_sort(out.begin(), out.end(), [](const ParseError& a, const ParseError& b) {
    return std::tie(a.file, a.line, a.col) < std::tie(b.file, b.line, b.col);
  });
  return out;
}

std::vector<ParseError> check_interfaces(const Ruleset& rs, const NodeInterfaces& ifs) {
  std::vector<ParseError> out;
  auto check = [&](const Rule& r, const std::string& name) {
    if (!name.empty() && !ifs.has(name)) add(out, r, no_such_interface(ifs, name));
  };
  for (const std::vector<Rule>* list : {&rs.translations, &rs.rules}) {
    for (const Rule& r : *list) {
      check(r, r.ifname);
      check(r, r.received_on);
      for (const Address* a : {&r.src.addr, &r.dst.addr}) {
        if (a->kind == AddrKind::kDynamic || a->kind == AddrKind::kIfNetwork) check(r, a->name);
      }
      for (const Pool* p : {&r.nat_to, &r.rdr_to}) {
        for (const Address& a : p->addrs) {
          if (a.kind == AddrKind::kDynamic) check(r, a.name);
        }
      }
    }
  }
  return out;
}

}  // namespace dpf::pfconf
