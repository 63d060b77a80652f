// Test support for server_http_test (not linked by anything else): a
// blocking raw-socket HTTP/1.1 client on 127.0.0.1, so that the bytes on the
// wire are exactly what a test wrote (a client library would normalize paths
// and hide the framing); temporary directories; shell commands (curl,
// openssl).
//
// Thread-safety: a RawClient is used by one thread at a time.
#ifndef BSI_SERVER_HTTP_TEST_CLIENT_H_
#define BSI_SERVER_HTTP_TEST_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "testing/temp_dir.h"

namespace bsi::http::testing {

struct ParsedResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header named name (case-insensitive), or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
};

class RawClient {
 public:
  // Connects to 127.0.0.1:port; reads give up after timeout.
  explicit RawClient(std::uint16_t port,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  // Sends all of data; false when the connection failed.
  bool Send(std::string_view data);

  // Reads one response framed by Content-Length (no body for HEAD when
  // head_request, nor for 1xx, 204 and 304). nullopt when the connection
  // closed or timed out first, or the response is malformed.
  std::optional<ParsedResponse> ReadResponse(bool head_request = false);

  // Whether the server closes the connection (read returns 0 or a reset)
  // before the timeout; what arrives meanwhile is discarded.
  bool WaitClosed();

 private:
  bool Fill();  // reads more into buffer_; false on close, error or timeout

  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

// "GET /x HTTP/1.1\r\nHost: test\r\n<extra>Content-Length: ...\r\n\r\n<body>"
// (Content-Length only when body is not empty).
std::string Request(std::string_view method, std::string_view target,
                    std::string_view extra_headers = "", std::string_view body = "");

// One request on a fresh connection.
std::optional<ParsedResponse> Fetch(std::uint16_t port, std::string_view method,
                                    std::string_view target, std::string_view extra_headers = "",
                                    std::string_view body = "");

struct CommandResult {
  int exit_status = -1;
  std::string output;  // standard output
};
// Runs command with /bin/sh.
CommandResult RunCommand(const std::string& command);

using TempDir = ::bsi::testing::TempDir;

// Writes content to path (creating parent directories), replacing it
// atomically by rename when atomic.
void WriteFile(const std::string& path, std::string_view content, bool atomic = false);

// Raises the soft limit on open descriptors to at least n (up to the hard
// limit). Returns the limit in force.
std::uint64_t RaiseFileLimit(std::uint64_t n);

}  // namespace bsi::http::testing

#endif  // BSI_SERVER_HTTP_TEST_CLIENT_H_
