// The stale-update rules of shared/specs/pfsync.md §4.5, per side, without FreeBSD's overwrite
// of a refused dst side.
#include <catch2/catch.hpp>

#include "dataplane/pfsync/merge.h"
#include "tests/unit/pfsync/engine_test_util.h"

namespace dpf::pfsync {
namespace {

using namespace dpf::pfsync::test;

st::StatePeers local_peers() {
  st::StatePeers p;
  p.src = {1000, 70000, 0, 65535, 1460, st::tcps::kEstablished, 0x87, {0, 0}};
  p.dst = {5000, 75000, 0, 29200, 1460, st::tcps::kEstablished, 0x87, {0, 0}};
  return p;
}

TEST_CASE("pfsync merge: newer windows on both sides are taken, nothing is stale") {
  st::StatePeers l = local_peers();
  PeerMsg src = peer_to_msg(l.src), dst = peer_to_msg(l.dst);
  src.seqlo = 2000;
  dst.seqlo = 6000;
  const MergeResult r = merge_peers(l, src, dst, true);
  CHECK_FALSE(r.stale());
  CHECK(l.src.seqlo == 2000);
  CHECK(l.dst.seqlo == 6000);
}

TEST_CASE("pfsync merge: a src window behind ours is refused, the dst side still taken") {
  st::StatePeers l = local_peers();
  PeerMsg src = peer_to_msg(l.src), dst = peer_to_msg(l.dst);
  src.seqlo = 900;  // behind
  dst.seqlo = 6000;
  const MergeResult r = merge_peers(l, src, dst, true);
  CHECK(r.rejected() == 1);
  CHECK(l.src.seqlo == 1000);
  CHECK(l.dst.seqlo == 6000);
}

TEST_CASE("pfsync merge: a refused dst side is not rolled back (FreeBSD 14's bug avoided)") {
  st::StatePeers l = local_peers();
  PeerMsg src = peer_to_msg(l.src), dst = peer_to_msg(l.dst);
  src.seqlo = 2000;
  dst.seqlo = 4000;  // behind, we are past SYN_SENT
  const MergeResult r = merge_peers(l, src, dst, true);
  CHECK(r.src_taken);
  CHECK_FALSE(r.dst_taken);
  CHECK(l.dst.seqlo == 5000);
}

TEST_CASE("pfsync merge: a peer state that goes backwards is stale, except out of syn-proxy") {
  st::StatePeers l = local_peers();
  PeerMsg src = peer_to_msg(l.src), dst = peer_to_msg(l.dst);
  src.state = st::tcps::kSynSent;
  CHECK(merge_peers(l, src, dst, true).rejected() == 1);
  CHECK(l.src.state == st::tcps::kEstablished);

  l.src.state = st::tcps::kProxySrc;
  src.state = st::tcps::kEstablished;
  CHECK(merge_peers(l, src, dst, true).src_taken);
  CHECK(l.src.state == st::tcps::kEstablished);
}

TEST_CASE("pfsync merge: sequence comparison wraps modulo 2^32") {
  st::StatePeers l = local_peers();
  l.src.seqlo = 0xfffffff0;
  PeerMsg src = peer_to_msg(l.src), dst = peer_to_msg(l.dst);
  src.seqlo = 0x10;  // after the wrap: newer
  CHECK(merge_peers(l, src, dst, true).src_taken);
  CHECK(l.src.seqlo == 0x10);
}

TEST_CASE("pfsync merge: a later TCP state with a lower seqlo is taken (states differ)") {
  st::StatePeers l = local_peers();
  PeerMsg src = peer_to_msg(l.src), dst = peer_to_msg(l.dst);
  src.state = st::tcps::kFinWait2;
  src.seqlo = 10;
  CHECK(merge_peers(l, src, dst, true).src_taken);
}

TEST_CASE("pfsync merge: other protocols only compare the peer states") {
  st::StatePeers l;
  l.src.state = 2;  // MULTIPLE
  l.dst.state = 1;
  PeerMsg src, dst;
  src.state = 1;
  dst.state = 2;
  const MergeResult r = merge_peers(l, src, dst, false);
  CHECK_FALSE(r.src_taken);
  CHECK(r.dst_taken);
  CHECK(l.src.state == 2);
  CHECK(l.dst.state == 2);
}

}  // namespace
}  // namespace dpf::pfsync
