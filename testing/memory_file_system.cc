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

  FileType type;  // kRegular or kDirectory
  unsigned mode;
  // kRegular: what a read sees now, and what survives a crash.
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

// The node at the first `count` parts of a path. REQUIRES: state.mu held.
Result<NodePtr> Walk(State& state, const std::vector<std::string>& parts, std::size_t count,
                     std::string_view what, const std::string& path) {
  NodePtr node = state.root;
  for (std::size_t i = 0; i < count; ++i) {
    if (node->type != FileType::kDirectory) return IoError(what, path, "Not a directory");
    auto it = node->entries.find(parts[i]);
    if (it == node->entries.end()) return NotFound(what, path);
    node = it->second;
  }
  return node;
}

Result<NodePtr> Find(State& state, const std::string& path, std::string_view what) {
  const std::vector<std::string> parts = SplitPath(path);
  return Walk(state, parts, parts.size(), what, path);
}

// Where a path's last entry lives: its directory and name. The name is empty
// for the root, which has no parent. REQUIRES: state.mu held.
struct Location {
  NodePtr dir;
  std::string name;
  std::vector<std::string> parts;
};

Result<Location> FindParent(State& state, const std::string& path, std::string_view what) {
  Location location;
  location.parts = SplitPath(path);
  if (location.parts.empty()) return location;
  BSI_ASSIGN_OR_RETURN(location.dir,
                       Walk(state, location.parts, location.parts.size() - 1, what, path));
  if (location.dir->type != FileType::kDirectory) return IoError(what, path, "Not a directory");
  location.name = location.parts.back();
  return location;
}

// Finds an existing entry, as FindParent, with the node it names.
Result<std::pair<Location, NodePtr>> FindEntry(State& state, const std::string& path,
                                               std::string_view what) {
  BSI_ASSIGN_OR_RETURN(Location location, FindParent(state, path, what));
  if (location.name.empty()) return IoError(what, path, "Device or resource busy");
  auto it = location.dir->entries.find(location.name);
  if (it == location.dir->entries.end()) return NotFound(what, path);
  NodePtr node = it->second;
  return std::make_pair(std::move(location), std::move(node));
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

// Reverts node and everything reachable from it after a crash. Renames of
// directories whose parents were synced at different times can make a node
// reachable twice, hence `seen`.
void Revert(const NodePtr& node, std::set<const Node*>& seen) {
  if (!seen.insert(node.get()).second) return;
  if (node->type == FileType::kRegular) {
    node->content = node->synced_content;
    return;
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
    } else {
      CollectFiles(child, path, seen, out);
    }
  }
}

}  // namespace

MemoryFileSystem::MemoryFileSystem() : state_(std::make_shared<State>()) {}

MemoryFileSystem::~MemoryFileSystem() = default;

Result<std::string> MemoryFileSystem::ReadFile(const std::string& path, std::uint64_t max_bytes) {
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(NodePtr node, Find(*state_, path, "cannot open"));
  if (node->type != FileType::kRegular) return IoError("cannot read", path, "Is a directory");
  if (node->content.size() > max_bytes) {
    return Error(ErrorCode::kTooLarge,
                 "file " + path + " holds more than " + std::to_string(max_bytes) + " bytes");
  }
  return node->content;
}

Result<std::unique_ptr<SequentialFile>> MemoryFileSystem::OpenSequential(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(NodePtr node, Find(*state_, path, "cannot open"));
  if (node->type != FileType::kRegular) return IoError("cannot open", path, "Is a directory");
  return std::unique_ptr<SequentialFile>(
      std::make_unique<MemorySequentialFile>(state_, std::move(node), path));
}

Result<std::unique_ptr<WritableFile>> MemoryFileSystem::OpenWritable(const std::string& path,
                                                                     unsigned mode) {
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(Location location, FindParent(*state_, path, "cannot open"));
  if (location.name.empty()) return IoError("cannot open", path, "Is a directory");
  NodePtr& entry = location.dir->entries[location.name];
  if (entry == nullptr) {
    entry = std::make_shared<Node>(FileType::kRegular, mode);
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
  BSI_ASSIGN_OR_RETURN(auto source, FindEntry(*state_, from, what));
  auto& [from_location, node] = source;
  BSI_ASSIGN_OR_RETURN(Location to_location, FindParent(*state_, to, what));
  if (to_location.name.empty()) return IoError(what, to, "Device or resource busy");
  auto existing = to_location.dir->entries.find(to_location.name);
  if (existing != to_location.dir->entries.end()) {
    const NodePtr& target = existing->second;
    if (target == node) return Ok();  // the same entry: rename(2) does nothing
    if (target->type == FileType::kDirectory && node->type != FileType::kDirectory) {
      return IoError(what, to, "Is a directory");
    }
    if (target->type != FileType::kDirectory && node->type == FileType::kDirectory) {
      return IoError(what, to, "Not a directory");
    }
    if (target->type == FileType::kDirectory && !target->entries.empty()) {
      return IoError(what, to, "Directory not empty");
    }
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
  BSI_ASSIGN_OR_RETURN(auto entry, FindEntry(*state_, path, "cannot remove"));
  auto& [location, node] = entry;
  if (node->type == FileType::kDirectory) return IoError("cannot remove", path, "Is a directory");
  location.dir->entries.erase(location.name);
  return Ok();
}

Status MemoryFileSystem::CreateDir(const std::string& path, unsigned mode) {
  const std::string what = "cannot create directory";
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(Location location, FindParent(*state_, path, what));
  if (location.name.empty()) return Ok();  // the root
  NodePtr& entry = location.dir->entries[location.name];
  if (entry == nullptr) {
    entry = std::make_shared<Node>(FileType::kDirectory, mode);
  } else if (entry->type != FileType::kDirectory) {
    return IoError(what, path, "File exists");
  }
  return Ok();
}

Status MemoryFileSystem::RemoveDir(const std::string& path) {
  const std::string what = "cannot remove directory";
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(auto entry, FindEntry(*state_, path, what));
  auto& [location, node] = entry;
  if (node->type != FileType::kDirectory) return IoError(what, path, "Not a directory");
  if (!node->entries.empty()) return IoError(what, path, "Directory not empty");
  location.dir->entries.erase(location.name);
  return Ok();
}

Status MemoryFileSystem::SyncDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(NodePtr node, Find(*state_, path, "cannot open"));
  if (node->type != FileType::kDirectory) return IoError("cannot open", path, "Not a directory");
  node->durable_entries = node->entries;
  return Ok();
}

Result<FileType> MemoryFileSystem::Stat(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(NodePtr node, Find(*state_, path, "cannot stat"));
  return node->type;
}

Result<std::uint64_t> MemoryFileSystem::FileSize(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(NodePtr node, Find(*state_, path, "cannot stat"));
  if (node->type != FileType::kRegular) return IoError("cannot size", path, "Is a directory");
  return static_cast<std::uint64_t>(node->content.size());
}

Result<std::vector<std::string>> MemoryFileSystem::ListDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  BSI_ASSIGN_OR_RETURN(NodePtr node, Find(*state_, path, "cannot open"));
  if (node->type != FileType::kDirectory) return IoError("cannot open", path, "Not a directory");
  std::vector<std::string> names;
  for (const auto& [name, child] : node->entries) names.push_back(name);
  return names;  // std::map keeps them sorted
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
  BSI_ASSIGN_OR_RETURN(NodePtr node, Find(*state_, path, "cannot stat"));
  return node->mode;
}

}  // namespace bsi::testing
