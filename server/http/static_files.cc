#include "server/http/static_files.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace bsi::http {
namespace {

constexpr int kOpenFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
constexpr int kReadAttempts = 3;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::optional<std::uint64_t> ParseDigits(std::string_view s) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

void AppendHex(std::string& out, std::uint64_t n) {
  char digits[16];
  auto result = std::to_chars(std::begin(digits), std::end(digits), n, 16);
  out.append(std::begin(digits), result.ptr);
}

// Closes a descriptor unless released.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// What identifies one version of a file.
struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;

  explicit FileId(const struct stat& st)
      : dev(st.st_dev),
        ino(st.st_ino),
        size(static_cast<std::uint64_t>(st.st_size)),
        mtime_ns(static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec) {}
  FileId() = default;
  bool operator==(const FileId&) const = default;
};

// "<inode>-<size>-<mtime ns>" in hex, quoted.
std::string ETagOf(const FileId& id) {
  std::string etag = "\"";
  AppendHex(etag, static_cast<std::uint64_t>(id.ino));
  etag += '-';
  AppendHex(etag, id.size);
  etag += '-';
  AppendHex(etag, static_cast<std::uint64_t>(id.mtime_ns));
  etag += '"';
  return etag;
}

// One version of a file: in memory (cached) or open.
struct CachedFile {
  FileId id;
  std::shared_ptr<const FileSource> content;
  std::string etag;
  std::string last_modified;
};

class StaticFileServer {
 public:
  StaticFileServer(int root_fd, std::string root_real_path, StaticFilesOptions options)
      : root_fd_(root_fd),
        root_real_path_(std::move(root_real_path)),
        options_(std::move(options)) {}

  ~StaticFileServer() { close(root_fd_); }
  StaticFileServer(const StaticFileServer&) = delete;
  StaticFileServer& operator=(const StaticFileServer&) = delete;

  HttpResponse Serve(const HttpRequest& request) const;

 private:
  // The file at relative (already checked): from the cache when a stat
  // shows the cached version is still there, else opened beneath the root.
  // nullptr with *refused set when it cannot be served.
  std::shared_ptr<const CachedFile> Find(const std::string& relative, HttpResponse* refused) const;
  // Opens relative beneath the root: fd, or -errno.
  int OpenBeneath(const std::string& relative) const;
  // The cached file for relative when it still is id; else reads fd,
  // caches and returns it. nullptr when the file keeps changing or fails.
  std::shared_ptr<const CachedFile> Load(const std::string& relative, int fd,
                                         const FileId& id) const;

  const int root_fd_;
  const std::string root_real_path_;
  const StaticFilesOptions options_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::shared_ptr<const CachedFile>, std::less<>>
      cache_;                            // guarded by mu_
  mutable std::size_t cache_bytes_ = 0;  // guarded by mu_
};

// The path beneath the root for a request's raw mount path, or the response
// refusing it.
std::optional<HttpResponse> CheckPath(std::string_view raw, std::string& relative) {
  if (raw.empty()) return ErrorResponse(404, "not_found", "no such file");
  if (raw.front() == '/') return ErrorResponse(400, "bad_path", "absolute path");
  relative.reserve(raw.size());
  while (true) {
    std::size_t slash = raw.find('/');
    std::string_view segment = raw.substr(0, slash);
    std::size_t start = relative.size();
    if (!AppendDecodedSegment(segment, relative)) {
      return ErrorResponse(400, "bad_path", "bad %XX escape, encoded '/' or NUL in the path");
    }
    std::string_view all = relative;
    std::string_view decoded = all.substr(start);
    if (decoded == "." || decoded == ".." || decoded.find('\\') != std::string_view::npos) {
      return ErrorResponse(400, "bad_path", "'.', '..' or '\\' in the path");
    }
    if (decoded.empty()) {
      if (slash == std::string_view::npos) return ErrorResponse(404, "not_found", "no such file");
      return ErrorResponse(400, "bad_path", "empty segment in the path");
    }
    if (slash == std::string_view::npos) return std::nullopt;
    relative.push_back('/');
    raw.remove_prefix(slash + 1);
  }
}

