// Transport: the one seam through which libbsi downloads bytes (metadata
// files, target files). Implementations:
//  - CurlTransport (curl_transport.h): the real one, over libcurl.
//  - in-memory fakes (testing/), for unit tests of the updater.
//
// A Transport does exactly one request per call: no retries, no redirects
// followed, no caching. The updater decides what to fetch and when to retry,
// so the sequence of requests a server sees is exactly the one the updater
// made (TUF's download order is part of its security argument).
//
// Everything from the network is bounded: every call carries a hard byte cap,
// enforced on the bytes actually received, whatever Content-Length says.
//
// Errors (error.h):
//  - kNotFound:   HTTP 404 (the file does not exist; e.g. no newer root).
//  - kHttpStatus: any other status than 200 (or 206 for a range request);
//                 the message names the status. A redirect (3xx) is not
//                 followed and is reported as kHttpStatus.
//  - kNetwork:    the connection failed (refused, reset, DNS, TLS).
//  - kTimeout:    no complete answer within the transport's time limits.
//  - kTooLarge:   the body has more than max_bytes (or says so up front).
//  - kInvalidArgument: a URL that is malformed or not http(s).
//  - FetchTo only: the first error the ByteSink returned, unchanged.
//
// Thread-safety: a Transport is used by one thread at a time unless the
// implementation says otherwise.
#ifndef BSI_FETCH_TRANSPORT_H_
#define BSI_FETCH_TRANSPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bsi/core/result.h"

namespace bsi::fetch {

struct FetchRequest {
  // An absolute http:// or https:// URL.
  std::string url;

  // Hard cap on the body bytes received by this call (for a range request:
  // on the tail received). A body of exactly max_bytes is accepted.
  // Default: 0, which only accepts an empty body; callers always set it.
  std::uint64_t max_bytes = 0;

  // When set, asks for the bytes from this offset to the end of the file
  // ("Range: bytes=N-"), to resume an interrupted download. The server must
  // answer 206 with a Content-Range starting at this offset; a 200 (range
  // ignored) is reported as kHttpStatus, so a caller never appends a whole
  // file to a partial one.
  std::optional<std::uint64_t> range_start;
};

// A streaming consumer of a response body (a hasher, a file being written).
class ByteSink {
 public:
  virtual ~ByteSink() = default;

  // Receives the next chunk of the body, in order. An error aborts the
  // transfer, and FetchTo returns that error. Chunks arrive only after the
  // status was checked: a sink never sees the body of a 404 or 500.
  virtual Status Write(std::string_view chunk) = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Fetches request.url into memory.
  // REQUIRES: request.url is an absolute URL.
  virtual Result<std::string> Fetch(const FetchRequest& request) = 0;

  // Streams the body of request.url into sink, with the same cap and errors
  // as Fetch; for artifacts too large to hold in memory. On error the sink
  // may have received part of the body.
  // REQUIRES: request.url is an absolute URL.
  virtual Status FetchTo(const FetchRequest& request, ByteSink& sink) = 0;
};

}  // namespace bsi::fetch

#endif  // BSI_FETCH_TRANSPORT_H_
