#include "server/api/report_ingestor.h"

#include <utility>

namespace bsi::server {

ReportIngestor::ReportIngestor(FleetDb& db, Options options, AfterCommit after_commit)
    : db_(db), options_(options), after_commit_(std::move(after_commit)) {
  writer_ = std::thread([this] { Run(); });
}

ReportIngestor::~ReportIngestor() { Stop(); }

void ReportIngestor::Submit(IncomingReport report, Done done) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_ || queue_.size() >= options_.max_queue) {
    ++stats_.refused_busy;
    const bool stopped = stopping_;
    lock.unlock();
    done(Error(ErrorCode::kDatabaseUnavailable,
               stopped ? "the server is shutting down" : "too many reports waiting; retry later"));
    return;
  }
  queue_.push_back(Item{std::move(report), std::move(done)});
  lock.unlock();
  wake_.notify_one();
}

void ReportIngestor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !writer_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
}

ReportIngestor::Stats ReportIngestor::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void ReportIngestor::Run() {
  std::vector<Item> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything stored
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    Store(batch);
    batch.clear();
  }
}

void ReportIngestor::Store(std::vector<Item>& batch) {
  std::vector<IncomingReport> reports;
  reports.reserve(batch.size());
  for (Item& item : batch) reports.push_back(std::move(item.report));

  std::vector<Result<IngestOutcome>> outcomes;
  outcomes.reserve(batch.size());
  Result<std::vector<IngestOutcome>> all = db_.IngestReports(reports);
  if (all.ok()) {
    for (IngestOutcome outcome : *all) outcomes.emplace_back(outcome);
  } else if (batch.size() == 1) {
    outcomes.emplace_back(all.error());
  } else {
    // One report spoiled the batch; store each alone.
    for (const IncomingReport& report : reports) {
      Result<std::vector<IngestOutcome>> one = db_.IngestReports({&report, 1});
      if (one.ok()) {
        outcomes.emplace_back(one->front());
      } else {
        outcomes.emplace_back(one.error());
      }
    }
  }

  std::vector<IncomingReport> stored;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.batches;
    for (const Result<IngestOutcome>& outcome : outcomes) {
      if (!outcome.ok()) {
        ++stats_.failed;
      } else if (*outcome == IngestOutcome::kDuplicate) {
        ++stats_.duplicates;
      } else {
        ++stats_.stored;
      }
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (outcomes[i].ok() && *outcomes[i] == IngestOutcome::kStored && after_commit_) {
      stored.push_back(std::move(reports[i]));
    }
    batch[i].done(std::move(outcomes[i]));
  }
  if (!stored.empty()) after_commit_(stored);
}

}  // namespace bsi::server
