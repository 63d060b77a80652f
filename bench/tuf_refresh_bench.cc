// tuf_refresh_bench: what a TUF refresh of a large repository costs, next
// to what its unavoidable parts alone cost on the same bytes.
//
// The repository: 10,000 targets, 2,500 in top-level targets and 2,500 in
// each of 3 roles delegated by path pattern ("a/*", "b/*", "c/*"), Ed25519
// keys, consistent snapshots, lengths and sha256 hashes of every metadata
// file in timestamp and snapshot (so the client hashes all it fetches).
// Built once by the RepositorySimulator and written to disk, it is served
// from memory (files preloaded: a fetch is a map lookup) and by the real
// HttpTestServer on 127.0.0.1 through CurlTransport.
//
// Refresh benchmarks time one client session by the wall clock (manual
// time): creating the transport (for http, connecting), the requests, the
// verification and the fsyncs of every file saved; preparing the metadata
// directory is not timed. Their CPU time is the client thread's only.
//   BM_RefreshFromScratch/{memory,http}: an empty metadata directory with
//     the trusted root; Refresh() and GetTargetInfo() of one target per
//     delegated role, so every role is fetched, verified and saved.
//   BM_RefreshNoChange/{memory,http}: the same calls on an up-to-date
//     metadata directory: only the timestamp comes from the server.
//   BM_Floor_*: over the files a from-scratch refresh reads: sha256 of
//     each, the Ed25519 verification of each signature, json::Parse of each,
//     json::Canonicalize of each `signed` part.
// Counters: bytes_fetched, files_fetched, requests (per refresh).
//
// Flags, besides Google Benchmark's:
//   --bsi_write_repo=DIR  builds the repository, writes it to DIR, exits.
//   --bsi_repo_dir=DIR    serves the repository in DIR (default: builds one).
//   --bsi_setup_only      loads the repository and starts the server, then
//                         exits: the baseline for peak-memory figures.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <malloc.h>
#include <stdlib.h>

#include "bsi/client/updater.h"
#include "bsi/core/clock.h"
#include "bsi/core/posix_file_system.h"
#include "bsi/crypto/hash.h"
#include "bsi/crypto/public_key.h"
#include "bsi/fetch/curl_transport.h"
#include "bsi/json/json.h"
#include "bsi/metadata/metadata.h"
#include "bsi/metadata/parse.h"

#include "bench/bench_util.h"
#include "testing/http_test_server.h"
#include "testing/repository_simulator.h"

namespace bsi::bench {
namespace {

constexpr int kTargetsPerRole = 2500;
constexpr const char* kTopLevelDir = "top";
struct Delegation {
  const char* role;
  const char* dir;
};
constexpr Delegation kDelegations[] = {{"role-a", "a"}, {"role-b", "b"}, {"role-c", "c"}};
constexpr const char* kMemoryBaseUrl = "http://bench.invalid/";

std::string TargetPath(std::string_view dir, int index) {
  char name[32];
  std::snprintf(name, sizeof name, "/file-%05d.bin", index);
  return std::string(dir) + name;
}

// Targets are listed, not stored: the refresh never downloads artifacts,
// and 20,000 artifact files (two names each) would only slow the setup.
metadata::TargetFile SyntheticTarget(const std::string& path) {
  const std::string content = "content of " + path;
  metadata::TargetFile file;
  file.length = static_cast<std::int64_t>(content.size());
  file.hashes["sha256"] = crypto::Sha256Hex(content);
  return file;
}

Status BuildRepository(const std::string& dir) {
  testing::RepositorySimulator sim(SystemClock().Now());
  sim.compute_metafile_hashes_and_length = true;
  for (const Delegation& delegation : kDelegations) {
    metadata::DelegatedRole role;
    role.name = delegation.role;
    role.paths = std::vector<std::string>{std::string(delegation.dir) + "/*"};
    sim.AddDelegation("targets", std::move(role));
  }
  for (int i = 0; i < kTargetsPerRole; ++i) {
    const std::string top = TargetPath(kTopLevelDir, i);
    sim.targets.targets[top] = SyntheticTarget(top);
    for (const Delegation& delegation : kDelegations) {
      const std::string path = TargetPath(delegation.dir, i);
      sim.delegated[delegation.role].targets[path] = SyntheticTarget(path);
    }
  }
  sim.UpdateSnapshot();
  return sim.WriteTo(dir);
}

// Serves preloaded files: a fetch is a map lookup and a copy.
class MemoryTransport final : public fetch::Transport {
 public:
  explicit MemoryTransport(const std::map<std::string, std::string>& files) : files_(files) {}

