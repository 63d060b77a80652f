// SqlFleetDb: groups, approvals, holds and improvements.
#include <algorithm>
#include <map>
#include <utility>

#include "bsi/version/version.h"

#include "server/fleet/sql_fleet_db.h"
#include "server/fleet/sql_fleet_db_util.h"

namespace bsi::server {

using sql::Int;
using sql::Text;

namespace {

constexpr std::string_view kGroupColumns =
    "name, auto_install, deferral_days, approval_required, window_start_minute, "
    "window_length_minutes, updated";

Result<Group> ReadGroup(const sql::Row& row) {
  Group group;
  group.name = row.Text(0);
  BSI_ASSIGN_OR_RETURN(group.auto_install,
                       Stored(protocol::ParseAutoInstallMode(row.Text(1)), "auto-install mode"));
  group.deferral_days = row.Int(2);
  group.approval_required = row.Bool(3);
  if (!row.IsNull(4) && !row.IsNull(5)) {
    group.maintenance_window =
        protocol::MaintenanceWindow{static_cast<int>(row.Int(4)), static_cast<int>(row.Int(5))};
  }
  group.updated = UnixTime{row.Int(6)};
  return group;
}

Status CheckGroup(const Group& group) {
  BSI_TRY(CheckName("group name", group.name));
  if (group.deferral_days < 0 || group.deferral_days > protocol::kMaxDeferralDays) {
    return Error(ErrorCode::kInvalidArgument, "deferral_days must be 0..90");
  }
  if (const auto& window = group.maintenance_window) {
    if (window->start_minute < 0 || window->start_minute > 1439 || window->length_minutes < 1 ||
        window->length_minutes > 1440) {
      return Error(ErrorCode::kInvalidArgument,
                   "a maintenance window starts at minute 0..1439 and lasts 1..1440 minutes");
    }
  }
  return Ok();
}

Status CheckImprovement(std::string_view id) {
  Status status = protocol::CheckImprovementId(id);
  if (!status.ok()) return Error(ErrorCode::kInvalidArgument, status.error().message());
  return Ok();
}

Result<Hold> ReadHold(const sql::Row& row) {
  Hold hold;
  hold.group = row.Text(0);
  hold.improvement = row.Text(1);
  hold.cause = row.Text(2);
  hold.created = UnixTime{row.Int(3)};
  if (!row.IsNull(4)) hold.cleared = UnixTime{row.Int(4)};
  hold.cleared_by = row.Text(5);
  return hold;
}

}  // namespace

Status SqlFleetDb::PutGroup(const Group& group) {
  BSI_TRY(CheckGroup(group));
  const auto& window = group.maintenance_window;
  return Write([&](sql::Connection& db) -> Status {
    return Discard(db.Run(
        "INSERT INTO groups (" + std::string(kGroupColumns) +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO UPDATE SET "
            "auto_install = excluded.auto_install, deferral_days = excluded.deferral_days, "
            "approval_required = excluded.approval_required, "
            "window_start_minute = excluded.window_start_minute, "
            "window_length_minutes = excluded.window_length_minutes, updated = excluded.updated",
        {Text(group.name), Text(protocol::AutoInstallModeName(group.auto_install)),
         Int(group.deferral_days), sql::Bool(group.approval_required),
         window ? Int(window->start_minute) : sql::Null(),
         window ? Int(window->length_minutes) : sql::Null(), Int(group.updated.seconds)}));
  });
}

Result<std::optional<Group>> SqlFleetDb::GetGroup(std::string_view name) {
  std::optional<Group> found;
  return Returning(Read([&](sql::Connection& db) -> Status {
                     found.reset();
                     return Discard(db.Run(
                         "SELECT " + std::string(kGroupColumns) + " FROM groups WHERE name = $1",
                         {Text(name)}, [&](const sql::Row& row) -> Status {
                           BSI_ASSIGN_OR_RETURN(found, ReadGroup(row));
                           return Ok();
                         }));
                   }),
                   found);
}

Result<std::vector<Group>> SqlFleetDb::ListGroups() {
  std::vector<Group> groups;
  return Returning(
      Read([&](sql::Connection& db) -> Status {
        groups.clear();
        return Discard(db.Run("SELECT " + std::string(kGroupColumns) + " FROM groups ORDER BY name",
                              {}, [&](const sql::Row& row) -> Status {
                                BSI_ASSIGN_OR_RETURN(Group group, ReadGroup(row));
                                groups.push_back(std::move(group));
                                return Ok();
                              }));
      }),
      groups);
}

Status SqlFleetDb::RemoveGroup(std::string_view name) {
  if (name == "default") {
    return Error(ErrorCode::kConflict, "the default group cannot be removed");
  }
  return Write([&](sql::Connection& db) -> Status {
    BSI_TRY(RequireGroup(db, name));
    std::int64_t devices = 0;
    std::int64_t tokens = 0;
    BSI_TRY(
        db.Run("SELECT (SELECT COUNT(*) FROM devices WHERE group_name = $1), "
               "(SELECT COUNT(*) FROM enrollment_tokens WHERE group_name = $1)",
               {Text(name)}, [&](const sql::Row& row) {
                 devices = row.Int(0);
                 tokens = row.Int(1);
                 return Ok();
               }));
    if (devices > 0 || tokens > 0) {
      return Error(ErrorCode::kConflict, "group " + std::string(name) + " is in use by " +
                                             std::to_string(devices) + " devices and " +
                                             std::to_string(tokens) + " enrollment tokens");
    }
    // Its approvals and holds go with it (ON DELETE CASCADE).
    return Discard(db.Run("DELETE FROM groups WHERE name = $1", {Text(name)}));
  });
}

Status SqlFleetDb::SetApproval(std::string_view group, std::string_view improvement, bool approved,
                               std::string_view actor, UnixTime now) {
  BSI_TRY(CheckImprovement(improvement));
  return Write([&](sql::Connection& db) -> Status {
    BSI_TRY(RequireGroup(db, group));
    if (!approved) {
      return Discard(db.Run("DELETE FROM approvals WHERE group_name = $1 AND improvement = $2",
                            {Text(group), Text(improvement)}));
    }
    return Discard(
        db.Run("INSERT INTO approvals (group_name, improvement, approved_by, approved_at) "
               "VALUES ($1, $2, $3, $4) ON CONFLICT (group_name, improvement) DO UPDATE SET "
               "approved_by = excluded.approved_by, approved_at = excluded.approved_at",
               {Text(group), Text(improvement), Text(actor), Int(now.seconds)}));
  });
}

Result<protocol::Declarations> SqlFleetDb::Declarations(std::string_view group) {
  protocol::Declarations out;
  const Status status = Read([&](sql::Connection& db) -> Status {
    out = protocol::Declarations();
    std::optional<Group> settings;
    BSI_TRY(db.Run("SELECT " + std::string(kGroupColumns) + " FROM groups WHERE name = $1",
                   {Text(group)}, [&](const sql::Row& row) -> Status {
                     BSI_ASSIGN_OR_RETURN(settings, ReadGroup(row));
                     return Ok();
                   }));
    if (!settings) return NoSuch("group", group);
    out.group = settings->name;
    out.auto_install = settings->auto_install;
    out.deferral_days = settings->deferral_days;
    out.approval_required = settings->approval_required;
    out.maintenance_window = settings->maintenance_window;
    BSI_TRY(db.Run("SELECT improvement FROM approvals WHERE group_name = $1", {Text(group)},
                   [&](const sql::Row& row) {
                     out.approved.emplace_back(row.Text(0));
                     return Ok();
                   }));
    return Discard(db.Run("SELECT improvement FROM holds WHERE group_name = $1 AND cleared IS NULL",
                          {Text(group)}, [&](const sql::Row& row) {
                            out.held.emplace_back(row.Text(0));
                            return Ok();
                          }));
  });
  if (!status.ok()) return status.error();
  std::sort(out.approved.begin(), out.approved.end());
  std::sort(out.held.begin(), out.held.end());
  return out;
}

Result<bool> SqlFleetDb::AddHold(const Hold& hold) {
  BSI_TRY(CheckImprovement(hold.improvement));
  bool added = false;
  return Returning(Write([&](sql::Connection& db) -> Status {
                     BSI_TRY(RequireGroup(db, hold.group));
                     // The partial unique index holds_active refuses a second active hold.
                     BSI_ASSIGN_OR_RETURN(
                         const std::int64_t inserted,
                         db.Run("INSERT INTO holds (group_name, improvement, cause, created) "
                                "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                                {Text(hold.group), Text(hold.improvement), Text(hold.cause),
                                 Int(hold.created.seconds)}));
                     added = inserted > 0;
                     return Ok();
                   }),
                   added);
}

