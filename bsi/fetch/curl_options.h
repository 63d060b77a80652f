// CurlConnectionOptions: the limits and identity of every libcurl handle
// of bsi, shared by CurlTransportOptions (curl_transport.h) and
// CurlApiClientOptions (curl_api_client.h).
#ifndef BSI_FETCH_CURL_OPTIONS_H_
#define BSI_FETCH_CURL_OPTIONS_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace bsi::fetch {

struct CurlConnectionOptions {
  // Time to establish the TCP (and TLS) connection. Default: 10 s.
  std::chrono::milliseconds connect_timeout{10000};

  // Time for a whole request, connection included; 0 means no limit. This
  // is what bounds a slow-retrieval attack (a server dripping one byte at a
  // time), so keep it finite. Default: 30 min (CurlApiClientOptions: 60 s).
  std::chrono::milliseconds total_timeout{std::chrono::minutes(30)};

  // A transfer slower than low_speed_limit_bytes_per_s for low_speed_time is
  // aborted with kTimeout: this catches a stalled server long before
  // total_timeout. Default: 1 byte/s for 30 s.
  std::uint64_t low_speed_limit_bytes_per_s = 1;
  std::chrono::seconds low_speed_time{30};

  // Sent as the User-Agent header. Default: "bsi/0.1".
  std::string user_agent = "bsi/0.1";

  // A PEM file of CA certificates to trust for https, instead of the system
  // store. Default: empty (the system store).
  std::string ca_file;
};

}  // namespace bsi::fetch

#endif  // BSI_FETCH_CURL_OPTIONS_H_
