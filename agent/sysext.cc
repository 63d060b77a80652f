#include "agent/sysext.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include "bsi/core/file_system.h"
#include "bsi/core/posix_file_system.h"

namespace bsi::agent {
namespace {

namespace stdfs = std::filesystem;

constexpr std::string_view kVersionKey = "BSI_VERSION=";
constexpr const char* kBase = "base";

Error IoError(const std::string& what, const std::error_code& ec) {
  return Error(ErrorCode::kIo, what + ": " + ec.message());
}

std::string ReleaseFile(const std::string& extension_dir, const std::string& name) {
  return extension_dir + "/usr/lib/extension-release.d/extension-release." + name;
}

// Mirrors `from` into `to` (which must not exist): directories made, files
// hard-linked (copied across file systems), symlinks copied.
Status MirrorTree(const stdfs::path& from, const stdfs::path& to) {
  std::error_code ec;
  stdfs::create_directories(to, ec);
  if (ec) return IoError(to.string(), ec);
  stdfs::recursive_directory_iterator it(from, stdfs::directory_options::none, ec);
  if (ec) return IoError(from.string(), ec);
  for (const stdfs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) return IoError(from.string(), ec);
    const stdfs::path target = to / it->path().lexically_relative(from);
    const stdfs::file_status status = it->symlink_status(ec);
    if (ec) return IoError(it->path().string(), ec);
    if (stdfs::is_symlink(status)) {
      stdfs::copy_symlink(it->path(), target, ec);
    } else if (stdfs::is_directory(status)) {
      stdfs::create_directory(target, ec);
    } else if (stdfs::is_regular_file(status)) {
      stdfs::create_hard_link(it->path(), target, ec);
      if (ec == std::errc::cross_device_link) {
        ec.clear();
        stdfs::copy_file(it->path(), target, ec);
      }
    } else {
      return Error(ErrorCode::kInvalidArgument,
                   it->path().string() + " is neither a file, a directory nor a symlink");
    }
    if (ec) return IoError(target.string(), ec);
  }
  return Ok();
}

Status SyncDir(const std::string& dir) {
  PosixFileSystem fs;
  return fs.SyncDir(dir);
}

Result<std::string> ReadMarker(const std::string& path) {
  PosixFileSystem fs;
  if (!fs.Exists(path)) return std::string();
  return fs.ReadFile(path, 4096);
}

}  // namespace

std::string ExtensionName(const std::string& component) { return "bsi-" + component; }

Result<std::optional<std::string>> PublishedVersion(const SysextSetup& setup,
                                                    const std::string& component) {
  const std::string name = ExtensionName(component);
  const std::string live = JoinPath(setup.extensions_dir, name);
  PosixFileSystem fs;
  if (!fs.Exists(live)) return std::optional<std::string>();
  BSI_ASSIGN_OR_RETURN(const std::string text, fs.ReadFile(ReleaseFile(live, name), 4096));
  std::size_t at = text.find(kVersionKey);
  if (at == std::string::npos || (at > 0 && text[at - 1] != '\n')) {
    return Error(ErrorCode::kCorruptState, live + " does not name the version it carries");
  }
  at += kVersionKey.size();
  return std::optional<std::string>(text.substr(at, text.find('\n', at) - at));
}

Status PublishExtension(const SysextSetup& setup, const std::string& component,
                        const std::optional<std::string>& version, const std::string& tree,
                        const std::function<Result<int>(const std::vector<std::string>&)>& run) {
  if (!(setup.mount_path.starts_with("/usr/") || setup.mount_path.starts_with("/opt/")) ||
      setup.mount_path.find("/../") != std::string::npos || setup.mount_path.ends_with("/..")) {
    return Error(ErrorCode::kInvalidArgument,
                 "sysext_path must be a path under /usr/ or /opt/, not " + setup.mount_path);
  }
  const std::string name = ExtensionName(component);
  const std::string live = JoinPath(setup.extensions_dir, name);
  const std::string next = JoinPath(setup.extensions_dir, "." + name + ".next");
  const std::string marker = JoinPath(setup.extensions_dir, "." + name + ".refreshed");
  const std::string desired = version.value_or(kBase);

  BSI_ASSIGN_OR_RETURN(const std::optional<std::string> published,
                       PublishedVersion(setup, component));
  BSI_ASSIGN_OR_RETURN(const std::string refreshed, ReadMarker(marker));
  if (published.value_or(kBase) == desired && refreshed == desired) return Ok();

  PosixFileSystem fs;
  BSI_TRY(CreateDirs(fs, setup.extensions_dir, DirDurability::kSynced));
  if (published.value_or(kBase) != desired) {
    BSI_TRY(RemoveTree(fs, next));
    if (version.has_value()) {
      BSI_TRY(MirrorTree(tree, stdfs::path(next) / setup.mount_path.substr(1)));
      const std::string release = "ID=" + setup.os_id + "\nVERSION_ID=" + setup.os_version_id +
                                  "\n" + std::string(kVersionKey) + *version + "\n";
      BSI_TRY(CreateDirs(fs, next + "/usr/lib/extension-release.d"));
      BSI_TRY(WriteFileAtomically(fs, ReleaseFile(next, name), release));
      if (fs.Exists(live)) {
        if (::renameat2(AT_FDCWD, next.c_str(), AT_FDCWD, live.c_str(), RENAME_EXCHANGE) != 0) {
          return Error(ErrorCode::kIo,
                       "exchanging " + live + ": " + std::system_category().message(errno));
        }
      } else if (::rename(next.c_str(), live.c_str()) != 0) {
        return Error(ErrorCode::kIo,
                     "renaming to " + live + ": " + std::system_category().message(errno));
      }
    } else if (::rename(live.c_str(), next.c_str()) != 0) {
      return Error(ErrorCode::kIo,
                   "removing " + live + ": " + std::system_category().message(errno));
    }
    BSI_TRY(SyncDir(setup.extensions_dir));
    BSI_TRY(RemoveTree(fs, next));  // the previous extension
  }

  BSI_ASSIGN_OR_RETURN(const int status, run(setup.refresh));
  if (status != 0) {
    return Error(ErrorCode::kInternal,
                 setup.refresh.front() + " exited with status " + std::to_string(status));
  }
  return WriteFileAtomically(fs, marker, desired);
}

}  // namespace bsi::agent
