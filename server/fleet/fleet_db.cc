#include "server/fleet/fleet_db.h"

#include <string>

#include "server/fleet/postgres_fleet_db.h"
#include "server/fleet/sqlite_fleet_db.h"

namespace bsi::server {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kOperator:
      return "operator";
    case Role::kAdmin:
      return "admin";
  }
  return "viewer";
}

Result<Role> ParseRole(std::string_view name) {
  for (const Role role : {Role::kViewer, Role::kOperator, Role::kAdmin}) {
    if (RoleName(role) == name) return role;
  }
  return Error(ErrorCode::kInvalidArgument, "unknown role \"" + std::string(name.substr(0, 32)) +
                                                "\" (viewer, operator or admin)");
}

std::string_view ExposureReasonName(ExposureReason reason) {
  switch (reason) {
    case ExposureReason::kNotReported:
      return "not_reported";
    case ExposureReason::kNotInstalled:
      return "not_installed";
    case ExposureReason::kDeferred:
      return "deferred";
    case ExposureReason::kAwaitingApproval:
      return "awaiting_approval";
    case ExposureReason::kAutoInstallOff:
      return "auto_install_off";
    case ExposureReason::kHeld:
      return "held";
    case ExposureReason::kNotInWaveYet:
      return "not_in_wave_yet";
    case ExposureReason::kFailed:
      return "failed";
    case ExposureReason::kRolledBack:
      return "rolled_back";
    case ExposureReason::kWithdrawn:
      return "withdrawn";
    case ExposureReason::kRemoved:
      return "removed";
  }
  return "not_installed";
}

Result<std::unique_ptr<FleetDb>> OpenFleetDb(std::string_view url) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (url.starts_with(kSqlite)) return OpenSqliteFleetDb(std::string(url.substr(kSqlite.size())));
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return OpenPostgresFleetDb(url);
  }
  return Error(ErrorCode::kInvalidArgument,
               "a fleet database URL is sqlite:PATH or postgresql://...: \"" +
                   std::string(url.substr(0, url.find(':'))) + ":...\" names no engine");
}

}  // namespace bsi::server
