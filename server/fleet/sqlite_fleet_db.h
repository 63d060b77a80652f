// The SQLite engine of FleetDb: one database file, the default for a
// single bsi-server. The only code that sees the sqlite3 C API.
//
// Every connection runs with journal_mode=WAL (readers never wait for the
// writer), foreign_keys=ON, synchronous=FULL (a commit is on disk before
// it is acknowledged; IngestReports takes whole batches, so one fsync
// covers many reports) and busy_timeout (a writer waits for the one before
// it instead of failing), mmap_size (reads map the file). Write
// transactions take the write lock when they begin (BEGIN IMMEDIATE), so
// they never deadlock on lock upgrades. Prepared statements are cached per
// connection.
//
// Thread-safety: the FleetDb is thread-safe. Read transactions run on a
// pool of connections (default 8, opened on demand), each used by one
// thread at a time; write transactions take turns on one dedicated
// connection, since SQLite admits one writer at a time anyway: the
// threads of this process queue for it in memory, and busy_timeout only
// matters against other processes.
#ifndef BSI_SERVER_FLEET_SQLITE_FLEET_DB_H_
#define BSI_SERVER_FLEET_SQLITE_FLEET_DB_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "bsi/core/result.h"

#include "server/fleet/fleet_db.h"
#include "server/fleet/sql_connection.h"

namespace bsi::server {

struct SqliteOptions {
  // Default: 8. The most connections open at once (one per thread using
  // the database concurrently).
  std::size_t pool_size = 8;
  // Default: 10 s. How long a writer waits for another before failing
  // with kDatabase ("database is locked").
  int busy_timeout_ms = 10000;
};

// Opens (creating it with mode 0600 if needed; its directory must exist)
// and migrates the database file at `path`. Errors: kInvalidArgument for an
// empty path or a missing directory; kDatabase.
Result<std::unique_ptr<FleetDb>> OpenSqliteFleetDb(const std::string& path,
                                                   const SqliteOptions& options = {});

// Readers map the database file; the writer reads through its page cache.
enum class SqliteConnectionKind { kReader, kWriter };

// A bare connection to an existing database file, with the settings
// above and no migration: for the opener and for tests that inspect or
// doctor a database. Errors: kDatabase.
Result<std::unique_ptr<sql::Connection>> OpenSqliteConnection(
    const std::string& path, const SqliteOptions& options = {},
    SqliteConnectionKind kind = SqliteConnectionKind::kReader);

}  // namespace bsi::server

#endif  // BSI_SERVER_FLEET_SQLITE_FLEET_DB_H_
