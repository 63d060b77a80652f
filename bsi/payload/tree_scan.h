// ScanTree: the entries of a directory tree as a bundle sees them — regular
// files, directories and symlinks under safe relative paths — in manifest
// order (ascending by the bytes of the path). Used by BundleWriter for the
// old and the new tree of a component.
//
// The scan never follows a symlink (it uses FileSystem::GetInfo, lstat), so
// a link to "/" or to a parent is recorded as a link and nothing more.
//
// Thread-safety: the functions hold no state; the file system must not be
// changed under the scan (what a file held when it was hashed is what a
// writer must put in a bundle, see BundleWriter).
#ifndef BSI_PAYLOAD_TREE_SCAN_H_
#define BSI_PAYLOAD_TREE_SCAN_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bsi/core/file_system.h"
#include "bsi/core/result.h"
#include "bsi/payload/manifest.h"
#include "bsi/payload/safe_path.h"

namespace bsi::payload {

struct TreeEntry {
  explicit TreeEntry(SafeRelativePath entry_path) : path(std::move(entry_path)) {}

  SafeRelativePath path;
  NodeType type = NodeType::kFile;
  unsigned mode = 0;        // kFile, kDirectory: st_mode & 07777; kSymlink: 0
  std::uint64_t size = 0;   // kFile only
  std::string link_target;  // kSymlink only, as the link holds it
};

enum class ScanPolicy {
  // For the tree a bundle will create: any entry a bundle cannot carry fails
  // the scan with a clear error — an unsafe name (kUnsafePath), a device,
  // FIFO or socket, a setuid/setgid/sticky bit, a hard link (a regular file
  // with more than one link), a symlink whose target is absolute or leaves
  // the tree (kUnsafePath), and anything over the SafeRelativePath bounds.
  kRefuseUnsafe,
  // For the tree a bundle starts from: only its safe regular files matter
  // (as delta sources); every other entry is left out without an error.
  // Directories with unsafe names are not descended into.
  kSkipUnsafe,
};

// Every entry below root (root itself excluded), sorted by path.
// REQUIRES: root is a directory (kInvalidArgument otherwise).
// Errors: see ScanPolicy (kInvalidArgument for the non-path refusals); those
// of the file system.
Result<std::vector<TreeEntry>> ScanTree(FileSystem& fs, const std::string& root, ScanPolicy policy);

}  // namespace bsi::payload

#endif  // BSI_PAYLOAD_TREE_SCAN_H_
