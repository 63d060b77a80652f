#include "bsi/fetch/curl_transport.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "bsi/fetch/curl_easy.h"

namespace bsi::fetch {
namespace {

using internal::CurlLong;
using internal::EqualsIgnoreCase;
using internal::ParseDecimal;
using internal::Trim;

constexpr CurlLong kHttpOk = 200;
constexpr CurlLong kHttpPartialContent = 206;
constexpr CurlLong kHttpNotFound = 404;

// The body of an error response up to this size is read and dropped, so that
// the connection stays usable; a larger one aborts the transfer instead.
constexpr std::uint64_t kMaxErrorBodyBytes = std::uint64_t{64} * 1024;

// The first byte offset of a Content-Range value "bytes N-M/T".
std::optional<std::uint64_t> ContentRangeStart(std::string_view value) {
  constexpr std::string_view kPrefix = "bytes ";
  if (value.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  value.remove_prefix(kPrefix.size());
  std::size_t dash = value.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  return ParseDecimal(value.substr(0, dash));
}

// The state of one call, shared with the curl callbacks.
struct Transfer {
  CURL* curl = nullptr;
  const FetchRequest* request = nullptr;
  ByteSink* sink = nullptr;

  // The response being received. All of it is reset at each status line, as
  // a 1xx response may precede the final one.
  std::optional<std::uint64_t> content_length;
  std::optional<std::string> content_range;
  bool headers_done = false;

  // An error status: its body is read and dropped (see kMaxErrorBodyBytes).
  bool discard_body = false;
  std::uint64_t body_bytes = 0;

  // The first error found by a callback; it wins over the curl result.
  std::optional<Error> error;
};

std::string Describe(const FetchRequest& request) { return "GET " + request.url; }

Error StatusError(const FetchRequest& request, CurlLong status) {
  std::string message = Describe(request) + ": HTTP status " + std::to_string(status);
  if (status == kHttpNotFound) return Error(ErrorCode::kNotFound, std::move(message));
  return Error(ErrorCode::kHttpStatus, std::move(message));
}

// Called once the headers of the final response are in. Returns false to
// abort the transfer (t.error says why).
bool OnHeadersDone(Transfer& t) {
  const FetchRequest& request = *t.request;
  CurlLong status = 0;
  curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &status);
  CurlLong expected = request.range_start.has_value() ? kHttpPartialContent : kHttpOk;
  if (status != expected) {
    t.error = StatusError(request, status);
    if (request.range_start.has_value() && status == kHttpOk) {
      t.error = Error(ErrorCode::kHttpStatus,
                      Describe(request) + ": HTTP status 200 to a range request (range ignored)");
    }
    t.discard_body = true;
    return !t.content_length.has_value() || *t.content_length <= kMaxErrorBodyBytes;
  }
  if (t.content_length.has_value() && *t.content_length > request.max_bytes) {
    t.error = Error(ErrorCode::kTooLarge, Describe(request) + ": Content-Length " +
                                              std::to_string(*t.content_length) + " exceeds " +
                                              std::to_string(request.max_bytes) + " bytes");
    return false;
  }
  if (request.range_start.has_value()) {
    std::optional<std::uint64_t> start;
    if (t.content_range.has_value()) start = ContentRangeStart(*t.content_range);
    if (start != request.range_start) {
      t.error =
          Error(ErrorCode::kHttpStatus, Describe(request) + ": 206 with Content-Range '" +
                                            t.content_range.value_or("") + "', asked for bytes " +
                                            std::to_string(*request.range_start) + "-");
      return false;
    }
  }
  return true;
}

std::size_t HeaderCallback(char* buffer, std::size_t size, std::size_t count, void* user) {
  Transfer& t = *static_cast<Transfer*>(user);
  std::size_t n = size * count;
  std::string_view line(buffer, n);
  if (line.substr(0, 5) == "HTTP/") {  // A status line starts a new response.
    t.content_length.reset();
    t.content_range.reset();
    t.headers_done = false;
    t.discard_body = false;
    t.body_bytes = 0;
    t.error.reset();
    return n;
  }
  if (t.headers_done) return n;  // Trailers after a chunked body.
  if (Trim(line).empty()) {
    CurlLong status = 0;
    curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < kHttpOk) return n;  // 1xx: the final response follows.
    t.headers_done = true;
    return OnHeadersDone(t) ? n : 0;
  }
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string_view name = line.substr(0, colon);
  std::string_view value = Trim(line.substr(colon + 1));
  if (EqualsIgnoreCase(name, "Content-Length")) {
    t.content_length = ParseDecimal(value);
  } else if (EqualsIgnoreCase(name, "Content-Range")) {
    t.content_range = std::string(value);
  }
  return n;
}

std::size_t WriteCallback(char* data, std::size_t size, std::size_t count, void* user) {
  Transfer& t = *static_cast<Transfer*>(user);
  std::size_t n = size * count;
  const FetchRequest& request = *t.request;
  if (!t.headers_done) {  // Never hand an unchecked body to the sink.
    t.error = Error(ErrorCode::kNetwork, Describe(request) + ": body before the headers");
    return 0;
  }
  if (t.discard_body) {
    t.body_bytes += n;
    return t.body_bytes <= kMaxErrorBodyBytes ? n : 0;
  }
  if (n > request.max_bytes - t.body_bytes) {
    t.error = Error(ErrorCode::kTooLarge, Describe(request) + ": body exceeds " +
                                              std::to_string(request.max_bytes) + " bytes");
    return 0;
  }
  t.body_bytes += n;
  Status written = t.sink->Write(std::string_view(data, n));
  if (!written.ok()) {
    t.error = written.error();
    return 0;
  }
  return n;
}

Error CurlError(const FetchRequest& request, CURLcode code, const char* detail) {
  return internal::CurlError(Describe(request), code, detail);
}

class StringSink final : public ByteSink {
 public:
  explicit StringSink(std::string& out) : out_(out) {}
  Status Write(std::string_view chunk) override {
    out_.append(chunk);
    return Ok();
  }

