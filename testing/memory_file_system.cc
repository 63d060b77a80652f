#include "testing/memory_file_system.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <utility>

namespace bsi::testing {
namespace {

// A file or a directory ("inode"). Directory entries hold nodes by pointer,
// so a rename moves the node itself and its content goes along.
struct Node {
  Node(FileType node_type, unsigned node_mode) : type(node_type), mode(node_mode) {}

  FileType type;  // kRegular, kDirectory or kSymlink
  unsigned mode;
  // kRegular: what a read sees now, and what survives a crash.
  // kSymlink: content is the target (it never changes).
  std::string content;
  std::string synced_content;
  // kDirectory: the entries now, and those at the last SyncDir().
  std::map<std::string, std::shared_ptr<Node>> entries;
  std::map<std::string, std::shared_ptr<Node>> durable_entries;
};
using NodePtr = std::shared_ptr<Node>;

// "a/./b//c/../d" -> {"a", "b", "d"}; relative paths are under "/".
std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string part = path.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  return parts;
}

Error NotFound(std::string_view what, const std::string& path) {
  return Error(ErrorCode::kFileNotFound,
               std::string(what) + " " + path + ": No such file or directory");
}

Error IoError(std::string_view what, const std::string& path, std::string_view reason) {
  return Error(ErrorCode::kIo, std::string(what) + " " + path + ": " + std::string(reason));
}

}  // namespace

struct MemoryFileSystem::State {
  std::mutex mu;
  NodePtr root = std::make_shared<Node>(FileType::kDirectory, 0755);
  // Incremented by each crash; files opened in an earlier epoch are dead.
  std::uint64_t epoch = 0;
};

namespace {

using State = MemoryFileSystem::State;

// Linux gives up with ELOOP after 40 symlinks in one lookup.
constexpr int kMaxSymlinkHops = 40;

// Whether a symlink as the last component of a path is followed.
enum class Follow { kNo, kYes };

// Where a path leads: the directory holding its last entry, that entry's
// name, its node (null if there is no such entry) and the resolved parts.
// For the root, dir is null, name empty and node the root.
struct Location {
  NodePtr dir;
  std::string name;
  NodePtr node;
  std::vector<std::string> parts;
};

// Resolves a path as the kernel does: symlinks in earlier components are
// followed, and in the last one with Follow::kYes. A symlink's target is
// spliced in place of the components up to it (".." is resolved lexically).
// REQUIRES: state.mu held.
Result<Location> Resolve(State& state, const std::string& path, Follow follow,
                         std::string_view what) {
  std::vector<std::string> parts = SplitPath(path);
  NodePtr dir = state.root;
  int hops = 0;
  std::size_t i = 0;
  while (i < parts.size()) {
    if (dir->type != FileType::kDirectory) return IoError(what, path, "Not a directory");
    const bool last = i + 1 == parts.size();
    auto it = dir->entries.find(parts[i]);
    if (it == dir->entries.end()) {
      if (!last) return NotFound(what, path);
      std::string name = parts[i];
      return Location{std::move(dir), std::move(name), nullptr, std::move(parts)};
    }
    NodePtr node = it->second;
    if (node->type == FileType::kSymlink && (!last || follow == Follow::kYes)) {
      if (++hops > kMaxSymlinkHops) return IoError(what, path, "Too many levels of symbolic links");
      std::string spliced;
      if (node->content.front() != '/') {
        for (std::size_t j = 0; j < i; ++j) spliced += '/' + parts[j];
      }
      spliced += '/' + node->content;
      for (std::size_t j = i + 1; j < parts.size(); ++j) spliced += '/' + parts[j];
      parts = SplitPath(spliced);
      dir = state.root;
      i = 0;
      continue;
    }
    if (last) {
      std::string name = parts[i];
      return Location{std::move(dir), std::move(name), std::move(node), std::move(parts)};
    }
    dir = std::move(node);
    ++i;
  }
  return Location{nullptr, "", state.root, {}};
}

// The node a path names. Errors: kFileNotFound, kIo. REQUIRES: state.mu held.
Result<NodePtr> Find(State& state, const std::string& path, Follow follow, std::string_view what) {
  BSI_ASSIGN_OR_RETURN(Location location, Resolve(state, path, follow, what));
  if (location.node == nullptr) return NotFound(what, path);
  return location.node;
}

// An existing entry (not the root), not following a final symlink.
Result<Location> FindEntry(State& state, const std::string& path, std::string_view what) {
  BSI_ASSIGN_OR_RETURN(Location location, Resolve(state, path, Follow::kNo, what));
  if (location.name.empty()) return IoError(what, path, "Device or resource busy");
  if (location.node == nullptr) return NotFound(what, path);
  return location;
}

class MemoryWritableFile final : public WritableFile {
 public:
  MemoryWritableFile(std::shared_ptr<State> state, NodePtr node, std::string path)
      : state_(std::move(state)), node_(std::move(node)), path_(std::move(path)) {
    epoch_ = state_->epoch;  // REQUIRES: state_->mu held by the caller
  }

