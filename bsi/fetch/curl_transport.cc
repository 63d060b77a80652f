#include "bsi/fetch/curl_transport.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <curl/curl.h>

namespace bsi::fetch {
namespace {

// libcurl takes and returns `long` for integer options and info
// (curl_easy_setopt, CURLINFO_RESPONSE_CODE); no fixed-width type matches it
// on every platform.
using CurlLong = long;  // NOLINT(google-runtime-int)

constexpr CurlLong kHttpOk = 200;
constexpr CurlLong kHttpPartialContent = 206;
constexpr CurlLong kHttpNotFound = 404;

// The body of an error response up to this size is read and dropped, so that
// the connection stays usable; a larger one aborts the transfer instead.
constexpr std::uint64_t kMaxErrorBodyBytes = std::uint64_t{64} * 1024;

// curl_global_init is not thread-safe in every libcurl build; run it once.
// curl_global_cleanup is never called: other code in the process may still
// use libcurl, and the process exit releases everything.
CURLcode GlobalInitOnce() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result;
}

CurlLong ClampToLong(std::uint64_t value) {
  return static_cast<CurlLong>(
      std::min<std::uint64_t>(value, std::numeric_limits<CurlLong>::max()));
}

// A duration for curl: negative counts as 0, which curl reads as "no limit".
template <typename Duration>
CurlLong ClampToLong(Duration duration) {
  return duration.count() <= 0 ? 0L : ClampToLong(static_cast<std::uint64_t>(duration.count()));
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// Parses a whole decimal number; nullopt if s is anything else.
std::optional<std::uint64_t> ParseDecimal(std::string_view s) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

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
  std::string message =
      Describe(request) + ": " +
      (detail != nullptr && detail[0] != '\0' ? detail : curl_easy_strerror(code));
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Error(ErrorCode::kTimeout, std::move(message));
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return Error(ErrorCode::kInvalidArgument, std::move(message));
    case CURLE_FILESIZE_EXCEEDED:
      return Error(ErrorCode::kTooLarge, std::move(message));
    case CURLE_FAILED_INIT:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_NOT_BUILT_IN:
      return Error(ErrorCode::kInternal, std::move(message));
    default:  // Refused, reset, DNS, TLS, a malformed or truncated response.
      return Error(ErrorCode::kNetwork, std::move(message));
  }
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
  explicit Impl(const CurlTransportOptions& options) {
    if (CURLcode code = GlobalInitOnce(); code != CURLE_OK) {
      init_error_ =
          Error(ErrorCode::kInternal, std::string("curl_global_init: ") + curl_easy_strerror(code));
      return;
    }
    curl_ = curl_easy_init();
    if (curl_ == nullptr) {
      init_error_ = Error(ErrorCode::kInternal, "curl_easy_init failed");
      return;
    }
    headers_ = curl_slist_append(nullptr, "Accept-Encoding: identity");
    if (headers_ == nullptr) {
      init_error_ = Error(ErrorCode::kInternal, "curl_slist_append failed");
      return;
    }
    Set(CURLOPT_NOSIGNAL, 1L);
    Set(CURLOPT_NOPROGRESS, 1L);
    Set(CURLOPT_FOLLOWLOCATION, 0L);
    Set(CURLOPT_PROTOCOLS_STR, "http,https");
    Set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    Set(CURLOPT_SSL_VERIFYPEER, 1L);
    Set(CURLOPT_SSL_VERIFYHOST, 2L);
    Set(CURLOPT_SSLVERSION, static_cast<CurlLong>(CURL_SSLVERSION_TLSv1_2));
    if (!options.ca_file.empty()) Set(CURLOPT_CAINFO, options.ca_file.c_str());
    Set(CURLOPT_HTTPHEADER, headers_);
    Set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);  // Only the server's headers reach us.
    Set(CURLOPT_HTTP_CONTENT_DECODING, 0L);
    Set(CURLOPT_USERAGENT, options.user_agent.c_str());
    Set(CURLOPT_CONNECTTIMEOUT_MS, ClampToLong(options.connect_timeout));
    Set(CURLOPT_TIMEOUT_MS, ClampToLong(options.total_timeout));
    Set(CURLOPT_LOW_SPEED_LIMIT, ClampToLong(options.low_speed_limit_bytes_per_s));
    Set(CURLOPT_LOW_SPEED_TIME, ClampToLong(options.low_speed_time));
    Set(CURLOPT_MAX_RECV_SPEED_LARGE,
        static_cast<curl_off_t>(ClampToLong(options.max_recv_speed_bytes_per_s)));
    Set(CURLOPT_HEADERFUNCTION, &HeaderCallback);
    Set(CURLOPT_WRITEFUNCTION, &WriteCallback);
    Set(CURLOPT_ERRORBUFFER, error_buffer_);
  }

  ~Impl() {
    if (curl_ != nullptr) curl_easy_cleanup(curl_);
    curl_slist_free_all(headers_);
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status Perform(const FetchRequest& request, ByteSink& sink) {
    if (init_error_.has_value()) return *init_error_;
    Transfer t;
    t.curl = curl_;
    t.request = &request;
    t.sink = &sink;
    std::string range;
    if (request.range_start.has_value()) range = std::to_string(*request.range_start) + "-";
    for (CURLcode code :
         {curl_easy_setopt(curl_, CURLOPT_URL, request.url.c_str()),
          curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L),
          curl_easy_setopt(curl_, CURLOPT_RANGE, range.empty() ? nullptr : range.c_str()),
          curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &t),
          curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &t)}) {
      if (code != CURLE_OK) return CurlError(request, code, nullptr);
    }
    error_buffer_[0] = '\0';
    CURLcode code = curl_easy_perform(curl_);
    // Keep no pointer to this call's state in the reused handle.
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, nullptr);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, nullptr);
    if (t.error.has_value()) return *t.error;
    if (code != CURLE_OK) return CurlError(request, code, error_buffer_);
    if (!t.headers_done) {
      return Error(ErrorCode::kNetwork, Describe(request) + ": no HTTP response headers");
    }
    return Ok();
  }

 private:
  // Sets a fixed option; the first failure makes every call fail, as a
  // transport missing one of its restrictions must not be used.
  template <typename T>
  void Set(CURLoption option, T value) {
    CURLcode code = curl_easy_setopt(curl_, option, value);
    if (code != CURLE_OK && !init_error_.has_value()) {
      init_error_ = Error(ErrorCode::kInternal, "curl_easy_setopt(" + std::to_string(option) +
                                                    "): " + curl_easy_strerror(code));
    }
  }

  CURL* curl_ = nullptr;
  curl_slist* headers_ = nullptr;
  std::optional<Error> init_error_;
  char error_buffer_[CURL_ERROR_SIZE] = {};
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