 private:
  std::string& out_;
};

}  // namespace

class CurlTransport::Impl {
 public:
  explicit Impl(const CurlTransportOptions& options)
      : handle_(options, options.max_recv_speed_bytes_per_s) {
    if (handle_.init_error().has_value()) return;
    headers_ = curl_slist_append(nullptr, "Accept-Encoding: identity");
    if (headers_ == nullptr) {
      init_error_ = Error(ErrorCode::kInternal, "curl_slist_append failed");
      return;
    }
    handle_.Set(CURLOPT_HTTPHEADER, headers_);
    handle_.Set(CURLOPT_HEADERFUNCTION, &HeaderCallback);
    handle_.Set(CURLOPT_WRITEFUNCTION, &WriteCallback);
  }

  ~Impl() { curl_slist_free_all(headers_); }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status Perform(const FetchRequest& request, ByteSink& sink) {
    if (handle_.init_error().has_value()) return *handle_.init_error();
    if (init_error_.has_value()) return *init_error_;
    CURL* curl = handle_.get();
    Transfer t;
    t.curl = curl;
    t.request = &request;
    t.sink = &sink;
    std::string range;
    if (request.range_start.has_value()) range = std::to_string(*request.range_start) + "-";
    for (CURLcode code :
         {curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str()),
          curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L),
          curl_easy_setopt(curl, CURLOPT_RANGE, range.empty() ? nullptr : range.c_str()),
          curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t),
          curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t)}) {
      if (code != CURLE_OK) return CurlError(request, code, nullptr);
    }
    handle_.ClearErrorBuffer();
    CURLcode code = curl_easy_perform(curl);
    // Keep no pointer to this call's state in the reused handle.
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, nullptr);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, nullptr);
    if (t.error.has_value()) return *t.error;
    if (code != CURLE_OK) return CurlError(request, code, handle_.error_buffer());
    if (!t.headers_done) {
      return Error(ErrorCode::kNetwork, Describe(request) + ": no HTTP response headers");
    }
    return Ok();
  }

 private:
  internal::EasyHandle handle_;
  curl_slist* headers_ = nullptr;
  std::optional<Error> init_error_;
};

CurlTransport::CurlTransport(const CurlTransportOptions& options)
    : impl_(std::make_unique<Impl>(options)) {}

CurlTransport::~CurlTransport() = default;

Result<std::string> CurlTransport::Fetch(const FetchRequest& request) {
  std::string body;
  StringSink sink(body);
  BSI_TRY(impl_->Perform(request, sink));
  return body;
}

Status CurlTransport::FetchTo(const FetchRequest& request, ByteSink& sink) {
  return impl_->Perform(request, sink);
}

}  // namespace bsi::fetch
