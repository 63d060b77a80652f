// publish_bench: what publishing one improvement costs when the repository
// already holds many targets, and what a device must then fetch.
//
// Two repositories are prepared once (not timed), each with ed25519 keys
// from a KeyDirectory and through the Repository API:
//   - "empty":  Repository::Init only (the anchor);
//   - "large":  --targets=N targets (default 10,000) published once: a
//     vendor's history of improvements for four products, letters a, b and
//     c of each base, each improvement a notes.md target carrying its
//     improvement record (1-3 CVEs, one component, rollout, some withdrawn
//     or superseded) and its payload targets (full, from the base, from
//     each earlier letter) carrying payload records. Payload files hold a
//     few hundred bytes: their content does not matter to metadata. (Written
//     without fsyncs, see NoSyncFileSystem: preparing is not measured.)
// Then, --runs=R times (default 5), on a fresh copy of each repository
// (not timed; see Configuration::Copy), it times:
//   - open:     Repository::Open (load and verify the metadata);
//   - release:  publish::CreateRelease of "acme-os 26.3.1 (a)" for one
//     component ("webkit": a 700 KB generated library, a symlink and small
//     files; the new tree changes a few bytes, inserts 48 and moves every
//     address past the insertion, as a recompiled library does), bundle
//     options at their defaults (zstd 19). Its progress lines split it into
//     listing the earlier improvements, building the two bundles, and
//     adding the targets + signing + writing metadata + security notes;
//   - metadata-only: on another fresh copy, Repository::Publish after one
//     AddTargetBytes of a small target: signing and writing new targets,
//     snapshot and timestamp, and nothing else; then the targets role's
//     share of it redone step by step (to JSON, canonical bytes, signature,
//     envelope bytes, durable write), to show where that time goes;
//   - client:   a TUF client (client::Updater) that was up to date before
//     the release refreshes, finds the new improvement and downloads the
//     delta payload, reading the repository's files through a counting
//     transport: the bytes a device fetches for the update.
// Runs of the two repositories are interleaved; medians are printed as one
// table, with CPU times beside the wall times of the release and of the
// metadata-only publish. Bytes are read from the files on disk, and checked
// against what the client fetched.
//
// Flags: --targets=N, --runs=R, --save_metadata=DIR (write, per
// repository, the timestamp, snapshot and targets files a client fetches
// after the release, for bench/repo/run.sh to compress).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bsi/client/updater.h"
#include "bsi/core/clock.h"
#include "bsi/core/posix_file_system.h"
#include "bsi/crypto/hash.h"
#include "bsi/fetch/transport.h"
#include "bsi/json/json.h"
#include "bsi/metadata/serialize.h"
#include "bsi/publish/release_workflow.h"
#include "bsi/release/improvement.h"
#include "bsi/repo/key_source.h"
#include "bsi/repo/repository.h"

#include "bench/bench_util.h"

