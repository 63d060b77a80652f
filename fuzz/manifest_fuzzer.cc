// Fuzzes the component bundle manifest parser (bsi/payload/manifest.h) on
// arbitrary bytes, and the bundle container reader (bundle_reader.h) on the
// same bytes taken as a whole bundle file: both read data from the network
// before anything else looks at it.
//
// Properties checked (abort() on violation, so libFuzzer reports a crash):
//  - ParseManifest never crashes; a rejection is kMalformed, kUnsafePath or
//    kUnsupported with a non-empty, bounded message, and is deterministic;
//  - an accepted manifest is canonical: SerializeManifest gives the input
//    back byte for byte, and ValidateManifest accepts it;
//  - its invariants hold: paths re-parse as SafeRelativePath, are strictly
//    ascending, every parent is a directory entry; symlink targets resolve
//    inside the tree; modes carry no setuid/setgid/sticky bits; only
//    files have content, and a full manifest has only full content;
//  - BundleReader::Open on the bytes (in a MemoryFileSystem) never crashes;
//    if it accepts, the records tile the file exactly after the manifest,
//    and ReadBundleInfo describes one entry per manifest entry.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "bsi/core/file_system.h"
#include "bsi/payload/bundle_reader.h"
#include "bsi/payload/manifest.h"
#include "bsi/payload/safe_path.h"

#include "testing/memory_file_system.h"

namespace {

using bsi::ErrorCode;
using bsi::Result;
namespace payload = bsi::payload;

constexpr std::size_t kMaxMessage = 4096;

void Check(bool condition, const char* what, std::string_view input) {
  if (condition) return;
  std::fprintf(stderr, "manifest_fuzzer: %s (input %zu bytes, starting '%.*s')\n", what,
               input.size(), static_cast<int>(std::min<std::size_t>(input.size(), 200)),
               input.data());
  std::abort();
}

void CheckRejection(const bsi::Error& error, std::string_view input) {
  const ErrorCode code = error.code();
  Check(code == ErrorCode::kMalformed || code == ErrorCode::kUnsafePath ||
            code == ErrorCode::kUnsupported,
        "unexpected error code", input);
  Check(!error.message().empty(), "empty error message", input);
  Check(error.message().size() < kMaxMessage, "unbounded error message", input);
}

void CheckInvariants(const payload::Manifest& manifest, std::string_view input) {
  std::set<std::string> directories;
  const payload::ManifestEntry* previous = nullptr;
  for (const payload::ManifestEntry& entry : manifest.entries) {
    Check(payload::SafeRelativePath::Parse(entry.path.str()).ok(), "path does not re-parse", input);
    Check(previous == nullptr || previous->path < entry.path, "paths not ascending", input);
    previous = &entry;
    if (std::optional<payload::SafeRelativePath> parent = entry.path.Parent()) {
      Check(directories.count(parent->str()) == 1, "parent is not a directory entry", input);
    }
    switch (entry.type) {
      case payload::NodeType::kDirectory:
        directories.insert(entry.path.str());
        Check(entry.mode <= payload::kMaxMode, "special mode bits", input);
        break;
      case payload::NodeType::kSymlink:
        Check(payload::ResolveLinkTarget(entry.path, entry.link_target).ok(),
              "symlink target escapes", input);
        break;
      case payload::NodeType::kFile:
        Check(entry.mode <= payload::kMaxMode, "special mode bits", input);
        Check(entry.sha256.size() == 64, "sha256 length", input);
        Check(!manifest.is_full() || entry.kind == payload::ContentKind::kFull,
              "full manifest with non-full content", input);
        Check((entry.kind == payload::ContentKind::kUnchanged) == (entry.content_length == 0),
              "content length", input);
        break;
    }
  }
}

void FuzzManifest(std::string_view input) {
  Result<payload::Manifest> parsed = payload::ParseManifest(input);
  if (!parsed.ok()) {
    CheckRejection(parsed.error(), input);
    Result<payload::Manifest> again = payload::ParseManifest(input);
    Check(!again.ok() && again.error().code() == parsed.error().code() &&
              again.error().message() == parsed.error().message(),
          "ParseManifest is not deterministic", input);
    return;
  }
  Check(payload::ValidateManifest(*parsed).ok(), "accepted manifest does not validate", input);
  Result<std::string> written = payload::SerializeManifest(*parsed);
  Check(written.ok() && *written == input, "accepted manifest is not canonical", input);
  CheckInvariants(*parsed, input);
}

void FuzzBundle(std::string_view input) {
  bsi::testing::MemoryFileSystem fs;
  if (!bsi::WriteFileAtomically(fs, "/b", input).ok()) std::abort();
  Result<payload::BundleReader> reader = payload::BundleReader::Open(fs, "/b");
  if (!reader.ok()) {
    Check(!reader.error().message().empty(), "empty bundle error message", input);
    return;
  }
  CheckInvariants(reader->manifest(), input);
  std::uint64_t end = 0;
  for (const payload::ContentRecord& record : reader->records()) {
    Check(end == 0 || record.header_offset == end, "records do not tile the bundle", input);
    Check(record.data_offset == record.header_offset + payload::kRecordHeaderSize,
          "record data offset", input);
    end = record.data_offset + record.length;
  }
  Check(reader->records().empty() || end == reader->size(), "bytes after the last record", input);
  Result<payload::BundleInfo> info = payload::ReadBundleInfo(fs, "/b");
  if (info.ok()) {
    Check(info->entries.size() == reader->manifest().entries.size(), "info entry count", input);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  FuzzManifest(input);
  FuzzBundle(input);
  return 0;
}
