#include "server/http/server.h"

#include <charconv>
#include <condition_variable>
#include <exception>
#include <thread>
#include <vector>

#include <boost/asio/post.hpp>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include "server/http/worker.h"

namespace bsi::http {

using internal::ServerCore;
using internal::tcp;
using internal::Worker;
namespace asio = boost::asio;

namespace {

// "Address already in use" -> "address already in use".
std::string Lowercase(std::string text) {
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] + 32);
  return text;
}

Result<tcp::endpoint> ParseListen(const std::string& listen) {
  auto invalid = [&]() {
    return Error(ErrorCode::kInvalidArgument,
                 "listen address \"" + listen + "\": expected IPv4:port or [IPv6]:port");
  };
  std::string_view host;
  std::string_view port_text;
  std::string_view text(listen);
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return invalid();
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return invalid();
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return invalid();
  }
  boost::system::error_code address_ec;
  asio::ip::address address = asio::ip::make_address(std::string(host), address_ec);
  if (address_ec) return invalid();
  if (text.front() == '[' && !address.is_v6()) return invalid();
  if (text.front() != '[' && !address.is_v4()) return invalid();
  return tcp::endpoint(address, static_cast<std::uint16_t>(port));
}

Status LoadTls(const ServerOptions& options, std::optional<asio::ssl::context>& tls) {
  if (options.tls_cert_file.has_value() != options.tls_key_file.has_value()) {
    return Error(ErrorCode::kInvalidArgument, "TLS needs both tls_cert_file and tls_key_file");
  }
  if (!options.tls_cert_file.has_value()) return Ok();
  try {
    tls.emplace(asio::ssl::context::tls_server);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, std::string("TLS context: ") + e.what());
  }
  tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  tls->use_certificate_chain_file(*options.tls_cert_file, ec);
  if (ec) {
    return Error(ErrorCode::kInvalidArgument,
                 "tls_cert_file " + *options.tls_cert_file + ": " + ec.message());
  }
  tls->use_private_key_file(*options.tls_key_file, asio::ssl::context::pem, ec);
  if (ec) {
    return Error(ErrorCode::kInvalidArgument,
                 "tls_key_file " + *options.tls_key_file + ": " + ec.message());
  }
  if (SSL_CTX_check_private_key(tls->native_handle()) != 1) {
    return Error(ErrorCode::kInvalidArgument,
                 "tls_key_file " + *options.tls_key_file + ": does not match the certificate");
  }
  return Ok();
}

