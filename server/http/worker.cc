#include "server/http/worker.h"

#include <algorithm>
#include <cstdio>
#include <exception>

namespace bsi::http::internal {
namespace {

// A quarter of the shortest timeout, between 5 ms and 1 s.
std::chrono::milliseconds SweepInterval(const ServerOptions& options) {
  std::chrono::milliseconds shortest = std::min(
      {options.header_timeout, options.body_timeout, options.idle_timeout, options.send_timeout});
  return std::clamp(shortest / 4, std::chrono::milliseconds(5), std::chrono::milliseconds(1000));
}

}  // namespace

Worker::Worker(ServerCore& core)
    : core_(core),
      link_(std::make_shared<WorkerLink>()),
      sweep_interval_(SweepInterval(core.options)),
      io_(1),
      sweep_timer_(io_),
      work_(asio::make_work_guard(io_)) {
  std::lock_guard<std::mutex> lock(link_->mu);
  link_->io = &io_;
}

Worker::~Worker() {
  std::lock_guard<std::mutex> lock(link_->mu);
  link_->io = nullptr;
}

void Worker::Run() {
  link_->thread_id.store(std::this_thread::get_id());
  ScheduleSweep();
  while (true) {
    try {
      io_.run();
      return;
    } catch (const std::exception& e) {
      // Handlers' own exceptions are caught where they are called; this is
      // a bug elsewhere. Keep serving.
      std::fprintf(stderr, "bsi-server: unexpected exception in the event loop: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "bsi-server: unexpected exception in the event loop\n");
    }
  }
}

void Worker::Add(ConnectionBase* connection) {
  connection->prev_ = nullptr;
  connection->next_ = head_;
  if (head_ != nullptr) head_->prev_ = connection;
  head_ = connection;
}

void Worker::Remove(ConnectionBase* connection) {
  if (connection->prev_ != nullptr) {
    connection->prev_->next_ = connection->next_;
  } else if (head_ == connection) {
    head_ = connection->next_;
  }
  if (connection->next_ != nullptr) connection->next_->prev_ = connection->prev_;
  connection->prev_ = nullptr;
  connection->next_ = nullptr;
}

void Worker::BeginShutdown() {
  stopping_ = true;
  for (ConnectionBase* c = head_; c != nullptr;) {
    ConnectionBase* next = c->next_;  // c may leave the list
    c->OnShutdown();
    c = next;
  }
}

void Worker::Finish() {
  stopping_ = true;
  finished_ = true;
  sweep_timer_.cancel();
  for (ConnectionBase* c = head_; c != nullptr;) {
    ConnectionBase* next = c->next_;
    c->ForceClose();
    c = next;
  }
}

void Worker::ScheduleSweep() {
  if (finished_) return;
  sweep_timer_.expires_after(sweep_interval_);
  sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || finished_) return;
    Sweep();
    ScheduleSweep();
  });
}

void Worker::Sweep() {
  SteadyClock::time_point now = SteadyClock::now();
  for (ConnectionBase* c = head_; c != nullptr;) {
    ConnectionBase* next = c->next_;
    if (c->deadline <= now) c->OnDeadline();
    c = next;
  }
}

std::string_view Worker::Date() {
  std::time_t now = std::time(nullptr);
  if (now != date_second_) {
    date_ = FormatHttpDate(now);
    date_second_ = now;
  }
  return date_;
}

void Worker::CountResponse(int status) {
  int index = std::clamp(status / 100, 1, 5) - 1;
  responses_[static_cast<std::size_t>(index)].fetch_add(1, std::memory_order_relaxed);
}

void Worker::AddTo(HttpServer::Stats& stats) const {
  stats.requests_total += requests_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < responses_.size(); ++i) {
    stats.responses_by_class[i] += responses_[i].load(std::memory_order_relaxed);
  }
  stats.timeouts += timeouts_.load(std::memory_order_relaxed);
}

}  // namespace bsi::http::internal
