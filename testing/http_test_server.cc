#include "testing/http_test_server.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string_view>
#include <thread>
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace bsi::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Request = HttpTestServer::Request;
using Response = HttpTestServer::Response;

// Bodies are written in pieces of this size, so that a client hanging up
// stops the writing and BodyBytesSent shows how far it got.
constexpr std::size_t kBodyPieceBytes = std::size_t{16} * 1024;
constexpr std::uint64_t kMaxRequestBodyBytes = 1 << 20;

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Response PlainResponse(int status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  response.headers["Content-Type"] = "text/plain";
  return response;
}

// Decodes %XX escapes; nullopt for a malformed escape or a NUL byte.
std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    unsigned value = 0;
    if (i + 3 > s.size()) return std::nullopt;
    auto [end, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, value, 16);
    if (ec != std::errc() || end != s.data() + i + 3) return std::nullopt;
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  if (out.find('\0') != std::string::npos) return std::nullopt;
  return out;
}

bool HasDotDotSegment(std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = std::min(path.find('/', start), path.size());
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

std::optional<std::uint64_t> ParseDecimal(std::string_view s) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// Applies "Range: bytes=N-" or "bytes=N-M" to a whole file's response.
void ApplyRange(std::string_view range, Response& response) {
  constexpr std::string_view kPrefix = "bytes=";
  if (range.substr(0, kPrefix.size()) != kPrefix) return;
  range.remove_prefix(kPrefix.size());
  std::size_t dash = range.find('-');
  if (dash == std::string_view::npos) return;
  std::optional<std::uint64_t> first = ParseDecimal(range.substr(0, dash));
  std::string_view last_text = range.substr(dash + 1);
  std::optional<std::uint64_t> last = ParseDecimal(last_text);
  if (!first.has_value() || (!last_text.empty() && !last.has_value())) return;
  std::uint64_t size = response.body.size();
  if (*first >= size) {
    response = PlainResponse(416, "range not satisfiable\n");
    response.headers["Content-Range"] = "bytes */" + std::to_string(size);
    return;
  }
  std::uint64_t end = std::min(last.value_or(size - 1), size - 1);
  if (end < *first) return;
  response.status = 206;
  response.headers["Content-Range"] =
      "bytes " + std::to_string(*first) + "-" + std::to_string(end) + "/" + std::to_string(size);
  response.body = response.body.substr(*first, end - *first + 1);
}

Response ServeFile(const std::string& root, const Request& request, std::string_view path) {
  if (request.method != "GET" && request.method != "HEAD") {
    return PlainResponse(405, "method not allowed\n");
  }
  std::optional<std::string> decoded = PercentDecode(path);
  if (!decoded.has_value() || decoded->empty() || decoded->front() != '/' ||
      HasDotDotSegment(*decoded)) {
    return PlainResponse(400, "bad path\n");
  }
  std::filesystem::path file = root + *decoded;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return PlainResponse(404, "not found\n");
  std::ifstream in(file, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in) return PlainResponse(500, "cannot read file\n");
  Response response;
  response.body = std::move(content).str();
  response.headers["Content-Type"] = "application/octet-stream";
  response.headers["Accept-Ranges"] = "bytes";
  if (auto range = request.headers.find("range"); range != request.headers.end()) {
    ApplyRange(range->second, response);
  }
  return response;
}

// What the server thread shares with the test thread.
struct ServerState {
  // Logs the request and computes its answer. Called on the server thread.
  Response Answer(const Request& request);

  void AddBodyBytesSent(std::uint64_t n) {
    std::lock_guard<std::mutex> lock(mu);
    body_bytes_sent += n;
  }

  mutable std::mutex mu;
  std::map<std::string, HttpTestServer::Handler> handlers;  // guarded by mu
  std::string root_dir;                                     // guarded by mu
  std::vector<std::string> log;                             // guarded by mu
  std::size_t connection_count = 0;                         // guarded by mu
  std::uint64_t body_bytes_sent = 0;                        // guarded by mu
};

// One connection: read a request, write its response, repeat while the
// connection is kept alive. Owned by the pending asynchronous operation's
// handler; destroyed when the connection ends or the io_context goes away.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerState& server)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), server_(server) {}

  void Read() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBodyBytes);
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->Close();
                       self->OnRequest(self->parser_->release());
                     });
  }

 private:
  void OnRequest(const http::request<http::string_body>& message) {
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      std::string name = ToLower(field.name_string());
      std::string& value = request.headers[name];
      if (!value.empty()) value += ", ";
      value += field.value();
    }
    request.body = message.body();

    Response response = server_.Answer(request);
    keep_alive_ = message.keep_alive();
    head_only_ = request.method == "HEAD";
    chunked_ = response.chunked;
    body_ = std::move(response.body);
    body_offset_ = 0;
    delay_ = response.delay_before_body;

    std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " +
                       std::string(http::obsolete_reason(
                           http::int_to_status(static_cast<unsigned>(response.status)))) +
                       "\r\n";
    for (const auto& [name, value] : response.headers) {
      std::string lower = ToLower(name);
      if (lower == "content-length" || lower == "transfer-encoding") continue;
      if (lower == "connection" && ToLower(value) == "close") keep_alive_ = false;
      head += name + ": " + value + "\r\n";
    }
    if (chunked_) {
      head += "Transfer-Encoding: chunked\r\n";
    } else {
      std::size_t declared = response.declared_content_length.value_or(body_.size());
      if (declared != body_.size()) keep_alive_ = false;
      head += "Content-Length: " + std::to_string(declared) + "\r\n";
    }
    if (!keep_alive_) {
      head += "Connection: close\r\n";
    } else if (message.version() == 10) {
      head += "Connection: keep-alive\r\n";
    }
    head += "\r\n";
    head_ = std::move(head);
    asio::async_write(socket_, asio::buffer(head_),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->Close();
                        self->AfterHead();
                      });
  }

  void AfterHead() {
    if (delay_.count() <= 0 || head_only_) return WriteBody();
    timer_.expires_after(delay_);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->Close();
      self->WriteBody();
    });
  }

  void WriteBody() {
    if (head_only_ || (body_offset_ == body_.size() && !chunked_)) return Finish();
    std::size_t n = std::min(kBodyPieceBytes, body_.size() - body_offset_);
    std::string_view piece(body_.data() + body_offset_, n);
    if (chunked_) {
      std::ostringstream framed;
      if (n == 0) {
        framed << "0\r\n\r\n";  // The last chunk, no trailers.
      } else {
        framed << std::hex << n << "\r\n" << piece << "\r\n";
      }
      out_ = std::move(framed).str();
      piece = out_;
    }
    asio::async_write(socket_, asio::buffer(piece.data(), piece.size()),
                      [self = shared_from_this(), n](beast::error_code ec, std::size_t) {
                        if (ec) return self->Close();
                        self->server_.AddBodyBytesSent(n);
                        self->body_offset_ += n;
                        if (n == 0) return self->Finish();  // The last chunk.
                        self->WriteBody();
                      });
  }

  void Finish() {
    if (keep_alive_) return Read();
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    Close();
  }

  void Close() {
    beast::error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  ServerState& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;

  // The response being written.
  bool keep_alive_ = false;
  bool head_only_ = false;
  bool chunked_ = false;
  std::chrono::milliseconds delay_{0};
  std::string head_;
  std::string body_;
  std::size_t body_offset_ = 0;
  std::string out_;  // The chunk being written.
};

