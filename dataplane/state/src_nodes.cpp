// Source nodes: a chained hash of preallocated nodes with one spin lock per bucket.
#include "dataplane/state/src_nodes.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace dpf::state {

void ConnRate::init(uint32_t events, uint32_t per_seconds, uint32_t now) noexcept {
  limit = events * kMult;
  seconds = per_seconds;
  count = 0;
  last = now;
}

// The count decays linearly: it loses all of itself over `seconds` since the last event.
void ConnRate::add(uint32_t now) noexcept {
  const uint32_t diff = now - last;
  if (diff >= seconds) {
    count = 0;
  } else {
    count -= static_cast<uint32_t>(uint64_t{count} * diff / seconds);
  }
  count += kMult;
  last = now;
}

SrcNodeTable::SrcNodeTable(uint32_t capacity, uint64_t seed)
    : capacity_(capacity), seed_(seed), limit_(capacity) {
  nodes_ = std::make_unique<SrcNode[]>(capacity_);
  const uint32_t nbuckets = std::bit_ceil(std::max<uint32_t>(64, capacity_ * 2));
  buckets_ = std::make_unique<Bucket[]>(nbuckets);
  bucket_mask_ = nbuckets - 1;
  free_.reserve(capacity_);
  for (uint32_t i = capacity_; i > 0; --i) free_.push_back(i - 1);
}

uint32_t SrcNodeTable::bucket_of(const SrcKey& key) const noexcept {
  uint64_t w[2];
  std::memcpy(w, key.addr.bytes.data(), sizeof w);
  uint64_t h = seed_ ^ static_cast<uint64_t>(key.af);
  for (uint64_t x : {w[0], w[1], static_cast<uint64_t>(reinterpret_cast<uintptr_t>(key.rule))}) {
    h ^= x;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
  }
  return static_cast<uint32_t>(h) & bucket_mask_;
}

SrcNode* SrcNodeTable::find(const Bucket& b, const SrcKey& key) noexcept {
  for (uint32_t i = b.head; i != 0; i = nodes_[i - 1].next) {
    if (nodes_[i - 1].key == key) return &nodes_[i - 1];
  }
  return nullptr;
}

SrcNode* SrcNodeTable::alloc() noexcept {
  SrcNode* n = nullptr;
  free_lock_.lock();
  if (!free_.empty() && used_.load(std::memory_order_relaxed) < limit()) {
    n = &nodes_[free_.back()];
    free_.pop_back();
    used_.fetch_add(1, std::memory_order_relaxed);
  }
  free_lock_.unlock();
  return n;
}

void SrcNodeTable::free_node(SrcNode* n) noexcept {
  free_lock_.lock();
  free_.push_back(static_cast<uint32_t>(n - nodes_.get()));
  used_.fetch_sub(1, std::memory_order_relaxed);
  free_lock_.unlock();
}

// Claims one place in the rule's node count unless that would pass max-src-nodes.
static bool take_rule_node(const SrcLimits& l) noexcept {
  if (l.rule_nodes == nullptr) return true;
  uint32_t cur = l.rule_nodes->load(std::memory_order_relaxed);
  do {
    if (l.max_src_nodes != 0 && cur >= l.max_src_nodes) return false;
  } while (!l.rule_nodes->compare_exchange_weak(cur, cur + 1, std::memory_order_relaxed));
  return true;
}

// The sticky address of node `n` (its bucket locked): remembered, or taken from *sticky.
static void stick(SrcNode& n, Addr* sticky) noexcept {
  if (sticky == nullptr) return;
  if (n.sticky) {
    *sticky = n.raddr;
  } else {
    n.raddr = *sticky;
    n.sticky = true;
  }
}

SrcResult SrcNodeTable::acquire(const SrcKey& key, const SrcLimits& limits, uint32_t now,
                                SrcNode** out, Addr* sticky) noexcept {
  ctr_.searches.fetch_add(1, std::memory_order_relaxed);
  Bucket& b = buckets_[bucket_of(key)];
  b.lock.lock();
  if (SrcNode* n = find(b, key)) {
    if (limits.max_src_states != 0 && n->states >= limits.max_src_states) {
      b.lock.unlock();
      ctr_.src_states.fetch_add(1, std::memory_order_relaxed);
      return SrcResult::kStateLimit;
    }
    ++n->states;
    n->expire = 0;
    stick(*n, sticky);
    b.lock.unlock();
    *out = n;
    return SrcResult::kOk;
  }
  if (!take_rule_node(limits)) {
    b.lock.unlock();
    ctr_.src_nodes.fetch_add(1, std::memory_order_relaxed);
    return SrcResult::kNodeLimit;
  }
  SrcNode* n = alloc();
  if (n == nullptr) {
    b.lock.unlock();
    if (limits.rule_nodes) limits.rule_nodes->fetch_sub(1, std::memory_order_relaxed);
    ctr_.full.fetch_add(1, std::memory_order_relaxed);
    return SrcResult::kFull;
  }
  n->key = key;
  n->states = 1;
  n->conn = 0;
  n->conn_rate.init(limits.conn_rate_limit, limits.conn_rate_seconds, now);
  n->creation = now;
  n->expire = 0;
  n->track_timeout = limits.track_timeout;
  n->rule_nodes = limits.rule_nodes;
  n->sticky = false;
  stick(*n, sticky);
  n->bucket = static_cast<uint32_t>(&b - buckets_.get());
  n->next = b.head;
  b.head = static_cast<uint32_t>(n - nodes_.get()) + 1;
  b.lock.unlock();
  ctr_.inserts.fetch_add(1, std::memory_order_relaxed);
  *out = n;
  return SrcResult::kOk;
}