namespace bsi::bench {
namespace {

constexpr UnixTime kSetupTime{1'800'000'000};
constexpr UnixTime kReleaseTime{kSetupTime.seconds + 3600};
constexpr UnixTime kClientTime{kReleaseTime.seconds + 60};
constexpr std::int64_t kDaySeconds = 86400;
constexpr const char* kProduct = "acme-os";
constexpr const char* kReleaseBase = "26.3.1";
constexpr const char* kComponent = "webkit";
constexpr const char* kBaseUrl = "http://bench.invalid/";
constexpr std::uint64_t kMaxFileBytes = std::uint64_t{1} << 30;

// The generated library: its size, and the fix: kInsertBytes inserted at
// kInsertAt, every address past it moved, a few bytes before it changed.
constexpr std::size_t kLibraryBytes = std::size_t{700} * 1024;
constexpr std::size_t kInsertAt = std::size_t{300} * 1024;
constexpr std::uint32_t kInsertBytes = 48;

constexpr const char* kProducts[] = {"acme-os", "acme-tv", "acme-watch", "acme-car"};
constexpr const char* kComponents[] = {"webkit",       "libssl",    "libexpat",      "libxml2",
                                       "media-codecs", "bluetooth", "wifi-firmware", "kernel-drv"};
constexpr const char* kFlaws[] = {"A use after free in",      "A heap buffer overflow in",
                                  "An out-of-bounds read in", "An integer overflow in",
                                  "A type confusion in",      "A race condition in"};
constexpr const char* kPlaces[] = {"the JIT compiler",     "certificate chain parsing",
                                   "XML entity expansion", "the H.265 decoder",
                                   "L2CAP reassembly",     "the WPA3 handshake"};
constexpr release::Severity kSeverities[] = {release::Severity::kHigh, release::Severity::kCritical,
                                             release::Severity::kMedium, release::Severity::kHigh,
                                             release::Severity::kLow};

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// CPU time of the process (user + system), in milliseconds.
double CpuMillis() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

// --- The component trees ---

void PutU32(std::string& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>(value >> shift));
}

// A stand-in for a shared library: code made of instruction-like tokens
// and recurring idioms (token sequences), both drawn with a skewed
// distribution, and 5-byte relative calls to addresses in the file; then a
// table of symbol names. zstd -19 compresses it about as much as real
// x86-64 libraries (2.5-3x). Deterministic; the patched version draws the
// same sequence (its extra bytes come from a second generator), so the
// two differ only by the fix, the inserted bytes and the calls that cross
// the insertion.
std::string MakeLibrary(bool patched) {
  std::mt19937_64 rng(0x627369'6c6962ULL);
  std::mt19937_64 fix_rng(0x666978ULL);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<std::string> vocabulary(2048);
  for (std::string& token : vocabulary) {
    token.resize(2 + rng() % 5);
    for (char& c : token) c = static_cast<char>(rng());
  }
  const auto skewed = [&](std::size_t count) {
    const double u = unit(rng);
    return static_cast<std::size_t>(u * u * u * static_cast<double>(count));
  };
  std::vector<std::string> idioms(512);
  for (std::string& idiom : idioms) {
    for (std::uint64_t n = 3 + rng() % 8; n > 0; --n) {
      idiom += vocabulary[skewed(vocabulary.size())];
    }
  }
  const auto shifted = [&](std::size_t offset) {
    return patched && offset >= kInsertAt ? offset + kInsertBytes : offset;
  };
  std::string out;
  out.reserve(kLibraryBytes + kInsertBytes);
  std::size_t logical = 0;  // the offset in the unpatched library
  bool inserted = false;
  const std::size_t code_end = kLibraryBytes * 4 / 5;
  while (logical < code_end) {
    if (patched && !inserted && logical >= kInsertAt) {
      for (std::uint32_t i = 0; i < kInsertBytes; ++i) out.push_back(static_cast<char>(fix_rng()));
      inserted = true;
    }
    std::string piece;
    const std::uint64_t kind = rng() % 100;
    if (kind < 12) {
      const std::size_t target = rng() % kLibraryBytes;
      piece.push_back('\xe8');
      PutU32(piece, static_cast<std::uint32_t>(shifted(target) - (shifted(logical) + 5)));
    } else if (kind < 22) {
      piece = idioms[skewed(idioms.size())];
    } else {
      piece = vocabulary[skewed(vocabulary.size())];
    }
    out += piece;
    logical += piece.size();
  }
  if (patched) {
    // The fix itself: a few instructions before the insertion change.
    for (std::size_t i = kInsertAt - 2048; i < kInsertAt - 2048 + 96; ++i) {
      out[i] = static_cast<char>(fix_rng());
    }
  }
  constexpr std::string_view kSyllables[] = {"web",    "core",   "js",    "jit",  "dom", "node",
                                             "frame",  "layout", "paint", "css",  "ref", "ptr",
                                             "vector", "string", "alloc", "free", "get", "set"};
  while (logical < kLibraryBytes) {
    std::string symbol = "_ZN";
    for (std::uint64_t parts = 2 + rng() % 4; parts > 0; --parts) {
      const std::string_view part = kSyllables[rng() % std::size(kSyllables)];
      symbol += std::to_string(part.size()) + std::string(part);
    }
    symbol += 'E';
    symbol.push_back('\0');
    out += symbol;
    logical += symbol.size();
  }
  out += patched ? "webkit build 26.3.1-a" : "webkit build 26.3.1  ";
  return out;
}

std::string SmallText(std::string_view title, std::size_t lines) {
  std::string text;
  for (std::size_t i = 0; i < lines; ++i) {
    text += std::string(title) + " setting-" + std::to_string(i) + " = " +
            std::to_string((i * 7919) % 1000) + "\n";
  }
  return text;
}

// Writes the component as the base has it and as the release makes it.
void WriteTree(FileSystem& fs, const std::string& dir, bool patched) {
  Must(CreateDirs(fs, dir + "/lib"), "creating " + dir);
  Must(CreateDirs(fs, dir + "/share/webkit"), "creating " + dir);
  Must(WriteFileAtomically(fs, dir + "/lib/libwebkit.so.26", MakeLibrary(patched)), "library");
  Must(fs.CreateSymlink("libwebkit.so.26", dir + "/lib/libwebkit.so"), "symlink");
  Must(WriteFileAtomically(fs, dir + "/share/webkit/VERSION",
                           patched ? "26.3.1-a\n" : std::string(kReleaseBase) + "\n"),
       "VERSION");
  Must(WriteFileAtomically(fs, dir + "/share/webkit/policy.conf", SmallText("policy", 60)),
       "policy.conf");
  Must(WriteFileAtomically(fs, dir + "/share/webkit/LICENSE", SmallText("license", 150)),
       "LICENSE");
}

// --- The large repository ---

// Preparation only: the large repository is written through the Repository
// API on this file system, whose Sync and SyncDir do nothing (10,000
// targets at about four fsyncs each would take minutes, and preparing is
// not measured). Everything timed runs on PosixFileSystem.
class NoSyncFile final : public WritableFile {
 public:
  explicit NoSyncFile(std::unique_ptr<WritableFile> file) : file_(std::move(file)) {}
  Status Append(std::span<const std::uint8_t> data) override { return file_->Append(data); }
  Status Sync() override { return Ok(); }
  Status Close() override { return file_->Close(); }

 private:
  std::unique_ptr<WritableFile> file_;
};

class NoSyncFileSystem final : public FileSystem {
 public:
  explicit NoSyncFileSystem(FileSystem& base) : base_(base) {}
  Result<std::string> ReadFile(const std::string& path, std::uint64_t max_bytes) override {
    return base_.ReadFile(path, max_bytes);
  }
  Result<std::unique_ptr<SequentialFile>> OpenSequential(const std::string& path) override {
    return base_.OpenSequential(path);
  }
  Result<std::unique_ptr<RandomAccessFile>> OpenRandomAccess(const std::string& path) override {
    return base_.OpenRandomAccess(path);
  }
  Result<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path,
                                                     unsigned mode = 0644) override {
    BSI_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, base_.OpenWritable(path, mode));
    return std::unique_ptr<WritableFile>(std::make_unique<NoSyncFile>(std::move(file)));
  }
  Status Rename(const std::string& from, const std::string& to) override {
    return base_.Rename(from, to);
  }
  Status RemoveFile(const std::string& path) override { return base_.RemoveFile(path); }
  Status CreateDir(const std::string& path, unsigned mode = 0755) override {
    return base_.CreateDir(path, mode);
  }
  Status RemoveDir(const std::string& path) override { return base_.RemoveDir(path); }
  Status SyncDir(const std::string& /*path*/) override { return Ok(); }
  Result<FileType> Stat(const std::string& path) override { return base_.Stat(path); }
  Result<std::uint64_t> FileSize(const std::string& path) override { return base_.FileSize(path); }
  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    return base_.ListDir(path);
  }
  Result<FileInfo> GetInfo(const std::string& path) override { return base_.GetInfo(path); }
  Status CreateSymlink(const std::string& target, const std::string& link_path) override {
    return base_.CreateSymlink(target, link_path);
  }
  Result<std::string> ReadSymlink(const std::string& path) override {
    return base_.ReadSymlink(path);
  }
  Status SetMode(const std::string& path, unsigned mode) override {
    return base_.SetMode(path, mode);
  }

