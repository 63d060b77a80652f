// PosixFileSystem: FileSystem (file_system.h) on POSIX calls, with O_CLOEXEC
// and EINTR handled; ENOSPC maps to kNoSpace, ENOENT to kFileNotFound.
//
// OpenRandomAccess is a plain open(O_RDONLY | O_CLOEXEC) without O_NOFOLLOW,
// like OpenSequential: a final symlink is followed (see file_system.h).
// Callers that must not follow links check GetInfo first and own the
// directory. Its reads are pread(2), so concurrent readers share no offset.
// SetMode checks with lstat(2) that path is not a symlink, then chmod(2)s.
//
// Thread-safety: thread-safe (it holds no state).
#ifndef BSI_CORE_POSIX_FILE_SYSTEM_H_
#define BSI_CORE_POSIX_FILE_SYSTEM_H_

#include "bsi/core/file_system.h"

namespace bsi {

class PosixFileSystem final : public FileSystem {
 public:
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
};

}  // namespace bsi

#endif  // BSI_CORE_POSIX_FILE_SYSTEM_H_
