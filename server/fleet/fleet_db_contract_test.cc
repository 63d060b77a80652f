// The FleetDb contract, run on both engines: every test runs once on a
// fresh SQLite file and once on a fresh database of a real PostgreSQL
// server (fleet_db_test_util.h). A PostgreSQL instance without a server
// fails, saying how to start one; it is never skipped.
#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/fleet/fleet_db.h"
#include "server/fleet/fleet_db_test_util.h"
#include "server/fleet/migrations.h"
#include "testing/status_matchers.h"

namespace bsi::server {
namespace {

using bsi::testing::CodeOf;
using protocol::ImprovementState;
using protocol::WaitReason;
using test::Engine;
using test::Improvement;
using test::ImprovementId;
using test::Incoming;
using test::Report;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FleetDbContractTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<test::TestDatabase>> database = test::TestDatabase::Create(GetParam());
    ASSERT_TRUE(database.ok()) << database.error().ToString();
    database_ = std::move(database).value();
    Reopen();
  }

  void Reopen() {
    db_.reset();
    Result<std::unique_ptr<FleetDb>> db = OpenFleetDb(database_->url());
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_ = std::move(db).value();
  }

  // Enrolls `device` into `group` with a one-use token; its device token
  // hash is "device-token-<device>".
  void Enroll(const std::string& device, const std::string& group = "default",
              const std::string& base = "26.3.1") {
    const std::string token = "enroll-" + device;
    ASSERT_OK(db_->AddEnrollmentToken({token, token + "-hash", group, std::nullopt, 1, {100}}));
    Result<std::string> joined =
        db_->EnrollDevice(token + "-hash", {device, "acme-os", base, device + ".example"},
                          "device-token-" + device, UnixTime{100});
    ASSERT_OK(joined);
    EXPECT_EQ(*joined, group);
  }

  void Ingest(const std::string& device, const protocol::StatusReport& report) {
    const IncomingReport incoming = Incoming(device, report);
    Result<std::vector<IngestOutcome>> outcomes = db_->IngestReports({&incoming, 1});
    ASSERT_OK(outcomes);
    EXPECT_THAT(*outcomes, ElementsAre(IngestOutcome::kStored));
  }

  // A report of one improvement's state.
  void ReportState(const std::string& device, const protocol::ImprovementStatus& status,
                   std::int64_t time = 1000) {
    protocol::StatusReport report = Report(device + std::to_string(time), time);
    report.improvements.push_back(status);
    Ingest(device, report);
  }

  DeviceDetail Detail(const std::string& device) {
    Result<std::optional<DeviceDetail>> detail = db_->GetDevice(device, 100);
    EXPECT_OK(detail);
    EXPECT_TRUE(detail.ok() && detail->has_value());
    return detail.ok() && detail->has_value() ? **detail : DeviceDetail();
  }

  std::unique_ptr<test::TestDatabase> database_;
  std::unique_ptr<FleetDb> db_;
};

// ---- Migrations

TEST_P(FleetDbContractTest, OpensAtTheLatestSchemaVersion) {
  EXPECT_EQ(db_->engine(), test::EngineName(GetParam()));
  EXPECT_GE(LatestSchemaVersion(), 1);
  EXPECT_EQ(db_->SchemaVersion().value(), LatestSchemaVersion());
  EXPECT_EQ(database_->QueryInt("SELECT COUNT(*) FROM schema_migrations").value(),
            LatestSchemaVersion());
}

TEST_P(FleetDbContractTest, ReopeningKeepsDataAndAppliesNothingTwice) {
  ASSERT_OK(db_->PutGroup({"lab", protocol::AutoInstallMode::kAlwaysOn, 3, true, {}, {5}}));
  Reopen();
  Reopen();
  EXPECT_EQ(db_->SchemaVersion().value(), LatestSchemaVersion());
  EXPECT_EQ(database_->QueryInt("SELECT COUNT(*) FROM schema_migrations").value(),
            LatestSchemaVersion());
  EXPECT_TRUE(db_->GetGroup("lab").value().has_value());
}

TEST_P(FleetDbContractTest, UpgradesADatabaseOfSchemaVersionOne) {
  Result<std::unique_ptr<test::TestDatabase>> old = test::TestDatabase::Create(GetParam());
  ASSERT_OK(old);
  ASSERT_OK((*old)->MigrateTo(1));
  const std::string index_count =
      GetParam() == test::Engine::kSqlite
          ? "SELECT COUNT(*) FROM sqlite_master WHERE name = 'events_by_device'"
          : "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'events_by_device'";
  EXPECT_EQ((*old)->QueryInt(index_count).value(), 1);
  Result<std::unique_ptr<FleetDb>> db = OpenFleetDb((*old)->url());
  ASSERT_OK(db);
  EXPECT_EQ((*db)->SchemaVersion().value(), LatestSchemaVersion());
  // Version 2: reports no longer feed an index by (device, seq).
  EXPECT_EQ((*old)->QueryInt(index_count).value(), 0);
}

TEST_P(FleetDbContractTest, RefusesADatabaseWithANewerSchema) {
  db_.reset();
  ASSERT_OK(
      database_->Execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (" +
                         std::to_string(LatestSchemaVersion() + 1) + ", 'future', 0)"));
  Result<std::unique_ptr<FleetDb>> db = OpenFleetDb(database_->url());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code(), ErrorCode::kDatabase);
  EXPECT_THAT(db.error().message(), HasSubstr("newer than this bsi-server knows"));
}

TEST_P(FleetDbContractTest, ServersOpeningAFreshDatabaseAtOnceMigrateItOnce) {
  Result<std::unique_ptr<test::TestDatabase>> fresh = test::TestDatabase::Create(GetParam());
  ASSERT_OK(fresh);
  std::vector<std::thread> servers;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    servers.emplace_back([&] {
      Result<std::unique_ptr<FleetDb>> db = OpenFleetDb((*fresh)->url());
      EXPECT_OK(db);
      if (db.ok()) ++opened;
    });
  }
  for (std::thread& server : servers) server.join();
  EXPECT_EQ(opened, 4);
  EXPECT_EQ((*fresh)->QueryInt("SELECT COUNT(*) FROM schema_migrations").value(),
            LatestSchemaVersion());
  EXPECT_EQ((*fresh)->QueryInt("SELECT COUNT(*) FROM groups").value(), 1);
}

// ---- Tokens

