#include "server/fleet/fleet_db_test_util.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <unistd.h>

#include "server/fleet/migrations.h"
#include "server/fleet/postgres_fleet_db.h"
#include "server/fleet/sqlite_fleet_db.h"

namespace bsi::server::test {
namespace {

constexpr std::string_view kHowToStart =
    "the PostgreSQL instances of these tests need a real server: run them with ctest, whose "
    "postgres_start fixture starts one (ctest --test-dir BUILD -R server_fleet), or start one "
    "with `bash tests/postgres.sh start DIR` and set BSI_TEST_POSTGRES_URL to the URL it prints";

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// The URL with its database name (the path) replaced.
std::string WithDatabase(const std::string& url, const std::string& name) {
  const std::size_t scheme = url.find("://");
  const std::size_t host = scheme == std::string::npos ? 0 : scheme + 3;
  const std::size_t query = url.find('?', host);
  const std::size_t slash = url.find('/', host);
  const std::size_t path = slash < query ? slash : query;
  std::string out = url.substr(0, path == std::string::npos ? url.size() : path) + "/" + name;
  if (query != std::string::npos) out += url.substr(query);
  return out;
}

Result<std::unique_ptr<sql::Connection>> Connect(const TestDatabase& db) {
  if (db.engine() == Engine::kSqlite) return OpenSqliteConnection(db.path());
  BSI_ASSIGN_OR_RETURN(const PostgresUrl parsed, ParsePostgresUrl(db.url()));
  return OpenPostgresConnection(parsed.conninfo);
}

}  // namespace

std::string EngineName(Engine engine) {
  return engine == Engine::kSqlite ? "sqlite" : "postgresql";
}

void PrintTo(Engine engine, std::ostream* out) { *out << EngineName(engine); }

Result<std::string> PostgresTestUrl() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): the tests never call setenv
  if (const char* url = std::getenv("BSI_TEST_POSTGRES_URL"); url != nullptr && *url != '\0') {
    return std::string(url);
  }
  std::ifstream file(BSI_TEST_POSTGRES_URL_FILE);
  std::stringstream content;
  content << file.rdbuf();
  std::string url = Trimmed(content.str());
  if (!file || url.empty()) {
    return Error(ErrorCode::kDatabaseUnavailable,
                 "no PostgreSQL test server: BSI_TEST_POSTGRES_URL is not set and " +
                     std::string(BSI_TEST_POSTGRES_URL_FILE) + " does not exist; " +
                     std::string(kHowToStart));
  }
  return url;
}

Status ExecutePostgres(const std::string& url, std::string_view sql) {
  BSI_ASSIGN_OR_RETURN(const PostgresUrl parsed, ParsePostgresUrl(url));
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<sql::Connection> connection,
                       OpenPostgresConnection(parsed.conninfo));
  return connection->RunScript(sql);
}

Result<std::unique_ptr<TestDatabase>> TestDatabase::Create(Engine engine) {
  std::unique_ptr<TestDatabase> db(new TestDatabase());
  db->engine_ = engine;
  if (engine == Engine::kSqlite) {
    const char* tmp = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe): no setenv in tests
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/bsi-fleet-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      return Error(ErrorCode::kIo, "mkdtemp " + pattern + " failed");
    }
    db->dir_ = pattern;
    db->path_ = pattern + "/fleet.db";
    db->url_ = "sqlite:" + db->path_;
    return db;
  }
  BSI_ASSIGN_OR_RETURN(db->admin_url_, PostgresTestUrl());
  static std::atomic<int> counter{0};
  std::random_device random;
  db->name_ = "bsi_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_" +
              std::to_string(random() % 1000000);
  Status created = ExecutePostgres(db->admin_url_, "CREATE DATABASE " + db->name_);
  if (!created.ok()) {
    return created.error().WithContext(std::string("creating a test database (") +
                                       std::string(kHowToStart) + ")");
  }
  db->url_ = WithDatabase(db->admin_url_, db->name_);
  return db;
}

TestDatabase::~TestDatabase() {
  if (engine_ == Engine::kSqlite) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  } else if (!name_.empty()) {
    (void)ExecutePostgres(admin_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
}

Status TestDatabase::Execute(std::string_view sql) const {
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<sql::Connection> connection, Connect(*this));
  return connection->RunScript(sql);
}

Status TestDatabase::MigrateTo(std::int64_t version) const {
  if (engine_ == Engine::kSqlite) std::ofstream(path_, std::ios::app).close();  // exists now
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<sql::Connection> connection, Connect(*this));
  std::vector<Migration> migrations = MigrationsFor(connection->dialect());
  std::erase_if(migrations, [&](const Migration& m) { return m.version > version; });
  return Migrate(*connection, migrations);
}

Result<std::int64_t> TestDatabase::QueryInt(std::string_view sql) const {
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<sql::Connection> connection, Connect(*this));
  std::int64_t value = 0;
  BSI_TRY(connection->Run(sql, {}, [&](const sql::Row& row) {
    value = row.Int(0);
    return Ok();
  }));
  return value;
}

std::string ImprovementId(std::string_view letter, std::string_view base) {
  return "acme-os " + std::string(base) + " (" + std::string(letter) + ")";
}

protocol::ImprovementStatus Improvement(std::string_view letter, protocol::ImprovementState state,
                                        protocol::WaitReason reason,
                                        std::vector<std::string> cves) {
  protocol::ImprovementStatus status;
  status.id = ImprovementId(letter);
  status.letter = letter;
  status.state = state;
  status.reason = reason;
  status.cves = std::move(cves);
  return status;
}

protocol::StatusReport Report(std::string_view suffix, std::int64_t time) {
  protocol::StatusReport report;
  report.report_id = "report-" + std::string(suffix);
  while (report.report_id.size() < 16) report.report_id += '0';
  report.time = UnixTime{time};
  report.product = "acme-os";
  report.base_version = "26.3.1";
  report.install_state = protocol::InstallState::kUpToDate;
  report.agent_version = "0.1.0";
  return report;
}

IncomingReport Incoming(std::string_view device, const protocol::StatusReport& report) {
  IncomingReport incoming;
  incoming.device_id = device;
  incoming.token_hash = "device-token-" + std::string(device);
  incoming.received = UnixTime{report.time.seconds + 1};
  incoming.report = report;
  incoming.report_json = "{\"report_id\":\"" + report.report_id + "\"}";
  return incoming;
}

}  // namespace bsi::server::test