std::shared_ptr<const CachedFile> StaticFileServer::Find(const std::string& relative,
                                                         HttpResponse* refused) const {
  // Fast path, one system call: the cache holds this path and a stat of it
  // shows the very version cached. The entry was loaded through
  // OpenBeneath, so its bytes were found servable under this path; a stat
  // that follows a link elsewhere to the same (device, inode, size, mtime)
  // can only lead to those same bytes.
  struct stat st {};
  if (fstatat(root_fd_, relative.c_str(), &st, 0) == 0 && S_ISREG(st.st_mode) &&
      static_cast<std::uint64_t>(st.st_size) <= options_.cache_max_file_bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(relative);
    if (it != cache_.end() && it->second->id == FileId(st)) return it->second;
  }

  int opened = OpenBeneath(relative);
  if (opened < 0) {
    int err = -opened;
    if (err == ENOENT || err == ENOTDIR || err == EXDEV || err == ELOOP || err == EACCES ||
        err == ENXIO || err == ENAMETOOLONG) {
      *refused = ErrorResponse(404, "not_found", "no such file");
    } else {
      *refused = ErrorResponse(500, "io", std::string("open: ") + ErrnoText(err));
    }
    return nullptr;
  }
  ScopedFd fd(opened);
  if (fstat(fd.get(), &st) != 0) {
    *refused = ErrorResponse(500, "io", std::string("fstat: ") + ErrnoText(errno));
    return nullptr;
  }
  if (!S_ISREG(st.st_mode)) {
    *refused = ErrorResponse(404, "not_found", "no such file");
    return nullptr;
  }
  FileId id(st);
  if (id.size <= options_.cache_max_file_bytes) {
    std::shared_ptr<const CachedFile> file = Load(relative, fd.get(), id);
    if (file == nullptr) {
      *refused =
          ErrorResponse(503, "file_changing", "the file changed while being read; try again");
    }
    return file;
  }
  auto file = std::make_shared<CachedFile>();
  file->id = id;
  file->etag = ETagOf(id);
  file->last_modified = FormatHttpDate(st.st_mtim.tv_sec);
  file->content = FileSource::FromFd(fd.release(), id.size);
  return file;
}

int StaticFileServer::OpenBeneath(const std::string& relative) const {
  static std::atomic<bool> have_openat2{true};
  if (have_openat2.load(std::memory_order_relaxed)) {
    open_how how{};
    how.flags = kOpenFlags;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    std::int64_t fd = syscall(SYS_openat2, root_fd_, relative.c_str(), &how, sizeof(how));
    if (fd >= 0) return static_cast<int>(fd);
    if (errno != ENOSYS && errno != EPERM) return -errno;  // EPERM: a seccomp filter
    have_openat2.store(false, std::memory_order_relaxed);
  }
  // Without openat2: resolve, check the result is beneath the root, and open
  // the resolved path without following a link there.
  std::string full = root_real_path_ + "/" + relative;
  std::unique_ptr<char, decltype(&std::free)> resolved(realpath(full.c_str(), nullptr), &std::free);
  if (resolved == nullptr) return -errno;
  std::string_view real(resolved.get());
  if (real.substr(0, root_real_path_.size() + 1) != root_real_path_ + "/") return -EXDEV;
  int fd = open(resolved.get(), kOpenFlags | O_NOFOLLOW);
  return fd >= 0 ? fd : -errno;
}

