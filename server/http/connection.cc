// One HTTP/1.1 connection, plain or TLS: read a request, hand it to its
// handler, write the response, repeat while kept alive.
//
//   (TLS) kHandshake
//             |
//             v
//   +-----> kIdle --first byte--> kHeader --header--> kBody --body--+
//   |                               |  (Expect: 100-continue:        |
//   |                               |   kContinue, then kBody)       |
//   |                               +--------no body-----------------+
//   |                                                                v
//   +---------keep-alive--------- kWrite <--responder called--- kHandler
//                                   |
//                                   +--close--> (kLinger: drain) --> kClosed
//
// Any error or passed deadline leads to kClosed. Deadlines are not timers:
// the worker's sweep calls OnDeadline (worker.h). At most one read or write
// is pending at a time (op_pending_); the stream is destroyed only when none
// is, on the worker's thread, so that a Connection kept alive by a responder
// after the server is gone holds no Asio object.
#include <array>
#include <exception>
#include <span>
#include <type_traits>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "server/http/request_parser.h"
#include "server/http/response_head.h"
#include "server/http/worker.h"

namespace bsi::http::internal {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using SslStream = asio::ssl::stream<tcp::socket>;

// Reads ask for this much room: small while waiting for a header (10,000
// idle connections hold little), larger for a body.
constexpr std::size_t kHeaderReadBytes = std::size_t{4} * 1024;
constexpr std::size_t kBodyReadBytes = std::size_t{64} * 1024;
constexpr std::size_t kFilePieceBytes = std::size_t{64} * 1024;
constexpr std::size_t kMemoryPieceBytes = std::size_t{256} * 1024;
constexpr std::chrono::seconds kLingerTime{2};
constexpr std::uint64_t kMaxLingerBytes = std::uint64_t{16} << 20;
constexpr std::string_view k100Continue = "HTTP/1.1 100 Continue\r\n\r\n";

tcp::socket& Socket(tcp::socket& stream) { return stream; }
tcp::socket& Socket(SslStream& stream) { return stream.next_layer(); }

// Shared by the copies of one Responder: delivers exactly one response to the
// connection's thread, a 500 if every copy is dropped uncalled.
class ResponseSlot {
 public:
  ResponseSlot(std::shared_ptr<ConnectionBase> connection, std::shared_ptr<WorkerLink> link,
               std::uint64_t generation)
      : connection_(std::move(connection)), link_(std::move(link)), generation_(generation) {}

  ~ResponseSlot() {
    if (!used_.exchange(true)) {
      Send(ErrorResponse(500, "internal", "the handler dropped the request without answering"));
    }
  }
  ResponseSlot(const ResponseSlot&) = delete;
  ResponseSlot& operator=(const ResponseSlot&) = delete;

  void Deliver(HttpResponse response) {
    if (used_.exchange(true)) return;
    Send(std::move(response));
  }

 private:
  void Send(HttpResponse response) {
    if (std::this_thread::get_id() == link_->thread_id.load()) {
      connection_->OnResponse(generation_, std::move(response));
      return;
    }
    std::lock_guard<std::mutex> lock(link_->mu);
    if (link_->io == nullptr) return;  // the server is gone
    asio::post(*link_->io, [connection = connection_, generation = generation_,
                            response = std::move(response)]() mutable {
      connection->OnResponse(generation, std::move(response));
    });
  }

