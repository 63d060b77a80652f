// The PostgreSQL engine of FleetDb: one database that several bsi-server
// instances may share. The only code that sees libpq.
//
// A small pool of connections (default 4) serves the calling threads;
// statements are prepared once per connection and run with parameters
// (never with values spliced into SQL), results read in text format.
// Write transactions run at READ COMMITTED and rely on row locks and
// INSERT ... ON CONFLICT; one that loses a deadlock or a serialization
// conflict to another server's is run again (sql::RunInTransaction).
// When the server closes a connection (restart, failover, a terminated
// backend), the call fails with kDatabaseUnavailable — unless the
// connection was found dead before anything ran on it, then a fresh one is
// opened and the call goes on — and the broken connection is replaced on
// next use.
//
// URL: any libpq connection URI, "postgresql://user:password@host:port/db
// ?sslmode=...", plus one parameter of ours, removed before libpq sees it:
// pool_size=N (1..64, default 4). connect_timeout=10 is added unless the
// URI sets it, so an unreachable server fails instead of hanging.
//
// Thread-safety: the FleetDb is thread-safe.
#ifndef BSI_SERVER_FLEET_POSTGRES_FLEET_DB_H_
#define BSI_SERVER_FLEET_POSTGRES_FLEET_DB_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "bsi/core/result.h"

#include "server/fleet/fleet_db.h"
#include "server/fleet/sql_connection.h"

namespace bsi::server {

struct PostgresUrl {
  std::string conninfo;       // what libpq gets
  std::size_t pool_size = 4;  // from pool_size=N
};

// Splits our parameters off a postgresql:// or postgres:// URI.
// Errors: kInvalidArgument (another scheme, a bad pool_size).
Result<PostgresUrl> ParsePostgresUrl(std::string_view url);

// Connects and migrates. Errors: kInvalidArgument (see ParsePostgresUrl),
// kDatabaseUnavailable (cannot connect), kDatabase.
Result<std::unique_ptr<FleetDb>> OpenPostgresFleetDb(std::string_view url);

// A bare connection (no migration): for the opener and for tests that
// create databases or inspect one. Errors: kDatabaseUnavailable.
Result<std::unique_ptr<sql::Connection>> OpenPostgresConnection(const std::string& conninfo);

}  // namespace bsi::server

#endif  // BSI_SERVER_FLEET_POSTGRES_FLEET_DB_H_
