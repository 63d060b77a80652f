// MemoryFileSystem: a FileSystem (bsi/core/file_system.h) held in memory,
// which can simulate a crash or power cut.
//
// It models exactly the durability contract of file_system.h. Each file has
// its current content and the content at its last WritableFile::Sync(); each
// directory has its current entries and the entries at its last SyncDir().
// SimulateCrash() throws away everything not durable: every file reverts to
// its synced content, every directory to its synced entries. So a file created
// (or a rename or removal done) since its directory's last SyncDir() is undone,
// and data appended since the file's last Sync() is lost. Opening an existing
// file for writing truncates it, but the truncation is not durable either.
//
// Paths: '/' separated; "." and empty components are ignored, ".." goes up
// (never above "/"). A relative path is taken as relative to "/", so "a/b"
// and "/a/b" name the same file. The root "/" always exists.
//
// Symlinks are directory entries like files (durable after SyncDir of their
// directory) and are followed as the kernel follows them (see
// file_system.h), up to 40 per lookup; ".." in a path or target is resolved
// lexically after splicing a target in. Modes are kept per node (a symlink's
// is 0777); SetMode takes effect at once and, as a simplification, survives
// a crash without any sync.
//
// Errors follow PosixFileSystem: kFileNotFound when an entry is missing; kIo
// for the rest (a file where a directory is needed or the reverse, removing a
// non-empty directory, using a closed file or one opened before a crash).
//
// Thread-safety: thread-safe. Files it hands out stay valid after the
// MemoryFileSystem is destroyed (they then fail or read stale data), and each
// is used by one thread at a time.
#ifndef BSI_TESTING_MEMORY_FILE_SYSTEM_H_
#define BSI_TESTING_MEMORY_FILE_SYSTEM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bsi/core/file_system.h"

namespace bsi::testing {

class MemoryFileSystem final : public FileSystem {
 public:
  MemoryFileSystem();
  ~MemoryFileSystem() override;
  MemoryFileSystem(const MemoryFileSystem&) = delete;
  MemoryFileSystem& operator=(const MemoryFileSystem&) = delete;

  Result<std::string> ReadFile(const std::string& path, std::uint64_t max_bytes) override;
  Result<std::unique_ptr<SequentialFile>> OpenSequential(const std::string& path) override;
  Result<std::unique_ptr<RandomAccessFile>> OpenRandomAccess(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path,
                                                     unsigned mode = 0644) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status RemoveFile(const std::string& path) override;
  Status CreateDir(const std::string& path, unsigned mode = 0755) override;
  Status RemoveDir(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  Result<FileType> Stat(const std::string& path) override;
  Result<std::uint64_t> FileSize(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  Result<FileInfo> GetInfo(const std::string& path) override;
  Status CreateSymlink(const std::string& target, const std::string& link_path) override;
  Result<std::string> ReadSymlink(const std::string& path) override;
  Status SetMode(const std::string& path, unsigned mode) override;

  // Drops everything that was not made durable, as a power cut would.
  // Files opened before the crash fail from then on (kIo).
  void SimulateCrash();

  // Absolute paths ("/a/b") of every regular file that exists now, sorted.
  std::vector<std::string> AllFiles();

  // The mode of a file or directory (as created, or as last set).
  // Errors: kFileNotFound.
  Result<unsigned> Mode(const std::string& path);

  // Shared with the files handed out; defined in the .cc.
  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace bsi::testing

#endif  // BSI_TESTING_MEMORY_FILE_SYSTEM_H_
