#include "testing/fault_injection_file_system.h"

#include <utility>

namespace bsi::testing {

class FaultInjectionFileSystem::FaultyWritableFile final : public WritableFile {
 public:
  FaultyWritableFile(FaultInjectionFileSystem& owner, std::unique_ptr<WritableFile> target,
                     std::string path)
      : owner_(owner), target_(std::move(target)), path_(std::move(path)) {}

  Status Append(std::span<const std::uint8_t> data) override {
    BSI_TRY(owner_.CountOperation("Append", path_));
    return target_->Append(data);
  }

  Status Sync() override {
    BSI_TRY(owner_.CountOperation("Sync", path_));
    return target_->Sync();
  }

  Status Close() override {
    BSI_TRY(owner_.CountOperation("Close", path_));
    return target_->Close();
  }

 private:
  FaultInjectionFileSystem& owner_;
  std::unique_ptr<WritableFile> target_;
  std::string path_;
};

void FaultInjectionFileSystem::FailAt(std::uint64_t n, FaultScope scope, FaultKind kind) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_at_ = n == 0 ? 0 : count_ + n;
  scope_ = scope;
  kind_ = kind;
}

std::uint64_t FaultInjectionFileSystem::OperationCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

std::uint64_t FaultInjectionFileSystem::InjectedFaultCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return faults_;
}

Status FaultInjectionFileSystem::CountOperation(std::string_view operation,
                                                const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  ++count_;
  const bool fail = fail_at_ != 0 && (count_ == fail_at_ ||
                                      (scope_ == FaultScope::kFromThenOn && count_ > fail_at_));
  if (!fail) return Ok();
  ++faults_;
  const ErrorCode code = kind_ == FaultKind::kNoSpace ? ErrorCode::kNoSpace : ErrorCode::kIo;
  return Error(code, "injected fault in " + std::string(operation) + " " + path + " (operation " +
                         std::to_string(count_) + ")");
}

Result<std::string> FaultInjectionFileSystem::ReadFile(const std::string& path,
                                                       std::uint64_t max_bytes) {
  return target_.ReadFile(path, max_bytes);
}

Result<std::unique_ptr<SequentialFile>> FaultInjectionFileSystem::OpenSequential(
    const std::string& path) {
  return target_.OpenSequential(path);
}

Result<std::unique_ptr<RandomAccessFile>> FaultInjectionFileSystem::OpenRandomAccess(
    const std::string& path) {
  return target_.OpenRandomAccess(path);
}

Result<std::unique_ptr<WritableFile>> FaultInjectionFileSystem::OpenWritable(
    const std::string& path, unsigned mode) {
  BSI_TRY(CountOperation("OpenWritable", path));
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, target_.OpenWritable(path, mode));
  return std::unique_ptr<WritableFile>(
      std::make_unique<FaultyWritableFile>(*this, std::move(file), path));
}

Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  BSI_TRY(CountOperation("Rename", from + " -> " + to));
  return target_.Rename(from, to);
}

Status FaultInjectionFileSystem::RemoveFile(const std::string& path) {
  BSI_TRY(CountOperation("RemoveFile", path));
  return target_.RemoveFile(path);
}

Status FaultInjectionFileSystem::CreateDir(const std::string& path, unsigned mode) {
  BSI_TRY(CountOperation("CreateDir", path));
  return target_.CreateDir(path, mode);
}

Status FaultInjectionFileSystem::RemoveDir(const std::string& path) {
  BSI_TRY(CountOperation("RemoveDir", path));
  return target_.RemoveDir(path);
}

Status FaultInjectionFileSystem::SyncDir(const std::string& path) {
  BSI_TRY(CountOperation("SyncDir", path));
  return target_.SyncDir(path);
}

Result<FileType> FaultInjectionFileSystem::Stat(const std::string& path) {
  return target_.Stat(path);
}

Result<std::uint64_t> FaultInjectionFileSystem::FileSize(const std::string& path) {
  return target_.FileSize(path);
}

Result<std::vector<std::string>> FaultInjectionFileSystem::ListDir(const std::string& path) {
  return target_.ListDir(path);
}

Result<FileInfo> FaultInjectionFileSystem::GetInfo(const std::string& path) {
  return target_.GetInfo(path);
}

Status FaultInjectionFileSystem::CreateSymlink(const std::string& target,
                                               const std::string& link_path) {
  BSI_TRY(CountOperation("CreateSymlink", link_path));
  return target_.CreateSymlink(target, link_path);
}

Result<std::string> FaultInjectionFileSystem::ReadSymlink(const std::string& path) {
  return target_.ReadSymlink(path);
}

Status FaultInjectionFileSystem::SetMode(const std::string& path, unsigned mode) {
  BSI_TRY(CountOperation("SetMode", path));
  return target_.SetMode(path, mode);
}

}  // namespace bsi::testing
