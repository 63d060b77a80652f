// SqlFleetDb: construction, tokens and devices. Groups, approvals, holds
// and improvements are in sql_fleet_db_groups.cc; reports in
// sql_fleet_db_reports.cc; the questions in sql_fleet_db_queries.cc.
#include "server/fleet/sql_fleet_db.h"

#include <utility>

#include "server/fleet/migrations.h"
#include "server/fleet/sql_fleet_db_util.h"

namespace bsi::server {

using sql::Int;
using sql::OptInt;
using sql::Text;

namespace {

constexpr std::string_view kDeviceColumns =
    "id, group_name, product, base_version, hostname, running, auto_install, install_state, "
    "failure, enrolled, last_report";

Result<DeviceRow> ReadDevice(const sql::Row& row) {
  DeviceRow device;
  device.id = row.Text(0);
  device.group = row.Text(1);
  device.product = row.Text(2);
  device.base_version = row.Text(3);
  device.hostname = row.Text(4);
  device.running = row.OptText(5);
  device.auto_install = row.Bool(6);
  if (!row.IsNull(7)) {
    BSI_ASSIGN_OR_RETURN(device.install_state,
                         Stored(protocol::ParseInstallState(row.Text(7)), "install state"));
  }
  device.failure = row.Text(8);
  device.enrolled = UnixTime{row.Int(9)};
  if (!row.IsNull(10)) device.last_report = UnixTime{row.Int(10)};
  return device;
}

Result<AdminToken> ReadAdminToken(const sql::Row& row) {
  AdminToken token;
  token.name = row.Text(0);
  token.token_hash = row.Text(1);
  BSI_ASSIGN_OR_RETURN(token.role, Stored(ParseRole(row.Text(2)), "role"));
  token.created = UnixTime{row.Int(3)};
  return token;
}

}  // namespace

SqlFleetDb::SqlFleetDb(std::string engine, sql::Dialect dialect,
                       std::unique_ptr<sql::ConnectionPool> pool)
    : engine_(std::move(engine)),
      dialect_(dialect),
      sql_(BuildDialectSql(dialect)),
      pool_(std::move(pool)) {}

Status SqlFleetDb::Write(const std::function<Status(sql::Connection&)>& body) {
  return sql::RunInTransaction(*pool_, sql::TxnMode::kWrite, body);
}

Status SqlFleetDb::Read(const std::function<Status(sql::Connection&)>& body) {
  return sql::RunInTransaction(*pool_, sql::TxnMode::kRead, body);
}

Result<std::int64_t> SqlFleetDb::SchemaVersion() {
  std::int64_t version = 0;
  return Returning(Read([&](sql::Connection& db) -> Status {
                     BSI_ASSIGN_OR_RETURN(version, ReadSchemaVersion(db));
                     return Ok();
                   }),
                   version);
}

// ---- Tokens

Status SqlFleetDb::AddAdminToken(const AdminToken& token) {
  BSI_TRY(CheckName("admin token name", token.name));
  return Write([&](sql::Connection& db) -> Status {
    BSI_ASSIGN_OR_RETURN(const std::int64_t added,
                         db.Run("INSERT INTO admin_tokens (name, token_hash, role, created) "
                                "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                                {Text(token.name), Text(token.token_hash),
                                 Text(RoleName(token.role)), Int(token.created.seconds)}));
    if (added == 0) {
      return Error(ErrorCode::kConflict,
                   "an admin token named " + token.name + " (or with that secret) exists");
    }
    return Ok();
  });
}

Result<std::optional<AdminToken>> SqlFleetDb::FindAdminToken(std::string_view token_hash) {
  std::optional<AdminToken> found;
  return Returning(
      Read([&](sql::Connection& db) -> Status {
        found.reset();
        return Discard(
            db.Run("SELECT name, token_hash, role, created FROM admin_tokens WHERE token_hash = $1",
                   {Text(token_hash)}, [&](const sql::Row& row) -> Status {
                     BSI_ASSIGN_OR_RETURN(found, ReadAdminToken(row));
                     return Ok();
                   }));
      }),
      found);
}

Result<std::vector<AdminToken>> SqlFleetDb::ListAdminTokens() {
  std::vector<AdminToken> tokens;
  return Returning(Read([&](sql::Connection& db) -> Status {
                     tokens.clear();
                     return Discard(db.Run(
                         "SELECT name, token_hash, role, created FROM admin_tokens ORDER BY name",
                         {}, [&](const sql::Row& row) -> Status {
                           BSI_ASSIGN_OR_RETURN(AdminToken token, ReadAdminToken(row));
                           tokens.push_back(std::move(token));
                           return Ok();
                         }));
                   }),
                   tokens);
}

Status SqlFleetDb::RemoveAdminToken(std::string_view name) {
  return Write([&](sql::Connection& db) -> Status {
    BSI_ASSIGN_OR_RETURN(const std::int64_t removed,
                         db.Run("DELETE FROM admin_tokens WHERE name = $1", {Text(name)}));
    if (removed == 0) return NoSuch("admin token", name);
    return Ok();
  });
}

