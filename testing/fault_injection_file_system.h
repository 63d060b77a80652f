// FaultInjectionFileSystem: wraps another FileSystem and makes a chosen
// mutating operation fail, to prove that code survives a failure (and, with
// MemoryFileSystem::SimulateCrash(), a crash) at every step.
//
// Counted operations are those that change state: OpenWritable, Rename,
// RemoveFile, CreateDir, RemoveDir, SyncDir, CreateSymlink, SetMode, and
// Append, Sync and Close of the files it opens. Reads (ReadFile,
// OpenSequential, OpenRandomAccess, Stat, FileSize, ListDir, GetInfo,
// ReadSymlink) pass straight through and are not counted. A failing operation
// does not reach the wrapped file system; it returns kIo (or kNoSpace) with
// a message starting "injected fault".
//
//   MemoryFileSystem memory;
//   FaultInjectionFileSystem fs(memory);
//   fs.FailAt(3, FaultScope::kFromThenOn);  // the 3rd operation from now on
//   EXPECT_FALSE(WriteFileAtomically(fs, "state", "new").ok());
//   memory.SimulateCrash();
//
// Thread-safety: thread-safe if the wrapped file system is. Files it hands
// out must not outlive it.
#ifndef BSI_TESTING_FAULT_INJECTION_FILE_SYSTEM_H_
#define BSI_TESTING_FAULT_INJECTION_FILE_SYSTEM_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/file_system.h"

namespace bsi::testing {

// Which operations fail once the chosen one is reached.
enum class FaultScope {
  kOnce,        // only the chosen operation; later ones succeed
  kFromThenOn,  // the chosen one and every later one (the disk is gone)
};

// The error an injected fault returns.
enum class FaultKind {
  kIo,       // ErrorCode::kIo
  kNoSpace,  // ErrorCode::kNoSpace (disk full)
};

class FaultInjectionFileSystem final : public FileSystem {
 public:
  // REQUIRES: target outlives this object.
  explicit FaultInjectionFileSystem(FileSystem& target) : target_(target) {}
  FaultInjectionFileSystem(const FaultInjectionFileSystem&) = delete;
  FaultInjectionFileSystem& operator=(const FaultInjectionFileSystem&) = delete;

  // Makes the nth counted operation after this call fail (1-based), and with
  // kFromThenOn every one after it too. n == 0 injects no faults.
  // Default: no faults.
  void FailAt(std::uint64_t n, FaultScope scope = FaultScope::kOnce,
              FaultKind kind = FaultKind::kIo);

  // Counted operations since construction, failed ones included.
  std::uint64_t OperationCount() const;

  // Operations made to fail since construction.
  std::uint64_t InjectedFaultCount() const;

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

 private:
  class FaultyWritableFile;

  // Counts one operation; returns the injected error if it is to fail.
  Status CountOperation(std::string_view operation, const std::string& path);

  FileSystem& target_;
  mutable std::mutex mu_;
  std::uint64_t count_ = 0;               // guarded by mu_
  std::uint64_t fail_at_ = 0;             // absolute count; 0: never. Guarded by mu_
  FaultScope scope_ = FaultScope::kOnce;  // guarded by mu_
  FaultKind kind_ = FaultKind::kIo;       // guarded by mu_
  std::uint64_t faults_ = 0;              // guarded by mu_
};

}  // namespace bsi::testing

#endif  // BSI_TESTING_FAULT_INJECTION_FILE_SYSTEM_H_