Response ServerState::Answer(const Request& request) {
  std::string path = request.target.substr(0, request.target.find('?'));
  HttpTestServer::Handler handler;
  std::string root;
  {
    std::lock_guard<std::mutex> lock(mu);
    log.push_back(request.method + " " + request.target);
    if (auto it = handlers.find(path); it != handlers.end()) handler = it->second;
    root = root_dir;
  }
  if (handler) {
    try {
      return handler(request);
    } catch (const std::exception& e) {
      return PlainResponse(500, std::string("handler threw: ") + e.what() + "\n");
    }
  }
  if (!root.empty()) return ServeFile(root, request, path);
  return PlainResponse(404, "not found\n");
}

}  // namespace

class HttpTestServer::Impl {
 public:
  Status Start();
  void Stop();

  ServerState state_;

  // Set by Start and reset by Stop on the test thread; the server thread only
  // runs between the two.
  std::unique_ptr<asio::io_context> io_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  bool started_ = false;

 private:
  void Accept();
};

Status HttpTestServer::Impl::Start() {
  started_ = true;
  io_ = std::make_unique<asio::io_context>(1);
  acceptor_ = std::make_unique<tcp::acceptor>(*io_);
  tcp::endpoint endpoint(asio::ip::address_v4::loopback(), 0);
  beast::error_code ec;
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) port_ = acceptor_->local_endpoint(ec).port();
  if (ec) {
    acceptor_.reset();
    io_.reset();
    return Error(ErrorCode::kNetwork, "HttpTestServer: listen on 127.0.0.1: " + ec.message());
  }
  Accept();
  thread_ = std::thread([this] { io_->run(); });
  return Ok();
}

