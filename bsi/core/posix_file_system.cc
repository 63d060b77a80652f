#include "bsi/core/posix_file_system.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bsi {
namespace {

ErrorCode CodeForErrno(int error_number) {
  switch (error_number) {
    case ENOENT:
      return ErrorCode::kFileNotFound;
    case ENOSPC:
    case EDQUOT:
      return ErrorCode::kNoSpace;
    default:
      return ErrorCode::kIo;
  }
}

// "<what> <path>: <strerror>", with the code errno maps to.
Error PosixError(std::string_view what, const std::string& path, int error_number) {
  std::string message(what);
  message += ' ';
  message += path;
  message += ": ";
  message += ErrnoText(error_number);
  return Error(CodeForErrno(error_number), std::move(message));
}

Result<int> OpenFd(const std::string& path, int flags, unsigned mode = 0) {
  while (true) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC, static_cast<mode_t>(mode));
    if (fd >= 0) return fd;
    if (errno != EINTR) return PosixError("cannot open", path, errno);
  }
}

// Reads up to size bytes; retries on EINTR; 0 at end of file.
Result<std::size_t> ReadFd(int fd, const std::string& path, std::uint8_t* data, std::size_t size) {
  while (true) {
    const ssize_t n = ::read(fd, data, size);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return PosixError("cannot read", path, errno);
  }
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }
  PosixWritableFile(const PosixWritableFile&) = delete;
  PosixWritableFile& operator=(const PosixWritableFile&) = delete;

  Status Append(std::span<const std::uint8_t> data) override {
    BSI_TRY(CheckOpen());
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError("cannot write", path_, errno);
      }
      data = data.subspan(static_cast<std::size_t>(n));  // a short write: go on
    }
    return Ok();
  }

  Status Sync() override {
    BSI_TRY(CheckOpen());
    while (::fsync(fd_) != 0) {
      if (errno != EINTR) return PosixError("cannot sync", path_, errno);
    }
    return Ok();
  }

  Status Close() override {
    BSI_TRY(CheckOpen());
    const int fd = std::exchange(fd_, -1);
    // On Linux the descriptor is released even when close() fails, even
    // with EINTR, so it must not be retried.
    if (::close(fd) != 0 && errno != EINTR) return PosixError("cannot close", path_, errno);
    return Ok();
  }

 private:
  Status CheckOpen() const {
    if (fd_ < 0) return Error(ErrorCode::kIo, "file " + path_ + " is closed");
    return Ok();
  }

  int fd_;
  std::string path_;
};

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixSequentialFile() override { ::close(fd_); }
  PosixSequentialFile(const PosixSequentialFile&) = delete;
  PosixSequentialFile& operator=(const PosixSequentialFile&) = delete;

  Result<std::size_t> Read(std::span<std::uint8_t> buffer) override {
    return ReadFd(fd_, path_, buffer.data(), buffer.size());
  }

 private:
  int fd_;
  std::string path_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(int fd, std::string path, std::uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }
  PosixRandomAccessFile(const PosixRandomAccessFile&) = delete;
  PosixRandomAccessFile& operator=(const PosixRandomAccessFile&) = delete;

  Result<std::size_t> ReadAt(std::uint64_t offset, std::span<std::uint8_t> buffer) const override {
    std::size_t done = 0;
    while (done < buffer.size()) {
      const std::uint64_t at = offset + done;
      if (at < offset || at > static_cast<std::uint64_t>(INT64_MAX)) break;  // past any file
      const ssize_t n =
          ::pread(fd_, buffer.data() + done, buffer.size() - done, static_cast<off_t>(at));
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError("cannot read", path_, errno);
      }
      if (n == 0) break;  // end of file
      done += static_cast<std::size_t>(n);
    }
    return done;
  }

  std::uint64_t size() const override { return size_; }

 private:
  int fd_;
  std::string path_;
  std::uint64_t size_;
};

FileType TypeOf(mode_t mode) {
  if (S_ISREG(mode)) return FileType::kRegular;
  if (S_ISDIR(mode)) return FileType::kDirectory;
  if (S_ISLNK(mode)) return FileType::kSymlink;
  return FileType::kOther;
}

// Closes a descriptor at scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { ::close(fd_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

}  // namespace

Result<std::string> PosixFileSystem::ReadFile(const std::string& path, std::uint64_t max_bytes) {
  BSI_ASSIGN_OR_RETURN(const int fd, OpenFd(path, O_RDONLY));
  FdCloser closer(fd);
  // The size from fstat is only a hint (files in /proc report 0, and a file
  // may grow while we read): the limit is enforced on the bytes read.
  struct stat st {};
  std::string out;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    out.reserve(static_cast<std::size_t>(
        std::min<std::uint64_t>(static_cast<std::uint64_t>(st.st_size), max_bytes)));
  }
  std::uint8_t buffer[64 * 1024];
  while (true) {
    BSI_ASSIGN_OR_RETURN(const std::size_t n, ReadFd(fd, path, buffer, sizeof buffer));
    if (n == 0) break;
    if (n > max_bytes - out.size()) {
      return Error(ErrorCode::kTooLarge,
                   "file " + path + " holds more than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(reinterpret_cast<const char*>(buffer), n);
  }
  return out;
}

Result<std::unique_ptr<SequentialFile>> PosixFileSystem::OpenSequential(const std::string& path) {
  BSI_ASSIGN_OR_RETURN(const int fd, OpenFd(path, O_RDONLY));
  return std::unique_ptr<SequentialFile>(std::make_unique<PosixSequentialFile>(fd, path));
}

Result<std::unique_ptr<RandomAccessFile>> PosixFileSystem::OpenRandomAccess(
    const std::string& path) {
  BSI_ASSIGN_OR_RETURN(const int fd, OpenFd(path, O_RDONLY));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int error_number = errno;
    ::close(fd);
    return PosixError("cannot stat", path, error_number);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return PosixError("cannot open", path, S_ISDIR(st.st_mode) ? EISDIR : EINVAL);
  }
  return std::unique_ptr<RandomAccessFile>(
      std::make_unique<PosixRandomAccessFile>(fd, path, static_cast<std::uint64_t>(st.st_size)));
}