TEST_P(FleetDbContractTest, AdminTokens) {
  ASSERT_OK(db_->AddAdminToken({"ops", "hash-ops", Role::kOperator, {10}}));
  ASSERT_OK(db_->AddAdminToken({"alice", "hash-alice", Role::kAdmin, {11}}));
  EXPECT_EQ(CodeOf(db_->AddAdminToken({"ops", "hash-other", Role::kViewer, {12}})),
            ErrorCode::kConflict);
  EXPECT_EQ(CodeOf(db_->AddAdminToken({"bob", "hash-ops", Role::kViewer, {12}})),
            ErrorCode::kConflict);
  std::optional<AdminToken> found = db_->FindAdminToken("hash-ops").value();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "ops");
  EXPECT_EQ(found->role, Role::kOperator);
  EXPECT_EQ(found->created, UnixTime{10});
  EXPECT_FALSE(db_->FindAdminToken("hash-nobody").value().has_value());
  const std::vector<AdminToken> tokens = db_->ListAdminTokens().value();
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].name, "alice");
  EXPECT_EQ(tokens[0].token_hash, "hash-alice");
  EXPECT_EQ(tokens[1].name, "ops");
  ASSERT_OK(db_->RemoveAdminToken("ops"));
  EXPECT_EQ(CodeOf(db_->RemoveAdminToken("ops")), ErrorCode::kNoSuchRecord);
  EXPECT_FALSE(db_->FindAdminToken("hash-ops").value().has_value());
}

TEST_P(FleetDbContractTest, EnrollmentTokens) {
  EXPECT_EQ(CodeOf(db_->AddEnrollmentToken({"t", "h", "nowhere", std::nullopt, 1, {1}})),
            ErrorCode::kNoSuchRecord);
  ASSERT_OK(db_->AddEnrollmentToken({"t2", "h2", "default", UnixTime{500}, std::nullopt, {2}}));
  ASSERT_OK(db_->AddEnrollmentToken({"t1", "h1", "default", std::nullopt, 3, {1}}));
  EXPECT_EQ(CodeOf(db_->AddEnrollmentToken({"t1", "h9", "default", std::nullopt, 3, {1}})),
            ErrorCode::kConflict);
  EXPECT_EQ(CodeOf(db_->AddEnrollmentToken({"t3", "h3", "default", std::nullopt, -1, {1}})),
            ErrorCode::kInvalidArgument);
  const std::vector<EnrollmentToken> tokens = db_->ListEnrollmentTokens().value();
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].name, "t1");
  EXPECT_EQ(tokens[0].expires, std::nullopt);
  EXPECT_EQ(tokens[0].uses_left, 3);
  EXPECT_EQ(tokens[1].name, "t2");
  EXPECT_EQ(tokens[1].token_hash, "h2");
  EXPECT_EQ(tokens[1].group, "default");
  EXPECT_EQ(tokens[1].expires, UnixTime{500});
  EXPECT_EQ(tokens[1].uses_left, std::nullopt);
  EXPECT_EQ(tokens[1].created, UnixTime{2});
  ASSERT_OK(db_->RemoveEnrollmentToken("t1"));
  EXPECT_EQ(CodeOf(db_->RemoveEnrollmentToken("t1")), ErrorCode::kNoSuchRecord);
  EXPECT_EQ(db_->ListEnrollmentTokens().value().size(), 1u);
}

TEST_P(FleetDbContractTest, AnEnrollmentTokenExpires) {
  ASSERT_OK(db_->AddEnrollmentToken({"t", "h", "default", UnixTime{1000}, std::nullopt, {1}}));
  EXPECT_OK(db_->EnrollDevice("h", {"d1", "acme-os", "26.3.1", ""}, "d1-hash", UnixTime{999}));
  EXPECT_EQ(
      CodeOf(db_->EnrollDevice("h", {"d2", "acme-os", "26.3.1", ""}, "d2-hash", UnixTime{1000})),
      ErrorCode::kUnauthenticated);
  EXPECT_FALSE(db_->FindDeviceByToken("d2-hash").value().has_value());
}

TEST_P(FleetDbContractTest, AnEnrollmentTokenIsUsedUp) {
  ASSERT_OK(db_->AddEnrollmentToken({"two", "h2", "default", std::nullopt, 2, {1}}));
  ASSERT_OK(db_->AddEnrollmentToken({"any", "h-any", "default", std::nullopt, std::nullopt, {1}}));
  EXPECT_OK(db_->EnrollDevice("h2", {"d1", "acme-os", "26.3.1", ""}, "d1-hash", UnixTime{5}));
  EXPECT_OK(db_->EnrollDevice("h2", {"d2", "acme-os", "26.3.1", ""}, "d2-hash", UnixTime{5}));
  EXPECT_EQ(CodeOf(db_->EnrollDevice("h2", {"d3", "acme-os", "26.3.1", ""}, "d3-hash", {5})),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(CodeOf(db_->EnrollDevice("unknown", {"d3", "acme-os", "26.3.1", ""}, "d3-hash", {5})),
            ErrorCode::kUnauthenticated);
  EXPECT_FALSE(db_->FindDeviceByToken("d3-hash").value().has_value());
  for (int i = 0; i < 5; ++i) {
    const std::string id = "u" + std::to_string(i);
    EXPECT_OK(db_->EnrollDevice("h-any", {id, "acme-os", "26.3.1", ""}, id + "-hash", {5}));
  }
  const std::vector<EnrollmentToken> tokens = db_->ListEnrollmentTokens().value();
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].uses_left, std::nullopt);  // "any"
  EXPECT_EQ(tokens[1].uses_left, 0);             // "two"
}

TEST_P(FleetDbContractTest, EnrollingAgainKeepsGroupAndHistoryAndReplacesTheToken) {
  ASSERT_OK(db_->PutGroup({"lab", protocol::AutoInstallMode::kAllowed, 0, false, {}, {1}}));
  Enroll("d1", "lab");
  Ingest("d1", Report("one", 200));
  ASSERT_OK(db_->AddEnrollmentToken({"again", "h-again", "default", std::nullopt, 1, {1}}));
  Result<std::string> group = db_->EnrollDevice("h-again", {"d1", "acme-os", "26.4", "new-name"},
                                                "new-token", UnixTime{300});
  ASSERT_OK(group);
  EXPECT_EQ(*group, "lab");
  EXPECT_FALSE(db_->FindDeviceByToken("device-token-d1").value().has_value());
  std::optional<DeviceRow> device = db_->FindDeviceByToken("new-token").value();
  ASSERT_TRUE(device.has_value());
  EXPECT_EQ(device->group, "lab");
  EXPECT_EQ(device->base_version, "26.4");
  EXPECT_EQ(device->hostname, "new-name");
  EXPECT_EQ(device->enrolled, UnixTime{100});
  EXPECT_EQ(device->last_report, UnixTime{200});
  EXPECT_EQ(Detail("d1").events.size(), 1u);
  EXPECT_EQ(db_->Counts().value().devices, 1);
}

