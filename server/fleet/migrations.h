// The fleet database's schema migrations: numbered SQL scripts under
// server/fleet/migrations/, embedded into the binary at build time
// (embed_migrations.cmake generates the list), applied in order when a
// database is opened. docs/fleet-db.md states the naming convention:
// NNNN_name.sql serves both engines; NNNN_name.sqlite.sql and
// NNNN_name.postgres.sql are one migration written in each dialect.
//
// Each migration runs in its own transaction together with its row in
// schema_migrations(version, name, applied_at), so a database is always
// at exactly one version. On PostgreSQL the transaction first takes a
// transaction-scoped advisory lock, so servers opening one database at the
// same time apply each migration once (SQLite's BEGIN IMMEDIATE does the
// same for processes sharing a file).
//
// Thread-safety: pure functions over a connection the caller holds.
#ifndef BSI_SERVER_FLEET_MIGRATIONS_H_
#define BSI_SERVER_FLEET_MIGRATIONS_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "bsi/core/result.h"

#include "server/fleet/sql_connection.h"

namespace bsi::server {

struct Migration {
  std::int64_t version = 0;  // 1, 2, ... without gaps
  std::string_view name;     // "initial"
  std::string_view sql;
};

// What embed_migrations.cmake generates (migrations_embedded.cc): every
// script under migrations/, in file name (so version) order; `engine` is
// "" (both engines), "sqlite" or "postgres".
struct EmbeddedMigration {
  std::int64_t version;
  const char* name;
  const char* engine;
  const char* sql;
};
extern const EmbeddedMigration kEmbeddedMigrations[];
extern const std::size_t kEmbeddedMigrationCount;

// The embedded migrations for one engine, in version order.
std::vector<Migration> MigrationsFor(sql::Dialect dialect);

// The highest version this binary knows.
std::int64_t LatestSchemaVersion();

// Applies, in order, each of `migrations` not yet recorded in the
// database. Errors: kDatabase when the database records a version newer
// than the last of `migrations` (a newer bsi-server migrated it; this one
// refuses to run on a schema it does not know), or when a migration
// fails (its transaction is rolled back; earlier ones stay).
Status Migrate(sql::Connection& connection, std::span<const Migration> migrations);

// The highest version recorded, 0 for a database never migrated.
Result<std::int64_t> ReadSchemaVersion(sql::Connection& connection);

}  // namespace bsi::server

#endif  // BSI_SERVER_FLEET_MIGRATIONS_H_
