// FleetApi: the fleet manager's JSON API (docs/formats/fleet-api.md), as
// handlers on the HTTP layer's router. Devices enroll with an enrollment
// token, pull their group's declarations and send status reports with
// their own token; admins (tokens with a role) read the fleet, set
// declarations, approve improvements, clear safe-mode holds and issue
// tokens. Every request is authenticated, every body parsed strictly
// (bsi/protocol), and each credential reaches only what it may:
//
//   device token   its own declarations, its own reports
//   viewer         every GET of the admin API
//   operator       + approvals, holds, moving devices between groups
//   admin          + groups' declarations, tokens
//
// Safe mode: after reports are stored, for each group and improvement a
// stored report says failed or rolled back, the share of the group's
// devices reporting that improvement which failed or rolled back it is
// compared with the threshold; past it (with at least min_devices
// reporting), the improvement is held for the group — its declarations
// list it under "held" and devices do not install it — until an operator
// clears the hold.
//
// Thread-safety: handlers run on the HTTP server's threads at once; the
// database is thread-safe and reports go through one ReportIngestor.
#ifndef BSI_SERVER_API_FLEET_API_H_
#define BSI_SERVER_API_FLEET_API_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "bsi/core/clock.h"

#include "server/fleet/fleet_db.h"
#include "server/http/router.h"

namespace bsi::server {

struct SafeModeOptions {
  bool enabled = true;
  double failure_threshold = 0.2;  // 0 < t <= 1: share of reporting devices
  std::int64_t min_devices = 5;    // devices reporting the improvement before judging
};

struct ApiOptions {
  SafeModeOptions safe_mode;
  std::size_t ingest_max_batch = 512;
  // Extra Prometheus text appended to /metrics (the HTTP layer's counters).
  std::function<std::string()> extra_metrics;
  // Called before answering a question about improvements (exposure,
  // progress, the list), so the answer reflects the repository as it is
  // now: the server's CatalogWatcher::Refresh.
  std::function<void()> refresh_catalog;
};

class FleetApi {
 public:
  // REQUIRES: db and clock outlive the API.
  FleetApi(FleetDb& db, const Clock& clock, ApiOptions options);
  // Stores the reports still queued.
  ~FleetApi();

  FleetApi(const FleetApi&) = delete;
  FleetApi& operator=(const FleetApi&) = delete;

  // Adds every route: /api/v1/..., /metrics, /openapi.json, /healthz.
  // Errors: the router's (a route added twice).
  Status Register(http::Router& router);

  // Stores queued reports and stops taking new ones (graceful shutdown).
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The OpenAPI 3.1 document of the API (served at /openapi.json).
std::string_view OpenApiDocument();

}  // namespace bsi::server

#endif  // BSI_SERVER_API_FLEET_API_H_