// ---- Devices

TEST_P(FleetDbContractTest, FindsADeviceByItsToken) {
  Enroll("d1");
  std::optional<DeviceRow> device = db_->FindDeviceByToken("device-token-d1").value();
  ASSERT_TRUE(device.has_value());
  EXPECT_EQ(device->id, "d1");
  EXPECT_EQ(device->group, "default");
  EXPECT_EQ(device->product, "acme-os");
  EXPECT_EQ(device->base_version, "26.3.1");
  EXPECT_EQ(device->hostname, "d1.example");
  EXPECT_EQ(device->running, std::nullopt);
  EXPECT_TRUE(device->auto_install);
  EXPECT_EQ(device->install_state, std::nullopt);
  EXPECT_EQ(device->enrolled, UnixTime{100});
  EXPECT_EQ(device->last_report, std::nullopt);
  EXPECT_FALSE(db_->FindDeviceByToken("device-token-d2").value().has_value());
}

TEST_P(FleetDbContractTest, ListsDevicesByGroupAPageAtATime) {
  ASSERT_OK(db_->PutGroup({"lab", protocol::AutoInstallMode::kAllowed, 0, false, {}, {1}}));
  for (const char* id : {"d3", "d1", "d5", "d2", "d4"}) Enroll(id);
  Enroll("l1", "lab");
  auto ids = [](const std::vector<DeviceRow>& rows) {
    std::vector<std::string> out;
    for (const DeviceRow& row : rows) out.push_back(row.id);
    return out;
  };
  EXPECT_THAT(ids(db_->ListDevices({std::nullopt, std::nullopt, 100}).value()),
              ElementsAre("d1", "d2", "d3", "d4", "d5", "l1"));
  EXPECT_THAT(ids(db_->ListDevices({"default", std::nullopt, 2}).value()), ElementsAre("d1", "d2"));
  EXPECT_THAT(ids(db_->ListDevices({"default", "d2", 2}).value()), ElementsAre("d3", "d4"));
  EXPECT_THAT(ids(db_->ListDevices({"default", "d4", 2}).value()), ElementsAre("d5"));
  EXPECT_THAT(ids(db_->ListDevices({"lab", std::nullopt, 10}).value()), ElementsAre("l1"));
  EXPECT_EQ(CodeOf(db_->ListDevices({std::nullopt, std::nullopt, 0})), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(db_->ListDevices({std::nullopt, std::nullopt, 1001})),
            ErrorCode::kInvalidArgument);
}

TEST_P(FleetDbContractTest, MovesADeviceToAnotherGroup) {
  ASSERT_OK(db_->PutGroup({"lab", protocol::AutoInstallMode::kAllowed, 0, false, {}, {1}}));
  Enroll("d1");
  ASSERT_OK(db_->SetDeviceGroup("d1", "lab"));
  EXPECT_EQ(Detail("d1").device.group, "lab");
  EXPECT_EQ(CodeOf(db_->SetDeviceGroup("ghost", "lab")), ErrorCode::kNoSuchRecord);
  EXPECT_EQ(CodeOf(db_->SetDeviceGroup("d1", "nowhere")), ErrorCode::kNoSuchRecord);
}

TEST_P(FleetDbContractTest, GetDeviceListsEventsNewestFirst) {
  Enroll("d1");
  for (int i = 1; i <= 3; ++i) Ingest("d1", Report("e" + std::to_string(i), 100 * i));
  Result<std::optional<DeviceDetail>> detail = db_->GetDevice("d1", 2);
  ASSERT_OK(detail);
  ASSERT_TRUE(detail->has_value());
  const std::vector<DeviceEvent>& events = (*detail)->events;
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].report_id, Report("e3", 0).report_id);
  EXPECT_EQ(events[0].time, UnixTime{300});
  EXPECT_EQ(events[0].received, UnixTime{301});
  EXPECT_EQ(events[0].report_json, Incoming("d1", Report("e3", 300)).report_json);
  EXPECT_EQ(events[1].report_id, Report("e2", 0).report_id);
  EXPECT_GT(events[0].seq, events[1].seq);
  EXPECT_TRUE(db_->GetDevice("d1", 0).value()->events.empty());
  EXPECT_FALSE(db_->GetDevice("ghost", 10).value().has_value());
  EXPECT_EQ(CodeOf(db_->GetDevice("d1", 1001)), ErrorCode::kInvalidArgument);
}

// ---- Groups, approvals, holds

TEST_P(FleetDbContractTest, Groups) {
  std::optional<Group> fallback = db_->GetGroup("default").value();
  ASSERT_TRUE(fallback.has_value());
  EXPECT_EQ(fallback->auto_install, protocol::AutoInstallMode::kAllowed);
  EXPECT_EQ(fallback->deferral_days, 0);
  EXPECT_FALSE(fallback->approval_required);
  EXPECT_EQ(fallback->maintenance_window, std::nullopt);

  const Group lab{"lab", protocol::AutoInstallMode::kAlwaysOff, 7,
                  true,  protocol::MaintenanceWindow{120, 90},  UnixTime{50}};
  ASSERT_OK(db_->PutGroup(lab));
  std::optional<Group> got = db_->GetGroup("lab").value();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->auto_install, protocol::AutoInstallMode::kAlwaysOff);
  EXPECT_EQ(got->deferral_days, 7);
  EXPECT_TRUE(got->approval_required);
  EXPECT_EQ(got->maintenance_window, (protocol::MaintenanceWindow{120, 90}));
  EXPECT_EQ(got->updated, UnixTime{50});

  ASSERT_OK(db_->PutGroup({"lab", protocol::AutoInstallMode::kAlwaysOn, 0, false, {}, {60}}));
  got = db_->GetGroup("lab").value();
  EXPECT_EQ(got->auto_install, protocol::AutoInstallMode::kAlwaysOn);
  EXPECT_EQ(got->maintenance_window, std::nullopt);
  EXPECT_EQ(got->updated, UnixTime{60});
  ASSERT_OK(db_->PutGroup({"canary", protocol::AutoInstallMode::kAllowed, 0, false, {}, {1}}));
  std::vector<std::string> names;
  const std::vector<Group> groups = db_->ListGroups().value();
  for (const Group& group : groups) names.push_back(group.name);
  EXPECT_THAT(names, ElementsAre("canary", "default", "lab"));
  EXPECT_FALSE(db_->GetGroup("nowhere").value().has_value());

  Group bad = lab;
  bad.deferral_days = 91;
  EXPECT_EQ(CodeOf(db_->PutGroup(bad)), ErrorCode::kInvalidArgument);
  bad = lab;
  bad.maintenance_window = protocol::MaintenanceWindow{1440, 10};
  EXPECT_EQ(CodeOf(db_->PutGroup(bad)), ErrorCode::kInvalidArgument);
  bad = lab;
  bad.name = "no spaces";
  EXPECT_EQ(CodeOf(db_->PutGroup(bad)), ErrorCode::kInvalidArgument);
}

