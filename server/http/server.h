// HttpServer: bsi-server's HTTP/1.1 server (plain or TLS) in front of a
// Router. This module (server/http) is the only code in bsi that sees
// Boost.Beast and Boost.Asio; none of their types appears in its headers.
//
//   Router router;
//   BSI_TRY(router.Add("GET", "/healthz", ...));
//   ServerOptions options;
//   options.listen = "[::]:8443";
//   options.tls_cert_file = "/etc/bsi/server.pem";
//   options.tls_key_file = "/etc/bsi/server.key";
//   BSI_ASSIGN_OR_RETURN(std::unique_ptr<HttpServer> server,
//                        HttpServer::Start(options, std::move(router)));
//   ... on SIGTERM: server->Stop();
//
// Behaviour:
//  - HTTP/1.1 with keep-alive (HTTP/1.0 closes unless it asks to keep
//    alive); one request at a time per connection, so pipelined requests are
//    answered in order. "Expect: 100-continue" is honoured.
//  - Every response carries "Server: bsi-server", Date, and Content-Length
//    (none for 1xx, 204 and 304). HEAD gets the headers of the GET.
//  - A malformed request gets 400, a header over max_header_bytes 431, a body
//    over its route's limit 413; the connection is then closed (after
//    draining what the client still sends, up to a bound, so that it reads
//    the answer).
//  - Timeouts, each cutting the connection: the whole header must arrive
//    within header_timeout of its first byte (of the connection, for the
//    first request), the body within body_timeout of the header, the next
//    request's first byte within idle_timeout of the previous response; each
//    piece of a response must be taken by the client within send_timeout.
//    They are checked by a sweep every quarter of the shortest one (at most
//    every second), so they fire up to that much late.
//  - Beyond max_connections open connections, a new one gets a 503 (plain
//    HTTP) or is closed at once (TLS).
//  - TLS 1.2 or newer through OpenSSL when tls_cert_file and tls_key_file
//    are set (PEM; the certificate file may hold the chain).
//
// Threads: `threads` threads, each running its own event loop; a connection
// lives on one of them for its whole life, so handlers for one connection
// never run concurrently with each other. Handlers of different connections
// run concurrently.
//
// Thread-safety: Stop, Wait, port and stats may be called from any thread.
// Destroying the server stops it (REQUIRES: not from a handler).
#ifndef BSI_SERVER_HTTP_SERVER_H_
#define BSI_SERVER_HTTP_SERVER_H_

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "bsi/core/result.h"

#include "server/http/router.h"

namespace bsi::http {

struct ServerOptions {
  // "IPv4:port" or "[IPv6]:port"; an IP literal, not a host name. Port 0
  // picks a free port (see HttpServer::port()). Default: "127.0.0.1:8080".
  std::string listen = "127.0.0.1:8080";
  // Threads serving connections. Default: 2.
  int threads = 2;
  // PEM certificate (chain) and private key: both set for HTTPS, neither for
  // plain HTTP. Default: plain HTTP.
  std::optional<std::string> tls_cert_file;
  std::optional<std::string> tls_key_file;
  // See the file comment. Defaults: 10 s, 30 s, 60 s, 30 s.
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds body_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds send_timeout{std::chrono::seconds(30)};
  // Bound on the request line and header fields together. Default: 16 KiB.
  std::size_t max_header_bytes = std::size_t{16} * 1024;
  // Default: 10000.
  std::size_t max_connections = 10000;
  // How long Stop lets in-flight requests finish. Default: 10 s.
  std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(10)};
};

class HttpServer {
 public:
  // Counters since Start, for /metrics. Each is read atomically but the set
  // is not a snapshot.
  struct Stats {
    std::uint64_t requests_total = 0;  // requests answered, by the router or the server
    // Responses by status class: [0] 1xx (100 Continue is not counted),
    // [1] 2xx, [2] 3xx, [3] 4xx, [4] 5xx.
    std::array<std::uint64_t, 5> responses_by_class{};
    std::uint64_t open_connections = 0;
    std::uint64_t connections_total = 0;     // accepted, rejected ones included
    std::uint64_t connections_rejected = 0;  // beyond max_connections
    std::uint64_t timeouts = 0;              // connections cut by a timeout
  };

  // Binds options.listen, loads the TLS certificate if any, and starts the
  // threads. Errors: kInvalidArgument for a bad option (listen address,
  // threads < 1, one TLS file without the other, a certificate or key that
  // does not load); kIo when the address cannot be bound
  // ("127.0.0.1:8080: address already in use").
  static Result<std::unique_ptr<HttpServer>> Start(ServerOptions options, Router router);

  // Stops the server: waits for Stop.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Graceful shutdown: stops accepting, closes idle connections, lets
  // requests in flight finish (their responses say "Connection: close") for
  // up to shutdown_timeout, then closes everything and joins the threads.
  // Returns when done; later calls return at once. REQUIRES: not called from
  // a handler (it would wait for itself).
  void Stop();

  // Blocks until Stop has finished (on another thread).
  void Wait();

  // The bound port (the chosen one when options.listen asked for port 0).
  std::uint16_t port() const;

  Stats stats() const;

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bsi::http

#endif  // BSI_SERVER_HTTP_SERVER_H_
