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
// Symlinks: calls that open or size a file (ReadFile, Open*, FileSize,
// ListDir, SyncDir) follow symlinks, as open(2) does; Stat, GetInfo, Rename,
// RemoveFile, RemoveDir, CreateSymlink and ReadSymlink act on the link itself.
//
// Thread-safety: PosixFileSystem is thread-safe; a WritableFile or
// SequentialFile is used by one thread at a time; a RandomAccessFile may be
// read by many threads at once.
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

// A file read at arbitrary offsets (pread), e.g. the old file and the patch
// of a delta. Its size is taken when it is opened; the file must not change
// while it is open.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to buffer.size() bytes at offset; returns the count (0 at/after
  // end). Fewer bytes than asked are returned only at the end of the file.
  // Thread-safe for concurrent reads.
  virtual Result<std::size_t> ReadAt(std::uint64_t offset,
                                     std::span<std::uint8_t> buffer) const = 0;
  // The size in bytes when the file was opened.
  virtual std::uint64_t size() const = 0;
};

enum class FileType { kRegular, kDirectory, kSymlink, kOther };

// What lstat(2) tells about an entry.
struct FileInfo {
  FileType type;
  // Regular file: its length; symlink: the length of its target; otherwise
  // whatever the file system reports (not portable).
  std::uint64_t size = 0;
  // Permission bits with setuid/setgid/sticky (st_mode & 07777); a symlink's
  // is 0777.
  unsigned mode = 0;
  std::uint64_t link_count = 1;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Reads a whole file. Errors: kFileNotFound; kTooLarge if the file holds
  // more than max_bytes; kIo.
  virtual Result<std::string> ReadFile(const std::string& path, std::uint64_t max_bytes) = 0;

  virtual Result<std::unique_ptr<SequentialFile>> OpenSequential(const std::string& path) = 0;

  // Opens a regular file for reads at any offset. Errors: kFileNotFound; kIo
  // (also for a directory).
  virtual Result<std::unique_ptr<RandomAccessFile>> OpenRandomAccess(const std::string& path) = 0;

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

  // Type, size, mode and link count of path; does not follow a final symlink
  // (lstat). Errors: kFileNotFound; kIo.
  virtual Result<FileInfo> GetInfo(const std::string& path) = 0;

  // Creates link_path as a symlink holding target (which need not exist;
  // relative targets are relative to link_path's directory). Errors:
  // kFileNotFound if the parent is missing or target is empty; kIo if
  // link_path exists.
  virtual Status CreateSymlink(const std::string& target, const std::string& link_path) = 0;

  // The target a symlink holds. Errors: kFileNotFound; kIo if not a symlink.
  virtual Result<std::string> ReadSymlink(const std::string& path) = 0;

  // Sets the permission bits (mode & 07777, chmod(2)), taking effect at once.
  // REQUIRES: path is not a symlink (kInvalidArgument if it is: chmod would
  // change the file the link points to). Errors: kFileNotFound; kIo.
  virtual Status SetMode(const std::string& path, unsigned mode) = 0;

  // Names (not paths) of the entries of a directory, sorted, without . and ..
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;

  // Convenience on top of Stat.
  bool Exists(const std::string& path) { return Stat(path).ok(); }
};

enum class DirDurability {
  kNotSynced,  // the new entries may vanish in a crash (caches, scratch space)
  kSynced,     // each new directory's parent is synced after it is created
};

// Creates path and every missing parent directory.
Status CreateDirs(FileSystem& fs, const std::string& path,
                  DirDurability durability = DirDurability::kNotSynced);

// Removes path and, for a directory, everything below it, never following a
// symlink; a directory that is not writable by its owner is made so first
// (trees may hold read-only directories). A missing path is no error.
// Carries on past failures and returns the first.
Status RemoveTree(FileSystem& fs, const std::string& path);

// The parent directory of a path ("a/b/c" -> "a/b", "c" -> ".", "/c" -> "/").
std::string ParentDir(const std::string& path);

// Joins two path parts with one '/'.
std::string JoinPath(std::string_view a, std::string_view b);

// 16 random hex digits for temporary file names ("<path>.tmp.<suffix>"):
// unique, not secret.
std::string UniqueTempSuffix();

// Replaces path by data so that, even across a crash or power cut, path holds
// either its old content or data, never a mix: writes "<path>.tmp.<random>"
// in the same directory, syncs it, renames it over path, syncs the directory.
// On failure the temporary file is removed and path is unchanged.
Status WriteFileAtomically(FileSystem& fs, const std::string& path, std::string_view data,
                           unsigned mode = 0644);

}  // namespace bsi

#endif  // BSI_CORE_FILE_SYSTEM_H_