TEST_P(FleetDbContractTest, RemovesAGroupOnlyWhenUnused) {
  EXPECT_EQ(CodeOf(db_->RemoveGroup("default")), ErrorCode::kConflict);
  EXPECT_EQ(CodeOf(db_->RemoveGroup("nowhere")), ErrorCode::kNoSuchRecord);
  ASSERT_OK(db_->PutGroup({"lab", protocol::AutoInstallMode::kAllowed, 0, false, {}, {1}}));
  Enroll("d1", "lab");  // its token stays, used up
  EXPECT_EQ(CodeOf(db_->RemoveGroup("lab")), ErrorCode::kConflict);
  ASSERT_OK(db_->SetDeviceGroup("d1", "default"));
  EXPECT_EQ(CodeOf(db_->RemoveGroup("lab")), ErrorCode::kConflict);  // the token
  ASSERT_OK(db_->RemoveEnrollmentToken("enroll-d1"));
  ASSERT_OK(db_->SetApproval("lab", ImprovementId("a"), true, "alice", {1}));
  ASSERT_TRUE(db_->AddHold({"lab", ImprovementId("a"), "failures", {1}, {}, ""}).value());
  ASSERT_OK(db_->RemoveGroup("lab"));
  EXPECT_FALSE(db_->GetGroup("lab").value().has_value());
  EXPECT_TRUE(db_->ListHolds(false).value().empty());
  ASSERT_OK(db_->PutGroup({"lab", protocol::AutoInstallMode::kAllowed, 0, false, {}, {1}}));
  EXPECT_TRUE(db_->Declarations("lab").value().approved.empty());
}

TEST_P(FleetDbContractTest, DeclarationsJoinSettingsApprovalsAndActiveHolds) {
  ASSERT_OK(db_->PutGroup({"lab",
                           protocol::AutoInstallMode::kAlwaysOn,
                           5,
                           true,
                           protocol::MaintenanceWindow{60, 30},
                           {1}}));
  for (const char* letter : {"c", "a", "b"}) {
    ASSERT_OK(db_->SetApproval("lab", ImprovementId(letter), true, "alice", {2}));
  }
  ASSERT_OK(db_->SetApproval("lab", ImprovementId("a"), true, "bob", {3}));  // again
  ASSERT_OK(db_->SetApproval("lab", ImprovementId("b"), false, "alice", {4}));
  ASSERT_OK(db_->SetApproval("lab", ImprovementId("z"), false, "alice", {4}));  // none
  ASSERT_TRUE(db_->AddHold({"lab", ImprovementId("c"), "3 of 10 failed", {5}, {}, ""}).value());
  ASSERT_TRUE(db_->AddHold({"lab", ImprovementId("a"), "2 of 10 failed", {5}, {}, ""}).value());
  ASSERT_TRUE(db_->AddHold({"default", ImprovementId("b"), "elsewhere", {5}, {}, ""}).value());
  ASSERT_OK(db_->ClearHold("lab", ImprovementId("c"), "alice", {6}));

  const protocol::Declarations declarations = db_->Declarations("lab").value();
  EXPECT_EQ(declarations.group, "lab");
  EXPECT_EQ(declarations.auto_install, protocol::AutoInstallMode::kAlwaysOn);
  EXPECT_EQ(declarations.deferral_days, 5);
  EXPECT_TRUE(declarations.approval_required);
  EXPECT_EQ(declarations.maintenance_window, (protocol::MaintenanceWindow{60, 30}));
  EXPECT_THAT(declarations.approved, ElementsAre(ImprovementId("a"), ImprovementId("c")));
  EXPECT_THAT(declarations.held, ElementsAre(ImprovementId("a")));
  EXPECT_EQ(CodeOf(db_->Declarations("nowhere")), ErrorCode::kNoSuchRecord);
  EXPECT_EQ(CodeOf(db_->SetApproval("nowhere", ImprovementId("a"), true, "alice", {1})),
            ErrorCode::kNoSuchRecord);
}

TEST_P(FleetDbContractTest, OneActiveHoldPerGroupAndImprovement) {
  const Hold hold{"default", ImprovementId("a"), "3 of 10 devices failed", {10}, {}, ""};
  EXPECT_TRUE(db_->AddHold(hold).value());
  EXPECT_FALSE(db_->AddHold(hold).value());
  EXPECT_EQ(CodeOf(db_->AddHold({"nowhere", ImprovementId("a"), "x", {10}, {}, ""})),
            ErrorCode::kNoSuchRecord);
  ASSERT_OK(db_->ClearHold("default", ImprovementId("a"), "alice", {20}));
  EXPECT_EQ(CodeOf(db_->ClearHold("default", ImprovementId("a"), "alice", {21})),
            ErrorCode::kNoSuchRecord);
  EXPECT_TRUE(db_->ListHolds(true).value().empty());
  EXPECT_TRUE(db_->AddHold({"default", ImprovementId("a"), "again", {30}, {}, ""}).value());

  const std::vector<Hold> all = db_->ListHolds(false).value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].cause, "3 of 10 devices failed");
  EXPECT_EQ(all[0].created, UnixTime{10});
  EXPECT_EQ(all[0].cleared, UnixTime{20});
  EXPECT_EQ(all[0].cleared_by, "alice");
  EXPECT_EQ(all[1].cause, "again");
  EXPECT_EQ(all[1].cleared, std::nullopt);
  const std::vector<Hold> active = db_->ListHolds(true).value();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].cause, "again");
  EXPECT_EQ(db_->Counts().value().active_holds, 1);
}

// ---- Reports

