// Test support for the bundle tests (payload_test only): describing,
// creating and reading back trees on any FileSystem, snapshots that prove
// nothing else was written, a temporary directory on the real file system,
// and bundles built byte by byte (to be as hostile as a test wants).
#ifndef BSI_PAYLOAD_BUNDLE_APPLY_TEST_UTIL_H_
#define BSI_PAYLOAD_BUNDLE_APPLY_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/core/file_system.h"
#include "bsi/json/json.h"
#include "bsi/payload/manifest.h"

#include "testing/temp_dir.h"

namespace bsi::payload::test {

// One entry of a tree: a file (data = content), a directory, or a symlink
// (data = target). Modes are permission bits; a symlink's is 0.
struct TreeNode {
  std::string path;
  NodeType type = NodeType::kFile;
  unsigned mode = 0;
  std::string data;

  friend bool operator==(const TreeNode&, const TreeNode&) = default;
};
std::ostream& operator<<(std::ostream& os, const TreeNode& node);

TreeNode File(std::string path, std::string data, unsigned mode = 0644);
TreeNode Dir(std::string path, unsigned mode = 0755);
TreeNode Link(std::string path, std::string target);

// Creates root (and its parents) and the nodes, parents before children;
// directory modes are set last, deepest first. Aborts the test on failure.
void WriteTree(FileSystem& fs, const std::string& root, const std::vector<TreeNode>& nodes);

// Every entry below root, sorted by path (never following a symlink).
std::vector<TreeNode> ReadTree(FileSystem& fs, const std::string& root);

// "path type size" for dir and everything below it (dir included), sorted:
// equal snapshots before and after show that nothing was created, removed
// or resized there.
std::vector<std::string> Snapshot(FileSystem& fs, const std::string& dir);

// SyncDir on every directory from dir down, so that a MemoryFileSystem crash
// keeps what a test set up.
void SyncTree(FileSystem& fs, const std::string& dir);

// n pseudo-random bytes, the same for the same seed.
std::string RandomBytes(std::size_t n, std::uint32_t seed);

// A component tree of the source version and one of the target version
// that differ in every way a bundle handles: nested directories, a
// read-only directory, symlinks (relative, dangling, to a directory),
// modes, empty files, changed files (deltas), unchanged ones, a renamed
// file (removal plus a new full file), a deleted one, a file that becomes a
// directory, and a file whose mode alone changes.
std::vector<TreeNode> OldTree();
std::vector<TreeNode> NewTree();

// The bundles from OldTree() to NewTree() (delta) and of NewTree() (full),
// component "webkit", 2.44.1 to 2.44.2, made once per process (zstd level 3).
const std::string& DeltaBundleBytes();
const std::string& FullBundleBytes();

using TempDir = ::bsi::testing::TempDir;

// A file system and a fresh, empty working directory on it: the real one
// (in a TempDir) or a MemoryFileSystem, for tests that run on both.
class Workspace {
 public:
  virtual ~Workspace() = default;
  virtual FileSystem& fs() = 0;
  virtual const std::string& root() const = 0;
  std::string Path(const std::string& relative) const { return JoinPath(root(), relative); }
};
enum class FsKind { kPosix, kMemory };
std::unique_ptr<Workspace> MakeWorkspace(FsKind kind);
std::string FsKindName(const ::testing::TestParamInfo<FsKind>& info);

// A content record as the test wants it, right or wrong.
struct RawRecord {
  RawRecord(std::uint8_t record_kind, std::uint32_t entry_index, std::string record_data,
            std::optional<std::uint64_t> length = std::nullopt)
      : kind(record_kind),
        index(entry_index),
        data(std::move(record_data)),
        declared_length(length) {}

  std::uint8_t kind = 1;
  std::uint32_t index = 0;
  std::string data;
  // Written into the header instead of data.size().
  std::optional<std::uint64_t> declared_length;
};

// Header (magic, version, manifest length), manifest bytes, records.
std::string RawBundle(const std::string& manifest, const std::vector<RawRecord>& records,
                      std::uint32_t format_version = 1);

// json::Canonicalize of value (aborts on failure): a manifest written by
// hand, past every check SerializeManifest would make.
std::string CanonicalJson(const json::Value& value);

// zstd of data (level 3, size recorded in the frame).
std::string Zstd(const std::string& data);

// Manifest JSON pieces for hand-built bundles.
json::Value DirJson(const std::string& path, unsigned mode = 0755);
json::Value LinkJson(const std::string& path, const std::string& target);
json::Value FullFileJson(const std::string& path, const std::string& content, std::uint64_t length,
                         unsigned mode = 0644);
json::Value ManifestJson(json::Array entries,
                         std::optional<std::string> source_version = std::nullopt);

}  // namespace bsi::payload::test

#endif  // BSI_PAYLOAD_BUNDLE_APPLY_TEST_UTIL_H_