Status SqlFleetDb::ClearHold(std::string_view group, std::string_view improvement,
                             std::string_view by, UnixTime now) {
  return Write([&](sql::Connection& db) -> Status {
    BSI_ASSIGN_OR_RETURN(const std::int64_t cleared,
                         db.Run("UPDATE holds SET cleared = $4, cleared_by = $3 "
                                "WHERE group_name = $1 AND improvement = $2 AND cleared IS NULL",
                                {Text(group), Text(improvement), Text(by), Int(now.seconds)}));
    if (cleared == 0) {
      return NoSuch("active hold of", std::string(improvement) + " in group " + std::string(group));
    }
    return Ok();
  });
}

Result<std::vector<Hold>> SqlFleetDb::ListHolds(bool active_only) {
  const std::string query = std::string(
                                "SELECT group_name, improvement, cause, created, cleared, "
                                "cleared_by FROM holds") +
                            (active_only ? " WHERE cleared IS NULL" : "") +
                            " ORDER BY group_name, improvement, id";
  std::vector<Hold> holds;
  return Returning(Read([&](sql::Connection& db) -> Status {
                     holds.clear();
                     return Discard(db.Run(query, {}, [&](const sql::Row& row) -> Status {
                       BSI_ASSIGN_OR_RETURN(Hold hold, ReadHold(row));
                       holds.push_back(std::move(hold));
                       return Ok();
                     }));
                   }),
                   holds);
}

