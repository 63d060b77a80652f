// Internal to bsi/fetch: what CurlTransport and CurlApiClient share — the
// one-time global initialization of libcurl, an easy handle with the fixed
// restrictions every request of bsi gets (http and https only, redirects
// never followed, TLS peer and host verification, no content decoding,
// connect / total / low-speed limits, the user agent), the mapping of curl
// results to bsi errors, and small helpers for header lines.
//
// This header includes <curl/curl.h>: include it only from bsi/fetch/*.cc,
// never from a public header (curl types stay inside the module).
//
// Thread-safety: an EasyHandle is used by one thread at a time; creating
// handles from several threads at once is safe.
#ifndef BSI_FETCH_CURL_EASY_H_
#define BSI_FETCH_CURL_EASY_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <curl/curl.h>

#include "bsi/core/result.h"
#include "bsi/fetch/curl_options.h"

namespace bsi::fetch::internal {

// libcurl takes and returns `long` for integer options and info
// (curl_easy_setopt, CURLINFO_RESPONSE_CODE); no fixed-width type matches it
// on every platform.
using CurlLong = long;  // NOLINT(google-runtime-int)

// One curl easy handle with the fixed options set. If libcurl could not be
// initialized, or one restriction could not be set, init_error() says why
// and the handle must not be used (a handle missing one of its
// restrictions could reach where it should not).
class EasyHandle {
 public:
  // max_recv_speed_bytes_per_s: a bandwidth cap, 0 for none.
  explicit EasyHandle(const CurlConnectionOptions& options,
                      std::uint64_t max_recv_speed_bytes_per_s = 0);
  ~EasyHandle();

  EasyHandle(const EasyHandle&) = delete;
  EasyHandle& operator=(const EasyHandle&) = delete;

  // REQUIRES: !init_error().
  CURL* get() const { return curl_; }
  const std::optional<Error>& init_error() const { return init_error_; }

  // The buffer curl writes its error detail into (CURLOPT_ERRORBUFFER);
  // cleared by ClearErrorBuffer before each request.
  const char* error_buffer() const { return error_buffer_; }
  void ClearErrorBuffer() { error_buffer_[0] = '\0'; }

  // Sets a fixed option; the first failure becomes init_error().
  template <typename T>
  void Set(CURLoption option, T value) {
    if (curl_ == nullptr) return;
    const CURLcode code = curl_easy_setopt(curl_, option, value);
    if (code != CURLE_OK && !init_error_.has_value()) RecordSetError(option, code);
  }

 private:
  void RecordSetError(CURLoption option, CURLcode code);

  CURL* curl_ = nullptr;
  std::optional<Error> init_error_;
  char error_buffer_[CURL_ERROR_SIZE] = {};
};

// The bsi error for a failed curl_easy_perform (or setopt) of `what`
// ("GET https://..."): kTimeout, kInvalidArgument (malformed URL or a
// scheme other than http/https), kTooLarge, kInternal, else kNetwork.
// detail: curl's error buffer, used when not empty.
Error CurlError(std::string_view what, CURLcode code, const char* detail);

CurlLong ClampToLong(std::uint64_t value);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Without leading and trailing blanks (and the line's CR LF).
std::string_view Trim(std::string_view s);

// A whole decimal number; nullopt if s is anything else.
std::optional<std::uint64_t> ParseDecimal(std::string_view s);

}  // namespace bsi::fetch::internal

#endif  // BSI_FETCH_CURL_EASY_H_