std::shared_ptr<const CachedFile> StaticFileServer::Load(const std::string& relative, int fd,
                                                         const FileId& id) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(relative);
    if (it != cache_.end() && it->second->id == id) return it->second;
  }
  auto file = std::make_shared<CachedFile>();
  std::string bytes;
  for (int attempt = 0; attempt < kReadAttempts; ++attempt) {
    struct stat before {};
    if (fstat(fd, &before) != 0) return nullptr;
    bytes.resize(static_cast<std::size_t>(before.st_size));
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    struct stat after {};
    if (fstat(fd, &after) != 0) return nullptr;
    // Modified in place while read: read again.
    if (done != bytes.size() || !(FileId(before) == FileId(after))) continue;
    file->id = FileId(after);
    file->content = FileSource::FromBytes(std::move(bytes));
    file->etag = ETagOf(file->id);
    file->last_modified = FormatHttpDate(after.st_mtim.tv_sec);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(relative);
    if (it != cache_.end()) {
      cache_bytes_ -= it->second->id.size;
      cache_.erase(it);
    }
    if (cache_bytes_ + file->id.size > options_.cache_max_total_bytes) {
      cache_.clear();
      cache_bytes_ = 0;
    }
    if (file->id.size <= options_.cache_max_total_bytes) {
      cache_.emplace(relative, file);
      cache_bytes_ += file->id.size;
    }
    return file;
  }
  return nullptr;
}

HttpResponse StaticFileServer::Serve(const HttpRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse response = ErrorResponse(405, "method_not_allowed", "static files: GET or HEAD");
    response.AddHeader("Allow", "GET, HEAD");
    return response;
  }
  std::string relative;
  if (std::optional<HttpResponse> refused = CheckPath(request.MountPath(), relative)) {
    return std::move(*refused);
  }
  HttpResponse refused;
  std::shared_ptr<const CachedFile> file = Find(relative, &refused);
  if (file == nullptr) return refused;
  const std::string& tag = file->etag;
  const std::uint64_t size = file->id.size;

  std::string_view name = relative;
  if (std::size_t slash = name.rfind('/'); slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  HttpResponse response;
  response.headers.reserve(8);
  response.AddHeader("ETag", tag);
  response.AddHeader("Cache-Control", std::string(CacheControlFor(name, options_)));
  response.AddHeader("Last-Modified", file->last_modified);
  if (std::optional<std::string_view> match = request.Header("If-None-Match");
      match.has_value() && IfNoneMatchMatches(*match, tag)) {
    response.status = 304;
    return response;
  }
  response.AddHeader("Content-Type", std::string(ContentTypeFor(name)));
  response.AddHeader("Accept-Ranges", "bytes");
  response.AddHeader("X-Content-Type-Options", "nosniff");
  ByteRange range{0, size};
  RangeOutcome outcome = RangeOutcome::kWhole;
  if (std::optional<std::string_view> header = request.Header("Range")) {
    std::optional<std::string_view> if_range = request.Header("If-Range");
    if (!if_range.has_value() || Trim(*if_range) == tag) {
      outcome = ParseRange(*header, size, &range);
    }
  }
  if (outcome == RangeOutcome::kUnsatisfiable) {
    HttpResponse unsatisfiable =
        ErrorResponse(416, "range_not_satisfiable", "range not satisfiable");
    std::string content_range = "bytes */";
    content_range += std::to_string(size);
    unsatisfiable.AddHeader("Content-Range", std::move(content_range));
    return unsatisfiable;
  }
  if (outcome == RangeOutcome::kPartial) {
    response.status = 206;
    std::string content_range = "bytes ";
    content_range += std::to_string(range.first);
    content_range += '-';
    content_range += std::to_string(range.first + range.length - 1);
    content_range += '/';
    content_range += std::to_string(size);
    response.AddHeader("Content-Range", std::move(content_range));
  }
  response.file = FileBody{file->content, range.first, range.length};
  return response;
}

}  // namespace

std::string_view ContentTypeFor(std::string_view name) {
  if (EndsWith(name, ".json")) return "application/json";
  if (EndsWith(name, ".html")) return "text/html; charset=utf-8";
  if (EndsWith(name, ".md")) return "text/markdown; charset=utf-8";
  return "application/octet-stream";
}