void SrcNodeTable::release(SrcNode* n, bool conn, uint32_t now) noexcept {
  Bucket& b = buckets_[n->bucket];
  b.lock.lock();
  if (conn && n->conn > 0) --n->conn;
  if (n->states > 0 && --n->states == 0) n->expire = now + n->track_timeout;
  b.lock.unlock();
}

unsigned SrcNodeTable::established(SrcNode* n, const SrcLimits& limits, uint32_t now) noexcept {
  Bucket& b = buckets_[n->bucket];
  b.lock.lock();
  ++n->conn;
  n->conn_rate.add(now);
  unsigned bad = kConnOk;
  if (limits.max_src_conn != 0 && n->conn > limits.max_src_conn) bad |= kConnLimit;
  if (limits.conn_rate_limit != 0 && n->conn_rate.exceeded()) bad |= kConnRate;
  b.lock.unlock();
  if (bad & kConnLimit) ctr_.src_conn.fetch_add(1, std::memory_order_relaxed);
  if (bad & kConnRate) ctr_.src_conn_rate.fetch_add(1, std::memory_order_relaxed);
  return bad;
}

unsigned SrcNodeTable::purge(uint32_t now) noexcept {
  unsigned freed = 0;
  for (uint32_t i = 0; i <= bucket_mask_; ++i) {
    Bucket& b = buckets_[i];
    b.lock.lock();
    uint32_t* link = &b.head;
    while (*link != 0) {
      SrcNode* n = &nodes_[*link - 1];
      if (n->states == 0 && time_reached(n->expire, now)) {
        *link = n->next;
        if (n->rule_nodes) n->rule_nodes->fetch_sub(1, std::memory_order_relaxed);
        free_node(n);
        ++freed;
      } else {
        link = &n->next;
      }
    }
    b.lock.unlock();
  }
  ctr_.removals.fetch_add(freed, std::memory_order_relaxed);
  return freed;
}

bool SrcNodeTable::forget(const SrcNode* cn) noexcept {
  const auto idx = static_cast<uint32_t>(cn - nodes_.get());
  SrcNode* n = &nodes_[idx];
  Bucket& b = buckets_[n->bucket];
  b.lock.lock();
  uint32_t* link = &b.head;
  while (*link != 0 && *link != idx + 1) link = &nodes_[*link - 1].next;
  if (*link == 0) {  // not in the table any more
    b.lock.unlock();
    return false;
  }
  if (n->states != 0) {
    n->track_timeout = 0;
    b.lock.unlock();
    return false;
  }
  *link = n->next;
  if (n->rule_nodes) n->rule_nodes->fetch_sub(1, std::memory_order_relaxed);
  free_node(n);
  b.lock.unlock();
  ctr_.removals.fetch_add(1, std::memory_order_relaxed);
  return true;
}

std::vector<SrcNodeInfo> SrcNodeTable::snapshot() const {
  std::vector<SrcNodeInfo> out;
  for (uint32_t i = 0; i <= bucket_mask_; ++i) {
    const Bucket& b = buckets_[i];
    b.lock.lock();
    for (uint32_t j = b.head; j != 0; j = nodes_[j - 1].next) {
      const SrcNode& n = nodes_[j - 1];
      out.push_back({n.key, n.states, n.conn, n.conn_rate.count / ConnRate::kMult, n.creation,
                     n.expire, n.conn_rate.count, n.conn_rate.seconds, &n, n.sticky, n.raddr});
    }
    b.lock.unlock();
  }
  return out;
}

void SrcNodeTable::set_limit(uint32_t limit) noexcept {
  limit_.store(std::min(limit, capacity_), std::memory_order_relaxed);
}

SrcNodeTable::Counters SrcNodeTable::counters() const noexcept {
  Counters c;
  c.searches = ctr_.searches.load(std::memory_order_relaxed);
  c.inserts = ctr_.inserts.load(std::memory_order_relaxed);
  c.removals = ctr_.removals.load(std::memory_order_relaxed);
  c.src_states = ctr_.src_states.load(std::memory_order_relaxed);
  c.src_nodes = ctr_.src_nodes.load(std::memory_order_relaxed);
  c.src_conn = ctr_.src_conn.load(std::memory_order_relaxed);
  c.src_conn_rate = ctr_.src_conn_rate.load(std::memory_order_relaxed);
  c.full = ctr_.full.load(std::memory_order_relaxed);
  return c;
}

}  // namespace dpf::state
