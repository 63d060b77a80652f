// SqlFleetDb: status reports. A report costs a fixed number of statements
// whatever its size: its lists (components, CVEs, improvements) travel as
// one JSON parameter each and are inserted with one INSERT ... SELECT.
#include <set>
#include <string>
#include <utility>

#include "bsi/crypto/hash.h"
#include "bsi/version/version.h"

#include "server/fleet/sql_fleet_db.h"
#include "server/fleet/sql_fleet_db_util.h"

namespace bsi::server {

using sql::ColumnType;
using sql::Int;
using sql::JsonRows;
using sql::Text;

namespace {

constexpr ColumnType kText = ColumnType::kText;
constexpr ColumnType kInt = ColumnType::kInt;

// The letter of the improvement a device runs: as its report lists it, or
// from the id's "(letter)" suffix. nullopt if neither gives a letter.
std::optional<std::string> RunningLetter(const protocol::StatusReport& report) {
  if (!report.running) return std::nullopt;
  const std::string& id = *report.running;
  for (const protocol::ImprovementStatus& status : report.improvements) {
    if (status.id == id && version::Letter::Parse(status.letter).ok()) return status.letter;
  }
  const std::size_t open = id.rfind('(');
  if (open == std::string::npos || id.back() != ')') return std::nullopt;
  std::string letter = id.substr(open + 1, id.size() - open - 2);
  if (!version::Letter::Parse(letter).ok()) return std::nullopt;
  return letter;
}

// The report's lists as JSON rows, each entry once (the first one wins).
struct ReportRows {
  std::string components;        // [name, version]
  std::string cves_fixed;        // [cve]
  std::string improvements;      // [id, letter, withdrawn 0/1]
  std::string withdrawn;         // [id] of those reported withdrawn
  std::string improvement_cves;  // [id, cve]
  std::string statuses;          // [id, state, reason, not_before, detail]
  bool has_improvements = false;
  bool has_withdrawn = false;
};

ReportRows ToRows(const protocol::StatusReport& report) {
  ReportRows rows;
  sql::JsonRowsWriter components;
  std::set<std::string_view> seen;
  for (const protocol::ComponentVersion& c : report.components) {
    if (seen.insert(c.name).second) components.BeginRow().Add(c.name).Add(c.version);
  }
  rows.components = components.Finish();
  sql::JsonRowsWriter cves;
  seen.clear();
  for (const std::string& cve : report.cves_fixed) {
    if (seen.insert(cve).second) cves.BeginRow().Add(cve);
  }
  rows.cves_fixed = cves.Finish();
  sql::JsonRowsWriter improvements;
  sql::JsonRowsWriter improvement_cves;
  sql::JsonRowsWriter statuses;
  sql::JsonRowsWriter withdrawn_ids;
  seen.clear();
  for (const protocol::ImprovementStatus& s : report.improvements) {
    if (!seen.insert(s.id).second) continue;
    rows.has_improvements = true;
    const bool withdrawn = s.state == protocol::ImprovementState::kWithdrawn;
    improvements.BeginRow().Add(s.id).Add(s.letter).Add(std::int64_t{withdrawn ? 1 : 0});
    if (withdrawn) {
      rows.has_withdrawn = true;
      withdrawn_ids.BeginRow().Add(s.id);
    }
    for (const std::string& cve : s.cves) improvement_cves.BeginRow().Add(s.id).Add(cve);
    std::optional<std::int64_t> not_before;
    if (s.not_before) not_before = s.not_before->seconds;
    statuses.BeginRow()
        .Add(s.id)
        .Add(protocol::ImprovementStateName(s.state))
        .Add(protocol::WaitReasonName(s.reason))
        .Add(not_before)
        .Add(s.detail);
  }
  rows.improvements = improvements.Finish();
  rows.withdrawn = withdrawn_ids.Finish();
  rows.improvement_cves = improvement_cves.Finish();
  rows.statuses = statuses.Finish();
  return rows;
}

}  // namespace

SqlFleetDb::DialectSql SqlFleetDb::BuildDialectSql(sql::Dialect d) {
  DialectSql s;
  // A device's lists are replaced by their difference: rows that are gone
  // are deleted, new or changed ones written, equal ones left alone, so
  // that a report that changes nothing writes no page of them.
  // "WHERE TRUE": SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT.
  const std::string components = JsonRows(d, 2, {kText, kText});
  s.delete_components =
      "DELETE FROM device_components WHERE device = $1 AND name NOT IN (SELECT r.c0 FROM (" +
      components + ") AS r)";
  s.upsert_components =
      "INSERT INTO device_components (device, name, version, ord) "
      "SELECT CAST($1 AS TEXT), r.c0, r.c1, r.ord FROM (" +
      components +
      ") AS r WHERE TRUE ON CONFLICT (device, name) DO UPDATE SET version = excluded.version, "
      "ord = excluded.ord WHERE device_components.version IS DISTINCT FROM excluded.version "
      "OR device_components.ord IS DISTINCT FROM excluded.ord";
  const std::string cves = JsonRows(d, 2, {kText});
  s.delete_cves_fixed =
      "DELETE FROM device_cves_fixed WHERE device = $1 AND cve NOT IN (SELECT r.c0 FROM (" + cves +
      ") AS r)";
  s.insert_cves_fixed =
      "INSERT INTO device_cves_fixed (device, cve) SELECT CAST($1 AS TEXT), r.c0 FROM (" + cves +
      ") AS r WHERE TRUE ON CONFLICT DO NOTHING";
  // Never overrides the repository's record. DO NOTHING takes no lock on
  // an existing row, so reports naming the same improvement do not queue
  // behind each other on PostgreSQL.
  s.insert_report_improvements =
      "INSERT INTO improvements (id, product, base_version, letter, withdrawn, source) "
      "SELECT r.c0, CAST($1 AS TEXT), CAST($2 AS TEXT), r.c1, r.c2 <> 0, 'report' FROM (" +
      JsonRows(d, 3, {kText, kText, kInt}) + ") AS r WHERE TRUE ON CONFLICT DO NOTHING";
  // A report of a withdrawal marks an improvement known only from reports.
  s.mark_report_improvements_withdrawn =
      "UPDATE improvements SET withdrawn = TRUE WHERE source = 'report' AND NOT withdrawn "
      "AND id IN (SELECT r.c0 FROM (" +
      JsonRows(d, 1, {kText}) + ") AS r)";
  s.insert_report_improvement_cves =
      "INSERT INTO improvement_cves (improvement, cve) SELECT r.c0, r.c1 FROM (" +
      JsonRows(d, 1, {kText, kText}) +
      ") AS r JOIN improvements i ON i.id = r.c0 WHERE i.source = 'report' "
      "ON CONFLICT DO NOTHING";
  const std::string statuses = JsonRows(d, 2, {kText, kText, kText, kInt, kText});
  s.delete_device_improvements =
      "DELETE FROM device_improvements WHERE device = $1 AND improvement NOT IN "
      "(SELECT r.c0 FROM (" +
      statuses + ") AS r)";
  s.upsert_device_improvements =
      "INSERT INTO device_improvements "
      "(device, improvement, ord, state, reason, not_before, detail) "
      "SELECT CAST($1 AS TEXT), r.c0, r.ord, r.c1, r.c2, r.c3, r.c4 FROM (" +
      statuses +
      ") AS r WHERE TRUE ON CONFLICT (device, improvement) DO UPDATE SET ord = excluded.ord, "
      "state = excluded.state, reason = excluded.reason, not_before = excluded.not_before, "
      "detail = excluded.detail WHERE device_improvements.ord IS DISTINCT FROM excluded.ord "
      "OR device_improvements.state IS DISTINCT FROM excluded.state "
      "OR device_improvements.reason IS DISTINCT FROM excluded.reason "
      "OR device_improvements.not_before IS DISTINCT FROM excluded.not_before "
      "OR device_improvements.detail IS DISTINCT FROM excluded.detail";
  s.insert_improvement_cves =
      "INSERT INTO improvement_cves (improvement, cve) "
      "SELECT CAST($1 AS TEXT), r.c0 FROM (" +
      JsonRows(d, 2, {kText}) + ") AS r WHERE TRUE ON CONFLICT DO NOTHING";
  return s;
}

Result<std::vector<IngestOutcome>> SqlFleetDb::IngestReports(
    std::span<const IncomingReport> reports) {
  std::vector<IngestOutcome> outcomes;
  if (reports.empty()) return outcomes;
  return Returning(Write([&](sql::Connection& db) -> Status {
                     outcomes.clear();
                     for (const IncomingReport& incoming : reports) {
                       BSI_ASSIGN_OR_RETURN(const IngestOutcome outcome, IngestOne(db, incoming));
                       outcomes.push_back(outcome);
                     }
                     return Ok();
                   }),
                   outcomes);
}

Result<IngestOutcome> SqlFleetDb::IngestOne(sql::Connection& db, const IncomingReport& incoming) {
  const protocol::StatusReport& report = incoming.report;
  const std::string& device = incoming.device_id;
  BSI_ASSIGN_OR_RETURN(
      const std::int64_t stored,
      db.Run(
          "INSERT INTO events (device, report_id, report_time, received, report_json) "
          "SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), $3, $4, CAST($5 AS TEXT) "
          "WHERE EXISTS (SELECT 1 FROM devices WHERE id = $1 AND token_hash = $6) "
          "ON CONFLICT (device, report_id) DO NOTHING",
          {Text(device), Text(report.report_id), Int(report.time.seconds),
           Int(incoming.received.seconds), Text(incoming.report_json), Text(incoming.token_hash)}));
  if (stored == 0) {
    std::optional<std::string> token_hash;
    BSI_TRY(db.Run("SELECT token_hash FROM devices WHERE id = $1", {Text(device)},
                   [&](const sql::Row& row) {
                     token_hash = std::string(row.Text(0));
                     return Ok();
                   }));
    if (!token_hash) return NoSuch("device", device);
    if (*token_hash != incoming.token_hash) {
      return Error(ErrorCode::kUnauthenticated, "the device token was replaced");
    }
    return IngestOutcome::kDuplicate;
  }

  const ReportRows rows = ToRows(report);
  // What the lists say, in one value: a device reports the same lists pass
  // after pass, and then they are not written again.
  const std::string digest =
      crypto::Sha256Hex(report.product + "\n" + report.base_version + "\n" + rows.components +
                        "\n" + rows.cves_fixed + "\n" + rows.improvements + "\n" +
                        rows.improvement_cves + "\n" + rows.statuses);

  // The device's latest state, unless a later report was applied already
  // (reports may arrive out of order: the agent retries). Product and base
  // are indexed (devices_by_base) and rarely change: they are written
  // only when they do, so that the update leaves the index alone.
  const std::optional<std::string> running_letter = RunningLetter(report);
  bool moved = false;
  std::string stored_digest;
  BSI_ASSIGN_OR_RETURN(
      const std::int64_t applied,
      db.Run(
          "UPDATE devices SET running = $2, running_letter = $3, auto_install = $4, "
          "install_state = $5, failure = $6, last_report = $7, last_report_received = $8 "
          "WHERE id = $1 AND (last_report IS NULL OR last_report <= $7) "
          "RETURNING product, base_version, lists_digest",
          {Text(device), sql::OptText(report.running), sql::OptText(running_letter),
           sql::Bool(report.auto_install), Text(protocol::InstallStateName(report.install_state)),
           Text(report.failure), Int(report.time.seconds), Int(incoming.received.seconds)},
          [&](const sql::Row& row) {
            moved = row.Text(0) != report.product || row.Text(1) != report.base_version;
            stored_digest = row.Text(2);
            return Ok();
          }));
  const bool unchanged = applied != 0 && stored_digest == digest;

  if (rows.has_improvements && !unchanged) {
    BSI_TRY(db.Run(sql_.insert_report_improvements,
                   {Text(report.product), Text(report.base_version), Text(rows.improvements)}));
    if (rows.has_withdrawn) {
      BSI_TRY(db.Run(sql_.mark_report_improvements_withdrawn, {Text(rows.withdrawn)}));
    }
    if (rows.improvement_cves != "[]") {
      BSI_TRY(db.Run(sql_.insert_report_improvement_cves, {Text(rows.improvement_cves)}));
    }
  }
  if (applied == 0 || unchanged) return IngestOutcome::kStored;
  if (moved) {
    BSI_TRY(db.Run(
        "UPDATE devices SET product = $2, base_version = $3, lists_digest = $4 WHERE id = $1",
        {Text(device), Text(report.product), Text(report.base_version), Text(digest)}));
  } else {
    BSI_TRY(
        db.Run("UPDATE devices SET lists_digest = $2 WHERE id = $1", {Text(device), Text(digest)}));
  }

  BSI_TRY(db.Run(sql_.delete_components, {Text(device), Text(rows.components)}));
  if (!report.components.empty()) {
    BSI_TRY(db.Run(sql_.upsert_components, {Text(device), Text(rows.components)}));
  }
  BSI_TRY(db.Run(sql_.delete_cves_fixed, {Text(device), Text(rows.cves_fixed)}));
  if (!report.cves_fixed.empty()) {
    BSI_TRY(db.Run(sql_.insert_cves_fixed, {Text(device), Text(rows.cves_fixed)}));
  }
  BSI_TRY(db.Run(sql_.delete_device_improvements, {Text(device), Text(rows.statuses)}));
  if (rows.has_improvements) {
    BSI_TRY(db.Run(sql_.upsert_device_improvements, {Text(device), Text(rows.statuses)}));
  }
  return IngestOutcome::kStored;
}

Result<std::int64_t> SqlFleetDb::PruneEvents(UnixTime before) {
  std::int64_t pruned = 0;
  return Returning(Write([&](sql::Connection& db) -> Status {
                     // Each device's newest event stays: one pass over
                     // the events (once a day), not a probe per event.
                     BSI_ASSIGN_OR_RETURN(
                         pruned, db.Run("DELETE FROM events WHERE received < $1 AND seq NOT IN ("
                                        "SELECT MAX(seq) FROM events GROUP BY device)",
                                        {Int(before.seconds)}));
                     return Ok();
                   }),
                   pruned);
}

}  // namespace bsi::server