  Result<std::string> Fetch(const fetch::FetchRequest& request) override {
    auto it = files_.find(request.url);
    if (it == files_.end()) return Error(ErrorCode::kNotFound, "HTTP 404 for " + request.url);
    if (it->second.size() > request.max_bytes) {
      return Error(ErrorCode::kTooLarge, request.url + " is larger than allowed");
    }
    return it->second;
  }

  Status FetchTo(const fetch::FetchRequest& request, fetch::ByteSink& sink) override {
    BSI_ASSIGN_OR_RETURN(std::string body, Fetch(request));
    return sink.Write(body);
  }

 private:
  const std::map<std::string, std::string>& files_;
};

struct FetchCounts {
  std::int64_t requests = 0;
  std::int64_t files = 0;  // answered 200
  std::int64_t bytes = 0;
};

// Counts what passes through another Transport.
class CountingTransport final : public fetch::Transport {
 public:
  CountingTransport(fetch::Transport& inner, FetchCounts& counts)
      : inner_(inner), counts_(counts) {}

  Result<std::string> Fetch(const fetch::FetchRequest& request) override {
    ++counts_.requests;
    Result<std::string> body = inner_.Fetch(request);
    if (body.ok()) {
      ++counts_.files;
      counts_.bytes += static_cast<std::int64_t>(body->size());
    }
    return body;
  }

  Status FetchTo(const fetch::FetchRequest& request, fetch::ByteSink& sink) override {
    ++counts_.requests;
    return inner_.FetchTo(request, sink);
  }

 private:
  fetch::Transport& inner_;
  FetchCounts& counts_;
};

enum class Source { kMemory, kHttp };

// One role's signatures over its canonical `signed` bytes.
struct SignedRole {
  json::Value signed_value;
  std::string canonical;
  std::vector<std::pair<crypto::PublicKey, std::string>> signatures;  // key, hex
};

// The bytes a from-scratch refresh reads, for the floors.
struct FloorData {
  std::vector<std::string> files;  // trusted root first, then as fetched
  std::vector<SignedRole> roles;
  std::int64_t bytes = 0;
  std::int64_t signatures = 0;
};

class Fixture {
 public:
  ~Fixture() {
    server_.Stop();
    std::error_code ignored;
    std::filesystem::remove_all(work_dir_, ignored);
  }

  // Loads the repository written in repo_dir (empty: builds one first).
  void SetUp(std::string repo_dir) {
    std::string pattern = std::filesystem::temp_directory_path() / "tuf_refresh_bench.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) Die("cannot create a temporary directory");
    work_dir_ = pattern;
    if (repo_dir.empty()) {
      repo_dir = work_dir_ + "/repo";
      Must(BuildRepository(repo_dir), "building the repository");
      malloc_trim(0);  // the simulator's memory is not part of what is measured
    }
    const std::filesystem::path root(repo_dir);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file()) continue;
      const std::string relative = std::filesystem::relative(entry.path(), root).string();
      files_[kMemoryBaseUrl + relative] =
          Must(fs_.ReadFile(entry.path().string(), 1 << 30), "reading " + relative);
    }
    auto root_file = files_.find(std::string(kMemoryBaseUrl) + "metadata/1.root.json");
    if (root_file == files_.end()) Die(repo_dir + " holds no metadata/1.root.json");
    trusted_root_ = root_file->second;
    server_.ServeDirectory(repo_dir);
    Must(server_.Start(), "starting the HTTP server");
  }