  std::shared_ptr<ConnectionBase> connection_;
  std::shared_ptr<WorkerLink> link_;
  std::uint64_t generation_;
  std::atomic<bool> used_{false};
};

template <typename Stream>
class Connection final : public ConnectionBase,
                         public std::enable_shared_from_this<Connection<Stream>> {
 public:
  template <typename... StreamArgs>
  Connection(Worker& worker, std::string remote_address, StreamArgs&&... stream_args)
      : worker_(worker), core_(worker.core()) {
    stream_.emplace(std::forward<StreamArgs>(stream_args)...);
    request_.remote_address = std::move(remote_address);
  }

  void Start() {
    worker_.Add(this);
    deadline = SteadyClock::now() + core_.options.header_timeout;
    if constexpr (std::is_same_v<Stream, SslStream>) {
      phase_ = Phase::kHandshake;
      op_pending_ = true;
      stream_->async_handshake(asio::ssl::stream_base::server,
                               [self = this->shared_from_this()](const beast::error_code& ec) {
                                 self->op_pending_ = false;
                                 if (self->phase_ == Phase::kClosed) return self->FinishClose();
                                 if (ec) return self->Close();
                                 self->deadline =
                                     SteadyClock::now() + self->core_.options.header_timeout;
                                 self->BeginRequest(/*first=*/true);
                               });
    } else {
      BeginRequest(/*first=*/true);
    }
  }

  void OnDeadline() override {
    if (phase_ == Phase::kHandler || phase_ == Phase::kClosed) return;
    if (phase_ != Phase::kLinger) worker_.CountTimeout();
    Close();
  }

  void OnShutdown() override {
    close_after_response_ = true;
    bool nothing_read = phase_ == Phase::kHeader && buffer_.size() == 0 &&
                        (!parser_.has_value() || !parser_->got_some());
    if (phase_ == Phase::kIdle || phase_ == Phase::kHandshake || nothing_read) Close();
  }

  void ForceClose() override { Close(); }

  void OnResponse(std::uint64_t generation, HttpResponse response) override {
    if (phase_ != Phase::kHandler || generation != generation_) return;
    StartResponse(std::move(response));
  }

 private:
  enum class Phase {
    kHandshake,
    kIdle,
    kHeader,
    kBody,
    kContinue,
    kHandler,
    kWrite,
    kLinger,
    kClosed
  };

  void BeginRequest(bool first) {
    ++generation_;
    request_.method.clear();
    request_.path.clear();
    request_.query.clear();
    request_.headers.clear();
    request_.body.clear();
    request_.params.clear();
    request_.mount_prefix_size = 0;
    match_ = RouteMatch();
    header_handled_ = false;
    head_request_ = false;
    if (buffer_.size() == 0 && buffer_.capacity() > 4 * kHeaderReadBytes) buffer_.shrink_to_fit();
    parser_.emplace(request_, core_.router, match_);
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(core_.options.max_header_bytes, UINT32_MAX)));
    if (first) {
      phase_ = Phase::kHeader;  // the deadline runs from the connection's start
    } else if (buffer_.size() > 0) {
      phase_ = Phase::kHeader;  // pipelined
      deadline = SteadyClock::now() + core_.options.header_timeout;
    } else {
      phase_ = Phase::kIdle;
      deadline = SteadyClock::now() + core_.options.idle_timeout;
    }
    if (buffer_.size() > 0) {
      Parse();
    } else {
      ReadMore();
    }
  }

  void ReadMore() {
    op_pending_ = true;
    std::size_t room = phase_ == Phase::kBody ? kBodyReadBytes : kHeaderReadBytes;
    stream_->async_read_some(buffer_.prepare(room), [self = this->shared_from_this()](
                                                        const beast::error_code& ec,
                                                        std::size_t n) { self->OnRead(ec, n); });
  }

  void OnRead(const beast::error_code& ec, std::size_t n) {
    op_pending_ = false;
    if (phase_ == Phase::kClosed) return FinishClose();
    if (ec) return Close();  // end of stream, reset, ...
    buffer_.commit(n);
    if (phase_ == Phase::kIdle) {
      phase_ = Phase::kHeader;
      deadline = SteadyClock::now() + core_.options.header_timeout;
    }
    Parse();
  }

  void Parse() {
    while (true) {
      beast::error_code ec;
      std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == bhttp::error::need_more) return ReadMore();
      if (ec) return RefuseMalformed(ec);
      if (!header_handled_ && parser_->is_header_done()) {
        header_handled_ = true;
        if (!OnHeader()) return;
      }
      if (parser_->is_done()) return Dispatch();
      if (buffer_.size() == 0 || used == 0) return ReadMore();
    }
  }

  // Returns whether to go on reading the body.
  bool OnHeader() {
    keep_alive_ = parser_->keep_alive();
    if (match_.kind != RouteMatch::Kind::kFound) {
      worker_.CountRequest();
      head_request_ = request_.method == "HEAD";
      if (!parser_->is_done()) {  // the body stays unread
        close_after_response_ = true;
        linger_ = true;
      }
      StartResponse(Router::ErrorResponseFor(match_));
      return false;
    }
    if (parser_->is_done()) return true;
    phase_ = Phase::kBody;
    deadline = SteadyClock::now() + core_.options.body_timeout;
    if (parser_->expect_continue() && parser_->version() >= 11 && buffer_.size() == 0) {
      phase_ = Phase::kContinue;
      op_pending_ = true;
      asio::async_write(
          *stream_, asio::buffer(k100Continue.data(), k100Continue.size()),
          [self = this->shared_from_this()](const beast::error_code& write_ec, std::size_t /*n*/) {
            self->op_pending_ = false;
            if (self->phase_ == Phase::kClosed) return self->FinishClose();
            if (write_ec) return self->Close();
            self->phase_ = Phase::kBody;
            self->ReadMore();
          });
      return false;
    }
    return true;
  }

  void RefuseMalformed(const beast::error_code& ec) {
    worker_.CountRequest();
    close_after_response_ = true;
    linger_ = true;
    head_request_ = false;
    if (ec == bhttp::error::body_limit) {
      return StartResponse(ErrorResponse(
          413, "body_too_large",
          "the request body exceeds " + std::to_string(match_.max_body_bytes) + " bytes"));
    }
    if (ec == bhttp::error::header_limit) {
      return StartResponse(ErrorResponse(431, "header_too_large",
                                         "the request header exceeds " +
                                             std::to_string(core_.options.max_header_bytes) +
                                             " bytes"));
    }
    StartResponse(ErrorResponse(400, "bad_request", "malformed HTTP request: " + ec.message()));
  }

  void Dispatch() {
    phase_ = Phase::kHandler;
    deadline = SteadyClock::time_point::max();
    head_request_ = request_.method == "HEAD";
    worker_.CountRequest();
    auto slot =
        std::make_shared<ResponseSlot>(this->shared_from_this(), worker_.link(), generation_);
    try {
      (*match_.handler)(request_,
                        [slot](HttpResponse response) { slot->Deliver(std::move(response)); });
    } catch (const std::exception& e) {
      slot->Deliver(ErrorResponse(500, "internal", std::string("handler failed: ") + e.what()));
    } catch (...) {
      slot->Deliver(ErrorResponse(500, "internal", "handler failed"));
    }
    // Nothing may follow: the response may already be on its way.
  }

  void StartResponse(HttpResponse response) {
    phase_ = Phase::kWrite;
    if (!IsValidResponse(response)) {
      response = ErrorResponse(500, "internal", "the handler's response is invalid");
    }
    worker_.CountResponse(response.status);
    close_ = close_after_response_ || !keep_alive_ || worker_.stopping();
    response_ = std::move(response);
    BuildHead();
    head_written_ = false;
    body_sent_ = 0;
    body_total_ = (head_request_ || StatusHasNoBody(response_.status)) ? 0 : response_.BodySize();
    WriteNext();
  }

  void BuildHead() {
    FormatResponseHead(response_, worker_.Date(), close_,
                       parser_.has_value() && parser_->version() < 11, head_);
  }

  // Writes the head (first time) and the next piece of the body.
  void WriteNext() {
    std::array<asio::const_buffer, 2> buffers;
    if (!head_written_) buffers[0] = asio::buffer(head_);
    std::uint64_t remaining = body_total_ - body_sent_;
    piece_ = 0;
    if (remaining > 0) {
      if (response_.file.has_value()) {
        const FileBody& file = *response_.file;
        std::uint64_t at = file.offset + body_sent_;
        if (const std::string* bytes = file.source->bytes(); bytes != nullptr) {
          piece_ = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, kMemoryPieceBytes));
          buffers[1] = asio::buffer(bytes->data() + at, piece_);
        } else {
          piece_ = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, kFilePieceBytes));
          file_buffer_.resize(kFilePieceBytes);
          Result<std::size_t> got = file.source->ReadAt(at, std::span(file_buffer_.data(), piece_));
          // A file that shrank cannot be fixed once Content-Length is sent.
          if (!got.ok() || *got != piece_) return Close();
          buffers[1] = asio::buffer(file_buffer_.data(), piece_);
        }
      } else {
        piece_ = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, kMemoryPieceBytes));
        buffers[1] = asio::buffer(response_.body.data() + body_sent_, piece_);
      }
    }
    deadline = SteadyClock::now() + core_.options.send_timeout;
    op_pending_ = true;
    asio::async_write(*stream_, buffers,
                      [self = this->shared_from_this()](
                          const beast::error_code& ec, std::size_t /*n*/) { self->OnWritten(ec); });
  }

  void OnWritten(const beast::error_code& ec) {
    op_pending_ = false;
    if (phase_ == Phase::kClosed) return FinishClose();
    if (ec) return Close();
    head_written_ = true;
    body_sent_ += piece_;
    if (body_sent_ < body_total_) return WriteNext();
    response_.file.reset();  // close the file now
    // Stop may have begun while this keep-alive response was written.
    if (!close_ && !close_after_response_ && !worker_.stopping()) {
      return BeginRequest(/*first=*/false);
    }
    if (linger_) return StartLinger();
    Close();
  }

  // Half-closes, then reads and drops what the client still sends (the rest
  // of a refused body), so that closing does not reset the connection before
  // the client has read the response.
  void StartLinger() {
    beast::error_code ignored;
    Socket(*stream_).shutdown(tcp::socket::shutdown_send, ignored);
    phase_ = Phase::kLinger;
    deadline = SteadyClock::now() + kLingerTime;
    buffer_.clear();
    linger_bytes_ = 0;
    LingerRead();
  }

  void LingerRead() {
    op_pending_ = true;
    Socket(*stream_).async_read_some(
        buffer_.prepare(kBodyReadBytes),
        [self = this->shared_from_this()](const beast::error_code& ec, std::size_t n) {
          self->op_pending_ = false;
          if (self->phase_ == Phase::kClosed) return self->FinishClose();
          self->linger_bytes_ += n;
          if (ec || self->linger_bytes_ > kMaxLingerBytes) return self->Close();
          self->LingerRead();
        });
  }

  void Close() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    deadline = SteadyClock::time_point::max();
    beast::error_code ignored;
    Socket(*stream_).close(ignored);  // a pending operation ends with an error
    if (!op_pending_) FinishClose();
  }

  void FinishClose() {
    if (!stream_.has_value()) return;
    stream_.reset();
    worker_.Remove(this);
    core_.open_connections.fetch_sub(1);
    response_.file.reset();
    // request_ stays: a handler may still hold a reference to it.
  }

  Worker& worker_;
  ServerCore& core_;
  std::optional<Stream> stream_;
  beast::flat_buffer buffer_;
  Phase phase_ = Phase::kHeader;
  bool op_pending_ = false;

  // The request being read or handled.
  std::uint64_t generation_ = 0;
  HttpRequest request_;
  RouteMatch match_;
  std::optional<RequestParser> parser_;
  bool header_handled_ = false;
  bool head_request_ = false;
  bool keep_alive_ = false;
  bool close_after_response_ = false;  // the connection ends after this response
  bool linger_ = false;                // the request's body was not read

  // The response being written.
  HttpResponse response_;
  bool close_ = false;
  std::string head_;
  bool head_written_ = false;
  std::uint64_t body_sent_ = 0;
  std::uint64_t body_total_ = 0;
  std::size_t piece_ = 0;
  std::vector<char> file_buffer_;
  std::uint64_t linger_bytes_ = 0;
};

}  // namespace

void StartConnection(Worker& worker, tcp::socket socket) {
  ServerCore& core = worker.core();
  beast::error_code ec;
  if (worker.stopping()) {
    socket.close(ec);
    core.open_connections.fetch_sub(1);
    return;
  }
  socket.set_option(tcp::no_delay(true), ec);
  std::string remote;
  tcp::endpoint peer = socket.remote_endpoint(ec);
  if (!ec) {
    asio::ip::address address = peer.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
      address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    }
    remote = address.to_string();
  }
  if (core.tls.has_value()) {
    auto connection = std::make_shared<Connection<SslStream>>(worker, std::move(remote),
                                                              std::move(socket), *core.tls);
    connection->Start();
  } else {
    auto connection =
        std::make_shared<Connection<tcp::socket>>(worker, std::move(remote), std::move(socket));
    connection->Start();
  }
}

}  // namespace bsi::http::internal