  Status Append(std::span<const std::uint8_t> data) override {
    std::lock_guard<std::mutex> lock(state_->mu);
    BSI_TRY(CheckUsable());
    node_->content.append(reinterpret_cast<const char*>(data.data()), data.size());
    return Ok();
  }

  Status Sync() override {
    std::lock_guard<std::mutex> lock(state_->mu);
    BSI_TRY(CheckUsable());
    node_->synced_content = node_->content;
    return Ok();
  }

  Status Close() override {
    std::lock_guard<std::mutex> lock(state_->mu);
    BSI_TRY(CheckUsable());
    closed_ = true;
    return Ok();
  }

 private:
  Status CheckUsable() const {
    if (closed_) return IoError("file", path_, "closed");
    if (epoch_ != state_->epoch) return IoError("file", path_, "opened before a crash");
    return Ok();
  }

  std::shared_ptr<State> state_;
  NodePtr node_;
  std::string path_;
  std::uint64_t epoch_;
  bool closed_ = false;
};

class MemorySequentialFile final : public SequentialFile {
 public:
  MemorySequentialFile(std::shared_ptr<State> state, NodePtr node, std::string path)
      : state_(std::move(state)), node_(std::move(node)), path_(std::move(path)) {
    epoch_ = state_->epoch;  // REQUIRES: state_->mu held by the caller
  }

  Result<std::size_t> Read(std::span<std::uint8_t> buffer) override {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (epoch_ != state_->epoch) return IoError("cannot read", path_, "opened before a crash");
    const std::string& content = node_->content;
    const std::size_t n = offset_ < content.size()
                              ? std::min(buffer.size(), content.size() - offset_)
                              : std::size_t{0};
    std::copy_n(content.data() + offset_, n, reinterpret_cast<char*>(buffer.data()));
    offset_ += n;
    return n;
  }

 private:
  std::shared_ptr<State> state_;
  NodePtr node_;
  std::string path_;
  std::uint64_t epoch_;
  std::size_t offset_ = 0;
};

class MemoryRandomAccessFile final : public RandomAccessFile {
 public:
  MemoryRandomAccessFile(std::shared_ptr<State> state, NodePtr node, std::string path)
      : state_(std::move(state)), node_(std::move(node)), path_(std::move(path)) {
    epoch_ = state_->epoch;  // REQUIRES: state_->mu held by the caller
    size_ = node_->content.size();
  }

  Result<std::size_t> ReadAt(std::uint64_t offset, std::span<std::uint8_t> buffer) const override {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (epoch_ != state_->epoch) return IoError("cannot read", path_, "opened before a crash");
    const std::string& content = node_->content;
    if (offset >= content.size()) return std::size_t{0};
    const std::size_t at = static_cast<std::size_t>(offset);
    const std::size_t n = std::min(buffer.size(), content.size() - at);
    std::copy_n(content.data() + at, n, reinterpret_cast<char*>(buffer.data()));
    return n;
  }

  std::uint64_t size() const override { return size_; }

 private:
  std::shared_ptr<State> state_;
  NodePtr node_;
  std::string path_;
  std::uint64_t epoch_;
  std::uint64_t size_;
};

// Reverts node and everything reachable from it after a crash. Renames of
// directories whose parents were synced at different times can make a node
// reachable twice, hence `seen`.
void Revert(const NodePtr& node, std::set<const Node*>& seen) {
  if (!seen.insert(node.get()).second) return;
  if (node->type != FileType::kDirectory) {
    if (node->type == FileType::kRegular) node->content = node->synced_content;
    return;  // a symlink's target never changes
  }
  node->entries = node->durable_entries;
  for (const auto& [name, child] : node->entries) Revert(child, seen);
}

void CollectFiles(const NodePtr& dir, const std::string& prefix, std::set<const Node*>& seen,
                  std::vector<std::string>& out) {
  if (!seen.insert(dir.get()).second) return;
  for (const auto& [name, child] : dir->entries) {
    std::string path = prefix;
    path += '/';
    path += name;
    if (child->type == FileType::kRegular) {
      out.push_back(path);
    } else if (child->type == FileType::kDirectory) {
      CollectFiles(child, path, seen, out);
    }
  }
}

}  // namespace

