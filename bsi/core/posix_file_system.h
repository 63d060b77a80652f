// PosixFileSystem: FileSystem (file_system.h) on POSIX calls, with O_CLOEXEC
// and EINTR handled; ENOSPC maps to kNoSpace, ENOENT to kFileNotFound.
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
};

}  // namespace bsi

#endif  // BSI_CORE_POSIX_FILE_SYSTEM_H_
