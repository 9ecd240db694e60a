// pfsync's merge of a received update (UPD or UPD_C) into a state we already have, with the
// stale-update rules of shared/specs/pfsync.md §4.5: each peer side is judged on its own (the
// FreeBSD 10+ / OpenBSD 1.127 rule), without FreeBSD's overwrite of a rejected dst side. Pure;
// the sync lcore calls it holding the state's lock; nothing allocates.
#pragma once

#include <cstdint>

#include "dataplane/pfsync/codec.h"
#include "dataplane/state/state.h"

namespace dpf::pfsync {

struct MergeResult {
  bool src_taken = false;
  bool dst_taken = false;
  // Sides refused because ours is newer (pf's `sync`): > 0 means the update is stale, pf counts
  // it and answers with our own state.
  int rejected() const noexcept { return (src_taken ? 0 : 1) + (dst_taken ? 0 : 1); }
  bool stale() const noexcept { return rejected() > 0; }
};

// Judges both sides of `incoming` against `local` and copies the accepted ones into `local`.
// TCP: a side is refused when our peer state is ahead (except a syn-proxy state going back to a
// real one, for src) or, for src with equal states / for dst once we are past SYN_SENT, when our
// seqlo is ahead in sequence space. Other protocols: refused when our peer state is ahead.
MergeResult merge_peers(state::StatePeers& local, const PeerMsg& src, const PeerMsg& dst,
                        bool tcp) noexcept;

}  // namespace dpf::pfsync