MemoryFileSystem::MemoryFileSystem() : state_(std::make_shared<State>()) {}

MemoryFileSystem::~MemoryFileSystem() = default;

Result<std::string> MemoryFileSystem::ReadFile(const std::string& path, std::uint64_t max_bytes) {
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(NodePtr node, Find(*state_, path, Follow::kYes, "cannot open"));
  if (node->type != FileType::kRegular) return IoError("cannot read", path, "Is a directory");
  if (node->content.size() > max_bytes) {
    return Error(ErrorCode::kTooLarge,
                 "file " + path + " holds more than " + std::to_string(max_bytes) + " bytes");
  }
  return node->content;
}

Result<std::unique_ptr<SequentialFile>> MemoryFileSystem::OpenSequential(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(NodePtr node, Find(*state_, path, Follow::kYes, "cannot open"));
  if (node->type != FileType::kRegular) return IoError("cannot open", path, "Is a directory");
  return std::unique_ptr<SequentialFile>(
      std::make_unique<MemorySequentialFile>(state_, std::move(node), path));
}

Result<std::unique_ptr<RandomAccessFile>> MemoryFileSystem::OpenRandomAccess(
    const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(NodePtr node, Find(*state_, path, Follow::kYes, "cannot open"));
  if (node->type != FileType::kRegular) return IoError("cannot open", path, "Is a directory");
  return std::unique_ptr<RandomAccessFile>(
      std::make_unique<MemoryRandomAccessFile>(state_, std::move(node), path));
}

Result<std::unique_ptr<WritableFile>> MemoryFileSystem::OpenWritable(const std::string& path,
                                                                     unsigned mode) {
  std::lock_guard<std::mutex> lock(state_->mu);
  // Through a dangling symlink, open(O_CREAT) creates the file it names.
  BSI_ASSIGN_OR_RETURN(Location location, Resolve(*state_, path, Follow::kYes, "cannot open"));
  if (location.name.empty()) return IoError("cannot open", path, "Is a directory");
  NodePtr& entry = location.dir->entries[location.name];
  if (entry == nullptr) {
    entry = std::make_shared<Node>(FileType::kRegular, mode & 07777u);
  } else if (entry->type != FileType::kRegular) {
    return IoError("cannot open", path, "Is a directory");
  } else {
    entry->content.clear();  // O_TRUNC; synced_content is kept until a Sync
  }
  return std::unique_ptr<WritableFile>(std::make_unique<MemoryWritableFile>(state_, entry, path));
}

Status MemoryFileSystem::Rename(const std::string& from, const std::string& to) {
  const std::string what = "cannot rename";
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(Location from_location, FindEntry(*state_, from, what));
  const NodePtr& node = from_location.node;
  BSI_ASSIGN_OR_RETURN(Location to_location, Resolve(*state_, to, Follow::kNo, what));
  if (to_location.name.empty()) return IoError(what, to, "Device or resource busy");
  if (const NodePtr& target = to_location.node; target != nullptr) {
    if (target == node) return Ok();  // the same entry: rename(2) does nothing
    const bool target_is_dir = target->type == FileType::kDirectory;
    const bool node_is_dir = node->type == FileType::kDirectory;
    if (target_is_dir && !node_is_dir) return IoError(what, to, "Is a directory");
    if (!target_is_dir && node_is_dir) return IoError(what, to, "Not a directory");
    if (target_is_dir && !target->entries.empty()) return IoError(what, to, "Directory not empty");
  }
  if (node->type == FileType::kDirectory && to_location.parts.size() > from_location.parts.size() &&
      std::equal(from_location.parts.begin(), from_location.parts.end(),
                 to_location.parts.begin())) {
    return IoError(what, to, "Invalid argument");  // into its own subdirectory
  }
  to_location.dir->entries[to_location.name] = node;
  from_location.dir->entries.erase(from_location.name);
  return Ok();
}

Status MemoryFileSystem::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(Location location, FindEntry(*state_, path, "cannot remove"));
  if (location.node->type == FileType::kDirectory) {
    return IoError("cannot remove", path, "Is a directory");
  }
  location.dir->entries.erase(location.name);
  return Ok();
}

