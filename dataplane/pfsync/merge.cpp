#include "dataplane/pfsync/merge.h"

#include "dataplane/pfsync/import.h"
#include "dataplane/state/tcp_track.h"

namespace dpf::pfsync {
namespace {

namespace tcps = dpf::state::tcps;

bool src_refused_tcp(const state::StatePeer& l, const PeerMsg& in) noexcept {
  const bool state_ahead =
      l.state > in.state && (l.state < tcps::kProxySrc || in.state >= tcps::kProxySrc);
  const bool window_ahead = l.state == in.state && state::seq_gt(l.seqlo, in.seqlo);
  return state_ahead || window_ahead;
}

bool dst_refused_tcp(const state::StatePeer& l, const PeerMsg& in) noexcept {
  return l.state > in.state || (l.state >= tcps::kSynSent && state::seq_gt(l.seqlo, in.seqlo));
}

}  // namespace

MergeResult merge_peers(state::StatePeers& local, const PeerMsg& src, const PeerMsg& dst,
                        bool tcp) noexcept {
  MergeResult r;
  const bool src_refused = tcp ? src_refused_tcp(local.src, src) : local.src.state > src.state;
  const bool dst_refused = tcp ? dst_refused_tcp(local.dst, dst) : local.dst.state > dst.state;
  if (!src_refused) {
    local.src = peer_from_msg(src);
    r.src_taken = true;
  }
  if (!dst_refused) {
    local.dst = peer_from_msg(dst);
    r.dst_taken = true;
  }
  return r;
}

}  // namespace dpf::pfsync