  // Runs one client session against the repository: Refresh, then a
  // target in each delegated role.
  Status Refresh(Source source, const std::string& metadata_dir, FetchCounts& counts) {
    MemoryTransport memory(files_);
    std::optional<fetch::CurlTransport> curl;
    if (source == Source::kHttp) curl.emplace();
    CountingTransport transport(curl ? static_cast<fetch::Transport&>(*curl) : memory, counts);
    client::UpdaterConfig config;
    config.metadata_dir = metadata_dir;
    config.metadata_base_url = (curl ? server_.BaseUrl() : kMemoryBaseUrl) + "metadata/";
    client::Updater updater(std::move(config), transport, fs_, clock_);
    BSI_TRY(updater.Refresh());
    for (const Delegation& delegation : kDelegations) {
      BSI_ASSIGN_OR_RETURN(client::TargetInfo info,
                           updater.GetTargetInfo(TargetPath(delegation.dir, 0)));
      if (info.role != delegation.role) {
        return Error(ErrorCode::kInternal, "found in " + info.role + ", not " + delegation.role);
      }
    }
    return Ok();
  }

  // Replaces metadata_dir by one that holds only the trusted root.
  void ResetMetadataDir(const std::string& metadata_dir) {
    std::error_code ignored;
    std::filesystem::remove_all(metadata_dir, ignored);
    Must(client::Updater::InitMetadataDir(fs_, metadata_dir, trusted_root_),
         "initialising " + metadata_dir);
  }

  // Makes metadata_dir what a refresh leaves: the repository's current
  // metadata as served, under "<role>.json". Written directly rather than
  // by a refresh, so that the no-change benchmark's peak memory is its own.
  void MakeUpToDate(const std::string& metadata_dir) {
    ResetMetadataDir(metadata_dir);
    std::vector<std::string> roles = {"timestamp", "snapshot", "targets"};
    for (const Delegation& delegation : kDelegations) roles.emplace_back(delegation.role);
    for (const std::string& role : roles) {
      const std::string name = client::PercentEncode(role) + ".json";
      Must(WriteFileAtomically(fs_, metadata_dir + "/" + name,
                               files_.at(kMemoryBaseUrl + ("metadata/" + name))),
           "writing " + name);
    }
  }

  std::string MetadataDir(const std::string& name) const { return work_dir_ + "/" + name; }

  // Built on first use, so that --bsi_setup_only does not pay for it.
  const FloorData& Floors() {
    if (!floors_) floors_ = MakeFloors();
    return *floors_;
  }

 private:
  // The files a from-scratch refresh reads, as a real one saved them.
  FloorData MakeFloors() {
    FloorData floors;
    floors.files.push_back(trusted_root_);
    const std::string dir = MetadataDir("client-floors");
    ResetMetadataDir(dir);
    FetchCounts counts;
    Must(Refresh(Source::kMemory, dir, counts), "refreshing for the floors");
    // The client saves each file as it received it, under "<role>.json".
    for (const std::string& name : Must(fs_.ListDir(dir), "listing " + dir)) {
      if (name == "root.json") continue;  // the trusted root, already first
      floors.files.push_back(Must(fs_.ReadFile(dir + "/" + name, 1 << 30), "reading " + name));
    }
    std::map<std::string, metadata::Key> keys;
    for (const std::string& file : floors.files) {
      if (auto root = metadata::ParseRoot(file); root.ok()) keys.merge(root->signed_part.keys);
      auto targets = metadata::ParseTargets(file);
      if (targets.ok() && targets->signed_part.delegations) {
        keys.merge(targets->signed_part.delegations->keys);
      }
    }
    for (const std::string& file : floors.files) {
      floors.bytes += static_cast<std::int64_t>(file.size());
      const json::Value envelope = Must(json::Parse(file), "parsing metadata");
      SignedRole role;
      role.signed_value = *envelope.Find("signed");
      role.canonical = Must(json::Canonicalize(role.signed_value), "canonicalizing");
      for (const json::Value& signature : envelope.Find("signatures")->array()) {
        const metadata::Key& key = keys.at(signature.Find("keyid")->string_value());
        crypto::PublicKey public_key =
            Must(crypto::PublicKey::FromTuf(key.keytype, key.scheme, key.public_value), "key");
        const std::string& hex = signature.Find("sig")->string_value();
        if (!public_key.Verify(role.canonical, hex)) Die("a signature does not verify");
        role.signatures.emplace_back(std::move(public_key), hex);
        ++floors.signatures;
      }
      floors.roles.push_back(std::move(role));
    }
    if (floors.files.size() != 7) {
      Die("expected 7 files, found " + std::to_string(floors.files.size()));
    }
    return floors;
  }

