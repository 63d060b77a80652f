// Internal to bsi_server_http (included by its .cc files only; not part of
// the module's interface, which is message.h, router.h, server.h and
// static_files.h): the pieces HttpServer is made of.
//
//  - ServerCore: what every connection of a server shares (options, router,
//    TLS context, connection counters).
//  - Worker: one thread with its own io_context. It owns the list of its
//    connections, sweeps their deadlines (instead of one timer per
//    connection), caches the Date header, and counts requests.
//  - ConnectionBase: what a Worker sees of a connection (connection.cc).
//  - WorkerLink: how a responder called on another thread finds its way back
//    onto the worker's thread, even after the server is gone.
//
// Thread-safety: a Worker and its connections are used on the worker's
// thread only, except for what is marked otherwise (the counters are read by
// HttpServer::stats from any thread; WorkerLink is locked).
#ifndef BSI_SERVER_HTTP_WORKER_H_
#define BSI_SERVER_HTTP_WORKER_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/http/message.h"
#include "server/http/router.h"
#include "server/http/server.h"

namespace bsi::http::internal {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

struct ServerCore {
  ServerOptions options;
  Router router;
  std::optional<asio::ssl::context> tls;  // set for HTTPS
  std::atomic<std::uint64_t> open_connections{0};
  std::atomic<std::uint64_t> connections_total{0};
  std::atomic<std::uint64_t> connections_rejected{0};
};

struct WorkerLink {
  std::atomic<std::thread::id> thread_id{};  // the worker's thread, once running
  std::mutex mu;
  asio::io_context* io = nullptr;  // guarded by mu; null once the worker is gone
};

class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;

  // The deadline passed (see deadline).
  virtual void OnDeadline() = 0;
  // The server is stopping: close now if idle, else after the response.
  virtual void OnShutdown() = 0;
  // Close now.
  virtual void ForceClose() = 0;
  // A responder delivered response for request number generation. On the
  // worker's thread.
  virtual void OnResponse(std::uint64_t generation, HttpResponse response) = 0;

  // When OnDeadline is due; max() for none. Set by the connection.
  SteadyClock::time_point deadline = SteadyClock::time_point::max();

 private:
  friend class Worker;
  ConnectionBase* prev_ = nullptr;  // the worker's list
  ConnectionBase* next_ = nullptr;
};

class Worker {
 public:
  explicit Worker(ServerCore& core);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // The thread's body: runs the event loop until Finish and the end of
  // every connection.
  void Run();

  asio::io_context& io() { return io_; }
  ServerCore& core() { return core_; }
  const std::shared_ptr<WorkerLink>& link() const { return link_; }
  bool stopping() const { return stopping_; }

  // A connection joins the list when it starts and leaves it when it closes.
  void Add(ConnectionBase* connection);
  void Remove(ConnectionBase* connection);

  // Stop: closes idle connections, asks the others to close after their
  // response. On the worker's thread.
  void BeginShutdown();
  // Closes every connection and stops the sweep, so that Run returns once
  // the last operation ends. On the worker's thread.
  void Finish();
  // Lets Run return when nothing is left to do. Any thread.
  void ReleaseWork() { work_.reset(); }

  // "Sun, 06 Nov 1994 08:49:37 GMT", for the current second.
  std::string_view Date();

  // Counters (written on the worker's thread, read from any thread).
  void CountResponse(int status);
  void CountRequest() { requests_.fetch_add(1, std::memory_order_relaxed); }
  void CountTimeout() { timeouts_.fetch_add(1, std::memory_order_relaxed); }
  void AddTo(HttpServer::Stats& stats) const;

 private:
  void ScheduleSweep();
  void Sweep();

  ServerCore& core_;
  std::shared_ptr<WorkerLink> link_;
  ConnectionBase* head_ = nullptr;  // the list of connections
  bool stopping_ = false;
  bool finished_ = false;
  std::chrono::milliseconds sweep_interval_;
  std::time_t date_second_ = 0;
  std::string date_;
  std::atomic<std::uint64_t> requests_{0};
  std::array<std::atomic<std::uint64_t>, 5> responses_{};
  std::atomic<std::uint64_t> timeouts_{0};
  // Destroyed before the members above (the timer and the guard before it):
  // handlers still queued are destroyed with it, while the worker exists.
  asio::io_context io_;
  asio::steady_timer sweep_timer_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
};

// Starts serving socket (accepted for this worker, on its io_context) as a
// plain or TLS connection. On the worker's thread. REQUIRES:
// core.open_connections already counts it.
void StartConnection(Worker& worker, tcp::socket socket);

}  // namespace bsi::http::internal

#endif  // BSI_SERVER_HTTP_WORKER_H_