 private:
  FileSystem& base_;
};

std::string Sha256Of(const std::string& text) { return crypto::Sha256Hex(text); }

// One improvement of the vendor's history, as CreateRelease would have
// recorded it (improvement `index`: base index / 3, letter index % 3).
struct History {
  release::Improvement improvement;
  std::vector<release::PayloadRecord> payloads;
};

History MakeHistory(std::int64_t index, std::int64_t bases) {
  const std::int64_t base_index = index / 3;
  const std::int64_t letter_index = index % 3;
  const std::int64_t serial = base_index / static_cast<std::int64_t>(std::size(kProducts));
  const std::int64_t major = 20 + serial / 40;
  const std::int64_t minor = (serial / 8) % 5;
  const std::int64_t patch = serial % 8;
  History h;
  release::Improvement& i = h.improvement;
  i.product = kProducts[base_index % std::size(kProducts)];
  i.base = Must(version::BaseVersion::Parse(std::to_string(major) + "." + std::to_string(minor) +
                                            "." + std::to_string(patch)),
                "base version");
  i.letter = Must(version::Letter::FromOrdinal(letter_index + 1), "letter");
  const std::string base = i.base.ToString();
  i.published = UnixTime{kSetupTime.seconds - (bases - base_index) * 2 * kDaySeconds +
                         letter_index * 10 * kDaySeconds / 3};
  const std::string component = kComponents[(base_index * 3) % std::size(kComponents)];
  const std::string version = base + "-" + i.letter.ToString();
  i.components.push_back({component, base, version, Sha256Of(i.product + base + component),
                          Sha256Of(i.product + version + component)});
  for (std::int64_t c = 0; c <= index % 3; ++c) {
    const std::int64_t n = index * 3 + c;
    release::Cve cve;
    cve.id = "CVE-" + std::to_string(2000 + major) + "-" + std::to_string(10000 + n);
    cve.severity = kSeverities[n % std::size(kSeverities)];
    cve.description = std::string(kFlaws[n % std::size(kFlaws)]) + " " +
                      kPlaces[(n / 7) % std::size(kPlaces)] + " of " + component +
                      " lets crafted input execute code with the privileges of the process.";
    i.cves.push_back(std::move(cve));
  }
  std::vector<std::optional<std::string>> origins = {std::nullopt, "base"};
  for (std::int64_t earlier = 1; earlier <= letter_index; ++earlier) {
    origins.emplace_back(Must(version::Letter::FromOrdinal(earlier), "letter").ToString());
  }
  for (const std::optional<std::string>& from : origins) {
    const std::string path =
        release::PayloadTargetPath(i.product, i.base, i.letter, component, from);
    i.payloads.push_back({component, from, path});
    h.payloads.push_back({i.product, i.base, i.letter, component, from, version});
  }
  i.rollout = release::DefaultRollout();
  if (index % 97 == 41) {
    i.withdrawal = release::Withdrawal{"Crashes at start-up on some devices.",
                                       UnixTime{i.published.seconds + kDaySeconds}};
  }
  if (base_index < bases * 4 / 5) {  // older bases: a full OS update contains the fixes
    i.superseded_by =
        Must(version::BaseVersion::Parse(std::to_string(major) + "." + std::to_string(minor) + "." +
                                         std::to_string(patch + 1)),
             "superseded_by");
  }
  return h;
}

