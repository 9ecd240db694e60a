// Writes every golden pfsync frame (golden_frames.h) as one file into the directory given as
// the only argument, "1301/ins" becoming "1301_ins.bin": the fuzzer's seed corpus.
#include <cstdio>
#include <string>

#include "tests/unit/pfsync/golden_frames.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  for (const auto& f : dpf::pfsync::golden::all_frames()) {
    std::string name(f.name);
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    const std::string path = std::string(argv[1]) + "/" + name + ".bin";
    std::FILE* out = std::fopen(path.c_str(), "wb");
    if (out == nullptr || std::fwrite(f.bytes.data(), 1, f.bytes.size(), out) != f.bytes.size()) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
    std::fclose(out);
  }
  return 0;
}
