// SqlFleetDb: the questions asked of the whole fleet. Each is one SQL
// query that the engine answers from indexes (docs/fleet-db.md has the
// plans and timings), never a scan of every device in this process.
#include <algorithm>
#include <iterator>
#include <utility>

#include "server/fleet/sql_fleet_db.h"
#include "server/fleet/sql_fleet_db_util.h"

namespace bsi::server {

using sql::Int;
using sql::Text;

namespace {

// "a is a later letter than b, or the same": letters order by length,
// then alphabetically ("z" < "aa").
std::string LetterAtLeast(std::string_view a, std::string_view b) {
  const std::string x(a);
  const std::string y(b);
  return "(length(" + x + ") > length(" + y + ") OR (length(" + x + ") = length(" + y + ") AND " +
         x + " >= " + y + "))";
}

// The improvements that list the CVE $1 and, per product and base, the
// one that would fix a device: the highest letter not withdrawn, else the
// highest.
constexpr std::string_view kFixingQuery =
    "WITH fixing AS ("
    " SELECT i.id, i.product, i.base_version, i.letter, i.withdrawn"
    " FROM improvement_cves c JOIN improvements i ON i.id = c.improvement"
    " WHERE c.cve = $1) "
    "SELECT f.id, f.product, f.base_version, f.withdrawn FROM fixing f"
    " WHERE NOT EXISTS (SELECT 1 FROM fixing g"
    "  WHERE g.product = f.product AND g.base_version = f.base_version AND g.id <> f.id"
    "  AND (g.withdrawn < f.withdrawn OR (g.withdrawn = f.withdrawn AND ("
    "   length(g.letter) > length(f.letter) OR (length(g.letter) = length(f.letter)"
    "   AND (g.letter > f.letter OR (g.letter = f.letter AND g.id > f.id)))))))";

// The devices of one product ($1) and base ($2) that do not report the
// CVE $4 fixed, with an id after $5, in id order (straight from the index
// devices_by_base, so that the engine streams them and stops at the limit
// $6), with what each last reported of the fixing improvement $3 (state,
// reason; NULL if nothing).
constexpr std::string_view kExposedQuery =
    "SELECT d.id, d.group_name, di.state, di.reason FROM devices d"
    " LEFT JOIN device_improvements di ON di.device = d.id AND di.improvement = $3"
    " WHERE d.product = $1 AND d.base_version = $2 AND d.id > $5"
    " AND NOT EXISTS (SELECT 1 FROM device_cves_fixed x WHERE x.device = d.id AND x.cve = $4)"
    " ORDER BY d.id LIMIT $6";

// The same devices (all of them) counted by what they reported: (state,
// reason, count). The engine aggregates; no device row leaves it.
constexpr std::string_view kExposedCountsQuery =
    "SELECT di.state, di.reason, COUNT(*) FROM devices d"
    " LEFT JOIN device_improvements di ON di.device = d.id AND di.improvement = $3"
    " WHERE d.product = $1 AND d.base_version = $2"
    " AND NOT EXISTS (SELECT 1 FROM device_cves_fixed x WHERE x.device = d.id AND x.cve = $4)"
    " GROUP BY di.state, di.reason";

struct Fix {
  std::string improvement;
  std::string product;
  std::string base_version;
  bool withdrawn = false;
};

ExposureReason WaitingReason(std::string_view reason) {
  using protocol::WaitReason;
  const Result<WaitReason> parsed = protocol::ParseWaitReason(reason);
  if (!parsed.ok()) return ExposureReason::kNotInstalled;
  switch (*parsed) {
    case WaitReason::kAutoInstallOff:
      return ExposureReason::kAutoInstallOff;
    case WaitReason::kDeferred:
      return ExposureReason::kDeferred;
    case WaitReason::kAwaitingApproval:
      return ExposureReason::kAwaitingApproval;
    case WaitReason::kHeld:
      return ExposureReason::kHeld;
    case WaitReason::kRolloutPaused:
    case WaitReason::kNotInWaveYet:
      return ExposureReason::kNotInWaveYet;
    case WaitReason::kMaintenanceWindow:
    case WaitReason::kNone:
      return ExposureReason::kNotInstalled;
  }
  return ExposureReason::kNotInstalled;
}

// Why a device that reported (state, reason) of the fixing improvement,
// or nothing (nullopt), is still exposed.
ExposureReason ReasonOf(bool withdrawn, std::optional<std::string_view> state_name,
                        std::string_view reason) {
  using protocol::ImprovementState;
  if (withdrawn) return ExposureReason::kWithdrawn;
  if (!state_name) return ExposureReason::kNotReported;
  const Result<ImprovementState> state = protocol::ParseImprovementState(*state_name);
  if (!state.ok()) return ExposureReason::kNotInstalled;
  switch (*state) {
    case ImprovementState::kAvailable:
      return ExposureReason::kAutoInstallOff;
    case ImprovementState::kPending:
      return WaitingReason(reason);
    case ImprovementState::kFailed:
      return ExposureReason::kFailed;
    case ImprovementState::kRolledBack:
      return ExposureReason::kRolledBack;
    case ImprovementState::kWithdrawn:
      return ExposureReason::kWithdrawn;
    case ImprovementState::kRemoved:
      return ExposureReason::kRemoved;
    // Installed without the CVE among those fixed, or superseded while
    // still on this base: reports that contradict themselves.
    case ImprovementState::kInstalled:
    case ImprovementState::kSuperseded:
      return ExposureReason::kNotInstalled;
  }
  return ExposureReason::kNotInstalled;
}

// ReasonOf columns `state` and `state + 1` of a row.
ExposureReason ReasonOf(bool withdrawn, const sql::Row& row, int state) {
  if (row.IsNull(state)) return ReasonOf(withdrawn, std::nullopt, "");
  return ReasonOf(withdrawn, row.Text(state), row.Text(state + 1));
}

}  // namespace

// Per product and base that an improvement fixes (usually one or two):
// one query counting its exposed devices by reason, and one streaming a
// page of them in id order from an index; the pages are merged here. A
// single query over every base would need the engine to sort the whole
// answer before returning its first row.
Result<CveExposure> SqlFleetDb::Exposure(std::string_view cve, std::string_view after_id,
                                         std::int64_t limit) {
  if (limit < 0) return Error(ErrorCode::kInvalidArgument, "the exposure limit must be >= 0");
  CveExposure answer;
  return Returning(
      Read([&](sql::Connection& db) -> Status {
        answer = CveExposure();
        std::vector<Fix> fixes;
        BSI_TRY(db.Run(kFixingQuery, {Text(cve)}, [&](const sql::Row& row) {
          fixes.push_back({std::string(row.Text(0)), std::string(row.Text(1)),
                           std::string(row.Text(2)), row.Bool(3)});
          return Ok();
        }));
        for (const Fix& fix : fixes) {
          BSI_TRY(
              db.Run(kExposedCountsQuery,
                     {Text(fix.product), Text(fix.base_version), Text(fix.improvement), Text(cve)},
                     [&](const sql::Row& row) {
                       const std::int64_t n = row.Int(2);
                       answer.by_reason[ReasonOf(fix.withdrawn, row, 0)] += n;
                       answer.exposed += n;
                       return Ok();
                     }));
          if (limit == 0) continue;
          std::vector<ExposedDevice> devices;
          BSI_TRY(db.Run(kExposedQuery,
                         {Text(fix.product), Text(fix.base_version), Text(fix.improvement),
                          Text(cve), Text(after_id), Int(limit)},
                         [&](const sql::Row& row) {
                           devices.push_back({std::string(row.Text(0)), std::string(row.Text(1)),
                                              fix.improvement, ReasonOf(fix.withdrawn, row, 2)});
                           return Ok();
                         }));
          std::vector<ExposedDevice>& page = answer.devices;
          if (page.empty()) {
            page = std::move(devices);
            continue;
          }
          std::vector<ExposedDevice> merged;
          merged.reserve(page.size() + devices.size());
          std::merge(std::make_move_iterator(page.begin()), std::make_move_iterator(page.end()),
                     std::make_move_iterator(devices.begin()),
                     std::make_move_iterator(devices.end()), std::back_inserter(merged),
                     [](const ExposedDevice& a, const ExposedDevice& b) {
                       return a.device_id < b.device_id;
                     });
          if (static_cast<std::int64_t>(merged.size()) > limit) merged.resize(limit);
          page = std::move(merged);
        }
        return Ok();
      }),
      answer);
}

Result<std::vector<RolloutProgress>> SqlFleetDb::Progress(std::string_view improvement,
                                                          std::optional<std::string_view> group) {
  // Each device of the improvement's product and base, in one bucket.
  static const std::string* const query = new std::string(
      "SELECT name, COUNT(device),"
      " COALESCE(SUM(CASE WHEN bucket = 'available' THEN 1 ELSE 0 END), 0),"
      " COALESCE(SUM(CASE WHEN bucket = 'pending' THEN 1 ELSE 0 END), 0),"
      " COALESCE(SUM(CASE WHEN bucket = 'installed' THEN 1 ELSE 0 END), 0),"
      " COALESCE(SUM(CASE WHEN bucket = 'failed' THEN 1 ELSE 0 END), 0),"
      " COALESCE(SUM(CASE WHEN bucket = 'rolled_back' THEN 1 ELSE 0 END), 0),"
      " COALESCE(SUM(CASE WHEN bucket = 'not_reported' THEN 1 ELSE 0 END), 0) "
      "FROM (SELECT g.name AS name, d.id AS device, CASE"
      "  WHEN d.id IS NULL THEN NULL"
      "  WHEN di.state = 'installed' OR (d.running_letter IS NOT NULL AND " +
      LetterAtLeast("d.running_letter", "imp.letter") +
      ") THEN 'installed'"
      "  WHEN di.state IS NULL THEN 'not_reported'"
      "  ELSE di.state END AS bucket"
      " FROM groups g JOIN improvements imp ON imp.id = $1"
      " LEFT JOIN devices d ON d.group_name = g.name AND d.product = imp.product"
      "  AND d.base_version = imp.base_version"
      " LEFT JOIN device_improvements di ON di.device = d.id AND di.improvement = imp.id"
      " WHERE CAST($2 AS TEXT) IS NULL OR g.name = $2) AS t "
      "GROUP BY name ORDER BY name");
  std::vector<RolloutProgress> progress;
  const std::optional<std::string> only =
      group ? std::optional<std::string>(std::string(*group)) : std::nullopt;
  return Returning(Read([&](sql::Connection& db) -> Status {
                     progress.clear();
                     BSI_ASSIGN_OR_RETURN(
                         const std::int64_t known,
                         db.Run("SELECT 1 FROM improvements WHERE id = $1", {Text(improvement)}));
                     if (known == 0) return NoSuch("improvement", improvement);
                     if (only) BSI_TRY(RequireGroup(db, *only));
                     return Discard(db.Run(*query, {Text(improvement), sql::OptText(only)},
                                           [&](const sql::Row& row) {
                                             RolloutProgress p;
                                             p.group = row.Text(0);
                                             p.devices = row.Int(1);
                                             p.available = row.Int(2);
                                             p.pending = row.Int(3);
                                             p.installed = row.Int(4);
                                             p.failed = row.Int(5);
                                             p.rolled_back = row.Int(6);
                                             p.not_reported = row.Int(7);
                                             progress.push_back(std::move(p));
                                             return Ok();
                                           }));
                   }),
                   progress);
}

Result<FleetCounts> SqlFleetDb::Counts() {
  FleetCounts counts;
  return Returning(
      Read([&](sql::Connection& db) -> Status {
        counts = FleetCounts();
        BSI_TRY(
            db.Run("SELECT (SELECT COUNT(*) FROM devices), (SELECT COUNT(*) FROM groups),"
                   " (SELECT COUNT(*) FROM events),"
                   " (SELECT COUNT(*) FROM holds WHERE cleared IS NULL)",
                   {}, [&](const sql::Row& row) {
                     counts.devices = row.Int(0);
                     counts.groups = row.Int(1);
                     counts.reports = row.Int(2);
                     counts.active_holds = row.Int(3);
                     return Ok();
                   }));
        return Discard(
            db.Run("SELECT COALESCE(install_state, 'not_reported') AS state, COUNT(*)"
                   " FROM devices GROUP BY COALESCE(install_state, 'not_reported')"
                   " ORDER BY state",
                   {}, [&](const sql::Row& row) {
                     counts.devices_by_state.emplace_back(std::string(row.Text(0)), row.Int(1));
                     return Ok();
                   }));
      }),
      counts);
}

}  // namespace bsi::server
