// Test support for the FleetDb tests: a fresh database per test on either
// engine, and builders of reports. For tests only.
//
// PostgreSQL tests run against a real server: the test cluster that
// tests/postgres.sh starts (ctest's postgres_start fixture does, and
// writes its URL to a file this code reads), or the server named by
// $BSI_TEST_POSTGRES_URL. Each test gets a database of its own, created
// there and dropped afterwards, so tests may run in parallel.
//
// Thread-safety: TestDatabase is not thread-safe; the builders are pure.
#ifndef BSI_SERVER_FLEET_FLEET_DB_TEST_UTIL_H_
#define BSI_SERVER_FLEET_FLEET_DB_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/result.h"
#include "bsi/protocol/protocol.h"

#include "server/fleet/fleet_db.h"

namespace bsi::server::test {

enum class Engine { kSqlite, kPostgres };
std::string EngineName(Engine engine);  // "sqlite", "postgresql"
// For test names and failure messages.
void PrintTo(Engine engine, std::ostream* out);

// The URL of the PostgreSQL test server. Errors: kDatabaseUnavailable,
// saying how to start one.
Result<std::string> PostgresTestUrl();

// An empty database (no schema yet) that exists for the object's life.
class TestDatabase {
 public:
  // Errors: the PostgreSQL test server is not running (see
  // PostgresTestUrl), or it refused to create a database.
  static Result<std::unique_ptr<TestDatabase>> Create(Engine engine);
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  ~TestDatabase();

  Engine engine() const { return engine_; }
  // For OpenFleetDb.
  const std::string& url() const { return url_; }
  // SQLite: the database file.
  const std::string& path() const { return path_; }
  // PostgreSQL: the database's name.
  const std::string& name() const { return name_; }

  // Runs statements on a connection of its own (to doctor or inspect the
  // database behind the FleetDb's back).
  Status Execute(std::string_view sql) const;
  // The first column of the first row of a query.
  Result<std::int64_t> QueryInt(std::string_view sql) const;
  // Applies the engine's migrations up to `version` only (a database as an
  // older bsi-server left it).
  Status MigrateTo(std::int64_t version) const;

 private:
  TestDatabase() = default;

  Engine engine_ = Engine::kSqlite;
  std::string url_;
  std::string dir_;        // SQLite: the temporary directory
  std::string path_;       // SQLite
  std::string admin_url_;  // PostgreSQL: the server's own URL
  std::string name_;       // PostgreSQL
};

// Runs `sql` on the PostgreSQL server at `url` (e.g. to terminate the
// connections of a database).
Status ExecutePostgres(const std::string& url, std::string_view sql);

// "acme-os 26.3.1 (<letter>)".
std::string ImprovementId(std::string_view letter, std::string_view base = "26.3.1");

protocol::ImprovementStatus Improvement(std::string_view letter, protocol::ImprovementState state,
                                        protocol::WaitReason reason = protocol::WaitReason::kNone,
                                        std::vector<std::string> cves = {});

// A report of acme-os 26.3.1 with report id "report-<suffix>" padded to
// 16 characters, made at `time`.
protocol::StatusReport Report(std::string_view suffix, std::int64_t time);

// The report as the server stores it, received one second after it was
// made.
IncomingReport Incoming(std::string_view device, const protocol::StatusReport& report);

}  // namespace bsi::server::test

#endif  // BSI_SERVER_FLEET_FLEET_DB_TEST_UTIL_H_