TEST_P(FleetDbContractTest, StoresAReportOnceAndRecognizesItsDuplicates) {
  Enroll("d1");
  Enroll("d2");
  const protocol::StatusReport one = Report("one", 100);
  const protocol::StatusReport two = Report("two", 200);
  const std::vector<IncomingReport> batch = {Incoming("d1", one), Incoming("d1", one),
                                             Incoming("d1", two), Incoming("d2", one)};
  EXPECT_THAT(db_->IngestReports(batch).value(),
              ElementsAre(IngestOutcome::kStored, IngestOutcome::kDuplicate, IngestOutcome::kStored,
                          IngestOutcome::kStored));
  EXPECT_THAT(db_->IngestReports(batch).value(),
              ElementsAre(IngestOutcome::kDuplicate, IngestOutcome::kDuplicate,
                          IngestOutcome::kDuplicate, IngestOutcome::kDuplicate));
  EXPECT_EQ(db_->Counts().value().reports, 3);
  EXPECT_TRUE(db_->IngestReports({}).value().empty());
}

TEST_P(FleetDbContractTest, AnOlderReportIsKeptButDoesNotOverwriteNewerState) {
  Enroll("d1");
  protocol::StatusReport newer = Report("newer", 200);
  newer.running = ImprovementId("b");
  newer.install_state = protocol::InstallState::kInstalled;
  newer.components = {{"webkit", "2.0"}};
  newer.cves_fixed = {"CVE-2026-2"};
  newer.improvements = {Improvement("b", ImprovementState::kInstalled)};
  Ingest("d1", newer);
  protocol::StatusReport older = Report("older", 100);
  older.install_state = protocol::InstallState::kFailed;
  older.failure = "health check failed";
  older.components = {{"webkit", "1.0"}};
  older.improvements = {Improvement("a", ImprovementState::kFailed)};
  Ingest("d1", older);

  const DeviceDetail detail = Detail("d1");
  EXPECT_EQ(detail.device.running, ImprovementId("b"));
  EXPECT_EQ(detail.device.install_state, protocol::InstallState::kInstalled);
  EXPECT_EQ(detail.device.failure, "");
  EXPECT_EQ(detail.device.last_report, UnixTime{200});
  EXPECT_THAT(detail.components, ElementsAre(protocol::ComponentVersion{"webkit", "2.0"}));
  EXPECT_THAT(detail.cves_fixed, ElementsAre("CVE-2026-2"));
  ASSERT_EQ(detail.improvements.size(), 1u);
  EXPECT_EQ(detail.improvements[0].id, ImprovementId("b"));
  ASSERT_EQ(detail.events.size(), 2u);
  EXPECT_EQ(detail.events[0].report_id, older.report_id);  // stored last
  // A report made at the same second as the applied one is applied.
  protocol::StatusReport same = Report("same", 200);
  same.install_state = protocol::InstallState::kError;
  Ingest("d1", same);
  EXPECT_EQ(Detail("d1").device.install_state, protocol::InstallState::kError);
}

TEST_P(FleetDbContractTest, ANewerReportReplacesComponentsCvesAndImprovements) {
  Enroll("d1");
  protocol::StatusReport first = Report("first", 100);
  first.running = ImprovementId("a");
  first.auto_install = false;
  first.install_state = protocol::InstallState::kWaiting;
  first.components = {{"webkit", "1.1"}, {"openssl", "3.0"}};
  first.cves_fixed = {"CVE-2026-2", "CVE-2026-1"};
  protocol::ImprovementStatus waiting =
      Improvement("b", ImprovementState::kPending, WaitReason::kDeferred, {"CVE-2026-3"});
  waiting.not_before = UnixTime{5000};
  waiting.detail = "deferred 7 days";
  first.improvements = {Improvement("a", ImprovementState::kInstalled), waiting};
  Ingest("d1", first);

  DeviceDetail detail = Detail("d1");
  EXPECT_EQ(detail.device.running, ImprovementId("a"));
  EXPECT_FALSE(detail.device.auto_install);
  EXPECT_EQ(detail.device.install_state, protocol::InstallState::kWaiting);
  EXPECT_THAT(detail.components, ElementsAre(protocol::ComponentVersion{"webkit", "1.1"},
                                             protocol::ComponentVersion{"openssl", "3.0"}));
  EXPECT_THAT(detail.cves_fixed, ElementsAre("CVE-2026-1", "CVE-2026-2"));
  ASSERT_EQ(detail.improvements.size(), 2u);
  EXPECT_EQ(detail.improvements[0], Improvement("a", ImprovementState::kInstalled));
  EXPECT_EQ(detail.improvements[1], waiting);

  protocol::StatusReport second = Report("second", 200);
  second.base_version = "26.4";  // a full OS update
  second.running = ImprovementId("b");
  second.install_state = protocol::InstallState::kFailed;
  second.failure = "download failed";
  second.components = {{"webkit", "1.2"}};
  second.cves_fixed = {"CVE-2026-3"};
  second.improvements = {Improvement("c", ImprovementState::kFailed)};
  Ingest("d1", second);
  detail = Detail("d1");
  EXPECT_EQ(detail.device.base_version, "26.4");
  EXPECT_EQ(detail.device.running, ImprovementId("b"));
  EXPECT_TRUE(detail.device.auto_install);
  EXPECT_EQ(detail.device.failure, "download failed");
  EXPECT_THAT(detail.components, ElementsAre(protocol::ComponentVersion{"webkit", "1.2"}));
  EXPECT_THAT(detail.cves_fixed, ElementsAre("CVE-2026-3"));
  EXPECT_THAT(detail.improvements, ElementsAre(Improvement("c", ImprovementState::kFailed)));
}

TEST_P(FleetDbContractTest, AReportOfAnUnknownDeviceFailsTheWholeBatch) {
  Enroll("d1");
  protocol::StatusReport report = Report("one", 100);
  report.improvements = {
      Improvement("a", ImprovementState::kPending, WaitReason::kNone, {"CVE-1"})};
  const std::vector<IncomingReport> batch = {Incoming("d1", report), Incoming("ghost", report)};
  EXPECT_EQ(CodeOf(db_->IngestReports(batch)), ErrorCode::kNoSuchRecord);
  EXPECT_EQ(db_->Counts().value().reports, 0);
  EXPECT_EQ(Detail("d1").device.install_state, std::nullopt);
  EXPECT_TRUE(db_->ListImprovements().value().empty());
}

TEST_P(FleetDbContractTest, AReportWhoseTokenIsNoLongerTheDevicesIsRefused) {
  Enroll("d1");
  const protocol::StatusReport report = Report("one", 100);
  IncomingReport stale = Incoming("d1", report);
  stale.token_hash = "device-token-replaced";
  EXPECT_EQ(CodeOf(db_->IngestReports({&stale, 1})), ErrorCode::kUnauthenticated);
  EXPECT_EQ(db_->Counts().value().reports, 0);
  // Even as a repeat of a stored report: the duplicate answer is for the
  // device's current token only.
  Ingest("d1", report);
  EXPECT_EQ(CodeOf(db_->IngestReports({&stale, 1})), ErrorCode::kUnauthenticated);
  EXPECT_EQ(db_->Counts().value().reports, 1);
}