json::Value BsiCustom(json::Value record) {
  return json::Value(json::Object{{"bsi", std::move(record)}});
}

// Adds `targets` targets (whole improvements while they fit), then
// publishes once.
void PopulateRepository(repo::Repository& repository, repo::KeySource& keys, int targets) {
  const int bases = (targets + 11) / 12;  // 3 + 4 + 5 targets per base
  int added = 0;
  for (int index = 0; added < targets; ++index) {
    History h = MakeHistory(index, bases);
    const int room = targets - added - 1;  // after the notes target
    if (room < static_cast<int>(h.payloads.size())) {
      h.payloads.resize(std::max(room, 0));
      h.improvement.payloads.resize(h.payloads.size());
    }
    const release::Improvement& i = h.improvement;
    const std::string notes_path = release::ImprovementTargetPath(i.product, i.base, i.letter);
    const std::string notes = "# " + i.Id() +
                              "\n\nSecurity content of this improvement: " + i.cves.front().id +
                              ". " + i.cves.front().description + "\n";
    Must(repository.AddTargetBytes(notes_path, notes, BsiCustom(release::ToJson(i))), notes_path);
    ++added;
    for (std::size_t p = 0; p < h.payloads.size(); ++p) {
      const std::string& path = i.payloads[p].path;
      std::string content = "BSIB stand-in payload for " + path + "\n";
      content.resize(256 + (p * 97) % 256, '.');
      Must(repository.AddTargetBytes(path, content, BsiCustom(release::ToJson(h.payloads[p]))),
           path);
      ++added;
    }
  }
  Must(repository.Publish(keys, kSetupTime), "publishing the prepared repository");
}

// --- The client side ---

class FixedClock final : public Clock {
 public:
  explicit FixedClock(UnixTime now) : now_(now) {}
  UnixTime Now() const override { return now_; }
  std::chrono::steady_clock::time_point MonotonicNow() const override {
    return std::chrono::steady_clock::now();
  }

 private:
  UnixTime now_;
};

struct FetchCounts {
  std::int64_t requests = 0;
  std::int64_t metadata_bytes = 0;
  std::int64_t target_bytes = 0;
};

// Serves the files of a repository directory at kBaseUrl, and counts.
class DirectoryTransport final : public fetch::Transport {
 public:
  DirectoryTransport(FileSystem& fs, std::string dir, FetchCounts& counts)
      : fs_(fs), dir_(std::move(dir)), counts_(counts) {}

  Result<std::string> Fetch(const fetch::FetchRequest& request) override {
    ++counts_.requests;
    const std::string_view url = request.url;
    if (url.substr(0, std::string_view(kBaseUrl).size()) != kBaseUrl) {
      return Error(ErrorCode::kInvalidArgument, "unexpected URL " + request.url);
    }
    const std::string relative(url.substr(std::string_view(kBaseUrl).size()));
    Result<std::string> body = fs_.ReadFile(JoinPath(dir_, relative), request.max_bytes);
    if (!body.ok()) {
      if (body.error().code() == ErrorCode::kFileNotFound) {
        return Error(ErrorCode::kNotFound, "HTTP 404 for " + request.url);
      }
      return body.error();
    }
    const bool metadata = relative.rfind("metadata/", 0) == 0;
    (metadata ? counts_.metadata_bytes : counts_.target_bytes) +=
        static_cast<std::int64_t>(body->size());
    return body;
  }

