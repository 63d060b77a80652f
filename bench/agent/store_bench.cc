// store_bench: how long activation and rollback take in the component
// store, for component trees of different sizes. The goal: a few
// milliseconds, independent of the component's size (activation is a
// symlink swap plus journal writes; staging, which is proportional to
// size, is timed separately and happens before).
//
//   store_bench [--runs=N] [--sizes=1,100] (MiB)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bsi/core/posix_file_system.h"
#include "bsi/payload/bundle_writer.h"
#include "bsi/store/component_store.h"

#include "bench/bench_util.h"

namespace bsi::bench {
namespace {

double Ms(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// A tree of `mib` MiB in 64 files of pseudo-random bytes; `salt` varies it.
void WriteTree(FileSystem& fs, const std::string& dir, int mib, int salt) {
  Must(CreateDirs(fs, dir + "/lib"), "mkdir");
  const std::size_t file_size = static_cast<std::size_t>(mib) * (1 << 20) / 64;
  std::uint64_t x = 88172645463325252ULL + static_cast<std::uint64_t>(salt);
  for (int f = 0; f < 64; ++f) {
    std::string bytes(file_size, '\0');
    for (char& c : bytes) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      c = static_cast<char>(x);
    }
    Must(WriteFileAtomically(fs, dir + "/lib/part-" + std::to_string(f) + ".so", bytes), "write");
  }
}

}  // namespace
}  // namespace bsi::bench

int main(int argc, char** argv) {
  using namespace bsi::bench;  // NOLINT(google-build-using-namespace): main only
  int runs = 5;
  std::vector<int> sizes = {1, 100};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.starts_with("--runs=")) runs = std::stoi(arg.substr(7));
    if (arg.starts_with("--sizes=")) {
      sizes.clear();
      std::string list = arg.substr(8);
      for (std::size_t p = 0; p <= list.size();) {
        const std::size_t comma = std::min(list.find(',', p), list.size());
        sizes.push_back(std::stoi(list.substr(p, comma - p)));
        p = comma + 1;
      }
    }
  }
  bsi::PosixFileSystem fs;
  char dir_template[] = "/tmp/bsi-store-bench.XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) Die("mkdtemp");
  const std::string work = dir_template;
  std::printf("component store: medians of %d runs (ms)\n", runs);
  std::printf("%10s %12s %20s %12s %22s\n", "tree MiB", "stage", "activate+commit", "rollback",
              "remove old tree after");
  for (const int mib : sizes) {
    const std::string base = work + "/base-" + std::to_string(mib);
    const std::string next = work + "/next-" + std::to_string(mib);
    WriteTree(fs, base, mib, 1);
    WriteTree(fs, next, mib, 2);
    const std::string bundle = work + "/next-" + std::to_string(mib) + ".bundle";
    bsi::payload::BundleWriterOptions options;
    options.level = 1;
    Must(bsi::payload::BundleWriter(fs, options)
             .Write({"webkit", std::nullopt, std::nullopt, "a", next}, bundle),
         "bundle");
    std::vector<double> stage, activate, rollback, cleanup;
    for (int run = 0; run < runs; ++run) {
      const std::string root = work + "/state-" + std::to_string(mib) + "-" + std::to_string(run);
      bsi::store::ComponentStore store(fs, root, {"webkit", base});
      Must(store.Open(), "open");
      auto start = std::chrono::steady_clock::now();
      Must(store.Stage(bundle, "a"), "stage");
      stage.push_back(Ms(start));
      start = std::chrono::steady_clock::now();
      Must(store.Activate(), "activate");
      Must(store.Commit(), "commit");
      activate.push_back(Ms(start));
      start = std::chrono::steady_clock::now();
      Must(store.RollBack(std::nullopt), "rollback");
      rollback.push_back(Ms(start));
      start = std::chrono::steady_clock::now();
      Must(store.CollectGarbage(), "collect");
      cleanup.push_back(Ms(start));
      (void)bsi::RemoveTree(fs, root);
    }
    std::printf("%10d %12.1f %20.2f %12.2f %22.2f\n", mib, Median(stage), Median(activate),
                Median(rollback), Median(cleanup));
  }
  (void)bsi::RemoveTree(fs, work);
  return 0;
}
