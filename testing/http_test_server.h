// HttpTestServer: a real HTTP/1.1 server on 127.0.0.1 for tests (fetch,
// the TUF client end to end). It listens on an ephemeral port and runs on its
// own thread, so a test drives a real client against it in-process:
//
//   using Server = bsi::testing::HttpTestServer;
//   Server server;
//   server.ServeDirectory(repo_dir);
//   server.SetHandler("/slow", [](const Server::Request&) {
//     Server::Response r;
//     r.body = "x";
//     r.delay_before_body = 5s;
//     return r;
//   });
//   ASSERT_TRUE(server.Start().ok());
//   transport.Fetch({server.BaseUrl() + "metadata/1.root.json", 1 << 20});
//   EXPECT_EQ(server.RequestLog(), (std::vector<std::string>{"GET /metadata/1.root.json"}));
//
// A request is answered by the handler registered for its exact path (the
// target without "?query"), else from the served directory for GET and HEAD,
// else 404. Connections are kept alive as HTTP/1.1 asks. Bodies are written
// in pieces, so a client that hangs up stops the writing (see BodyBytesSent).
//
// Thread-safety: every method but Start and Stop may be called from any
// thread at any time (the request log and counters are under a mutex); Start
// and Stop are called from one thread, the test's. Handlers run on the server
// thread, one at a time; they must not block (use delay_before_body to make a
// slow server). A handler that throws yields a 500.
#ifndef BSI_TESTING_HTTP_TEST_SERVER_H_
#define BSI_TESTING_HTTP_TEST_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bsi/core/result.h"

namespace bsi::testing {

class HttpTestServer {
 public:
  struct Request {
    std::string method;  // "GET"
    std::string target;  // "/metadata/1.root.json?x=1", as sent
    // Header names in lower case ("range"); repeated headers joined by ", ".
    std::map<std::string, std::string> headers;
    std::string body;  // At most 1 MiB; a larger request closes the connection.
  };

  struct Response {
    int status = 200;
    std::string body;
    // Extra headers. Content-Length and Transfer-Encoding are ignored here:
    // they follow from body, chunked and declared_content_length.
    std::map<std::string, std::string> headers;
    // Sends the body with "Transfer-Encoding: chunked" and no Content-Length.
    bool chunked = false;
    // Sends the status line and headers, then waits this long before the body
    // (a stalled server). Other connections are served meanwhile.
    std::chrono::milliseconds delay_before_body{0};
    // Declares this Content-Length instead of body.size() (a lying server).
    // The connection is closed after the body when the two differ. Ignored
    // when chunked.
    std::optional<std::size_t> declared_content_length;
  };

  using Handler = std::function<Response(const Request&)>;

  HttpTestServer();
  // Stops the server if it runs.
  ~HttpTestServer();

  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  // Listens on 127.0.0.1, on a port the system picks, and starts the server
  // thread. Handlers and the directory may be set before or after. A server
  // starts once: a second call fails with kInvalidArgument.
  Status Start();

  // Closes the listener and every connection and joins the server thread.
  // Safe to call twice, or without Start.
  void Stop();

  // REQUIRES: Start succeeded.
  std::uint16_t port() const;
  // "http://127.0.0.1:PORT/". REQUIRES: Start succeeded.
  std::string BaseUrl() const;

  // Serves GET and HEAD of "/a/b" from the file root_dir/a/b (after %XX
  // decoding): 404 if it is absent or not a regular file, 400 for a path
  // with a ".." segment, 405 for other methods.
  // Supports "Range: bytes=N-" and "bytes=N-M" (206 with Content-Range;
  // 416 when N is past the end); other Range forms get the whole file.
  void ServeDirectory(std::string root_dir);

  // Answers requests whose path (the target without "?query") equals path
  // exactly, whatever the method; takes precedence over the directory.
  // Replaces an earlier handler for the same path.
  void SetHandler(std::string path, Handler handler);
  void RemoveHandler(const std::string& path);

  // Every request received, as "METHOD target" ("GET /1.root.json"), in the
  // order the server read them.
  std::vector<std::string> RequestLog() const;
  void ClearRequestLog();

  // TCP connections accepted since Start.
  std::size_t ConnectionCount() const;

  // Response body bytes the server managed to write to sockets since Start
  // (a client that aborts a download early keeps this below the body size).
  std::uint64_t BodyBytesSent() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bsi::testing

#endif  // BSI_TESTING_HTTP_TEST_SERVER_H_
