// SqlFleetDb: FleetDb written once in the SQL both engines speak, over the
// sql::Connection seam (sql_connection.h). The engine files
// (sqlite_fleet_db.cc, postgres_fleet_db.cc) open connections and run the
// migrations, then hand a pool to this class; every method is one
// transaction on one pooled connection, and nothing shared is cached in
// the process, so several servers may share one PostgreSQL database.
//
// Stored enumerations are their wire names (protocol.h): install states,
// improvement states and wait reasons, roles, auto-install modes.
//
// Thread-safety: thread-safe (the pool lends each connection to one
// thread at a time).
#ifndef BSI_SERVER_FLEET_SQL_FLEET_DB_H_
#define BSI_SERVER_FLEET_SQL_FLEET_DB_H_

#include <memory>
#include <string>

#include "server/fleet/fleet_db.h"
#include "server/fleet/sql_connection.h"

namespace bsi::server {

class SqlFleetDb final : public FleetDb {
 public:
  // REQUIRES: the pool's database is migrated to LatestSchemaVersion().
  SqlFleetDb(std::string engine, sql::Dialect dialect, std::unique_ptr<sql::ConnectionPool> pool);

  std::string_view engine() const override { return engine_; }
  Result<std::int64_t> SchemaVersion() override;

  Status AddAdminToken(const AdminToken& token) override;
  Result<std::optional<AdminToken>> FindAdminToken(std::string_view token_hash) override;
  Result<std::vector<AdminToken>> ListAdminTokens() override;
  Status RemoveAdminToken(std::string_view name) override;
  Status AddEnrollmentToken(const EnrollmentToken& token) override;
  Result<std::vector<EnrollmentToken>> ListEnrollmentTokens() override;
  Status RemoveEnrollmentToken(std::string_view name) override;

  Result<std::string> EnrollDevice(std::string_view enrollment_token_hash,
                                   const protocol::EnrollRequest& request,
                                   std::string_view device_token_hash, UnixTime now) override;
  Result<std::optional<DeviceRow>> FindDeviceByToken(std::string_view token_hash) override;
  Result<std::vector<DeviceRow>> ListDevices(const DeviceFilter& filter) override;
  Result<std::optional<DeviceDetail>> GetDevice(std::string_view id,
                                                std::int64_t event_limit) override;
  Status SetDeviceGroup(std::string_view device_id, std::string_view group) override;

  Status PutGroup(const Group& group) override;
  Result<std::optional<Group>> GetGroup(std::string_view name) override;
  Result<std::vector<Group>> ListGroups() override;
  Status RemoveGroup(std::string_view name) override;
  Status SetApproval(std::string_view group, std::string_view improvement, bool approved,
                     std::string_view actor, UnixTime now) override;
  Result<protocol::Declarations> Declarations(std::string_view group) override;
  Result<bool> AddHold(const Hold& hold) override;
  Status ClearHold(std::string_view group, std::string_view improvement, std::string_view by,
                   UnixTime now) override;
  Result<std::vector<Hold>> ListHolds(bool active_only) override;

  Status PutImprovements(std::span<const ImprovementInfo> improvements) override;
  Result<std::vector<ImprovementInfo>> ListImprovements() override;

  Result<std::vector<IngestOutcome>> IngestReports(
      std::span<const IncomingReport> reports) override;
  Result<std::int64_t> PruneEvents(UnixTime before) override;

  Result<CveExposure> Exposure(std::string_view cve, std::string_view after_id,
                               std::int64_t limit) override;
  Result<std::vector<RolloutProgress>> Progress(std::string_view improvement,
                                                std::optional<std::string_view> group) override;
  Result<FleetCounts> Counts() override;

 private:
  // Statements that differ by dialect (they read lists from JSON), built
  // once.
  struct DialectSql {
    std::string delete_components;
    std::string upsert_components;
    std::string delete_cves_fixed;
    std::string insert_cves_fixed;
    std::string delete_device_improvements;
    std::string upsert_device_improvements;
    std::string insert_report_improvements;
    std::string mark_report_improvements_withdrawn;
    std::string insert_report_improvement_cves;
    std::string insert_improvement_cves;
  };
  static DialectSql BuildDialectSql(sql::Dialect dialect);

  Status Write(const std::function<Status(sql::Connection&)>& body);
  Status Read(const std::function<Status(sql::Connection&)>& body);
  // One report of IngestReports, inside its transaction.
  Result<IngestOutcome> IngestOne(sql::Connection& db, const IncomingReport& incoming);

  const std::string engine_;
  const sql::Dialect dialect_;
  const DialectSql sql_;
  std::unique_ptr<sql::ConnectionPool> pool_;
};

}  // namespace bsi::server

#endif  // BSI_SERVER_FLEET_SQL_FLEET_DB_H_
