#include "server/http/message.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bsi/json/json.h"

namespace bsi::http {
namespace {

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::optional<std::string_view> FindHeader(
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name) {
  for (const auto& [field, value] : headers) {
    if (EqualsIgnoreCase(field, name)) {
      std::string_view view = value;
      return view;
    }
  }
  return std::nullopt;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

std::optional<std::string_view> HttpRequest::Header(std::string_view name) const {
  return FindHeader(headers, name);
}

std::string_view HttpRequest::MountPath() const {
  std::string_view view(path);
  return view.substr(std::min(mount_prefix_size, view.size()));
}

std::optional<std::string_view> HttpResponse::Header(std::string_view name) const {
  return FindHeader(headers, name);
}

FileSource::FileSource(int fd, std::uint64_t size, std::string bytes)
    : fd_(fd), size_(size), bytes_(std::move(bytes)) {}

FileSource::~FileSource() {
  if (fd_ >= 0) close(fd_);
}

std::shared_ptr<const FileSource> FileSource::FromFd(int fd, std::uint64_t size) {
  return std::shared_ptr<const FileSource>(new FileSource(fd, size, std::string()));
}

std::shared_ptr<const FileSource> FileSource::FromBytes(std::string bytes) {
  std::uint64_t size = bytes.size();
  return std::shared_ptr<const FileSource>(new FileSource(-1, size, std::move(bytes)));
}

Result<std::shared_ptr<const FileSource>> FileSource::Open(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    int err = errno;
    return Error(err == ENOENT ? ErrorCode::kFileNotFound : ErrorCode::kIo,
                 path + ": " + ErrnoText(err));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return Error(ErrorCode::kIo, path + ": " + ErrnoText(err));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return Error(ErrorCode::kInvalidArgument, path + ": not a regular file");
  }
  return FromFd(fd, static_cast<std::uint64_t>(st.st_size));
}

Result<std::size_t> FileSource::ReadAt(std::uint64_t offset, std::span<char> out) const {
  if (offset >= size_ || out.empty()) return std::size_t{0};
  std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), size_ - offset));
  if (fd_ < 0) {
    std::memcpy(out.data(), bytes_.data() + offset, want);
    return want;
  }
  std::size_t done = 0;
  while (done < want) {
    ssize_t n = pread(fd_, out.data() + done, want - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error(ErrorCode::kIo, "pread: " + ErrnoText(errno));
    }
    if (n == 0) break;  // the file shrank: the caller sees a short read
    done += static_cast<std::size_t>(n);
  }
  return done;
}

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = std::move(body);
  return response;
}

HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message) {
  json::Object error;
  error.emplace("code", json::Value(code));
  error.emplace("message", json::Value(message));
  json::Object root;
  root.emplace("error", json::Value(std::move(error)));
  return JsonResponse(status, json::ToCompactString(json::Value(std::move(root))));
}

std::string FormatHttpDate(std::time_t t) {
  static constexpr std::string_view kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  auto two = [](std::string& out, int n) {
    out.push_back(static_cast<char>('0' + (n / 10) % 10));
    out.push_back(static_cast<char>('0' + n % 10));
  };
  std::string out;
  out.reserve(29);
  out += kDays[static_cast<std::size_t>(tm.tm_wday) % 7];
  out += ", ";
  two(out, tm.tm_mday);
  out += ' ';
  out += kMonths[static_cast<std::size_t>(tm.tm_mon) % 12];
  out += ' ';
  int year = tm.tm_year + 1900;
  two(out, year / 100);
  two(out, year % 100);
  out += ' ';
  two(out, tm.tm_hour);
  out += ':';
  two(out, tm.tm_min);
  out += ':';
  two(out, tm.tm_sec);
  out += " GMT";
  return out;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

}  // namespace bsi::http