TEST_P(FleetDbContractTest, ReportsTeachImprovementsButTheRepositoryWins) {
  const ImprovementInfo a{ImprovementId("a"), "acme-os", "26.3.1", "a", {"CVE-A"}, false};
  ASSERT_OK(db_->PutImprovements({&a, 1}));
  Enroll("d1");
  protocol::StatusReport report = Report("one", 100);
  report.improvements = {
      Improvement("a", ImprovementState::kInstalled, WaitReason::kNone, {"CVE-X"}),
      Improvement("b", ImprovementState::kPending, WaitReason::kNone, {"CVE-B2", "CVE-B1"}),
      Improvement("c", ImprovementState::kWithdrawn)};
  Ingest("d1", report);

  std::vector<ImprovementInfo> known = db_->ListImprovements().value();
  ASSERT_EQ(known.size(), 3u);
  EXPECT_EQ(known[0].id, ImprovementId("a"));
  EXPECT_THAT(known[0].cves, ElementsAre("CVE-A"));
  EXPECT_EQ(known[1].id, ImprovementId("b"));
  EXPECT_EQ(known[1].product, "acme-os");
  EXPECT_EQ(known[1].base_version, "26.3.1");
  EXPECT_EQ(known[1].letter, "b");
  EXPECT_THAT(known[1].cves, ElementsAre("CVE-B1", "CVE-B2"));
  EXPECT_FALSE(known[1].withdrawn);
  EXPECT_TRUE(known[2].withdrawn);

  // The repository's record replaces what reports said, and stays.
  const ImprovementInfo b{ImprovementId("b"), "acme-os", "26.3.1", "b", {"CVE-B9"}, true};
  ASSERT_OK(db_->PutImprovements({&b, 1}));
  report = Report("two", 200);
  report.improvements = {
      Improvement("b", ImprovementState::kPending, WaitReason::kNone, {"CVE-B3"})};
  Ingest("d1", report);
  known = db_->ListImprovements().value();
  EXPECT_THAT(known[1].cves, ElementsAre("CVE-B9"));
  EXPECT_TRUE(known[1].withdrawn);
  // A device's view of an improvement lists the fleet's CVEs for it.
  EXPECT_THAT(Detail("d1").improvements[0].cves, ElementsAre("CVE-B9"));

  const ImprovementInfo bad{"", "acme-os", "26.3.1", "a", {}, false};
  EXPECT_EQ(CodeOf(db_->PutImprovements({&bad, 1})), ErrorCode::kInvalidArgument);
}

TEST_P(FleetDbContractTest, PruningKeepsEachDevicesNewestEvent) {
  Enroll("d1");
  Enroll("d2");
  for (int i = 1; i <= 3; ++i) Ingest("d1", Report("d1-" + std::to_string(i), 100 * i - 1));
  Ingest("d2", Report("d2-1", 99));
  EXPECT_EQ(db_->PruneEvents(UnixTime{250}).value(), 2);  // d1's first two
  EXPECT_EQ(db_->Counts().value().reports, 2);
  EXPECT_EQ(Detail("d1").events.size(), 1u);
  EXPECT_EQ(Detail("d2").events.size(), 1u);
  EXPECT_EQ(db_->PruneEvents(UnixTime{1000}).value(), 0);
}

// ---- Questions

TEST_P(FleetDbContractTest, ExposureSaysWhyEachDeviceIsExposed) {
  const ImprovementInfo a{ImprovementId("a"), "acme-os", "26.3.1", "a", {"CVE-1"}, false};
  ASSERT_OK(db_->PutImprovements({&a, 1}));
  struct Case {
    const char* device;
    std::optional<protocol::ImprovementStatus> status;
    ExposureReason reason;
  };
  const std::vector<Case> cases = {
      {"d00", std::nullopt, ExposureReason::kNotReported},
      {"d01", Improvement("a", ImprovementState::kPending, WaitReason::kDeferred),
       ExposureReason::kDeferred},
      {"d02", Improvement("a", ImprovementState::kPending, WaitReason::kAwaitingApproval),
       ExposureReason::kAwaitingApproval},
      {"d03", Improvement("a", ImprovementState::kPending, WaitReason::kHeld),
       ExposureReason::kHeld},
      {"d04", Improvement("a", ImprovementState::kAvailable), ExposureReason::kAutoInstallOff},
      {"d05", Improvement("a", ImprovementState::kPending, WaitReason::kNotInWaveYet),
       ExposureReason::kNotInWaveYet},
      {"d06", Improvement("a", ImprovementState::kPending, WaitReason::kRolloutPaused),
       ExposureReason::kNotInWaveYet},
      {"d07", Improvement("a", ImprovementState::kPending, WaitReason::kMaintenanceWindow),
       ExposureReason::kNotInstalled},
      {"d08", Improvement("a", ImprovementState::kFailed), ExposureReason::kFailed},
      {"d09", Improvement("a", ImprovementState::kRolledBack), ExposureReason::kRolledBack},
      {"d10", Improvement("a", ImprovementState::kWithdrawn), ExposureReason::kWithdrawn},
      {"d11", Improvement("a", ImprovementState::kRemoved), ExposureReason::kRemoved},
      {"d12", Improvement("a", ImprovementState::kPending, WaitReason::kAutoInstallOff),
       ExposureReason::kAutoInstallOff},
      {"d13", Improvement("a", ImprovementState::kPending), ExposureReason::kNotInstalled},
  };
  for (const Case& c : cases) {
    Enroll(c.device);
    if (c.status) ReportState(c.device, *c.status);
  }
  Enroll("d14");  // reports without naming (a)
  Ingest("d14", Report("d14", 1000));
  Enroll("fixed");  // runs (a)
  protocol::StatusReport fixed = Report("fixed", 1000);
  fixed.running = ImprovementId("a");
  fixed.cves_fixed = {"CVE-1"};
  fixed.improvements = {Improvement("a", ImprovementState::kInstalled)};
  Ingest("fixed", fixed);
  Enroll("other-base", "default", "26.4");

  const CveExposure exposure = db_->Exposure("CVE-1", "", 100).value();
  const std::vector<ExposedDevice>& exposed = exposure.devices;
  ASSERT_EQ(exposed.size(), cases.size() + 1);
  EXPECT_EQ(exposure.exposed, static_cast<std::int64_t>(cases.size() + 1));
  std::map<ExposureReason, std::int64_t> expected_counts{{ExposureReason::kNotReported, 1}};
  for (const Case& c : cases) ++expected_counts[c.reason];
  EXPECT_EQ(exposure.by_reason, expected_counts);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(exposed[i].device_id, cases[i].device);
    EXPECT_EQ(exposed[i].group, "default");
    EXPECT_EQ(exposed[i].improvement, ImprovementId("a"));
    EXPECT_EQ(exposed[i].reason, cases[i].reason)
        << cases[i].device << ": " << ExposureReasonName(exposed[i].reason);
  }
  EXPECT_EQ(exposed.back().device_id, "d14");
  EXPECT_EQ(exposed.back().reason, ExposureReason::kNotReported);
  // Pages: the counts still cover every device.
  const CveExposure page = db_->Exposure("CVE-1", "d03", 2).value();
  ASSERT_EQ(page.devices.size(), 2u);
  EXPECT_EQ(page.devices[0].device_id, "d04");
  EXPECT_EQ(page.devices[1].device_id, "d05");
  EXPECT_EQ(page.exposed, exposure.exposed);
  EXPECT_EQ(page.by_reason, exposure.by_reason);
  const CveExposure counts_only = db_->Exposure("CVE-1", "", 0).value();
  EXPECT_TRUE(counts_only.devices.empty());
  EXPECT_EQ(counts_only.exposed, exposure.exposed);
  EXPECT_TRUE(db_->Exposure("CVE-1", "d14", 100).value().devices.empty());
  const CveExposure none = db_->Exposure("CVE-NONE", "", 100).value();
  EXPECT_TRUE(none.devices.empty());
  EXPECT_EQ(none.exposed, 0);
  EXPECT_TRUE(none.by_reason.empty());
  EXPECT_EQ(CodeOf(db_->Exposure("CVE-1", "", -1)), ErrorCode::kInvalidArgument);

  // The vendor withdrew (a): no device can install it.
  ImprovementInfo withdrawn = a;
  withdrawn.withdrawn = true;
  ASSERT_OK(db_->PutImprovements({&withdrawn, 1}));
  const CveExposure all_withdrawn = db_->Exposure("CVE-1", "", 100).value();
  EXPECT_EQ(all_withdrawn.devices.size(), cases.size() + 1);
  EXPECT_EQ(all_withdrawn.by_reason,
            (std::map<ExposureReason, std::int64_t>{
                {ExposureReason::kWithdrawn, static_cast<std::int64_t>(cases.size() + 1)}}));
  for (const ExposedDevice& device : all_withdrawn.devices) {
    EXPECT_EQ(device.reason, ExposureReason::kWithdrawn) << device.device_id;
  }
}

