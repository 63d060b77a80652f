// FileSystem: the one seam for every file system call libbsi makes (as
// LevelDB's Env). Three implementations:
//  - PosixFileSystem (here): the real one.
//  - MemoryFileSystem (testing/): in memory, and able to simulate a crash by
//    dropping whatever was not made durable (unsynced file data, directory
//    entries created, renamed or removed since the directory's last SyncDir).
//  - FaultInjectionFileSystem (testing/): wraps another and fails the Nth
//    operation, to prove crash safety at every sync point.
//
// Paths are plain strings with '/' separators, passed through unchanged; the
// caller is responsible for keeping them inside its own directories (see
// path checks in the modules that take names from the network).
//
// Durability contract (what MemoryFileSystem models): data appended to a
// WritableFile is durable after Sync(); a directory entry (create, rename,
// remove) is durable after SyncDir() of its parent directory.
//
// Thread-safety: PosixFileSystem is thread-safe; a WritableFile or
// SequentialFile is used by one thread at a time.
#ifndef BSI_CORE_FILE_SYSTEM_H_
#define BSI_CORE_FILE_SYSTEM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/result.h"

namespace bsi {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::span<const std::uint8_t> data) = 0;
  Status Append(std::string_view data) {
    return Append(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()),
                                                data.size()));
  }
  // Makes every byte appended so far durable (fsync).
  virtual Status Sync() = 0;
  // Closes the file; further calls fail. The destructor closes too, ignoring errors.
  virtual Status Close() = 0;
};

class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to buffer.size() bytes; returns the count, 0 at end of file.
  virtual Result<std::size_t> Read(std::span<std::uint8_t> buffer) = 0;
};

enum class FileType { kRegular, kDirectory, kSymlink, kOther };

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Reads a whole file. Errors: kFileNotFound; kTooLarge if the file holds
  // more than max_bytes; kIo.
  virtual Result<std::string> ReadFile(const std::string& path, std::uint64_t max_bytes) = 0;

  virtual Result<std::unique_ptr<SequentialFile>> OpenSequential(const std::string& path) = 0;

  // Creates or truncates path for writing (mode 0644 unless given).
  virtual Result<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path,
                                                             unsigned mode = 0644) = 0;

  // Atomically replaces `to` by `from` (rename(2) semantics).
  virtual Status Rename(const std::string& from, const std::string& to) = 0;

  // Removes a file. Errors: kFileNotFound if it does not exist.
  virtual Status RemoveFile(const std::string& path) = 0;

  // Creates one directory; succeeds if it already exists as a directory.
  virtual Status CreateDir(const std::string& path, unsigned mode = 0755) = 0;

  // Removes an empty directory.
  virtual Status RemoveDir(const std::string& path) = 0;

  // Makes the directory's entries durable (fsync of the directory).
  virtual Status SyncDir(const std::string& path) = 0;

  // The type of path (not following a final symlink), kFileNotFound if absent.
  virtual Result<FileType> Stat(const std::string& path) = 0;

  virtual Result<std::uint64_t> FileSize(const std::string& path) = 0;

  // Names (not paths) of the entries of a directory, sorted, without . and ..
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;

  // Convenience on top of Stat.
  bool Exists(const std::string& path) { return Stat(path).ok(); }
};

// Creates path and every missing parent directory.
Status CreateDirs(FileSystem& fs, const std::string& path);

// The parent directory of a path ("a/b/c" -> "a/b", "c" -> ".", "/c" -> "/").
std::string ParentDir(const std::string& path);

// Joins two path parts with one '/'.
std::string JoinPath(std::string_view a, std::string_view b);

// Replaces path by data so that, even across a crash or power cut, path holds
// either its old content or data, never a mix: writes "<path>.tmp.<random>"
// in the same directory, syncs it, renames it over path, syncs the directory.
// On failure the temporary file is removed and path is unchanged.
Status WriteFileAtomically(FileSystem& fs, const std::string& path, std::string_view data,
                           unsigned mode = 0644);

}  // namespace bsi

#endif  // BSI_CORE_FILE_SYSTEM_H_
