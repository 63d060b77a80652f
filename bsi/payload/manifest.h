// The manifest of a component bundle (docs/formats/payload.md): which
// component it is for, from which source version to which target version,
// and every entry of the target tree — path, type, mode, size and SHA-256 of
// each file, the target of each symlink — with how each file's content
// travels in the bundle (a full zstd blob, a delta against the source file at
// the same path, or unchanged from the source).
//
// The manifest is canonical JSON (json::Canonicalize). ParseManifest() is
// strict: unknown members, missing members, members of the wrong kind, a
// non-canonical encoding and every violation of ValidateManifest() are
// refused. A Manifest that ParseManifest() returned is valid; one built by
// hand is checked by SerializeManifest().
//
// Thread-safety: plain value types; the functions are pure.
#ifndef BSI_PAYLOAD_MANIFEST_H_
#define BSI_PAYLOAD_MANIFEST_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bsi/core/result.h"
#include "bsi/payload/safe_path.h"

namespace bsi::payload {

// The manifest format this build reads and writes.
inline constexpr std::int64_t kManifestFormatVersion = 1;

// What a manifest entry is. Nothing else (devices, FIFOs, sockets, hard
// links) can be in a bundle.
enum class NodeType { kFile, kDirectory, kSymlink };

// "file", "dir", "symlink": the manifest's names.
std::string_view NodeTypeName(NodeType type);

// How a file's content travels. The numbers are the content record's kind byte
// in the bundle (append-only).
enum class ContentKind : std::uint8_t {
  kFull = 1,       // the whole file, zstd-compressed
  kDelta = 2,      // a delta engine patch against the source file at the same path
  kUnchanged = 3,  // no data: the source file at the same path is the content
};

// "full", "delta", "unchanged".
std::string_view ContentKindName(ContentKind kind);

// The permission bits a bundle may carry: no setuid, setgid or sticky bit.
inline constexpr unsigned kMaxMode = 0777;

// The longest component name and version string.
inline constexpr std::size_t kMaxNameLength = 64;

struct ManifestEntry {
  explicit ManifestEntry(SafeRelativePath entry_path) : path(std::move(entry_path)) {}

  SafeRelativePath path;
  NodeType type = NodeType::kFile;
  // kFile, kDirectory: permission bits (<= kMaxMode; a directory's include
  // 0500). kSymlink: 0.
  unsigned mode = 0;
  // kFile only: the content's length and lowercase hex SHA-256.
  std::uint64_t size = 0;
  std::string sha256;
  // kSymlink only.
  std::string link_target;
  // kFile only: how the content travels, and the length of its data in the
  // bundle (0 for kUnchanged).
  ContentKind kind = ContentKind::kFull;
  std::uint64_t content_length = 0;
  // kFile with kDelta only: the source file the patch applies to.
  std::uint64_t source_size = 0;
  std::string source_sha256;
};

struct Manifest {
  // A name such as "webkit": 1..kMaxNameLength of [a-z0-9._+-], starting
  // with a letter or digit. It becomes a directory name on devices.
  std::string component;
  // The versions, 1..kMaxNameLength of [A-Za-z0-9._+~-], starting with a
  // letter or digit. No source version: a full bundle, which has no kDelta
  // or kUnchanged entries.
  std::optional<std::string> source_version;
  std::string target_version;
  // Every entry of the target tree, strictly ascending by the bytes of the
  // path; every parent of an entry is a kDirectory entry before it.
  std::vector<ManifestEntry> entries;

  bool is_full() const { return !source_version.has_value(); }
};

// Checks everything docs/formats/payload.md requires of a manifest:
// names and versions; paths ascending without duplicates; every parent a
// directory in the manifest (so nothing is placed "through" a symlink);
// modes; sizes and hashes; entry kinds (kDelta and kUnchanged only with a
// source version); symlink targets inside the tree, both lexically from the
// link's directory (ResolveLinkTarget) and when every symlink on the way is
// followed inside the tree (at most 40 hops).
// Errors: kUnsafePath for paths and symlink targets; kMalformed otherwise.
Status ValidateManifest(const Manifest& manifest);

// Parses and validates manifest bytes. Errors: kUnsupported for a format
// version other than kManifestFormatVersion; kUnsafePath; kMalformed.
Result<Manifest> ParseManifest(std::string_view bytes);

// The canonical JSON of a valid manifest. Errors: those of ValidateManifest.
Result<std::string> SerializeManifest(const Manifest& manifest);

// The number of bytes of file content the manifest declares (sum of sizes).
// Errors: kTooLarge if the sum overflows 64 bits.
Result<std::uint64_t> TotalFileBytes(const Manifest& manifest);

}  // namespace bsi::payload

#endif  // BSI_PAYLOAD_MANIFEST_H_
