// Test doubles for the pfsync engine tests: an in-memory StateStore, a sink that keeps every
// frame and packet decision, a fake clock, and builders for local states and received frames.
// Test code only: single-threaded, allocates freely.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "dataplane/pfsync/codec.h"
#include "dataplane/pfsync/engine.h"
#include "dataplane/pfsync/import.h"
#include "dataplane/state/state.h"

namespace dpf::pfsync::test {

namespace st = dpf::state;

// States in a map ordered by (creatorid, id); the walk cursor is the last key visited.
class FakeStore : public StateStore {
 public:
  st::State* find_by_id(uint64_t id, uint32_t creatorid) noexcept override {
    auto it = states_.find({creatorid, id});
    return it == states_.end() ? nullptr : it->second.get();
  }
  st::State* find_by_key(const st::StateKey& key) noexcept override {
    for (auto& [k, s] : states_) {
      if (s->key.key[st::kSkWire] == key) return s.get();
    }
    return nullptr;
  }
  InsertResult insert(const st::State& s) noexcept override {
    if (find_by_id(s.id, s.creatorid)) return InsertResult::kIdExists;
    if (states_.size() >= limit) return InsertResult::kNoMemory;
    auto p = std::make_unique<st::State>();
    assign_state(*p, s);
    states_[{s.creatorid, s.id}] = std::move(p);
    return InsertResult::kOk;
  }
  void remove(st::State& s) noexcept override {
    ++removed;
    states_.erase({s.creatorid, s.id});
  }
  st::State* next(StoreCursor& c) noexcept override {
    auto it = c.started ? states_.upper_bound({static_cast<uint32_t>(c.pos[0]), c.pos[1]})
                        : states_.begin();
    if (it == states_.end()) return nullptr;
    c.started = true;
    c.pos[0] = it->first.first;
    c.pos[1] = it->first.second;
    return it->second.get();
  }
  size_t size() const noexcept override { return states_.size(); }

  // Test helpers.
  st::State& add(const st::State& s) {
    insert(s);
    return *find_by_id(s.id, s.creatorid);
  }
  std::vector<std::pair<uint32_t, uint64_t>> ids() const {
    std::vector<std::pair<uint32_t, uint64_t>> out;
    for (auto& [k, s] : states_) out.push_back(k);
    return out;
  }

  size_t limit = 1000000;
  size_t removed = 0;

 private:
  std::map<std::pair<uint32_t, uint64_t>, std::unique_ptr<st::State>> states_;
};

class FakeSink : public SyncSink {
 public:
  bool send_frame(std::span<const std::byte> frame) noexcept override {
    frames.emplace_back(frame.begin(), frame.end());
    return ok;
  }
  void release_packet(PacketHandle p) noexcept override { released.push_back(p); }
  void drop_packet(PacketHandle p) noexcept override { dropped.push_back(p); }

  // Every message of every frame sent so far, and each frame's decode result.
  std::vector<Message> messages() const {
    std::vector<Message> out;
    for (const auto& f : frames) {
      MessageCollector c;
      Stats s;
      decode_frame(f, c, s);
      out.insert(out.end(), c.messages.begin(), c.messages.end());
    }
    return out;
  }
  size_t count(Action a) const {
    size_t n = 0;
    for (const Message& m : messages()) n += m.action == a;
    return n;
  }

  std::vector<std::vector<std::byte>> frames;
  std::vector<PacketHandle> released;
  std::vector<PacketHandle> dropped;
  bool ok = true;
};

// Starts at an uptime of 100000 s so state ages and expiries never wrap.
struct FakeClock {
  TimePoint now = TimePoint{} + std::chrono::seconds(100000);
  TimePoint advance(std::chrono::nanoseconds d) { return now += d; }
};

// A TCP state over IPv4, established, created locally by `creator` (State is not copyable:
// the helpers fill one in place).
inline void fill_tcp_state(st::State& s, uint64_t id, uint32_t creator, uint32_t uptime) {
  s.id = id;
  s.creatorid = creator;
  s.af = st::AddrFamily::kInet;
  s.proto = wire::kIpProtoTcp;
  s.direction = st::Direction::kIn;
  st::StateKey k;
  k.af = s.af;
  k.proto = s.proto;
  k.addr[0] = st::Addr::v4(198, 51, 100, static_cast<uint8_t>(id));
  k.addr[1] = st::Addr::v4(10, 0, static_cast<uint8_t>(id >> 8), 10);
  k.port[0] = static_cast<uint16_t>(40000 + (id & 0xfff));
  k.port[1] = static_cast<uint16_t>(443 + (creator & 0xff));
  s.key.key[st::kSkWire] = k;
  s.key.key[st::kSkStack] = k;
  s.peers.src = {1000, 70000, 0, 65535, 1460, st::tcps::kEstablished, 0x87, {0, 0}};
  s.peers.dst = {5000, 75000, 0, 29200, 1460, st::tcps::kEstablished, 0x87, {0, 0}};
  s.timeout = st::Timeout::kTcpEstablished;
  s.creation = uptime - 10;
  s.expire = uptime;
}

inline void fill_udp_state(st::State& s, uint64_t id, uint32_t creator, uint32_t uptime) {
  fill_tcp_state(s, id, creator, uptime);
  s.proto = 17;
  s.key.key[0].proto = 17;
  s.key.key[1].proto = 17;
  s.peers.src = {};
  s.peers.dst = {};
  s.peers.src.state = 1;  // PFUDPS_SINGLE
  s.timeout = st::Timeout::kUdpSingle;
}

// Adds a local TCP (or UDP) state to `store` and returns the stored one.
inline st::State& add_tcp(FakeStore& store, uint64_t id, uint32_t creator, uint32_t uptime) {
  st::State s;
  fill_tcp_state(s, id, creator, uptime);
  return store.add(s);
}
inline st::State& add_udp(FakeStore& store, uint64_t id, uint32_t creator, uint32_t uptime) {
  st::State s;
  fill_udp_state(s, id, creator, uptime);
  return store.add(s);
}

// A received frame built from messages (1301 framing with the trailer, as 9.x sends).
inline std::vector<std::byte> frame_of(const std::vector<Message>& msgs,
                                       std::array<uint8_t, 16> cksum = {}) {
  std::vector<std::byte> buf(65535);
  BuilderOptions o;
  o.mtu = buf.size();
  o.pfcksum = cksum;
  FrameBuilder b(buf, o);
  for (const Message& m : msgs) b.add(m);
  auto f = b.finish();
  return {f.begin(), f.end()};
}

inline std::vector<Message> only(const std::vector<Message>& all, Action a) {
  std::vector<Message> out;
  for (const Message& m : all) {
    if (m.action == a) out.push_back(m);
  }
  return out;
}

inline uint64_t id_of(const Message& m) {
  if (auto* p = std::get_if<IdMsg>(&m.body)) return p->id;
  if (auto* p = std::get_if<StateMsg>(&m.body)) return p->id;
  if (auto* p = std::get_if<UpdCMsg>(&m.body)) return p->id;
  return 0;
}

// Two hostids for the two sides of a test.
constexpr uint32_t kHostA = 0x0a0a0a0a;
constexpr uint32_t kHostB = 0x0b0b0b0b;

// One node's engine with its fake store and sink.
struct TestNode {
  explicit TestNode(const EngineConfig& c) : engine(c, store, sink) {}
  uint32_t up(const FakeClock& clock) const { return uptime_seconds(clock.now); }
  FakeStore store;
  FakeSink sink;
  SyncEngine engine;
};

}  // namespace dpf::pfsync::test