Status MemoryFileSystem::CreateDir(const std::string& path, unsigned mode) {
  const std::string what = "cannot create directory";
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(Location location, Resolve(*state_, path, Follow::kNo, what));
  if (location.name.empty()) return Ok();  // the root
  if (location.node == nullptr) {
    location.dir->entries[location.name] =
        std::make_shared<Node>(FileType::kDirectory, mode & 07777u);
    return Ok();
  }
  if (location.node->type == FileType::kSymlink) {  // fine if it leads to a directory
    Result<NodePtr> followed = Find(*state_, path, Follow::kYes, what);
    if (followed.ok() && (*followed)->type == FileType::kDirectory) return Ok();
  }
  if (location.node->type != FileType::kDirectory) return IoError(what, path, "File exists");
  return Ok();
}

Status MemoryFileSystem::RemoveDir(const std::string& path) {
  const std::string what = "cannot remove directory";
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(Location location, FindEntry(*state_, path, what));
  if (location.node->type != FileType::kDirectory) return IoError(what, path, "Not a directory");
  if (!location.node->entries.empty()) return IoError(what, path, "Directory not empty");
  location.dir->entries.erase(location.name);
  return Ok();
}

Status MemoryFileSystem::SyncDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(NodePtr node, Find(*state_, path, Follow::kYes, "cannot open"));
  if (node->type != FileType::kDirectory) return IoError("cannot open", path, "Not a directory");
  node->durable_entries = node->entries;
  return Ok();
}

Result<FileType> MemoryFileSystem::Stat(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(NodePtr node, Find(*state_, path, Follow::kNo, "cannot stat"));
  return node->type;
}

Result<std::uint64_t> MemoryFileSystem::FileSize(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(NodePtr node, Find(*state_, path, Follow::kYes, "cannot stat"));
  if (node->type != FileType::kRegular) return IoError("cannot size", path, "Is a directory");
  return static_cast<std::uint64_t>(node->content.size());
}

Result<std::vector<std::string>> MemoryFileSystem::ListDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(NodePtr node, Find(*state_, path, Follow::kYes, "cannot open"));
  if (node->type != FileType::kDirectory) return IoError("cannot open", path, "Not a directory");
  std::vector<std::string> names;
  for (const auto& [name, child] : node->entries) names.push_back(name);
  return names;  // std::map keeps them sorted
}

Result<FileInfo> MemoryFileSystem::GetInfo(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(NodePtr node, Find(*state_, path, Follow::kNo, "cannot stat"));
  FileInfo info{node->type, node->content.size(), node->mode, 1};
  if (node->type == FileType::kDirectory) {  // "." and each subdirectory's ".."
    info.link_count = 2;
    for (const auto& [name, child] : node->entries) {
      if (child->type == FileType::kDirectory) ++info.link_count;
    }
  }
  return info;
}

Status MemoryFileSystem::CreateSymlink(const std::string& target, const std::string& link_path) {
  const std::string what = "cannot create symlink";
  std::lock_guard<std::mutex> lock(state_->mu);
  if (target.empty()) return NotFound(what, link_path);  // as symlink(2): ENOENT
  BSI_ASSIGN_OR_RETURN(Location location, Resolve(*state_, link_path, Follow::kNo, what));
  if (location.name.empty() || location.node != nullptr) {
    return IoError(what, link_path, "File exists");
  }
  auto link = std::make_shared<Node>(FileType::kSymlink, 0777);
  link->content = target;
  location.dir->entries[location.name] = std::move(link);
  return Ok();
}

Result<std::string> MemoryFileSystem::ReadSymlink(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(NodePtr node, Find(*state_, path, Follow::kNo, "cannot read symlink"));
  if (node->type != FileType::kSymlink) {
    return IoError("cannot read symlink", path, "Invalid argument");
  }
  return node->content;
}

Status MemoryFileSystem::SetMode(const std::string& path, unsigned mode) {
  const std::string what = "cannot change mode of";
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(NodePtr node, Find(*state_, path, Follow::kNo, what));
  if (node->type == FileType::kSymlink) {
    return Error(ErrorCode::kInvalidArgument, what + " " + path + ": a symlink");
  }
  node->mode = mode & 07777u;
  return Ok();
}

void MemoryFileSystem::SimulateCrash() {
  std::lock_guard<std::mutex> lock(state_->mu);
  ++state_->epoch;
  std::set<const Node*> seen;
  Revert(state_->root, seen);
}

std::vector<std::string> MemoryFileSystem::AllFiles() {
  std::lock_guard<std::mutex> lock(state_->mu);
  std::vector<std::string> files;
  std::set<const Node*> seen;
  CollectFiles(state_->root, "", seen, files);
  std::sort(files.begin(), files.end());
  return files;
}

Result<unsigned> MemoryFileSystem::Mode(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(NodePtr node, Find(*state_, path, Follow::kNo, "cannot stat"));
  return node->mode;
}

}  // namespace bsi::testing