Status SqlFleetDb::AddEnrollmentToken(const EnrollmentToken& token) {
  BSI_TRY(CheckName("enrollment token name", token.name));
  if (token.uses_left && *token.uses_left < 0) {
    return Error(ErrorCode::kInvalidArgument, "uses_left must not be negative");
  }
  return Write([&](sql::Connection& db) -> Status {
    BSI_TRY(RequireGroup(db, token.group));
    std::optional<std::int64_t> expires;
    if (token.expires) expires = token.expires->seconds;
    BSI_ASSIGN_OR_RETURN(
        const std::int64_t added,
        db.Run("INSERT INTO enrollment_tokens "
               "(name, token_hash, group_name, expires, uses_left, created) "
               "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
               {Text(token.name), Text(token.token_hash), Text(token.group), OptInt(expires),
                OptInt(token.uses_left), Int(token.created.seconds)}));
    if (added == 0) {
      return Error(ErrorCode::kConflict,
                   "an enrollment token named " + token.name + " (or with that secret) exists");
    }
    return Ok();
  });
}

Result<std::vector<EnrollmentToken>> SqlFleetDb::ListEnrollmentTokens() {
  std::vector<EnrollmentToken> tokens;
  return Returning(Read([&](sql::Connection& db) -> Status {
                     tokens.clear();
                     return Discard(
                         db.Run("SELECT name, token_hash, group_name, expires, uses_left, created "
                                "FROM enrollment_tokens ORDER BY name",
                                {}, [&](const sql::Row& row) {
                                  EnrollmentToken token;
                                  token.name = row.Text(0);
                                  token.token_hash = row.Text(1);
                                  token.group = row.Text(2);
                                  if (!row.IsNull(3)) token.expires = UnixTime{row.Int(3)};
                                  token.uses_left = row.OptInt(4);
                                  token.created = UnixTime{row.Int(5)};
                                  tokens.push_back(std::move(token));
                                  return Ok();
                                }));
                   }),
                   tokens);
}

Status SqlFleetDb::RemoveEnrollmentToken(std::string_view name) {
  return Write([&](sql::Connection& db) -> Status {
    BSI_ASSIGN_OR_RETURN(const std::int64_t removed,
                         db.Run("DELETE FROM enrollment_tokens WHERE name = $1", {Text(name)}));
    if (removed == 0) return NoSuch("enrollment token", name);
    return Ok();
  });
}

// ---- Devices

Result<std::string> SqlFleetDb::EnrollDevice(std::string_view enrollment_token_hash,
                                             const protocol::EnrollRequest& request,
                                             std::string_view device_token_hash, UnixTime now) {
  BSI_TRY(CheckName("device id", request.device_id));
  std::string group;
  return Returning(
      Write([&](sql::Connection& db) -> Status {
        group.clear();
        std::optional<std::int64_t> uses_left;
        BSI_ASSIGN_OR_RETURN(
            const std::int64_t valid,
            db.Run("SELECT group_name, uses_left FROM enrollment_tokens "
                   "WHERE token_hash = $1 AND (expires IS NULL OR expires > $2)",
                   {Text(enrollment_token_hash), Int(now.seconds)}, [&](const sql::Row& row) {
                     group = row.Text(0);
                     uses_left = row.OptInt(1);
                     return Ok();
                   }));
        // Takes one use, atomically: concurrent enrollments each take their
        // own. A token without a limit is not written at all, so that a fleet
        // enrolling through one token does not queue on its row.
        std::int64_t taken = valid;
        if (valid > 0 && uses_left) {
          BSI_ASSIGN_OR_RETURN(taken,
                               db.Run("UPDATE enrollment_tokens SET uses_left = uses_left - 1 "
                                      "WHERE token_hash = $1 AND uses_left > 0",
                                      {Text(enrollment_token_hash)}));
        }
        if (taken == 0) {
          return Error(ErrorCode::kUnauthenticated,
                       "the enrollment token is unknown, expired or used up");
        }
        // A device enrolling again keeps its group, reports and events.
        return Discard(db.Run(
            "INSERT INTO devices (id, group_name, product, base_version, hostname, token_hash, "
            "enrolled) VALUES ($1, $2, $3, $4, $5, $6, $7) "
            "ON CONFLICT (id) DO UPDATE SET product = excluded.product, "
            "base_version = excluded.base_version, hostname = excluded.hostname, "
            "token_hash = excluded.token_hash RETURNING group_name",
            {Text(request.device_id), Text(group), Text(request.product),
             Text(request.base_version), Text(request.hostname), Text(device_token_hash),
             Int(now.seconds)},
            [&](const sql::Row& row) {
              group = row.Text(0);
              return Ok();
            }));
      }),
      group);
}

Result<std::optional<DeviceRow>> SqlFleetDb::FindDeviceByToken(std::string_view token_hash) {
  std::optional<DeviceRow> found;
  const std::string query =
      "SELECT " + std::string(kDeviceColumns) + " FROM devices WHERE token_hash = $1";
  return Returning(
      Read([&](sql::Connection& db) -> Status {
        found.reset();
        return Discard(db.Run(query, {Text(token_hash)}, [&](const sql::Row& row) -> Status {
          BSI_ASSIGN_OR_RETURN(found, ReadDevice(row));
          return Ok();
        }));
      }),
      found);
}

