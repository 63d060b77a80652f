#include "bsi/core/file_system.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace bsi {
namespace {

// Writes data to a new file at tmp and makes it durable. Does not clean up.
Status WriteAndSync(FileSystem& fs, const std::string& tmp, std::string_view data, unsigned mode) {
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs.OpenWritable(tmp, mode));
  BSI_TRY(file->Append(data));
  BSI_TRY(file->Sync());
  return file->Close();
}

}  // namespace

Status CreateDirs(FileSystem& fs, const std::string& path, DirDurability durability) {
  // Walk up to the deepest ancestor that exists, then create downwards.
  std::vector<std::string> missing;
  std::string current = path;
  while (!current.empty() && current != "." && current != "/") {
    Result<FileType> type = fs.Stat(current);
    if (type.ok()) break;
    if (type.error().code() != ErrorCode::kFileNotFound) return type.error();
    missing.push_back(current);
    std::string parent = ParentDir(current);
    if (parent == current) break;
    current = std::move(parent);
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    BSI_TRY(fs.CreateDir(*it));
    if (durability == DirDurability::kSynced) BSI_TRY(fs.SyncDir(ParentDir(*it)));
  }
  // The deepest existing part may be a file; CreateDir reports that.
  if (missing.empty() && !path.empty()) return fs.CreateDir(path);
  return Ok();
}

Status RemoveTree(FileSystem& fs, const std::string& path) {
  Result<FileInfo> info = fs.GetInfo(path);
  if (!info.ok()) {
    return info.error().code() == ErrorCode::kFileNotFound ? Ok() : Status(info.error());
  }
  if (info->type != FileType::kDirectory) return fs.RemoveFile(path);
  Status first = Ok();
  const auto note = [&first](Status status) {
    if (first.ok() && !status.ok()) first = std::move(status);
  };
  constexpr unsigned kOwnerAll = 0700;
  if ((info->mode & kOwnerAll) != kOwnerAll) note(fs.SetMode(path, info->mode | kOwnerAll));
  Result<std::vector<std::string>> names = fs.ListDir(path);
  if (!names.ok()) return names.error();
  for (const std::string& name : *names) note(RemoveTree(fs, JoinPath(path, name)));
  note(fs.RemoveDir(path));
  return first;
}

std::string ParentDir(const std::string& path) {
  std::size_t end = path.size();
  while (end > 1 && path[end - 1] == '/') --end;  // "a/b/" is "a/b"
  const std::size_t slash = path.rfind('/', end == 0 ? 0 : end - 1);
  if (slash == std::string::npos) return ".";
  std::size_t parent_end = slash;
  while (parent_end > 0 && path[parent_end - 1] == '/') --parent_end;  // "a//b"
  if (parent_end == 0) return "/";
  return path.substr(0, parent_end);
}

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  while (a.size() > 1 && a.back() == '/') a.remove_suffix(1);
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  std::string out(a);
  if (out.back() != '/') out += '/';
  out += b;
  return out;
}

Status WriteFileAtomically(FileSystem& fs, const std::string& path, std::string_view data,
                           unsigned mode) {
  const std::string tmp = path + ".tmp." + UniqueTempSuffix();
  Status written = WriteAndSync(fs, tmp, data, mode);
  if (written.ok()) written = fs.Rename(tmp, path);
  if (!written.ok()) {
    // Best effort: the file may not exist, or the file system may be failing.
    (void)fs.RemoveFile(tmp);
    return written.error().WithContext("writing " + path);
  }
  Status synced = fs.SyncDir(ParentDir(path));
  if (!synced.ok()) return synced.error().WithContext("writing " + path);
  return Ok();
}

// 16 hex digits from std::random_device (getrandom or /dev/urandom on
// Linux). Only uniqueness matters here, not secrecy: the suffix keeps two
// writers of the same path from sharing a temporary file.
std::string UniqueTempSuffix() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device device;
  std::uint64_t bits = (static_cast<std::uint64_t>(device()) << 32) | device();
  std::string out(16, '0');
  for (char& c : out) {
    c = kHex[bits & 0xf];
    bits >>= 4;
  }
  return out;
}

}  // namespace bsi