  Status FetchTo(const fetch::FetchRequest& request, fetch::ByteSink& sink) override {
    BSI_ASSIGN_OR_RETURN(const std::string body, Fetch(request));
    return sink.Write(body);
  }

 private:
  FileSystem& fs_;
  std::string dir_;
  FetchCounts& counts_;
};

client::UpdaterConfig ClientConfig(const std::string& client_dir) {
  client::UpdaterConfig config;
  config.metadata_dir = client_dir + "/metadata";
  config.metadata_base_url = std::string(kBaseUrl) + "metadata/";
  config.target_dir = client_dir + "/targets";
  config.target_base_url = std::string(kBaseUrl) + "targets/";
  return config;
}

// --- One configuration: a prepared repository and its runs ---

struct Sample {
  double open_ms = 0;
  double release_ms = 0;
  double records_ms = 0;  // start of CreateRelease to its first progress line
  double bundles_ms = 0;  // tree digests and bundles
  double publish_ms = 0;  // "publishing": add targets, sign, write, notes
  double total_ms = 0;    // open + release
  double release_cpu_ms = 0;
  double metadata_only_ms = 0;
  double metadata_only_cpu_ms = 0;
  // The targets role's share of Publish, redone piece by piece.
  double to_json_ms = 0;
  double canonicalize_ms = 0;
  double sign_ms = 0;
  double envelope_ms = 0;
  double write_ms = 0;
  double client_ms = 0;
};

struct Sizes {
  std::int64_t timestamp = 0;
  std::int64_t snapshot = 0;
  std::int64_t targets = 0;
  std::int64_t targets_before = 0;
  std::int64_t delta = 0;
  std::int64_t full = 0;
  std::int64_t notes = 0;
  FetchCounts client;
};

class Configuration {
 public:
  Configuration(FileSystem& fs, repo::KeyDirectory& keys, std::string work, int targets)
      : fs_(fs), keys_(keys), work_(std::move(work)), targets_(targets) {}

  // Builds the repository and a client that is up to date with it.
  void Prepare() {
    const auto start = std::chrono::steady_clock::now();
    repo::InitOptions options;
    options.now = kSetupTime;
    NoSyncFileSystem no_sync(fs_);
    repo::Repository repository =
        Must(repo::Repository::Init(no_sync, Prepared(), keys_, options), "init");
    if (targets_ > 0) PopulateRepository(repository, keys_, targets_);
    sizes_.targets_before = static_cast<std::int64_t>(
        Must(fs_.FileSize(MetadataFile(repository.targets().version, "targets")), "size"));
    const std::string client_dir = work_ + "/client";
    Must(client::Updater::InitMetadataDir(
             fs_, client_dir + "/metadata",
             Must(fs_.ReadFile(Prepared() + "/metadata/1.root.json", kMaxFileBytes), "root")),
         "client init");
    FetchCounts ignored;
    DirectoryTransport transport(fs_, Prepared(), ignored);
    const FixedClock clock(kClientTime);
    client::Updater updater(ClientConfig(client_dir), transport, fs_, clock);
    Must(updater.Refresh(), "client refresh before the release");
    std::fprintf(stderr, "prepared %d targets in %.1f s\n", targets_, MillisSince(start) / 1000);
  }

  // One run: the release on a fresh copy, then the metadata-only publish
  // on another.
  Sample Run(const std::string& base_tree, const std::string& new_tree, bool keep_sizes,
             const std::string& save_metadata) {
    Sample sample;
    const std::string dir = Copy(Prepared(), work_ + "/run");
    const std::string client_dir = Copy(work_ + "/client", work_ + "/run-client");

    auto start = std::chrono::steady_clock::now();
    repo::Repository repository = Must(repo::Repository::Open(fs_, dir), "open");
    sample.open_ms = MillisSince(start);

    publish::ReleaseRequest request;
    request.product = kProduct;
    request.base = Must(version::BaseVersion::Parse(kReleaseBase), "base");
    request.components = {{kComponent, std::nullopt, base_tree, new_tree}};
    request.cves = {{"CVE-2026-20643", release::Severity::kHigh,
                     "A use after free in the JIT compiler of webkit lets crafted web content "
                     "execute code."}};
    std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> marks;
    request.progress = [&marks](const std::string& line) {
      marks.emplace_back(line, std::chrono::steady_clock::now());
    };
    start = std::chrono::steady_clock::now();
    double cpu = CpuMillis();
    const publish::ReleaseResult result =
        Must(publish::CreateRelease(fs_, repository, keys_, request, kReleaseTime), "release");
    const auto end = std::chrono::steady_clock::now();
    sample.release_cpu_ms = CpuMillis() - cpu;
    sample.release_ms = std::chrono::duration<double, std::milli>(end - start).count();
    const auto publishing = std::find_if(marks.begin(), marks.end(), [](const auto& mark) {
      return mark.first.rfind("publishing", 0) == 0;
    });
    if (marks.empty() || publishing == marks.end()) Die("no progress lines from CreateRelease");
    const auto ms = [](auto from, auto to) {
      return std::chrono::duration<double, std::milli>(to - from).count();
    };
    sample.records_ms = ms(start, marks.front().second);
    sample.bundles_ms = ms(marks.front().second, publishing->second);
    sample.publish_ms = ms(publishing->second, end);
    sample.total_ms = sample.open_ms + sample.release_ms;

    FetchCounts counts;
    start = std::chrono::steady_clock::now();
    ClientUpdate(dir, client_dir, result, counts);
    sample.client_ms = MillisSince(start);
    if (keep_sizes) KeepSizes(dir, repository, result, counts, save_metadata);
    RemoveTree(dir);
    RemoveTree(client_dir);

    const std::string bare = Copy(Prepared(), work_ + "/bare");
    repo::Repository plain = Must(repo::Repository::Open(fs_, bare), "open");
    Must(plain.AddTargetBytes("acme-os/26.3.1/a/probe.txt", "a small target\n", std::nullopt),
         "probe target");
    start = std::chrono::steady_clock::now();
    cpu = CpuMillis();
    Must(plain.Publish(keys_, kReleaseTime), "metadata-only publish");
    sample.metadata_only_ms = MillisSince(start);
    sample.metadata_only_cpu_ms = CpuMillis() - cpu;
    TimeTargetsPieces(plain, bare, sample);
    RemoveTree(bare);
    return sample;
  }