Status SqlFleetDb::PutImprovements(std::span<const ImprovementInfo> improvements) {
  for (const ImprovementInfo& improvement : improvements) {
    BSI_TRY(CheckImprovement(improvement.id));
    if (!version::Letter::Parse(improvement.letter).ok() || improvement.product.empty() ||
        improvement.base_version.empty()) {
      return Error(ErrorCode::kInvalidArgument,
                   improvement.id + ": needs a product, a base version and a letter (a..z, aa..)");
    }
  }
  return Write([&](sql::Connection& db) -> Status {
    for (const ImprovementInfo& improvement : improvements) {
      BSI_TRY(
          db.Run("INSERT INTO improvements (id, product, base_version, letter, withdrawn, source) "
                 "VALUES ($1, $2, $3, $4, $5, 'repository') ON CONFLICT (id) DO UPDATE SET "
                 "product = excluded.product, base_version = excluded.base_version, "
                 "letter = excluded.letter, withdrawn = excluded.withdrawn, source = 'repository'",
                 {Text(improvement.id), Text(improvement.product), Text(improvement.base_version),
                  Text(improvement.letter), sql::Bool(improvement.withdrawn)}));
      BSI_TRY(
          db.Run("DELETE FROM improvement_cves WHERE improvement = $1", {Text(improvement.id)}));
      sql::JsonRowsWriter cves;
      for (const std::string& cve : improvement.cves) cves.BeginRow().Add(cve);
      const std::string json = cves.Finish();
      BSI_TRY(db.Run(sql_.insert_improvement_cves, {Text(improvement.id), Text(json)}));
    }
    return Ok();
  });
}

Result<std::vector<ImprovementInfo>> SqlFleetDb::ListImprovements() {
  std::vector<ImprovementInfo> improvements;
  return Returning(
      Read([&](sql::Connection& db) -> Status {
        improvements.clear();
        std::map<std::string, std::size_t, std::less<>> index;
        BSI_TRY(
            db.Run("SELECT id, product, base_version, letter, withdrawn FROM improvements "
                   "ORDER BY id",
                   {}, [&](const sql::Row& row) {
                     ImprovementInfo info;
                     info.id = row.Text(0);
                     info.product = row.Text(1);
                     info.base_version = row.Text(2);
                     info.letter = row.Text(3);
                     info.withdrawn = row.Bool(4);
                     index.emplace(info.id, improvements.size());
                     improvements.push_back(std::move(info));
                     return Ok();
                   }));
        return Discard(db.Run("SELECT improvement, cve FROM improvement_cves ORDER BY cve", {},
                              [&](const sql::Row& row) {
                                auto it = index.find(row.Text(0));
                                if (it != index.end()) {
                                  improvements[it->second].cves.emplace_back(row.Text(1));
                                }
                                return Ok();
                              }));
      }),
      improvements);
}

}  // namespace bsi::server
