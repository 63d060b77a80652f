// CurlTransport: the Transport (transport.h) over libcurl, for http:// and
// https:// URLs. This module is the only code in bsi that sees libcurl.
//
// Deliberate choices:
//  - One request per call, no retries: the updater owns retry policy.
//  - Redirects are not followed. TUF mirrors are fixed URLs from the
//    configuration; following a Location would send requests the updater did
//    not make, to a host it did not choose, and change the request sequence.
//    A 3xx is reported as kHttpStatus.
//  - Only http and https, also for any future redirect (no file://, ftp://).
//  - TLS peer and host verification are always on.
//  - "Accept-Encoding: identity" and no decoding by curl: the bytes counted
//    against the cap are the bytes on the wire, so a small compressed body
//    cannot expand into a large one (a decompression bomb). A server that
//    compresses anyway yields bytes that fail the hash check downstream.
//  - The body of an error response (404, 500, ...) is read and discarded up
//    to a small limit so that the connection can be reused; a larger one
//    closes the connection.
//  - Proxies come from the usual environment variables (http_proxy,
//    https_proxy, no_proxy), as for every libcurl program.
//
// The CurlTransport keeps one curl handle, and so one keep-alive connection
// per server, across calls.
//
// Thread-safety: a CurlTransport is used by one thread at a time (its curl
// handle is not thread-safe). Use one CurlTransport per thread. Creating
// CurlTransports from several threads at once is safe.
#ifndef BSI_FETCH_CURL_TRANSPORT_H_
#define BSI_FETCH_CURL_TRANSPORT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "bsi/core/result.h"
#include "bsi/fetch/transport.h"

namespace bsi::fetch {

struct CurlTransportOptions {
  // Time to establish the TCP (and TLS) connection. Default: 10 s.
  std::chrono::milliseconds connect_timeout{10000};

  // Time for a whole request, connection included; 0 means no limit. This is
  // what bounds a slow-retrieval attack (a server dripping one byte at a
  // time), so keep it finite; size it for the largest artifact at the
  // slowest acceptable rate (and max_recv_speed_bytes_per_s). Default: 30 min.
  std::chrono::milliseconds total_timeout{std::chrono::minutes(30)};

  // A transfer slower than low_speed_limit_bytes_per_s for low_speed_time is
  // aborted with kTimeout: this catches a stalled server long before
  // total_timeout. Default: 1 byte/s for 30 s.
  std::uint64_t low_speed_limit_bytes_per_s = 1;
  std::chrono::seconds low_speed_time{30};

  // Bandwidth cap for downloads in the background; 0 means unlimited.
  // Default: 0.
  std::uint64_t max_recv_speed_bytes_per_s = 0;

  // Sent as the User-Agent header. Default: "bsi/0.1".
  std::string user_agent = "bsi/0.1";

  // A PEM file of CA certificates to trust for https, instead of the system
  // store. Default: empty (the system store).
  std::string ca_file;
};

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(const CurlTransportOptions& options = {});
  ~CurlTransport() override;

  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  // See Transport. If libcurl could not be initialized (out of memory),
  // every call fails with kInternal.
  Result<std::string> Fetch(const FetchRequest& request) override;
  Status FetchTo(const FetchRequest& request, ByteSink& sink) override;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bsi::fetch

#endif  // BSI_FETCH_CURL_TRANSPORT_H_
