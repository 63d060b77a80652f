// Helpers shared by the sql_fleet_db*.cc files. Internal to server/fleet.
//
// Thread-safety: pure functions, or over a connection the caller holds.
#ifndef BSI_SERVER_FLEET_SQL_FLEET_DB_UTIL_H_
#define BSI_SERVER_FLEET_SQL_FLEET_DB_UTIL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "bsi/core/result.h"
#include "bsi/protocol/protocol.h"

#include "server/fleet/sql_connection.h"

namespace bsi::server {

// A value read back from the database that does not parse: the database
// holds what this code did not write.
template <typename T>
Result<T> Stored(Result<T> parsed, std::string_view what) {
  if (parsed.ok()) return parsed;
  return Error(ErrorCode::kDatabase,
               "stored " + std::string(what) + " is invalid: " + parsed.error().message());
}

// `value` once `status` (of the transaction that filled it) is ok.
template <typename T>
Result<T> Returning(const Status& status, T& value) {
  if (!status.ok()) return status.error();
  return std::move(value);
}

// The status of a statement whose row count does not matter.
inline Status Discard(const Result<std::int64_t>& ran) {
  if (!ran.ok()) return ran.error();
  return Ok();
}

inline Error NoSuch(std::string_view what, std::string_view name) {
  return Error(ErrorCode::kNoSuchRecord, "no " + std::string(what) + " " + std::string(name));
}

// Names of groups, tokens and devices are identifiers
// (protocol::CheckIdentifier). Errors: kInvalidArgument.
inline Status CheckName(std::string_view what, std::string_view name) {
  Status status = protocol::CheckIdentifier(what, name);
  if (!status.ok()) return Error(ErrorCode::kInvalidArgument, status.error().message());
  return Ok();
}

// Errors: kNoSuchRecord unless the group exists.
inline Status RequireGroup(sql::Connection& db, std::string_view group) {
  BSI_ASSIGN_OR_RETURN(const std::int64_t found,
                       db.Run("SELECT 1 FROM groups WHERE name = $1", {sql::Text(group)}));
  if (found == 0) return NoSuch("group", group);
  return Ok();
}

}  // namespace bsi::server

#endif  // BSI_SERVER_FLEET_SQL_FLEET_DB_UTIL_H_
