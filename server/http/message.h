// HttpRequest and HttpResponse: the plain request and response types of
// bsi-server's HTTP layer. Handlers (router.h) see only these; no Beast or
// Asio type crosses a server/http header.
//
// A response body is either `body` (bytes in memory) or `file` (a range of a
// FileSource: an open file, or bytes already in memory shared by many
// responses), which the server sends in pieces without copying it whole.
//
// The server sets the framing headers itself: Content-Length, Connection,
// Transfer-Encoding, Server and Date given in HttpResponse::headers are
// ignored. A header name or value holding CR, LF or NUL turns the response
// into a 500 (no header injection).
//
// Thread-safety: plain value types. A FileSource is immutable once made and
// may be shared by responses on several threads.
#ifndef BSI_SERVER_HTTP_MESSAGE_H_
#define BSI_SERVER_HTTP_MESSAGE_H_

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bsi/core/result.h"

namespace bsi::http {

struct HttpRequest {
  std::string method;  // "GET", as sent (methods are case-sensitive)
  // The request target's path as sent, without the query: not decoded
  // ("/api/v1/groups/a%20b").
  std::string path;
  std::string query;  // what follows '?', not decoded; empty when none
  // Header fields as received, in order; repeated fields stay separate.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;  // the peer's IP address: "127.0.0.1", "::1"
  // Filled by the router: the pattern's {name} segments, percent-decoded.
  std::map<std::string, std::string> params;
  // Filled by the router for a mounted handler: the size of the mount prefix
  // at the start of path (see MountPath).
  std::size_t mount_prefix_size = 0;

  // The value of the first header field named name (ASCII case-insensitive),
  // or nullopt. The view points into headers.
  std::optional<std::string_view> Header(std::string_view name) const;

  // For a mounted handler: the raw path after the mount prefix
  // ("metadata/1.root.json" under "/repo/"). Otherwise the whole path.
  std::string_view MountPath() const;
};

// The content of a file to send: an open regular file (read with pread when
// sent) or the bytes themselves in memory. Immutable; shared by responses.
class FileSource {
 public:
  // Takes ownership of fd (closed when the last response using it is done).
  // REQUIRES: fd is open for reading, on a regular file of size bytes.
  static std::shared_ptr<const FileSource> FromFd(int fd, std::uint64_t size);
  static std::shared_ptr<const FileSource> FromBytes(std::string bytes);
  // Opens path read-only (O_NOFOLLOW is not used: path is trusted).
  // Errors: kFileNotFound; kInvalidArgument when path is not a regular file;
  // kIo.
  static Result<std::shared_ptr<const FileSource>> Open(const std::string& path);

  ~FileSource();
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  std::uint64_t size() const { return size_; }
  // The bytes when held in memory, else nullptr.
  const std::string* bytes() const { return fd_ < 0 ? &bytes_ : nullptr; }

  // Copies up to out.size() bytes from offset into out; returns how many
  // (fewer only at the end of the file). Errors: kIo.
  Result<std::size_t> ReadAt(std::uint64_t offset, std::span<char> out) const;

 private:
  FileSource(int fd, std::uint64_t size, std::string bytes);

  int fd_;
  std::uint64_t size_;
  std::string bytes_;
};

// A byte range of a FileSource sent as a response body.
struct FileBody {
  std::shared_ptr<const FileSource> source;  // REQUIRES: not null
  std::uint64_t offset = 0;
  std::uint64_t length = 0;  // REQUIRES: offset + length <= source->size()
};

struct HttpResponse {
  int status = 200;  // REQUIRES: 100..599
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, sent instead of body.
  std::optional<FileBody> file;

  // Appends a header field (no check for an earlier one of the same name).
  void AddHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
  // The value of the first header named name (case-insensitive), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
  // The number of body bytes (file->length or body.size()).
  std::uint64_t BodySize() const { return file.has_value() ? file->length : body.size(); }
};

// A response with "Content-Type: application/json" and body as given.
HttpResponse JsonResponse(int status, std::string body);

// {"error":{"code":"<code>","message":"<message>"}} as JSON (properly
// escaped), with "Content-Type: application/json".
HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message);

// The HTTP date form of t ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110
// IMF-fixdate), for Date and Last-Modified headers.
std::string FormatHttpDate(std::time_t t);

// The standard reason phrase of a status ("Not Found"), or "Unknown".
std::string_view ReasonPhrase(int status);

// ASCII case-insensitive equality, for header names.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace bsi::http

#endif  // BSI_SERVER_HTTP_MESSAGE_H_
