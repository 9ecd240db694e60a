// A minimal reader of classic pcap files (not pcapng) for loading golden captures in tests.
// Test-only, any thread: reads the whole file into memory and returns owned copies of every
// record; both byte orders, micro- and nanosecond magic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dpf::test {

struct PcapRecord {
  uint64_t ts_ns = 0;           // capture time, nanoseconds since the epoch
  std::vector<std::byte> data;  // the captured bytes (incl_len of them)
};

struct PcapFile {
  uint32_t linktype = 0;  // 1 = Ethernet
  std::vector<PcapRecord> records;
};

// nullopt when the file cannot be read or is not a classic pcap; a truncated last record is
// dropped, as tcpdump does.
std::optional<PcapFile> read_pcap(const std::string& path);

}  // namespace dpf::test