  int targets() const { return targets_; }
  const Sizes& sizes() const { return sizes_; }

 private:
  std::string Prepared() const { return work_ + "/prepared"; }
  std::string MetadataFile(std::int64_t version, const char* role) const {
    return Prepared() + "/metadata/" + std::to_string(version) + "." + role + ".json";
  }

  // Copies a repository (or a client directory) and writes it out, so
  // that the timed fsyncs that follow do not pay for the copy's writeback
  // (ext4 commits it with them). A repository's existing target files are
  // left out (an empty targets/ is made): nothing timed reads them (Open
  // and Publish read metadata, the release is the first letter of a new
  // base, the device downloads only the new payload), and copying or even
  // linking them and removing thousands of directories after each run
  // takes seconds on this machine's discard-mounted ext4.
  static std::string Copy(const std::string& from, const std::string& to) {
    namespace fs = std::filesystem;
    fs::create_directory(to);
    for (const fs::directory_entry& entry : fs::directory_iterator(from)) {
      const fs::path target = fs::path(to) / entry.path().filename();
      if (entry.path().filename() == repo::kTargetsDir) {
        fs::create_directory(target);
      } else {
        fs::copy(entry.path(), target,
                 fs::copy_options::recursive | fs::copy_options::copy_symlinks);
      }
    }
    ::sync();
    return to;
  }
  static void RemoveTree(const std::string& dir) { std::filesystem::remove_all(dir); }

  // A device's session after the release: refresh, find the improvement,
  // download the delta from the base.
  void ClientUpdate(const std::string& dir, const std::string& client_dir,
                    const publish::ReleaseResult& result, FetchCounts& counts) {
    DirectoryTransport transport(fs_, dir, counts);
    const FixedClock clock(kClientTime);
    client::Updater updater(ClientConfig(client_dir), transport, fs_, clock);
    Must(updater.Refresh(), "client refresh after the release");
    const release::Improvement& i = result.improvement;
    Must(updater.GetTargetInfo(release::ImprovementTargetPath(i.product, i.base, i.letter)),
         "client: notes target");
    const client::TargetInfo delta =
        Must(updater.GetTargetInfo(release::PayloadTargetPath(i.product, i.base, i.letter,
                                                              kComponent, std::string("base"))),
             "client: delta target");
    Must(updater.DownloadTarget(delta), "client: delta download");
  }

  // What Repository::Publish does for the targets role, one step at a
  // time: the struct to a JSON tree, canonical bytes, the signature (SHA-512
  // of those bytes inside Ed25519), the envelope's bytes, the durable write.
  void TimeTargetsPieces(const repo::Repository& repository, const std::string& dir,
                         Sample& sample) {
    auto start = std::chrono::steady_clock::now();
    const json::Value signed_part = metadata::ToJson(repository.targets());
    sample.to_json_ms = MillisSince(start);
    start = std::chrono::steady_clock::now();
    const std::string canonical = Must(json::Canonicalize(signed_part), "canonicalize");
    sample.canonicalize_ms = MillisSince(start);
    const std::vector<std::unique_ptr<repo::Signer>> signers =
        Must(keys_.SignersFor("targets"), "targets key");
    if (signers.empty()) Die("no targets key");
    start = std::chrono::steady_clock::now();
    const metadata::Signature signature{signers.front()->key_id(),
                                        Must(signers.front()->Sign(canonical), "sign")};
    sample.sign_ms = MillisSince(start);
    start = std::chrono::steady_clock::now();
    const std::string bytes = Must(metadata::EnvelopeBytes(signed_part, {signature}), "envelope");
    sample.envelope_ms = MillisSince(start);
    start = std::chrono::steady_clock::now();
    Must(WriteFileAtomically(fs_, dir + "/metadata/pieces.targets.json", bytes), "write");
    sample.write_ms = MillisSince(start);
  }

