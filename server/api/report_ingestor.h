// ReportIngestor: stores status reports with group commit. Request
// handlers submit one report each and are answered once the database
// transaction holding it has committed; a single writer thread takes every
// report queued meanwhile (up to max_batch) into one FleetDb::IngestReports
// call. Under load a batch holds many reports, so one commit (and, on
// SQLite, one fsync) serves them all; when idle a batch holds one and adds
// no delay.
//
// A batch the database refuses as a whole is retried report by report, so
// one bad report (a device removed meanwhile) does not fail the others.
//
// Thread-safety: Submit may be called from any thread. Callbacks run on the
// writer thread and must not block.
#ifndef BSI_SERVER_API_REPORT_INGESTOR_H_
#define BSI_SERVER_API_REPORT_INGESTOR_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "server/fleet/fleet_db.h"

namespace bsi::server {

class ReportIngestor {
 public:
  using Done = std::function<void(Result<IngestOutcome>)>;
  // Runs on the writer thread after each committed batch, with the reports
  // stored (not the duplicates): the server's safe-mode check.
  using AfterCommit = std::function<void(std::span<const IncomingReport> stored)>;

  struct Options {
    std::size_t max_batch = 512;
    // Reports waiting beyond this are refused at once (kDatabaseUnavailable:
    // "busy"), so a slow database cannot make the server hold unbounded
    // memory; agents retry later.
    std::size_t max_queue = 20000;
  };

  struct Stats {
    std::uint64_t stored = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t failed = 0;
    std::uint64_t batches = 0;
    std::uint64_t refused_busy = 0;
  };

  // REQUIRES: db outlives the ingestor.
  ReportIngestor(FleetDb& db, Options options, AfterCommit after_commit = nullptr);
  // Stops (see Stop).
  ~ReportIngestor();

  ReportIngestor(const ReportIngestor&) = delete;
  ReportIngestor& operator=(const ReportIngestor&) = delete;

  // Queues the report; `done` is called exactly once, from the writer
  // thread (or at once, from this thread, if the queue is full or the
  // ingestor stopped).
  void Submit(IncomingReport report, Done done);

  // Stores what is queued, then ends the writer thread. Idempotent.
  void Stop();

  Stats stats() const;

 private:
  struct Item {
    IncomingReport report;
    Done done;
  };

  void Run();
  void Store(std::vector<Item>& batch);

  FleetDb& db_;
  const Options options_;
  const AfterCommit after_commit_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  Stats stats_;
  std::thread writer_;
};

}  // namespace bsi::server

#endif  // BSI_SERVER_API_REPORT_INGESTOR_H_
