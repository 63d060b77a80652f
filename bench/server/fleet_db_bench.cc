// fleet_db_bench: the fleet database's two goals, on the engine named by
// --url (bench/server/fleet_db.sh runs it on SQLite and PostgreSQL):
//  - Exposure(cve) over --devices devices (default 100,000) in under
//    100 ms: the median of --runs runs, for the whole answer and for a
//    first page of 100;
//  - reports ingested per second through IngestReports, from --threads
//    threads (default 8) in batches of 64 and of 1, --reports reports
//    (default 20,000) each, once changing each device's state and once
//    repeating it.
// An empty database is populated first (enrollments, then a first report
// of most devices), and that time is printed too; one populated by an
// earlier run is used as it is.
//
//   fleet_db_bench --url=sqlite:/tmp/x/fleet.db [--devices=N] [--runs=N]
//                  [--reports=N] [--threads=N] [--populate_only=1]
//
// --populate_only=1 stops after populating, so that the caller can let the
// engine gather statistics (PostgreSQL: VACUUM ANALYZE, as autovacuum
// would on a database in service) before a second run measures.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "server/fleet/fleet_db.h"

namespace bsi::bench {
namespace {

using server::FleetDb;
using server::IncomingReport;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kBase = "26.3.1";
constexpr std::string_view kCve = "CVE-2026-1002";  // fixed by (b) only

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string Id(std::string_view letter) {
  return "acme-os " + std::string(kBase) + " (" + std::string(letter) + ")";
}

std::string DeviceId(std::int64_t i) {
  char id[32];
  std::snprintf(id, sizeof id, "device-%06lld", static_cast<long long>(i));
  return id;
}

protocol::ImprovementStatus Status(std::string_view letter, protocol::ImprovementState state,
                                   protocol::WaitReason reason, std::vector<std::string> cves) {
  protocol::ImprovementStatus s;
  s.id = Id(letter);
  s.letter = letter;
  s.state = state;
  s.reason = reason;
  s.cves = std::move(cves);
  return s;
}

// Device i's report number n of this run, in state (i + shift) % 10 of a
// mix, as a fleet in the middle of rolling out (b) would send: a new shift
// changes every device's state, the same shift repeats it. Ids and times
// are new in each run (the run's start second is part of them), so that a
// run on a database populated before stores every report and applies it.
IncomingReport MakeReport(std::int64_t i, std::int64_t n, std::int64_t shift) {
  using protocol::ImprovementState;
  using protocol::WaitReason;
  static const std::int64_t run = std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count();
  protocol::StatusReport r;
  r.report_id = "r" + std::to_string(run) + "-" + std::to_string(n) + "-" + DeviceId(i);
  r.time = UnixTime{run * 1'000'000 + n};
  r.product = "acme-os";
  r.base_version = kBase;
  r.components = {{"webkit", "2.44.1"}, {"openssl", "3.0.15"}, {"glibc", "2.36"}};
  r.agent_version = "0.1.0";
  const std::vector<std::string> a_cves = {"CVE-2026-1000", "CVE-2026-1001"};
  const std::vector<std::string> b_cves = {"CVE-2026-1001", "CVE-2026-1002"};
  const protocol::ImprovementStatus a_installed =
      Status("a", ImprovementState::kInstalled, WaitReason::kNone, a_cves);
  static constexpr WaitReason kWaits[] = {WaitReason::kDeferred, WaitReason::kAwaitingApproval,
                                          WaitReason::kHeld, WaitReason::kNotInWaveYet};
  switch ((i + shift) % 10) {
    case 0:
    case 1:
    case 2:
    case 3:  // (b) installed
      r.running = Id("b");
      r.cves_fixed = {"CVE-2026-1000", "CVE-2026-1001", "CVE-2026-1002"};
      r.improvements = {Status("a", ImprovementState::kSuperseded, WaitReason::kNone, a_cves),
                        Status("b", ImprovementState::kInstalled, WaitReason::kNone, b_cves)};
      break;
    case 4:
    case 5:  // (a) runs, (b) waits
      r.running = Id("a");
      r.cves_fixed = a_cves;
      r.install_state = protocol::InstallState::kWaiting;
      r.improvements = {a_installed,
                        Status("b", ImprovementState::kPending, kWaits[i % 4], b_cves)};
      break;
    case 6:  // auto-install off
      r.running = Id("a");
      r.cves_fixed = a_cves;
      r.auto_install = false;
      r.improvements = {a_installed,
                        Status("b", ImprovementState::kAvailable, WaitReason::kNone, b_cves)};
      break;
    case 7:
      r.running = Id("a");
      r.cves_fixed = a_cves;
      r.install_state = protocol::InstallState::kFailed;
      r.failure = "health check failed";
      r.improvements = {a_installed,
                        Status("b", ImprovementState::kFailed, WaitReason::kNone, b_cves)};
      break;
    case 8:
      r.running = Id("a");
      r.cves_fixed = a_cves;
      r.install_state = protocol::InstallState::kRolledBack;
      r.improvements = {a_installed,
                        Status("b", ImprovementState::kRolledBack, WaitReason::kNone, b_cves)};
      break;
    default:  // the base, (a) and (b) offered
      r.improvements = {Status("a", ImprovementState::kAvailable, WaitReason::kNone, a_cves),
                        Status("b", ImprovementState::kAvailable, WaitReason::kNone, b_cves)};
      break;
  }
  IncomingReport incoming;
  incoming.device_id = DeviceId(i);
  incoming.token_hash = "token-" + incoming.device_id;
  incoming.received = UnixTime{r.time.seconds + 1};
  incoming.report_json = "{\"report_id\":\"" + r.report_id + "\",\"format\":1}";
  incoming.report = std::move(r);
  return incoming;
}

// Runs work(thread) on `threads` threads; returns the wall time.
template <typename Work>
Clock::duration OnThreads(int threads, Work work) {
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) pool.emplace_back([&work, t] { work(t); });
  for (std::thread& thread : pool) thread.join();
  return Clock::now() - start;
}

void Populate(FleetDb& db, std::int64_t devices, int threads) {
  Must(db.AddEnrollmentToken({"fleet", "fleet-hash", "default", std::nullopt, std::nullopt, {1}}),
       "enrollment token");
  const std::vector<server::ImprovementInfo> improvements = {
      {Id("a"), "acme-os", std::string(kBase), "a", {"CVE-2026-1000", "CVE-2026-1001"}, false},
      {Id("b"), "acme-os", std::string(kBase), "b", {"CVE-2026-1001", "CVE-2026-1002"}, false},
      {Id("c"), "acme-os", std::string(kBase), "c", {"CVE-2026-1003"}, true}};
  Must(db.PutImprovements(improvements), "improvements");
  std::atomic<std::int64_t> next{0};
  const Clock::duration enroll = OnThreads(threads, [&](int) {
    for (std::int64_t i = next++; i < devices; i = next++) {
      const std::string id = DeviceId(i);
      Must(db.EnrollDevice("fleet-hash", {id, "acme-os", std::string(kBase), id + ".example"},
                           "token-" + id, UnixTime{1'800'000'000}),
           "enroll " + id);
    }
  });
  std::atomic<std::int64_t> next_batch{0};
  constexpr std::int64_t kBatch = 500;
  const Clock::duration report = OnThreads(threads, [&](int) {
    for (std::int64_t b = next_batch++; b * kBatch < devices; b = next_batch++) {
      std::vector<IncomingReport> batch;
      for (std::int64_t i = b * kBatch; i < std::min(devices, (b + 1) * kBatch); ++i) {
        if (i % 7 != 6) batch.push_back(MakeReport(i, 0, 0));  // every 7th never reports
      }
      Must(db.IngestReports(batch), "first reports");
    }
  });
  std::printf(
      "populated: %lld devices enrolled in %.1f s (%.0f/s, %d threads), first reports "
      "of 6 in 7 in %.1f s (batches of %lld)\n",
      static_cast<long long>(devices), Seconds(enroll),
      static_cast<double>(devices) / Seconds(enroll), threads, Seconds(report),
      static_cast<long long>(kBatch));
}

void TimeQuery(const char* what, int runs, const std::function<std::size_t()>& query) {
  std::vector<double> ms;
  std::size_t rows = 0;
  query();  // warm the caches: the timed runs measure the query, not the disk
  for (int run = 0; run < runs; ++run) {
    const Clock::time_point start = Clock::now();
    rows = query();
    ms.push_back(Millis(Clock::now() - start));
  }
  std::sort(ms.begin(), ms.end());
  std::printf("%-44s median %8.1f ms of %d (min %.1f, max %.1f), %zu rows\n", what,
              ms[ms.size() / 2], runs, ms.front(), ms.back(), rows);
}

// `reports` reports of as many devices, in batches of `batch_size` from
// `threads` threads, each in state shift `shift`.
void TimeIngest(FleetDb& db, std::int64_t devices, std::int64_t reports, int threads,
                std::int64_t batch_size, std::int64_t round, std::int64_t shift, const char* what) {
  std::atomic<std::int64_t> next{0};
  const Clock::duration took = OnThreads(threads, [&](int) {
    for (std::int64_t b = next++; b * batch_size < reports; b = next++) {
      std::vector<IncomingReport> batch;
      for (std::int64_t k = b * batch_size; k < std::min(reports, (b + 1) * batch_size); ++k) {
        // Spread over the fleet: consecutive reports hit different devices.
        const std::int64_t device = (k * 7919) % devices;
        batch.push_back(MakeReport(device, round * reports + k + 1, shift));
      }
      Must(db.IngestReports(batch), "ingest");
    }
  });
  std::printf("ingest, batches of %-3lld from %d threads, %-8s %8.0f reports/s (%lld in %.1f s)\n",
              static_cast<long long>(batch_size), threads, what,
              static_cast<double>(reports) / Seconds(took), static_cast<long long>(reports),
              Seconds(took));
}

std::int64_t Flag(int argc, char** argv, std::string_view name, std::int64_t fallback) {
  const std::string prefix = "--" + std::string(name) + "=";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with(prefix)) return std::stoll(std::string(arg.substr(prefix.size())));
  }
  return fallback;
}

int Main(int argc, char** argv) {
  std::string url;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--url=")) url = arg.substr(6);
  }
  if (url.empty()) Die("usage: fleet_db_bench --url=URL [--devices=N] [--runs=N] ...");
  const std::int64_t devices = Flag(argc, argv, "devices", 100'000);
  const int runs = static_cast<int>(Flag(argc, argv, "runs", 9));
  const std::int64_t reports = Flag(argc, argv, "reports", 20'000);
  const int threads = static_cast<int>(Flag(argc, argv, "threads", 8));
  const bool populate_only = Flag(argc, argv, "populate_only", 0) != 0;

  std::unique_ptr<FleetDb> db = Must(server::OpenFleetDb(url), "open " + url);
  std::printf("engine: %s, schema version %lld\n", std::string(db->engine()).c_str(),
              static_cast<long long>(Must(db->SchemaVersion(), "schema version")));
  if (Must(db->Counts(), "counts").devices >= devices) {
    std::printf("populated: reusing the %lld devices of this database\n",
                static_cast<long long>(devices));
  } else {
    Populate(*db, devices, threads);
  }
  if (populate_only) return 0;

  // What /api/v1/exposure asks by default: every device counted by
  // reason, the first 1,000 listed (and one more, to tell if there are).
  TimeQuery("Exposure(CVE-2026-1002), counts + 1000", runs,
            [&] { return Must(db->Exposure(kCve, "", 1001), "exposure").devices.size(); });
  TimeQuery("Exposure(CVE-2026-1002), counts only", runs,
            [&] { return Must(db->Exposure(kCve, "", 0), "exposure").by_reason.size(); });
  TimeQuery("Exposure(CVE-2026-1002), every device", runs,
            [&] { return Must(db->Exposure(kCve, "", devices), "exposure").devices.size(); });
  TimeQuery("Progress((b)), every group", runs,
            [&] { return Must(db->Progress(Id("b"), std::nullopt), "progress").size(); });
  TimeQuery("Counts()", runs, [&] { return Must(db->Counts(), "counts").devices_by_state.size(); });

  // "changed": each report changes its device's state (and lists);
  // "same": each repeats it, as most reports of a fleet at rest do.
  TimeIngest(*db, devices, reports, threads, 64, 1, 1, "changed:");
  TimeIngest(*db, devices, reports, threads, 64, 2, 1, "same:");
  TimeIngest(*db, devices, reports, threads, 1, 3, 2, "changed:");
  TimeIngest(*db, devices, reports, threads, 1, 4, 2, "same:");
  const server::FleetCounts counts = Must(db->Counts(), "counts");
  std::printf("stored: %lld devices, %lld reports\n", static_cast<long long>(counts.devices),
              static_cast<long long>(counts.reports));
  return 0;
}

}  // namespace
}  // namespace bsi::bench

int main(int argc, char** argv) { return bsi::bench::Main(argc, argv); }