TEST_P(FleetDbContractTest, ExposureNamesTheHighestFixingLetter) {
  std::vector<ImprovementInfo> improvements = {
      {ImprovementId("b"), "acme-os", "26.3.1", "b", {"CVE-1"}, false},
      {ImprovementId("z"), "acme-os", "26.3.1", "z", {"CVE-1"}, false},
      {ImprovementId("aa"), "acme-os", "26.3.1", "aa", {"CVE-1"}, false},
      {ImprovementId("a", "26.4"), "acme-os", "26.4", "a", {"CVE-1"}, false}};
  ASSERT_OK(db_->PutImprovements(improvements));
  Enroll("d1");
  protocol::StatusReport report = Report("one", 100);
  report.improvements = {Improvement("z", ImprovementState::kFailed),
                         Improvement("aa", ImprovementState::kPending, WaitReason::kHeld)};
  Ingest("d1", report);
  Enroll("d2", "default", "26.4");
  std::vector<ExposedDevice> exposed = db_->Exposure("CVE-1", "", 10).value().devices;
  ASSERT_EQ(exposed.size(), 2u);
  EXPECT_EQ(exposed[0].improvement, ImprovementId("aa"));
  EXPECT_EQ(exposed[0].reason, ExposureReason::kHeld);
  EXPECT_EQ(exposed[1].improvement, ImprovementId("a", "26.4"));

  // (aa) withdrawn: (z) is the fix.
  improvements[2].withdrawn = true;
  ASSERT_OK(db_->PutImprovements(improvements));
  exposed = db_->Exposure("CVE-1", "", 10).value().devices;
  ASSERT_EQ(exposed.size(), 2u);
  EXPECT_EQ(exposed[0].improvement, ImprovementId("z"));
  EXPECT_EQ(exposed[0].reason, ExposureReason::kFailed);
}

TEST_P(FleetDbContractTest, ProgressCountsDevicesByWhatTheImprovementIsToThem) {
  const ImprovementInfo z{ImprovementId("z"), "acme-os", "26.3.1", "z", {"CVE-1"}, false};
  ASSERT_OK(db_->PutImprovements({&z, 1}));
  ASSERT_OK(db_->PutGroup({"lab", protocol::AutoInstallMode::kAllowed, 0, false, {}, {1}}));
  ASSERT_OK(db_->PutGroup({"empty", protocol::AutoInstallMode::kAllowed, 0, false, {}, {1}}));
  auto running = [&](const std::string& device, const std::string& letter) {
    protocol::StatusReport report = Report(device, 100);
    report.running = ImprovementId(letter);
    report.improvements = {Improvement(letter, ImprovementState::kInstalled)};
    Ingest(device, report);
  };
  for (const char* d : {"p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"}) Enroll(d);
  running("p1", "z");
  running("p2", "aa");  // a later letter
  ReportState("p3", Improvement("z", ImprovementState::kPending, WaitReason::kDeferred));
  ReportState("p4", Improvement("z", ImprovementState::kFailed));
  ReportState("p5", Improvement("z", ImprovementState::kRolledBack));
  ReportState("p6", Improvement("z", ImprovementState::kAvailable));
  ReportState("p8", Improvement("z", ImprovementState::kRemoved));
  protocol::StatusReport b = Report("p9", 100);  // runs (b), before (z): not installed
  b.running = ImprovementId("b");
  b.improvements = {Improvement("z", ImprovementState::kPending, WaitReason::kNotInWaveYet)};
  Ingest("p9", b);
  Enroll("l1", "lab");
  ReportState("l1", Improvement("z", ImprovementState::kPending, WaitReason::kHeld));
  Enroll("other", "lab", "26.4");

  const std::vector<RolloutProgress> all = db_->Progress(ImprovementId("z"), std::nullopt).value();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].group, "default");
  EXPECT_EQ(all[0].devices, 9);
  EXPECT_EQ(all[0].installed, 2);
  EXPECT_EQ(all[0].pending, 2);
  EXPECT_EQ(all[0].failed, 1);
  EXPECT_EQ(all[0].rolled_back, 1);
  EXPECT_EQ(all[0].available, 1);
  EXPECT_EQ(all[0].not_reported, 1);  // p7; p8 removed it
  EXPECT_EQ(all[1].group, "empty");
  EXPECT_EQ(all[1].devices, 0);
  EXPECT_EQ(all[2].group, "lab");
  EXPECT_EQ(all[2].devices, 1);
  EXPECT_EQ(all[2].pending, 1);

  const std::vector<RolloutProgress> lab = db_->Progress(ImprovementId("z"), "lab").value();
  ASSERT_EQ(lab.size(), 1u);
  EXPECT_EQ(lab[0].group, "lab");
  EXPECT_EQ(lab[0].pending, 1);
  EXPECT_EQ(CodeOf(db_->Progress(ImprovementId("y"), std::nullopt)), ErrorCode::kNoSuchRecord);
  EXPECT_EQ(CodeOf(db_->Progress(ImprovementId("z"), "nowhere")), ErrorCode::kNoSuchRecord);
}