Result<std::vector<DeviceRow>> SqlFleetDb::ListDevices(const DeviceFilter& filter) {
  if (filter.limit < 1 || filter.limit > 1000) {
    return Error(ErrorCode::kInvalidArgument, "the device list limit must be 1..1000");
  }
  const std::string query = "SELECT " + std::string(kDeviceColumns) +
                            " FROM devices WHERE (CAST($1 AS TEXT) IS NULL OR group_name = $1) "
                            "AND (CAST($2 AS TEXT) IS NULL OR id > $2) ORDER BY id LIMIT $3";
  std::vector<DeviceRow> devices;
  return Returning(
      Read([&](sql::Connection& db) -> Status {
        devices.clear();
        return Discard(db.Run(
            query, {sql::OptText(filter.group), sql::OptText(filter.after_id), Int(filter.limit)},
            [&](const sql::Row& row) -> Status {
              BSI_ASSIGN_OR_RETURN(DeviceRow device, ReadDevice(row));
              devices.push_back(std::move(device));
              return Ok();
            }));
      }),
      devices);
}

Result<std::optional<DeviceDetail>> SqlFleetDb::GetDevice(std::string_view id,
                                                          std::int64_t event_limit) {
  if (event_limit < 0 || event_limit > 1000) {
    return Error(ErrorCode::kInvalidArgument, "the event limit must be 0..1000");
  }
  const std::string query = "SELECT " + std::string(kDeviceColumns) + " FROM devices WHERE id = $1";
  std::optional<DeviceDetail> detail;
  return Returning(
      Read([&](sql::Connection& db) -> Status {
        detail.reset();
        BSI_TRY(db.Run(query, {Text(id)}, [&](const sql::Row& row) -> Status {
          detail.emplace();
          BSI_ASSIGN_OR_RETURN(detail->device, ReadDevice(row));
          return Ok();
        }));
        if (!detail) return Ok();
        BSI_TRY(db.Run(
            "SELECT name, version FROM device_components WHERE device = $1 ORDER BY ord",
            {Text(id)}, [&](const sql::Row& row) {
              detail->components.push_back({std::string(row.Text(0)), std::string(row.Text(1))});
              return Ok();
            }));
        BSI_TRY(db.Run("SELECT cve FROM device_cves_fixed WHERE device = $1 ORDER BY cve",
                       {Text(id)}, [&](const sql::Row& row) {
                         detail->cves_fixed.emplace_back(row.Text(0));
                         return Ok();
                       }));
        BSI_TRY(db.Run(
            "SELECT di.improvement, i.letter, di.state, di.reason, di.not_before, "
            "di.detail FROM device_improvements di "
            "JOIN improvements i ON i.id = di.improvement "
            "WHERE di.device = $1 ORDER BY di.ord",
            {Text(id)}, [&](const sql::Row& row) -> Status {
              protocol::ImprovementStatus status;
              status.id = row.Text(0);
              status.letter = row.Text(1);
              BSI_ASSIGN_OR_RETURN(status.state,
                                   Stored(protocol::ParseImprovementState(row.Text(2)), "state"));
              BSI_ASSIGN_OR_RETURN(status.reason,
                                   Stored(protocol::ParseWaitReason(row.Text(3)), "reason"));
              if (!row.IsNull(4)) status.not_before = UnixTime{row.Int(4)};
              status.detail = row.Text(5);
              detail->improvements.push_back(std::move(status));
              return Ok();
            }));
        BSI_TRY(
            db.Run("SELECT ic.improvement, ic.cve FROM device_improvements di "
                   "JOIN improvement_cves ic ON ic.improvement = di.improvement "
                   "WHERE di.device = $1 ORDER BY ic.cve",
                   {Text(id)}, [&](const sql::Row& row) {
                     for (protocol::ImprovementStatus& status : detail->improvements) {
                       if (status.id == row.Text(0)) status.cves.emplace_back(row.Text(1));
                     }
                     return Ok();
                   }));
        return Discard(db.Run(
            "SELECT seq, report_id, report_time, received, report_json "
            "FROM events WHERE device = $1 ORDER BY seq DESC LIMIT $2",
            {Text(id), Int(event_limit)}, [&](const sql::Row& row) {
              detail->events.push_back({row.Int(0), std::string(row.Text(1)), UnixTime{row.Int(2)},
                                        UnixTime{row.Int(3)}, std::string(row.Text(4))});
              return Ok();
            }));
      }),
      detail);
}

Status SqlFleetDb::SetDeviceGroup(std::string_view device_id, std::string_view group) {
  return Write([&](sql::Connection& db) -> Status {
    BSI_TRY(RequireGroup(db, group));
    BSI_ASSIGN_OR_RETURN(
        const std::int64_t moved,
        db.Run("UPDATE devices SET group_name = $2 WHERE id = $1", {Text(device_id), Text(group)}));
    if (moved == 0) return NoSuch("device", device_id);
    return Ok();
  });
}

}  // namespace bsi::server
