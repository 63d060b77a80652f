// ApiClient: the seam through which bsi talks to a JSON HTTP API (the fleet
// server), next to Transport (transport.h), which stays GET-only for the
// TUF repository. Implementations:
//  - CurlApiClient (curl_api_client.h): the real one, over libcurl.
//  - tests use CurlApiClient against testing/HttpTestServer on 127.0.0.1.
//
// One request per call: no retries, no redirects followed, no caching; the
// caller decides what to resend and when. Unlike Transport, every HTTP
// status is an answer, returned as an ApiResponse (a 401 or a 503 is for
// the caller to interpret); errors are only for requests that got no
// complete answer.
//
// Everything from the network is bounded: the body is capped at max_bytes,
// counted on the bytes actually received whatever Content-Length says, and
// the response headers at kMaxResponseHeaderBytes.
//
// Errors (error.h):
//  - kNetwork:    the connection failed (refused, reset, DNS, TLS).
//  - kTimeout:    no complete answer within the client's time limits.
//  - kTooLarge:   the body has more than max_bytes (or says so up front),
//                 or the headers more than kMaxResponseHeaderBytes.
//  - kInvalidArgument: a URL that is malformed or not http(s), a method
//                 other than GET/POST/PUT/PATCH/DELETE, a body with GET, a
//                 header name or value that could split the request (CR,
//                 LF, NUL; ':' in a name).
//
// Thread-safety: an ApiClient is used by one thread at a time unless the
// implementation says otherwise.
#ifndef BSI_FETCH_API_CLIENT_H_
#define BSI_FETCH_API_CLIENT_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "bsi/core/result.h"

namespace bsi::fetch {

inline constexpr std::uint64_t kMaxResponseHeaderBytes = std::uint64_t{64} * 1024;

struct ApiRequest {
  std::string method = "GET";  // GET, POST, PUT, PATCH or DELETE
  std::string url;             // an absolute http:// or https:// URL
  // Sent as given, in order ("Authorization", "Bearer ..."). The client adds
  // Accept-Encoding: identity and suppresses "Expect: 100-continue".
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent as is (with Content-Length) unless empty
  // Hard cap on the response body. A body of exactly max_bytes is accepted.
  // Default: 0, which only accepts an empty body; callers always set it.
  std::uint64_t max_bytes = 0;
};

struct ApiResponse {
  int status = 0;
  // The final response's headers, names in lower case ("etag",
  // "retry-after", "content-type"); repeated headers joined by ", ".
  std::map<std::string, std::string> headers;
  std::string body;

  // The header's value, or "" if absent. REQUIRES: name is lower case.
  std::string Header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class ApiClient {
 public:
  virtual ~ApiClient() = default;

  // Sends the request and returns the server's answer, whatever its status.
  // Errors: see the file comment.
  virtual Result<ApiResponse> Send(const ApiRequest& request) = 0;
};

}  // namespace bsi::fetch

#endif  // BSI_FETCH_API_CLIENT_H_