Result<std::unique_ptr<WritableFile>> PosixFileSystem::OpenWritable(const std::string& path,
                                                                    unsigned mode) {
  BSI_ASSIGN_OR_RETURN(const int fd, OpenFd(path, O_WRONLY | O_CREAT | O_TRUNC, mode));
  return std::unique_ptr<WritableFile>(std::make_unique<PosixWritableFile>(fd, path));
}

Status PosixFileSystem::Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return PosixError("cannot rename", from + " to " + to, errno);
  }
  return Ok();
}

Status PosixFileSystem::RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return PosixError("cannot remove", path, errno);
  return Ok();
}

Status PosixFileSystem::CreateDir(const std::string& path, unsigned mode) {
  if (::mkdir(path.c_str(), static_cast<mode_t>(mode)) == 0) return Ok();
  const int error_number = errno;
  if (error_number == EEXIST) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Ok();
  }
  return PosixError("cannot create directory", path, error_number);
}

Status PosixFileSystem::RemoveDir(const std::string& path) {
  if (::rmdir(path.c_str()) != 0) return PosixError("cannot remove directory", path, errno);
  return Ok();
}

Status PosixFileSystem::SyncDir(const std::string& path) {
  BSI_ASSIGN_OR_RETURN(const int fd, OpenFd(path, O_RDONLY | O_DIRECTORY));
  FdCloser closer(fd);
  while (::fsync(fd) != 0) {
    if (errno != EINTR) return PosixError("cannot sync directory", path, errno);
  }
  return Ok();
}

Result<FileType> PosixFileSystem::Stat(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return PosixError("cannot stat", path, errno);
  return TypeOf(st.st_mode);
}

Result<std::uint64_t> PosixFileSystem::FileSize(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return PosixError("cannot stat", path, errno);
  if (S_ISDIR(st.st_mode)) return PosixError("cannot size", path, EISDIR);
  return static_cast<std::uint64_t>(st.st_size);
}

Result<std::vector<std::string>> PosixFileSystem::ListDir(const std::string& path) {
  BSI_ASSIGN_OR_RETURN(const int fd, OpenFd(path, O_RDONLY | O_DIRECTORY));
  DIR* dir = ::fdopendir(fd);  // takes ownership of fd on success
  if (dir == nullptr) {
    const int error_number = errno;
    ::close(fd);
    return PosixError("cannot list", path, error_number);
  }
  std::vector<std::string> names;
  while (true) {
    errno = 0;
    // readdir() is safe on a stream no other thread uses (readdir_r is deprecated).
    const struct dirent* entry = ::readdir(dir);  // NOLINT(concurrency-mt-unsafe)
    if (entry == nullptr) break;
    const std::string_view name(entry->d_name);
    if (name != "." && name != "..") names.emplace_back(name);
  }
  const int error_number = errno;
  ::closedir(dir);
  if (error_number != 0) return PosixError("cannot list", path, error_number);
  std::sort(names.begin(), names.end());
  return names;
}

Result<FileInfo> PosixFileSystem::GetInfo(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return PosixError("cannot stat", path, errno);
  return FileInfo{TypeOf(st.st_mode), static_cast<std::uint64_t>(st.st_size),
                  static_cast<unsigned>(st.st_mode) & 07777u,
                  static_cast<std::uint64_t>(st.st_nlink)};
}

Status PosixFileSystem::CreateSymlink(const std::string& target, const std::string& link_path) {
  if (::symlink(target.c_str(), link_path.c_str()) != 0) {
    return PosixError("cannot create symlink", link_path, errno);
  }
  return Ok();
}

Result<std::string> PosixFileSystem::ReadSymlink(const std::string& path) {
  std::string target(256, '\0');
  while (true) {
    const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n < 0) return PosixError("cannot read symlink", path, errno);
    if (static_cast<std::size_t>(n) < target.size()) {
      target.resize(static_cast<std::size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);  // possibly truncated: try a larger buffer
  }
}

Status PosixFileSystem::SetMode(const std::string& path, unsigned mode) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return PosixError("cannot change mode of", path, errno);
  if (S_ISLNK(st.st_mode)) {
    return Error(ErrorCode::kInvalidArgument, "cannot change mode of " + path + ": a symlink");
  }
  if (::chmod(path.c_str(), static_cast<mode_t>(mode & 07777u)) != 0) {
    return PosixError("cannot change mode of", path, errno);
  }
  return Ok();
}

}  // namespace bsi
