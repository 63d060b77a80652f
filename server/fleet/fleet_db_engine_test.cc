// What is particular to each engine (the contract itself is in
// fleet_db_contract_test.cc), the URL forms, and the names.
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "server/fleet/fleet_db.h"
#include "server/fleet/fleet_db_test_util.h"
#include "server/fleet/migrations.h"
#include "server/fleet/postgres_fleet_db.h"
#include "testing/status_matchers.h"

namespace bsi::server {
namespace {

using bsi::testing::CodeOf;
using ::testing::HasSubstr;

TEST(FleetDbNamesTest, RolesAndExposureReasons) {
  for (const Role role : {Role::kViewer, Role::kOperator, Role::kAdmin}) {
    EXPECT_EQ(ParseRole(RoleName(role)).value(), role);
  }
  EXPECT_EQ(RoleName(Role::kOperator), "operator");
  EXPECT_EQ(CodeOf(ParseRole("root")), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ExposureReasonName(ExposureReason::kNotReported), "not_reported");
  EXPECT_EQ(ExposureReasonName(ExposureReason::kAwaitingApproval), "awaiting_approval");
  EXPECT_EQ(ExposureReasonName(ExposureReason::kNotInWaveYet), "not_in_wave_yet");
  EXPECT_EQ(ExposureReasonName(ExposureReason::kRemoved), "removed");
}

TEST(FleetDbUrlTest, SchemesAndPostgresParameters) {
  EXPECT_EQ(CodeOf(OpenFleetDb("mysql://db/fleet")), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(OpenFleetDb("fleet.db")), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(OpenFleetDb("sqlite:")), ErrorCode::kInvalidArgument);

  PostgresUrl url = ParsePostgresUrl("postgresql://bsi@db:5432/fleet").value();
  EXPECT_EQ(url.conninfo, "postgresql://bsi@db:5432/fleet?connect_timeout=10");
  EXPECT_EQ(url.pool_size, 4u);
  url =
      ParsePostgresUrl("postgres://db/fleet?sslmode=require&pool_size=9&connect_timeout=3").value();
  EXPECT_EQ(url.conninfo, "postgres://db/fleet?sslmode=require&connect_timeout=3");
  EXPECT_EQ(url.pool_size, 9u);
  EXPECT_EQ(CodeOf(ParsePostgresUrl("postgresql://db/fleet?pool_size=0")),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(ParsePostgresUrl("postgresql://db/fleet?pool_size=x")),
            ErrorCode::kInvalidArgument);
}

TEST(FleetDbMigrationsTest, EveryEngineHasEveryVersionInOrder) {
  for (const sql::Dialect dialect : {sql::Dialect::kSqlite, sql::Dialect::kPostgres}) {
    const std::vector<Migration> migrations = MigrationsFor(dialect);
    ASSERT_EQ(static_cast<std::int64_t>(migrations.size()), LatestSchemaVersion());
    for (std::size_t i = 0; i < migrations.size(); ++i) {
      EXPECT_EQ(migrations[i].version, static_cast<std::int64_t>(i) + 1);
      EXPECT_FALSE(migrations[i].sql.empty());
    }
  }
}

TEST(SqliteFleetDbTest, CreatesAPrivateFileInWriteAheadLogMode) {
  auto database = test::TestDatabase::Create(test::Engine::kSqlite).value();
  auto db = OpenFleetDb(database->url()).value();
  ASSERT_OK(db->PutGroup({"lab", protocol::AutoInstallMode::kAllowed, 0, false, {}, {1}}));
  struct stat info {};
  ASSERT_EQ(::stat(database->path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((database->path() + "-wal").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(SqliteFleetDbTest, RefusesAMissingDirectory) {
  auto database = test::TestDatabase::Create(test::Engine::kSqlite).value();
  const std::string path =
      std::filesystem::path(database->path()).parent_path().string() + "/missing/fleet.db";
  Result<std::unique_ptr<FleetDb>> db = OpenFleetDb("sqlite:" + path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(db.error().message(), HasSubstr("directory does not exist"));
  EXPECT_FALSE(std::filesystem::exists(path));
}

// The writer leaves checkpoints to a thread of their own: the log must
// still be copied into the database file and reused, not grow with every
// report, while the database stays open.
TEST(SqliteFleetDbTest, TheWriteAheadLogIsCheckpointedWhileOpen) {
  auto database = test::TestDatabase::Create(test::Engine::kSqlite).value();
  auto db = OpenFleetDb(database->url()).value();
  ASSERT_OK(db->AddEnrollmentToken({"e", "e-hash", "default", std::nullopt, std::nullopt, {1}}));
  ASSERT_OK(db->EnrollDevice("e-hash", {"d1", "acme-os", "26.3.1", ""}, "device-token-d1", {1}));
  // 48 MiB of reports (12,288 pages of 4 KiB), 64 per transaction.
  const std::string filler(4000, 'x');
  constexpr int kReports = 12288;
  constexpr int kBatch = 64;
  for (int start = 0; start < kReports; start += kBatch) {
    std::vector<IncomingReport> batch;
    for (int i = start; i < start + kBatch; ++i) {
      std::string id = std::to_string(i);
      id.insert(0, 6 - id.size(), '0');
      IncomingReport incoming = test::Incoming("d1", test::Report("n" + id, 100 + i));
      incoming.report_json = filler;
      batch.push_back(std::move(incoming));
    }
    ASSERT_OK(db->IngestReports(batch));
  }
  const auto size = [](const std::string& path) {
    std::error_code error;
    const std::uintmax_t n = std::filesystem::file_size(path, error);
    return error ? std::uintmax_t{0} : n;
  };
  // The reports reach the database file (the checkpointer runs after the
  // commits, so give it time; the last pages of log wait for the next
  // commit past the threshold), and the log stays a fraction of them.
  for (int i = 0; i < 300 && size(database->path()) < (28u << 20); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(size(database->path()), 28u << 20);
  EXPECT_LT(size(database->path() + "-wal"), 20u << 20);
  EXPECT_EQ(db->Counts().value().reports, kReports);
}

TEST(PostgresFleetDbTest, AnUnreachableServerIsUnavailable) {
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  Result<std::unique_ptr<FleetDb>> db = OpenFleetDb("postgresql://bsi@127.0.0.1:1/fleet");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code(), ErrorCode::kDatabaseUnavailable);
  EXPECT_EQ(db.error().category(), ErrorCategory::kTransient);
}

TEST(PostgresFleetDbTest, ReconnectsAfterTheServerDropsItsConnections) {
  Result<std::unique_ptr<test::TestDatabase>> database =
      test::TestDatabase::Create(test::Engine::kPostgres);
  ASSERT_OK(database);
  auto db = OpenFleetDb((*database)->url()).value();
  ASSERT_OK(db->PutGroup({"lab", protocol::AutoInstallMode::kAllowed, 0, false, {}, {1}}));
  // What a server restart or an administrator does to the pooled
  // connections.
  const std::string admin = test::PostgresTestUrl().value();
  ASSERT_OK(test::ExecutePostgres(
      admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                 (*database)->name() + "' AND pid <> pg_backend_pid()"));
  // The dead connection is found before anything ran on it and replaced.
  Result<std::optional<Group>> group = db->GetGroup("lab");
  ASSERT_OK(group);
  EXPECT_TRUE(group->has_value());
  EXPECT_OK(db->PutGroup({"lab2", protocol::AutoInstallMode::kAllowed, 0, false, {}, {1}}));
}

}  // namespace
}  // namespace bsi::server
