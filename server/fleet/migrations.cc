#include "server/fleet/migrations.h"

#include <algorithm>
#include <string>

namespace bsi::server {

namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";

// An arbitrary constant: the advisory lock key of bsi's migrations
// ("bsi-mig" in ASCII).
constexpr std::string_view kPostgresLock = "SELECT pg_advisory_xact_lock(27700503451002727)";

std::string_view NowSeconds(sql::Dialect dialect) {
  return dialect == sql::Dialect::kSqlite ? "CAST(strftime('%s', 'now') AS BIGINT)"
                                          : "CAST(extract(epoch FROM now()) AS BIGINT)";
}

Result<std::int64_t> CurrentVersion(sql::Connection& connection) {
  std::int64_t version = 0;
  BSI_TRY(connection.Run("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {},
                         [&](const sql::Row& row) {
                           version = row.Int(0);
                           return Ok();
                         }));
  return version;
}

std::string Describe(const Migration& m) {
  return "migration " + std::to_string(m.version) + " (" + std::string(m.name) + ")";
}

// One migration in its own transaction, unless the database has it.
Status ApplyOne(sql::Connection& connection, const Migration& migration, std::int64_t latest) {
  const sql::Dialect dialect = connection.dialect();
  if (dialect == sql::Dialect::kPostgres) BSI_TRY(connection.Run(kPostgresLock, {}));
  BSI_TRY(connection.RunScript(kCreateTable));
  BSI_ASSIGN_OR_RETURN(const std::int64_t current, CurrentVersion(connection));
  if (current > latest) {
    return Error(ErrorCode::kDatabase,
                 "the database has schema version " + std::to_string(current) +
                     ", newer than this bsi-server knows (" + std::to_string(latest) +
                     "): a newer bsi-server migrated it; run that version or restore a backup");
  }
  if (current >= migration.version) return Ok();  // applied before (or by another server)
  if (current != migration.version - 1) {
    return Error(ErrorCode::kDatabase, "the database has schema version " +
                                           std::to_string(current) + ", cannot apply " +
                                           Describe(migration));
  }
  Status applied = connection.RunScript(migration.sql);
  if (!applied.ok()) return applied.error().WithContext(Describe(migration));
  const std::string record =
      "INSERT INTO schema_migrations (version, name, applied_at) "
      "VALUES ($1, $2, " +
      std::string(NowSeconds(dialect)) + ")";
  BSI_TRY(connection.Run(record, {sql::Int(migration.version), sql::Text(migration.name)}));
  return Ok();
}

}  // namespace

std::vector<Migration> MigrationsFor(sql::Dialect dialect) {
  const std::string_view own = dialect == sql::Dialect::kSqlite ? "sqlite" : "postgres";
  std::vector<Migration> migrations;
  for (std::size_t i = 0; i < kEmbeddedMigrationCount; ++i) {
    const EmbeddedMigration& m = kEmbeddedMigrations[i];
    const std::string_view engine = m.engine;
    if (engine.empty() || engine == own) migrations.push_back({m.version, m.name, m.sql});
  }
  return migrations;
}

std::int64_t LatestSchemaVersion() {
  std::int64_t latest = 0;
  for (std::size_t i = 0; i < kEmbeddedMigrationCount; ++i) {
    latest = std::max(latest, kEmbeddedMigrations[i].version);
  }
  return latest;
}

Status Migrate(sql::Connection& connection, std::span<const Migration> migrations) {
  const std::int64_t latest = migrations.empty() ? 0 : migrations.back().version;
  for (const Migration& migration : migrations) {
    BSI_TRY(connection.Begin(sql::TxnMode::kWrite));
    Status status = ApplyOne(connection, migration, latest);
    if (status.ok()) status = connection.Commit();
    if (!status.ok()) {
      (void)connection.Rollback();
      return status;
    }
  }
  return Ok();
}

Result<std::int64_t> ReadSchemaVersion(sql::Connection& connection) {
  return CurrentVersion(connection);
}

}  // namespace bsi::server
