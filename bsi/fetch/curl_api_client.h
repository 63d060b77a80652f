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

namespace bsi::fetch {

struct CurlApiClientOptions {
  // Time to establish the TCP (and TLS) connection. Default: 10 s.
  std::chrono::milliseconds connect_timeout{10000};

  // Time for a whole request, connection included; 0 means no limit. API
  // bodies are small (kilobytes), so this stays short. Default: 60 s.
  std::chrono::milliseconds total_timeout{60000};

  // A transfer slower than low_speed_limit_bytes_per_s for low_speed_time is
  // aborted with kTimeout. Default: 1 byte/s for 30 s.
  std::uint64_t low_speed_limit_bytes_per_s = 1;
  std::chrono::seconds low_speed_time{30};

  // Sent as the User-Agent header. Default: "bsi/0.1".
  std::string user_agent = "bsi/0.1";

  // A PEM file of CA certificates to trust for https, instead of the system
  // store. Default: empty (the system store).
  std::string ca_file;
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
