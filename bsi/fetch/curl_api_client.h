// CurlApiClient: the ApiClient (api_client.h) over libcurl, for http://
// and https:// URLs. It shares CurlTransport's restrictions (curl_easy.h):
// redirects are never followed (a 3xx is returned as an answer), only http
// and https, TLS peer and host verification always on, no content
// decoding (the cap counts bytes on the wire), proxies from the usual
// environment variables.
//
// The client keeps one curl handle, and so one keep-alive connection per
// server, across calls.
//
// Thread-safety: used by one thread at a time (the curl handle is not
// thread-safe). Creating CurlApiClients from several threads at once is safe.
#ifndef BSI_FETCH_CURL_API_CLIENT_H_
#define BSI_FETCH_CURL_API_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "bsi/core/result.h"
#include "bsi/fetch/api_client.h"
#include "bsi/fetch/curl_options.h"

namespace bsi::fetch {

struct CurlApiClientOptions : CurlConnectionOptions {
  // API bodies are small (kilobytes): a whole request is bounded by 60 s.
  CurlApiClientOptions() { total_timeout = std::chrono::seconds(60); }
};

class CurlApiClient final : public ApiClient {
 public:
  explicit CurlApiClient(const CurlApiClientOptions& options = {});
  ~CurlApiClient() override;

  CurlApiClient(const CurlApiClient&) = delete;
  CurlApiClient& operator=(const CurlApiClient&) = delete;

  // See ApiClient. If libcurl could not be initialized (out of memory),
  // every call fails with kInternal.
  Result<ApiResponse> Send(const ApiRequest& request) override;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bsi::fetch

#endif  // BSI_FETCH_CURL_API_CLIENT_H_