  void KeepSizes(const std::string& dir, const repo::Repository& repository,
                 const publish::ReleaseResult& result, const FetchCounts& counts,
                 const std::string& save_metadata) {
    const std::string metadata = dir + "/metadata/";
    const std::string snapshot = std::to_string(*result.published.snapshot_version) + ".snapshot";
    const std::string targets = std::to_string(*result.published.targets_version) + ".targets";
    const auto size = [&](const std::string& name) {
      return static_cast<std::int64_t>(Must(fs_.FileSize(metadata + name + ".json"), name));
    };
    sizes_.timestamp = size("timestamp");
    sizes_.snapshot = size(snapshot);
    sizes_.targets = size(targets);
    for (const publish::PayloadSummary& payload : result.payloads) {
      const bool full = payload.path.ends_with("-full.bundle");
      (full ? sizes_.full : sizes_.delta) = static_cast<std::int64_t>(payload.size);
    }
    const release::Improvement& i = result.improvement;
    sizes_.notes = repository.targets()
                       .targets.at(release::ImprovementTargetPath(i.product, i.base, i.letter))
                       .length;
    sizes_.client = counts;
    if (save_metadata.empty()) return;
    const std::string out = save_metadata + "/targets-" + std::to_string(targets_);
    Must(CreateDirs(fs_, out), "creating " + out);
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"timestamp", "timestamp"},
                                   {snapshot, "snapshot"},
                                   {targets, "targets"}}) {
      std::filesystem::copy_file(metadata + from + ".json", out + "/" + to + ".json",
                                 std::filesystem::copy_options::overwrite_existing);
    }
  }

  FileSystem& fs_;
  repo::KeyDirectory& keys_;
  std::string work_;
  int targets_;
  Sizes sizes_;
};

// --- Flags and the table ---

struct Flags {
  int targets = 10'000;
  int runs = 5;
  std::string save_metadata;
};

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int a = 1; a < argc; ++a) {
    const std::string_view arg = argv[a];
    const auto value = [&](std::string_view name) -> std::optional<std::string> {
      if (!arg.starts_with(name)) return std::nullopt;
      return std::string(arg.substr(name.size()));
    };
    if (auto v = value("--targets=")) {
      flags.targets = std::atoi(v->c_str());
    } else if (auto r = value("--runs=")) {
      flags.runs = std::atoi(r->c_str());
    } else if (auto d = value("--save_metadata=")) {
      flags.save_metadata = *d;
    } else {
      Die("usage: publish_bench [--targets=N] [--runs=R] [--save_metadata=DIR]");
    }
  }
  if (flags.targets < 1 || flags.runs < 1) Die("--targets and --runs must be at least 1");
  return flags;
}

// A row of the table: a label and one value per repository.
void PrintRow(const char* label, double empty, double large, int decimals) {
  std::printf("  %-44s%12.*f%12.*f\n", label, decimals, empty, decimals, large);
}