  std::string work_dir_;
  std::string trusted_root_;
  std::map<std::string, std::string> files_;  // URL under kMemoryBaseUrl -> bytes
  PosixFileSystem fs_;
  SystemClock clock_;
  testing::HttpTestServer server_;
  std::optional<FloorData> floors_;
};

const char* SourceName(Source source) { return source == Source::kMemory ? "memory" : "http"; }

void ReportCounts(benchmark::State& state, const FetchCounts& counts) {
  for (const auto& [name, count] :
       {std::pair{"bytes_fetched", counts.bytes}, std::pair{"files_fetched", counts.files},
        std::pair{"requests", counts.requests}}) {
    state.counters[name] =
        benchmark::Counter(static_cast<double>(count), benchmark::Counter::kAvgIterations);
  }
}

// Times one session; false (and the benchmark skipped) on error.
bool TimedRefresh(benchmark::State& state, Fixture& fixture, Source source,
                  const std::string& metadata_dir, FetchCounts& counts) {
  const auto start = std::chrono::steady_clock::now();
  Status status = fixture.Refresh(source, metadata_dir, counts);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  if (!status.ok()) {
    state.SkipWithError(status.error().ToString().c_str());
    return false;
  }
  state.SetIterationTime(elapsed.count());
  return true;
}

void BM_RefreshFromScratch(benchmark::State& state, Fixture& fixture, Source source) {
  const std::string dir = fixture.MetadataDir(std::string("client-scratch-") + SourceName(source));
  FetchCounts counts;
  for (auto _ : state) {
    state.PauseTiming();  // keeps the CPU timer off the preparation too
    fixture.ResetMetadataDir(dir);
    state.ResumeTiming();
    if (!TimedRefresh(state, fixture, source, dir, counts)) break;
  }
  ReportCounts(state, counts);
}

void BM_RefreshNoChange(benchmark::State& state, Fixture& fixture, Source source) {
  const std::string dir = fixture.MetadataDir(std::string("client-nochange-") + SourceName(source));
  fixture.MakeUpToDate(dir);
  FetchCounts counts;
  for (auto _ : state) {
    if (!TimedRefresh(state, fixture, source, dir, counts)) break;
  }
  ReportCounts(state, counts);
}

void ReportFloor(benchmark::State& state, const FloorData& floors) {
  state.SetBytesProcessed(state.iterations() * floors.bytes);
  state.counters["files"] = static_cast<double>(floors.files.size());
  state.counters["bytes"] = static_cast<double>(floors.bytes);
  state.counters["signatures"] = static_cast<double>(floors.signatures);
}

void BM_Floor_HashAllMetadata(benchmark::State& state, Fixture& fixture) {
  const FloorData& floors = fixture.Floors();
  for (auto _ : state) {
    for (const std::string& file : floors.files) benchmark::DoNotOptimize(crypto::Sha256(file));
  }
  ReportFloor(state, floors);
}