TEST_P(FleetDbContractTest, Counts) {
  ASSERT_OK(db_->PutGroup({"lab", protocol::AutoInstallMode::kAllowed, 0, false, {}, {1}}));
  Enroll("d1");
  Enroll("d2");
  Enroll("d3", "lab");
  protocol::StatusReport waiting = Report("w", 100);
  waiting.install_state = protocol::InstallState::kWaiting;
  Ingest("d1", waiting);
  Ingest("d2", Report("u1", 100));
  Ingest("d2", Report("u2", 200));
  ASSERT_TRUE(db_->AddHold({"lab", ImprovementId("a"), "x", {1}, {}, ""}).value());
  const FleetCounts counts = db_->Counts().value();
  EXPECT_EQ(counts.devices, 3);
  EXPECT_EQ(counts.groups, 2);
  EXPECT_EQ(counts.reports, 3);
  EXPECT_EQ(counts.active_holds, 1);
  using Count = std::pair<std::string, std::int64_t>;
  EXPECT_THAT(counts.devices_by_state,
              ElementsAre(Count{"not_reported", 1}, Count{"up_to_date", 1}, Count{"waiting", 1}));
}

// ---- Concurrency

// Threads sending overlapping batches (each report twice, devices shared
// between threads): each report is stored exactly once and every device
// ends at its newest report.
void IngestFromThreads(const std::vector<FleetDb*>& dbs) {
  constexpr int kThreads = 6;
  constexpr int kDevices = 12;
  constexpr int kReportsPerDevice = 10;
  std::atomic<int> stored{0};
  std::atomic<int> duplicates{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      FleetDb& db = *dbs[static_cast<std::size_t>(t) % dbs.size()];
      // Thread t sends reports r of every device with r % 3 == t % 3, in
      // batches of 4, in an order of its own.
      std::vector<IncomingReport> all;
      for (int r = t % 3; r < kReportsPerDevice; r += 3) {
        for (int d = 0; d < kDevices; ++d) {
          const int device = (d + t * 5) % kDevices;
          protocol::StatusReport report =
              Report(std::to_string(device) + "-" + std::to_string(r), 100 + r);
          report.components = {{"webkit", std::to_string(r)}};
          report.cves_fixed = {"CVE-" + std::to_string(r)};
          report.improvements = {Improvement("a", ImprovementState::kPending)};
          all.push_back(Incoming("c" + std::to_string(device), report));
        }
      }
      for (std::size_t i = 0; i < all.size(); i += 4) {
        const std::size_t n = std::min<std::size_t>(4, all.size() - i);
        Result<std::vector<IngestOutcome>> outcomes = db.IngestReports({all.data() + i, n});
        EXPECT_OK(outcomes);
        if (!outcomes.ok()) return;
        for (const IngestOutcome outcome : *outcomes) {
          ++(outcome == IngestOutcome::kStored ? stored : duplicates);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(stored, kDevices * kReportsPerDevice);
  EXPECT_EQ(duplicates, kDevices * kReportsPerDevice);
  FleetDb& db = *dbs[0];
  EXPECT_EQ(db.Counts().value().reports, kDevices * kReportsPerDevice);
  for (int d = 0; d < kDevices; ++d) {
    const DeviceDetail detail = db.GetDevice("c" + std::to_string(d), 0).value().value();
    EXPECT_EQ(detail.device.last_report, UnixTime{100 + kReportsPerDevice - 1});
    EXPECT_THAT(detail.components,
                ElementsAre(protocol::ComponentVersion{"webkit", std::to_string(9)}));
    EXPECT_THAT(detail.cves_fixed, ElementsAre("CVE-9"));
  }
}

TEST_P(FleetDbContractTest, SeveralThreadsIngestAtOnce) {
  for (int d = 0; d < 12; ++d) Enroll("c" + std::to_string(d));
  IngestFromThreads({db_.get()});
}

TEST_P(FleetDbContractTest, TwoServersShareOneDatabase) {
  Result<std::unique_ptr<FleetDb>> second = OpenFleetDb(database_->url());
  ASSERT_OK(second);
  for (int d = 0; d < 12; ++d) Enroll("c" + std::to_string(d));
  IngestFromThreads({db_.get(), second->get()});

  // A token with 10 uses, tried 20 times through both.
  ASSERT_OK(db_->AddEnrollmentToken({"ten", "h-ten", "default", std::nullopt, 10, {1}}));
  std::atomic<int> enrolled{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      FleetDb& db = t % 2 == 0 ? *db_ : **second;
      for (int i = 0; i < 5; ++i) {
        const std::string id = "e" + std::to_string(t) + "-" + std::to_string(i);
        Result<std::string> group =
            db.EnrollDevice("h-ten", {id, "acme-os", "26.3.1", ""}, id + "-hash", {5});
        if (group.ok()) {
          ++enrolled;
        } else {
          EXPECT_EQ(group.error().code(), ErrorCode::kUnauthenticated);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(enrolled, 10);
  EXPECT_EQ((*second)->Counts().value().devices, 12 + 10);
}

INSTANTIATE_TEST_SUITE_P(Engines, FleetDbContractTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const ::testing::TestParamInfo<Engine>& param) {
                           return test::EngineName(param.param);
                         });

}  // namespace
}  // namespace bsi::server