void PrintTable(const Flags& flags, const Configuration& empty, const Configuration& large,
                const std::vector<Sample>& empty_samples,
                const std::vector<Sample>& large_samples) {
  const auto median = [](const std::vector<Sample>& samples, double Sample::*field) {
    std::vector<double> values;
    values.reserve(samples.size());
    for (const Sample& s : samples) values.push_back(s.*field);
    return Median(std::move(values));
  };
  const auto time = [&](const char* label, double Sample::*field) {
    PrintRow(label, median(empty_samples, field), median(large_samples, field), 1);
  };
  const auto bytes = [&](const char* label, std::int64_t Sizes::*field) {
    PrintRow(label, static_cast<double>(empty.sizes().*field),
             static_cast<double>(large.sizes().*field), 0);
  };
  const Sizes& e = empty.sizes();
  const Sizes& l = large.sizes();
  std::printf("Publishing one improvement (%s %s (a), component %s) with CreateRelease\n", kProduct,
              kReleaseBase, kComponent);
  std::printf("  %-44s%12s%12s\n", "targets already in the repository", "0",
              std::to_string(large.targets()).c_str());
  bytes("targets.json before the release (bytes)", &Sizes::targets_before);
  std::printf("\nTime, ms (median of %d runs)\n", flags.runs);
  time("Repository::Open (load + verify metadata)", &Sample::open_ms);
  time("CreateRelease, total", &Sample::release_ms);
  time("  (its CPU time)", &Sample::release_cpu_ms);
  time("  check request, list earlier improvements", &Sample::records_ms);
  time("  tree digests + full and delta bundles", &Sample::bundles_ms);
  time("  add targets, sign + write metadata, notes", &Sample::publish_ms);
  time("metadata only: Publish after one AddTarget", &Sample::metadata_only_ms);
  time("  (its CPU time)", &Sample::metadata_only_cpu_ms);
  std::printf("  its targets role, redone step by step:\n");
  time("    metadata::ToJson(targets)", &Sample::to_json_ms);
  time("    json::Canonicalize", &Sample::canonicalize_ms);
  time("    Ed25519 signature (SHA-512 of the bytes)", &Sample::sign_ms);
  time("    metadata::EnvelopeBytes", &Sample::envelope_ms);
  time("    WriteFileAtomically (fsync, rename)", &Sample::write_ms);
  time("open + CreateRelease (`bsi release create`)", &Sample::total_ms);
  time("device: refresh + find + download delta", &Sample::client_ms);

  std::printf("\nBytes a device fetches for the update (it had the previous metadata)\n");
  bytes("timestamp.json", &Sizes::timestamp);
  bytes("N.snapshot.json", &Sizes::snapshot);
  bytes("N.targets.json", &Sizes::targets);
  PrintRow("metadata total (root unchanged)",
           static_cast<double>(e.timestamp + e.snapshot + e.targets),
           static_cast<double>(l.timestamp + l.snapshot + l.targets), 0);
  bytes("payload: webkit-from-base.bundle (delta)", &Sizes::delta);
  bytes("payload: webkit-full.bundle (no base tree)", &Sizes::full);
  bytes("notes.md target (if the device shows it)", &Sizes::notes);
  PrintRow("update with the delta: metadata + delta",
           static_cast<double>(e.timestamp + e.snapshot + e.targets + e.delta),
           static_cast<double>(l.timestamp + l.snapshot + l.targets + l.delta), 0);
  PrintRow("  share of metadata, %",
           100.0 * static_cast<double>(e.timestamp + e.snapshot + e.targets) /
               static_cast<double>(e.timestamp + e.snapshot + e.targets + e.delta),
           100.0 * static_cast<double>(l.timestamp + l.snapshot + l.targets) /
               static_cast<double>(l.timestamp + l.snapshot + l.targets + l.delta),
           1);
  std::printf("\nCheck: what the real client (client::Updater) fetched in that session\n");
  PrintRow("requests (incl. the 404 probe for a new root)", static_cast<double>(e.client.requests),
           static_cast<double>(l.client.requests), 0);
  PrintRow("metadata bytes", static_cast<double>(e.client.metadata_bytes),
           static_cast<double>(l.client.metadata_bytes), 0);
  PrintRow("target bytes", static_cast<double>(e.client.target_bytes),
           static_cast<double>(l.client.target_bytes), 0);
}

}  // namespace
}  // namespace bsi::bench

int main(int argc, char** argv) {
  using namespace bsi::bench;  // NOLINT: main only
  const Flags flags = ParseFlags(argc, argv);
  bsi::PosixFileSystem fs;
  std::string work = (std::filesystem::temp_directory_path() / "publish_bench.XXXXXX").string();
  if (mkdtemp(work.data()) == nullptr) Die("cannot create a temporary directory");

  bsi::repo::KeyDirectory keys(fs, work + "/keys");
  for (const char* role : {"root", "targets", "snapshot", "timestamp"}) {
    Must(keys.EnsureKey(role, bsi::crypto::KeyType::kEd25519), "key");
  }
  const std::string base_tree = work + "/trees/base";
  const std::string new_tree = work + "/trees/new";
  WriteTree(fs, base_tree, false);
  WriteTree(fs, new_tree, true);

  Configuration empty(fs, keys, work + "/empty", 0);
  Configuration large(fs, keys, work + "/large", flags.targets);
  empty.Prepare();
  large.Prepare();
  std::vector<Sample> empty_samples;
  std::vector<Sample> large_samples;
  for (int run = 0; run < flags.runs; ++run) {
    std::fprintf(stderr, "run %d of %d\n", run + 1, flags.runs);
    // Interleaved, so that load from elsewhere falls on both alike.
    empty_samples.push_back(empty.Run(base_tree, new_tree, run == 0, flags.save_metadata));
    large_samples.push_back(large.Run(base_tree, new_tree, run == 0, flags.save_metadata));
  }
  PrintTable(flags, empty, large, empty_samples, large_samples);
  std::filesystem::remove_all(work);
  return 0;
}