// What a plain HTTP client gets beyond max_connections.
std::string BusyResponse() {
  HttpResponse busy = ErrorResponse(503, "busy", "too many connections; try again");
  return "HTTP/1.1 503 Service Unavailable\r\nServer: bsi-server\r\n"
         "Content-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\n"
         "Content-Length: " +
         std::to_string(busy.body.size()) + "\r\n\r\n" + busy.body;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  ~Impl() {
    // Workers go first (their queued handlers with them): the acceptor and
    // timer live on worker 0's io_context.
    accept_retry_timer.reset();
    acceptor.reset();
    workers.clear();
  }

  Status Listen(const tcp::endpoint& endpoint) {
    acceptor.emplace(workers[0]->io());
    accept_retry_timer.emplace(workers[0]->io());
    boost::system::error_code ec;
    auto fail = [&](std::string_view step) {
      std::string listen = core.options.listen;
      return Error(ErrorCode::kIo, listen + ": " + (step.empty() ? "" : std::string(step) + ": ") +
                                       Lowercase(ec.message()));
    };
    acceptor->open(endpoint.protocol(), ec);
    if (ec) return fail("socket");
    acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (ec) return fail("setsockopt");
    acceptor->bind(endpoint, ec);
    if (ec) return fail("");
    acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("listen");
    port = acceptor->local_endpoint(ec).port();
    if (ec) return fail("getsockname");
    return Ok();
  }

  // On worker 0's thread.
  void Accept() {
    Worker& target = *workers[next_worker++ % workers.size()];
    acceptor->async_accept(
        target.io(), [this, &target](const boost::system::error_code& ec, tcp::socket socket) {
          if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
          if (ec) {
            // Out of descriptors, say: try again shortly rather than spin.
            accept_retry_timer->expires_after(std::chrono::milliseconds(50));
            accept_retry_timer->async_wait([this](const boost::system::error_code& timer_ec) {
              if (!timer_ec && acceptor->is_open()) Accept();
            });
            return;
          }
          core.connections_total.fetch_add(1);
          if (core.open_connections.load() >= core.options.max_connections) {
            core.connections_rejected.fetch_add(1);
            if (!core.tls.has_value()) {
              // Best effort, never blocking: the socket is fresh, its buffer empty.
              (void)::send(socket.native_handle(), busy_response.data(), busy_response.size(),
                           MSG_DONTWAIT | MSG_NOSIGNAL);
            }
            boost::system::error_code ignored;
            socket.close(ignored);
          } else {
            core.open_connections.fetch_add(1);
            asio::post(target.io(), [&target, s = std::move(socket)]() mutable {
              internal::StartConnection(target, std::move(s));
            });
          }
          Accept();
        });
  }

  void Stop() {
    std::lock_guard<std::mutex> stop_lock(stop_mu);
    if (stopped) return;
    asio::post(workers[0]->io(), [this] {
      boost::system::error_code ignored;
      acceptor->close(ignored);
      accept_retry_timer->cancel();
    });
    for (auto& worker : workers) {
      asio::post(worker->io(), [w = worker.get()] { w->BeginShutdown(); });
    }
    auto deadline = std::chrono::steady_clock::now() + core.options.shutdown_timeout;
    while (core.open_connections.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (auto& worker : workers) {
      asio::post(worker->io(), [w = worker.get()] { w->Finish(); });
      worker->ReleaseWork();
    }
    for (std::thread& thread : threads) thread.join();
    threads.clear();
    std::lock_guard<std::mutex> lock(wait_mu);
    stopped = true;
    wait_cv.notify_all();
  }

  ServerCore core;
  const std::string busy_response = BusyResponse();
  std::vector<std::unique_ptr<Worker>> workers;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_retry_timer;
  std::size_t next_worker = 0;  // on worker 0's thread
  std::uint16_t port = 0;
  std::vector<std::thread> threads;
  std::mutex stop_mu;
  std::mutex wait_mu;
  std::condition_variable wait_cv;
  bool stopped = false;  // guarded by wait_mu (written under stop_mu too)
};

Result<std::unique_ptr<HttpServer>> HttpServer::Start(ServerOptions options, Router router) {
  if (options.threads < 1) {
    return Error(ErrorCode::kInvalidArgument, "threads must be at least 1");
  }
  if (options.max_header_bytes < 64) {
    return Error(ErrorCode::kInvalidArgument, "max_header_bytes must be at least 64");
  }
  BSI_ASSIGN_OR_RETURN(tcp::endpoint endpoint, ParseListen(options.listen));
  auto impl = std::make_unique<Impl>();
  BSI_TRY(LoadTls(options, impl->core.tls));
  impl->core.options = std::move(options);
  impl->core.router = std::move(router);
  for (int i = 0; i < impl->core.options.threads; ++i) {
    impl->workers.push_back(std::make_unique<Worker>(impl->core));
  }
  BSI_TRY(impl->Listen(endpoint));
  Impl* raw = impl.get();
  asio::post(raw->workers[0]->io(), [raw] { raw->Accept(); });
  for (auto& worker : raw->workers) {
    raw->threads.emplace_back([w = worker.get()] { w->Run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() { impl_->Stop(); }

void HttpServer::Wait() {
  std::unique_lock<std::mutex> lock(impl_->wait_mu);
  impl_->wait_cv.wait(lock, [this] { return impl_->stopped; });
}

std::uint16_t HttpServer::port() const { return impl_->port; }

HttpServer::Stats HttpServer::stats() const {
  Stats stats;
  for (const auto& worker : impl_->workers) worker->AddTo(stats);
  stats.open_connections = impl_->core.open_connections.load();
  stats.connections_total = impl_->core.connections_total.load();
  stats.connections_rejected = impl_->core.connections_rejected.load();
  return stats;
}

}  // namespace bsi::http