void BM_Floor_VerifySignatures(benchmark::State& state, Fixture& fixture) {
  const FloorData& floors = fixture.Floors();
  for (auto _ : state) {
    for (const SignedRole& role : floors.roles) {
      for (const auto& [key, signature] : role.signatures) {
        benchmark::DoNotOptimize(key.Verify(role.canonical, signature));
      }
    }
  }
  ReportFloor(state, floors);
}

void BM_Floor_ParseJson(benchmark::State& state, Fixture& fixture) {
  const FloorData& floors = fixture.Floors();
  for (auto _ : state) {
    for (const std::string& file : floors.files) benchmark::DoNotOptimize(json::Parse(file));
  }
  ReportFloor(state, floors);
}

void BM_Floor_Canonicalize(benchmark::State& state, Fixture& fixture) {
  const FloorData& floors = fixture.Floors();
  for (auto _ : state) {
    for (const SignedRole& role : floors.roles) {
      benchmark::DoNotOptimize(json::Canonicalize(role.signed_value));
    }
  }
  ReportFloor(state, floors);
}

void RegisterAll(Fixture& fixture) {
  using RefreshFunction = void (*)(benchmark::State&, Fixture&, Source);
  const std::pair<const char*, RefreshFunction> refreshes[] = {
      {"BM_RefreshFromScratch/", BM_RefreshFromScratch},
      {"BM_RefreshNoChange/", BM_RefreshNoChange},
  };
  for (Source source : {Source::kMemory, Source::kHttp}) {
    for (const auto& [name, function] : refreshes) {
      benchmark::RegisterBenchmark(
          (name + std::string(SourceName(source))).c_str(),
          [&fixture, source, function = function](benchmark::State& state) {
            function(state, fixture, source);
          })
          ->UseManualTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
  using FloorFunction = void (*)(benchmark::State&, Fixture&);
  const std::pair<const char*, FloorFunction> floors[] = {
      {"BM_Floor_HashAllMetadata", BM_Floor_HashAllMetadata},
      {"BM_Floor_VerifySignatures", BM_Floor_VerifySignatures},
      {"BM_Floor_ParseJson", BM_Floor_ParseJson},
      {"BM_Floor_Canonicalize", BM_Floor_Canonicalize},
  };
  for (const auto& [name, function] : floors) {
    benchmark::RegisterBenchmark(name, [&fixture, function = function](benchmark::State& state) {
      function(state, fixture);
    })->Unit(benchmark::kMicrosecond);
  }
}

struct Flags {
  std::string write_repo;
  std::string repo_dir;
  bool setup_only = false;
};

// Takes this benchmark's own flags out of argv (after benchmark::Initialize
// took its own), leaving the rest for ReportUnrecognizedArguments.
Flags TakeFlags(int& argc, char** argv) {
  Flags flags;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--bsi_write_repo=")) {
      flags.write_repo = arg.substr(arg.find('=') + 1);
    } else if (arg.starts_with("--bsi_repo_dir=")) {
      flags.repo_dir = arg.substr(arg.find('=') + 1);
    } else if (arg == "--bsi_setup_only") {
      flags.setup_only = true;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  return flags;
}

}  // namespace
}  // namespace bsi::bench

int main(int argc, char** argv) {
  using namespace bsi::bench;  // NOLINT: main only
  benchmark::Initialize(&argc, argv);
  const Flags flags = TakeFlags(argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (!flags.write_repo.empty()) {
    Must(BuildRepository(flags.write_repo), "building the repository");
    return 0;
  }
  Fixture fixture;
  fixture.SetUp(flags.repo_dir);
  if (!flags.setup_only) {
    benchmark::AddCustomContext("targets", std::to_string(4 * kTargetsPerRole));
    benchmark::AddCustomContext("delegated_roles", std::to_string(std::size(kDelegations)));
    RegisterAll(fixture);
    benchmark::RunSpecifiedBenchmarks();
  }
  benchmark::Shutdown();
  return 0;
}
