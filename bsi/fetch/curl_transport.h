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
#include "bsi/fetch/curl_options.h"
#include "bsi/fetch/transport.h"

namespace bsi::fetch {

struct CurlTransportOptions : CurlConnectionOptions {
  // total_timeout (CurlConnectionOptions): size it for the largest artifact
  // at the slowest acceptable rate (and max_recv_speed_bytes_per_s).

  // Bandwidth cap for downloads in the background; 0 means unlimited.
  // Default: 0.
  std::uint64_t max_recv_speed_bytes_per_s = 0;
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