void HttpTestServer::Impl::Accept() {
  acceptor_->async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      {
        std::lock_guard<std::mutex> lock(state_.mu);
        ++state_.connection_count;
      }
      // Head and body go out in separate writes: without this, Nagle's
      // algorithm and delayed ACKs add 40 ms to many responses.
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<Session>(std::move(socket), state_)->Read();
    }
    Accept();
  });
}

void HttpTestServer::Impl::Stop() {
  if (!thread_.joinable()) return;
  io_->stop();
  thread_.join();
  // Destroying the io_context destroys the pending handlers, and with them
  // the sessions and their sockets; the acceptor must go first.
  acceptor_.reset();
  io_.reset();
}

HttpTestServer::HttpTestServer() : impl_(std::make_unique<Impl>()) {}

HttpTestServer::~HttpTestServer() { Stop(); }

Status HttpTestServer::Start() {
  if (impl_->started_) return Error(ErrorCode::kInvalidArgument, "HttpTestServer: started twice");
  return impl_->Start();
}

void HttpTestServer::Stop() { impl_->Stop(); }

std::uint16_t HttpTestServer::port() const { return impl_->port_; }

std::string HttpTestServer::BaseUrl() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port_) + "/";
}

void HttpTestServer::ServeDirectory(std::string root_dir) {
  while (root_dir.size() > 1 && root_dir.back() == '/') root_dir.pop_back();
  std::lock_guard<std::mutex> lock(impl_->state_.mu);
  impl_->state_.root_dir = std::move(root_dir);
}

void HttpTestServer::SetHandler(std::string path, Handler handler) {
  std::lock_guard<std::mutex> lock(impl_->state_.mu);
  impl_->state_.handlers[std::move(path)] = std::move(handler);
}

void HttpTestServer::RemoveHandler(const std::string& path) {
  std::lock_guard<std::mutex> lock(impl_->state_.mu);
  impl_->state_.handlers.erase(path);
}

std::vector<std::string> HttpTestServer::RequestLog() const {
  std::lock_guard<std::mutex> lock(impl_->state_.mu);
  return impl_->state_.log;
}

void HttpTestServer::ClearRequestLog() {
  std::lock_guard<std::mutex> lock(impl_->state_.mu);
  impl_->state_.log.clear();
}

std::size_t HttpTestServer::ConnectionCount() const {
  std::lock_guard<std::mutex> lock(impl_->state_.mu);
  return impl_->state_.connection_count;
}

std::uint64_t HttpTestServer::BodyBytesSent() const {
  std::lock_guard<std::mutex> lock(impl_->state_.mu);
  return impl_->state_.body_bytes_sent;
}

}  // namespace bsi::testing