std::string_view CacheControlFor(std::string_view name, const StaticFilesOptions& options) {
  static constexpr std::string_view kImmutable = "max-age=31536000, immutable";
  // "N.<role>.json": versioned metadata.
  std::size_t dot = name.find('.');
  if (dot != std::string_view::npos && dot > 0 && EndsWith(name, ".json") &&
      name.size() > dot + std::string_view(".json").size() &&
      ParseDigits(name.substr(0, dot)).has_value()) {
    return kImmutable;
  }
  // "<sha256 or sha512 hex>.<name>": a target named by its hash.
  if (dot == 64 || dot == 128) {
    bool hex = true;
    for (char c : name.substr(0, dot)) {
      hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }
    if (hex) return kImmutable;
  }
  if (EndsWith(name, ".json")) return "no-cache";
  return options.default_cache_control;
}

RangeOutcome ParseRange(std::string_view header, std::uint64_t size, ByteRange* range) {
  header = Trim(header);
  constexpr std::string_view kUnit = "bytes=";
  if (header.size() < kUnit.size() || !EqualsIgnoreCase(header.substr(0, kUnit.size()), kUnit)) {
    return RangeOutcome::kWhole;
  }
  std::string_view spec = Trim(header.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return RangeOutcome::kWhole;  // several
  std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return RangeOutcome::kWhole;
  std::string_view first_text = Trim(spec.substr(0, dash));
  std::string_view last_text = Trim(spec.substr(dash + 1));
  if (first_text.empty()) {  // "-n": the last n bytes
    std::optional<std::uint64_t> suffix = ParseDigits(last_text);
    if (!suffix.has_value()) return RangeOutcome::kWhole;
    if (*suffix == 0 || size == 0) return RangeOutcome::kUnsatisfiable;
    range->length = std::min(*suffix, size);
    range->first = size - range->length;
    return RangeOutcome::kPartial;
  }
  std::optional<std::uint64_t> first = ParseDigits(first_text);
  if (!first.has_value()) return RangeOutcome::kWhole;
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_text.empty()) {
    std::optional<std::uint64_t> parsed = ParseDigits(last_text);
    if (!parsed.has_value() || *parsed < *first) return RangeOutcome::kWhole;
    last = std::min(last, *parsed);
  }
  if (*first >= size) return RangeOutcome::kUnsatisfiable;
  range->first = *first;
  range->length = last - *first + 1;
  return RangeOutcome::kPartial;
}

bool IfNoneMatchMatches(std::string_view header, std::string_view etag) {
  header = Trim(header);
  if (header == "*") return true;
  std::string_view opaque = etag.substr(0, 2) == "W/" ? etag.substr(2) : etag;
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view candidate = Trim(header.substr(0, comma));
    if (candidate.substr(0, 2) == "W/") candidate.remove_prefix(2);
    if (candidate == opaque) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

Result<Handler> StaticFiles(const std::string& root_dir, StaticFilesOptions options) {
  int fd = open(root_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return Error(err == ENOENT ? ErrorCode::kFileNotFound : ErrorCode::kIo,
                 "static files root " + root_dir + ": " + ErrnoText(err));
  }
  std::unique_ptr<char, decltype(&std::free)> real(realpath(root_dir.c_str(), nullptr), &std::free);
  if (real == nullptr) {
    int err = errno;
    close(fd);
    return Error(ErrorCode::kIo, "static files root " + root_dir + ": " + ErrnoText(err));
  }
  std::string real_path(real.get());
  if (real_path == "/") real_path.clear();  // so that root + "/" + relative stays right
  auto server =
      std::make_shared<const StaticFileServer>(fd, std::move(real_path), std::move(options));
  return Handler([server](HttpRequest& request, const Responder& respond) {
    respond(server->Serve(request));
  });
}

}  // namespace bsi::http
