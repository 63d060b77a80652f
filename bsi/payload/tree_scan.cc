#include "bsi/payload/tree_scan.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace bsi::payload {
namespace {

Error Refused(const std::string& path, const std::string& why) {
  return Error(ErrorCode::kInvalidArgument, path + ": " + why + "; a bundle cannot carry it");
}

class Scanner {
 public:
  Scanner(FileSystem& fs, std::string root, ScanPolicy policy)
      : fs_(fs), root_(std::move(root)), policy_(policy) {}

  // Scans the directory at relative path `dir` ("" for the root).
  Status ScanDir(const std::string& dir) {
    BSI_ASSIGN_OR_RETURN(std::vector<std::string> names, fs_.ListDir(JoinPath(root_, dir)));
    for (const std::string& name : names) {
      const std::string relative = dir.empty() ? name : dir + "/" + name;
      BSI_TRY(ScanEntry(relative));
    }
    return Ok();
  }

  std::vector<TreeEntry> TakeEntries() { return std::move(entries_); }

 private:
  bool strict() const { return policy_ == ScanPolicy::kRefuseUnsafe; }

  Status ScanEntry(const std::string& relative) {
    Result<SafeRelativePath> path = SafeRelativePath::Parse(relative);
    if (!path.ok()) return strict() ? path.error() : Ok();
    const std::string full = JoinPath(root_, relative);
    BSI_ASSIGN_OR_RETURN(FileInfo info, fs_.GetInfo(full));
    TreeEntry entry(std::move(*path));
    switch (info.type) {
      case FileType::kRegular:
        if (strict()) {
          BSI_TRY(CheckModeBits(relative, info.mode));
          if (info.link_count > 1) {
            return Refused(relative, "is a hard link (" + std::to_string(info.link_count) +
                                         " links to one file)");
          }
        }
        entry.type = NodeType::kFile;
        entry.mode = info.mode;
        entry.size = info.size;
        entries_.push_back(std::move(entry));
        return Ok();
      case FileType::kDirectory:
        if (strict()) BSI_TRY(CheckModeBits(relative, info.mode));
        entry.type = NodeType::kDirectory;
        entry.mode = info.mode;
        entries_.push_back(std::move(entry));
        return ScanDir(relative);
      case FileType::kSymlink: {
        if (!strict()) return Ok();
        BSI_ASSIGN_OR_RETURN(std::string target, fs_.ReadSymlink(full));
        Result<std::string> resolved = ResolveLinkTarget(entry.path, target);
        if (!resolved.ok()) return resolved.error();
        entry.type = NodeType::kSymlink;
        entry.link_target = std::move(target);
        entries_.push_back(std::move(entry));
        return Ok();
      }
      case FileType::kOther:
        if (!strict()) return Ok();
        return Refused(relative, "is a device, FIFO or socket");
    }
    return Refused(relative, "has an unknown type");
  }

  static Status CheckModeBits(const std::string& relative, unsigned mode) {
    if ((mode & ~kMaxMode) != 0) {
      return Refused(relative, "has a setuid, setgid or sticky bit");
    }
    return Ok();
  }

  FileSystem& fs_;
  const std::string root_;
  const ScanPolicy policy_;
  std::vector<TreeEntry> entries_;
};

}  // namespace

Result<std::vector<TreeEntry>> ScanTree(FileSystem& fs, const std::string& root,
                                        ScanPolicy policy) {
  BSI_ASSIGN_OR_RETURN(FileInfo info, fs.GetInfo(root));
  if (info.type != FileType::kDirectory) {
    return Error(ErrorCode::kInvalidArgument, "tree root " + root + " is not a directory");
  }
  Scanner scanner(fs, root, policy);
  BSI_TRY(scanner.ScanDir(""));
  std::vector<TreeEntry> entries = scanner.TakeEntries();
  std::sort(entries.begin(), entries.end(),
            [](const TreeEntry& a, const TreeEntry& b) { return a.path < b.path; });
  return entries;
}

}  // namespace bsi::payload
