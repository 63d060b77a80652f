#include "bsi/fetch/curl_easy.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <mutex>
#include <utility>

namespace bsi::fetch::internal {
namespace {

// curl_global_init is not thread-safe in every libcurl build; run it once.
// curl_global_cleanup is never called: other code in the process may still
// use libcurl, and the process exit releases everything.
CURLcode GlobalInitOnce() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result;
}

// A duration for curl: negative counts as 0, which curl reads as "no limit".
template <typename Duration>
CurlLong DurationToLong(Duration duration) {
  return duration.count() <= 0 ? 0L : ClampToLong(static_cast<std::uint64_t>(duration.count()));
}

}  // namespace

// curl copies string options (since 7.17), so the options need not
// outlive the handle.
EasyHandle::EasyHandle(const CurlConnectionOptions& settings,
                       std::uint64_t max_recv_speed_bytes_per_s) {
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
  Set(CURLOPT_NOSIGNAL, 1L);
  Set(CURLOPT_NOPROGRESS, 1L);
  Set(CURLOPT_FOLLOWLOCATION, 0L);
  Set(CURLOPT_PROTOCOLS_STR, "http,https");
  Set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  Set(CURLOPT_SSL_VERIFYPEER, 1L);
  Set(CURLOPT_SSL_VERIFYHOST, 2L);
  Set(CURLOPT_SSLVERSION, static_cast<CurlLong>(CURL_SSLVERSION_TLSv1_2));
  if (!settings.ca_file.empty()) Set(CURLOPT_CAINFO, settings.ca_file.c_str());
  Set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);  // Only the server's headers reach us.
  Set(CURLOPT_HTTP_CONTENT_DECODING, 0L);
  Set(CURLOPT_USERAGENT, settings.user_agent.c_str());
  Set(CURLOPT_CONNECTTIMEOUT_MS, DurationToLong(settings.connect_timeout));
  Set(CURLOPT_TIMEOUT_MS, DurationToLong(settings.total_timeout));
  Set(CURLOPT_LOW_SPEED_LIMIT, ClampToLong(settings.low_speed_limit_bytes_per_s));
  Set(CURLOPT_LOW_SPEED_TIME, DurationToLong(settings.low_speed_time));
  Set(CURLOPT_MAX_RECV_SPEED_LARGE,
      static_cast<curl_off_t>(ClampToLong(max_recv_speed_bytes_per_s)));
  Set(CURLOPT_ERRORBUFFER, error_buffer_);
}

EasyHandle::~EasyHandle() {
  if (curl_ != nullptr) curl_easy_cleanup(curl_);
}

void EasyHandle::RecordSetError(CURLoption option, CURLcode code) {
  init_error_ = Error(ErrorCode::kInternal, "curl_easy_setopt(" + std::to_string(option) +
                                                "): " + curl_easy_strerror(code));
}

Error CurlError(std::string_view what, CURLcode code, const char* detail) {
  std::string message =
      std::string(what) + ": " +
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

CurlLong ClampToLong(std::uint64_t value) {
  return static_cast<CurlLong>(
      std::min<std::uint64_t>(value, std::numeric_limits<CurlLong>::max()));
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

std::optional<std::uint64_t> ParseDecimal(std::string_view s) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

}  // namespace bsi::fetch::internal
