// The high-availability parts of the cluster file's schema: cluster.pfsync with each node's
// overrides, cluster.carp and each node's advskew. Each map is read into a draft as written, then
// merged and checked for one node, problems going to Diagnostics. Control thread only; allocates
// the drafts and the model. Used by schema.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "control/config/cluster.h"
#include "control/config/yaml_reader.h"

namespace dpf::config::detail {

// A pfsync: map as written, before the cluster's and the node's are merged. A key whose value
// was invalid is remembered as written, so that it is not reported missing as well.
struct PfsyncDraft {
  bool present = false;
  Mark at;
  bool syncdev_written = false;
  std::optional<std::string> syncdev;
  std::optional<unsigned> maxupd;
  std::optional<bool> defer;
  std::optional<unsigned> version;
  std::optional<std::string> mirror;
  std::optional<SyncPeerMode> syncpeer_mode;
  uint32_t syncpeer = 0;
  Mark syncdev_at, mirror_at, syncpeer_at;
};

PfsyncDraft read_pfsync(Diagnostics& diag, const Value& v);

// The node's effective pfsync settings: its own keys over the cluster's, defaults for the rest.
// nullopt when neither draft is present, or (after reporting) when no syncdev is given.
std::optional<Pfsync> merge_pfsync(Diagnostics& diag, const PfsyncDraft& cluster,
                                   const PfsyncDraft& node, const std::string& node_path);

std::optional<Carp> read_carp(Diagnostics& diag, const Value& v);

// A node's carp: map: advskew as one number for every vhid, or a map VHID → number.
struct SkewDraft {
  struct PerVhid {
    unsigned vhid = 0;
    unsigned advskew = 0;
    Mark at;
  };
  bool present = false;
  Mark at;
  std::optional<unsigned> all;
  std::vector<PerVhid> per_vhid;
};

SkewDraft read_node_carp(Diagnostics& diag, const Value& v);

// One CarpSkew per cluster vhid; reports per-vhid skews for vhids the cluster does not have,
// and a carp: map on a node of a cluster without carp.
std::vector<CarpSkew> resolve_skew(Diagnostics& diag, const std::optional<Carp>& carp,
                                   const SkewDraft& draft, const std::string& node_path);

}  // namespace dpf::config::detail
