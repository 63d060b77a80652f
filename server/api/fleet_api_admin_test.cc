// The fleet API's admin side over real HTTP on 127.0.0.1 (see
// fleet_api_test.cc): devices, groups, approvals, tokens, improvements and
// rollout progress, CVE exposure, safe mode, and the operations routes.
// Every answer is also checked against the OpenAPI document.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/api/api_test_util.h"
#include "testing/status_matchers.h"

namespace bsi::server {
namespace {

using protocol::ImprovementState;
using protocol::WaitReason;
using testing::Answer;
using testing::ApiServer;
using testing::Escape;
using testing::ImprovementId;
using testing::kStart;
using testing::MakeReport;
using testing::MakeStatus;

constexpr char kCve[] = "CVE-2026-20643";

std::string Id(const Answer& answer, std::size_t i, const char* list = "devices") {
  return answer[list].array().at(i).Find("id")->string_value();
}

class FleetAdminTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(ApiOptions{}); }

  void Start(ApiOptions options) {
    Result<std::unique_ptr<ApiServer>> server = ApiServer::Start(std::move(options));
    ASSERT_OK(server);
    server_ = *std::move(server);
    enrollment_ = server_->NewEnrollmentToken("fleet");
  }

  ApiServer& S() { return *server_; }
  const std::string& Root() { return server_->root(); }

  // Sends a report with a fresh id, `seconds` after the start.
  Answer Send(const std::string& token, protocol::StatusReport report, std::int64_t seconds = 0) {
    report.report_id = "report-" + std::to_string(1000000000 + next_report_++);
    report.time = UnixTime{kStart.seconds + seconds};
    return S().Report(token, report);
  }

  std::unique_ptr<ApiServer> server_;
  std::string enrollment_;
  int next_report_ = 0;
};

// ---- Devices

TEST_F(FleetAdminTest, DevicesArePagedByIdAndFilteredByGroup) {
  S().NewGroup("lab");
  for (const char* id : {"d5", "d3", "d1", "d4", "d2"}) S().Enroll(id, enrollment_);
  for (const char* id : {"d2", "d4"}) {
    S().Put(std::string("/api/v1/devices/") + id + "/group", Root(),
            json::Object{{"group", "lab"}});
  }
  Answer page = S().Get("/api/v1/devices?limit=2", Root());
  ASSERT_EQ(page.status, 200);
  ASSERT_EQ(page["devices"].array().size(), 2u);
  EXPECT_EQ(Id(page, 0), "d1");
  EXPECT_EQ(Id(page, 1), "d2");
  EXPECT_EQ(page["next_after"], json::Value("d2"));
  page = S().Get("/api/v1/devices?limit=2&after=d2", Root());
  EXPECT_EQ(Id(page, 0), "d3");
  EXPECT_EQ(page["next_after"], json::Value("d4"));
  page = S().Get("/api/v1/devices?limit=2&after=d4", Root());
  ASSERT_EQ(page["devices"].array().size(), 1u);
  EXPECT_EQ(Id(page, 0), "d5");
  EXPECT_EQ(page["next_after"], json::Value());
  page = S().Get("/api/v1/devices?group=lab", Root());
  ASSERT_EQ(page["devices"].array().size(), 2u);
  EXPECT_EQ(Id(page, 0), "d2");
  EXPECT_EQ(Id(page, 1), "d4");
  for (const char* query :
       {"limit=0", "limit=1001", "limit=ten", "color=red", "group=a&group=b", "group=%zz"}) {
    const Answer bad = S().Get(std::string("/api/v1/devices?") + query, Root());
    EXPECT_EQ(bad.status, 400) << query;
    EXPECT_EQ(bad.ErrorCode(), "malformed") << query;
  }
}

TEST_F(FleetAdminTest, ADeviceShowsItsLatestReportAndItsHistory) {
  const std::string token = S().Enroll("kiosk-1", enrollment_);
  protocol::StatusReport report = MakeReport("", kStart);
  Send(token, report, 0);
  report.install_state = protocol::InstallState::kWaiting;
  report.improvements = {
      MakeStatus("a", ImprovementState::kPending, WaitReason::kDeferred, {kCve})};
  report.improvements[0].not_before = UnixTime{kStart.seconds + 86400};
  Send(token, report, 60);
  Send(token, report, 120);
  Answer device = S().Get("/api/v1/devices/kiosk-1?events=2", Root());
  ASSERT_EQ(device.status, 200);
  EXPECT_EQ(device["install_state"], json::Value("waiting"));
  EXPECT_EQ(device["components"],
            json::Value(json::Array{json::Object{{"name", "webkit"}, {"version", "26.3.1"}}}));
  ASSERT_EQ(device["improvements"].array().size(), 1u);
  const json::Value& status = device["improvements"].array()[0];
  EXPECT_EQ(*status.Find("reason"), json::Value("deferred"));
  EXPECT_EQ(*status.Find("not_before"), json::Value("2026-11-23T10:00:00Z"));
  ASSERT_EQ(device["events"].array().size(), 2u);  // newest first
  EXPECT_EQ(*device["events"].array()[0].Find("time"), json::Value("2026-11-22T10:02:00Z"));
  EXPECT_EQ(*device["events"].array()[1].Find("time"), json::Value("2026-11-22T10:01:00Z"));
  EXPECT_EQ(S().Get("/api/v1/devices/kiosk-1?events=0", Root())["events"].array().size(), 0u);
  EXPECT_EQ(S().Get("/api/v1/devices/kiosk-1?events=1001", Root()).status, 400);
  const Answer missing = S().Get("/api/v1/devices/kiosk-2", Root());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.ErrorCode(), "no_such_record");
  // A segment that decodes to a slash is refused before any handler.
  EXPECT_EQ(S().Get("/api/v1/devices/a%2Fb", Root()).status, 400);
}

TEST_F(FleetAdminTest, MovingADeviceNeedsAnExistingDeviceAndGroup) {
  S().Enroll("kiosk-1", enrollment_);
  EXPECT_EQ(
      S().Put("/api/v1/devices/kiosk-1/group", Root(), json::Object{{"group", "nowhere"}}).status,
      404);
  EXPECT_EQ(
      S().Put("/api/v1/devices/kiosk-9/group", Root(), json::Object{{"group", "default"}}).status,
      404);
  EXPECT_EQ(S().Put("/api/v1/devices/kiosk-1/group", Root(),
                    json::Object{{"group", "default"}, {"why", "x"}})
                .status,
            400);
  EXPECT_EQ(S().Put("/api/v1/devices/kiosk-1/group", Root(), json::Object{{"group", 7}}).status,
            400);
  S().NewGroup("lab");
  const Answer moved =
      S().Put("/api/v1/devices/kiosk-1/group", Root(), json::Object{{"group", "lab"}});
  EXPECT_EQ(moved.status, 200);
  EXPECT_EQ(moved.json, json::Value(json::Object{{"id", "kiosk-1"}, {"group", "lab"}}));
  EXPECT_EQ(S().Get("/api/v1/devices/kiosk-1", Root())["group"], json::Value("lab"));
}

// ---- Groups and approvals

TEST_F(FleetAdminTest, GroupsAreCreatedReplacedListedAndRemoved) {
  const json::Object settings{
      {"auto_install", "always_on"},
      {"deferral_days", 90},
      {"approval_required", true},
      {"maintenance_window", json::Object{{"start", "23:30"}, {"length_minutes", 120}}}};
  const Answer put = S().Put("/api/v1/groups/kiosks", Root(), settings);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put["name"], json::Value("kiosks"));
  EXPECT_EQ(put["updated"], json::Value("2026-11-22T10:00:00Z"));
  const Answer got = S().Get("/api/v1/groups/kiosks", Root());
  ASSERT_EQ(got.status, 200);
  Result<protocol::Declarations> declarations = protocol::ParseDeclarations(got["declarations"]);
  ASSERT_OK(declarations);
  EXPECT_EQ(declarations->auto_install, protocol::AutoInstallMode::kAlwaysOn);
  EXPECT_EQ(declarations->deferral_days, 90);
  EXPECT_EQ(declarations->maintenance_window, (protocol::MaintenanceWindow{23 * 60 + 30, 120}));
  // PUT replaces: what is left out takes its default.
  ASSERT_EQ(S().Put("/api/v1/groups/kiosks", Root(), json::Object{{"deferral_days", 1}}).status,
            200);
  const Answer replaced = S().Get("/api/v1/groups/kiosks", Root());
  EXPECT_EQ(replaced["auto_install"], json::Value("allowed"));
  EXPECT_EQ(replaced["approval_required"], json::Value(false));
  EXPECT_EQ(replaced["maintenance_window"], json::Value());
  const Answer list = S().Get("/api/v1/groups", Root());
  ASSERT_EQ(list["groups"].array().size(), 2u);
  EXPECT_EQ(*list["groups"].array()[0].Find("name"), json::Value("default"));
  for (const json::Object& bad : std::vector<json::Object>{
           {{"deferral_days", 91}},
           {{"deferral_days", -1}},
           {{"auto_install", "maybe"}},
           {{"approval_required", "yes"}},
           {{"maintenance_window", json::Object{{"start", "24:00"}, {"length_minutes", 60}}}},
           {{"maintenance_window", json::Object{{"start", "02:00"}, {"length_minutes", 0}}}},
           {{"maintenance_window", json::Object{{"start", "02:00"}, {"length_minutes", 1441}}}},
           {{"held", json::Array{}}}}) {
    const Answer answer = S().Put("/api/v1/groups/kiosks", Root(), bad);
    EXPECT_EQ(answer.status, 400) << json::ToCompactString(bad);
  }
  EXPECT_EQ(S().Put("/api/v1/groups/-bad", Root(), json::Object{}).status, 400);
  EXPECT_EQ(S().Get("/api/v1/groups/kiosks", Root())["deferral_days"], json::Value(1));
  // Removal: never "default", never while in use.
  EXPECT_EQ(S().Delete("/api/v1/groups/default", Root()).status, 409);
  const std::string token = S().NewEnrollmentToken("kiosk-token", "kiosks");
  EXPECT_EQ(S().Delete("/api/v1/groups/kiosks", Root()).status, 409);
  S().Enroll("kiosk-1", token);
  EXPECT_EQ(S().Delete("/api/v1/enrollment-tokens/kiosk-token", Root()).status, 204);
  const Answer in_use = S().Delete("/api/v1/groups/kiosks", Root());
  EXPECT_EQ(in_use.status, 409);
  EXPECT_EQ(in_use.ErrorCode(), "conflict");
  S().Put("/api/v1/devices/kiosk-1/group", Root(), json::Object{{"group", "default"}});
  EXPECT_EQ(S().Delete("/api/v1/groups/kiosks", Root()).status, 204);
  EXPECT_EQ(S().Get("/api/v1/groups/kiosks", Root()).status, 404);
  EXPECT_EQ(S().Delete("/api/v1/groups/kiosks", Root()).status, 404);
}

TEST_F(FleetAdminTest, ApprovalsAreIdempotentAndNeedAGroup) {
  const std::string path = "/api/v1/groups/default/approvals/" + Escape(ImprovementId("a"));
  for (int i = 0; i < 2; ++i) {
    const Answer approved = S().Put(path, Root(), json::Object{});
    EXPECT_EQ(approved.status, 200);
    EXPECT_EQ(approved.json,
              json::Value(json::Object{
                  {"group", "default"}, {"improvement", ImprovementId("a")}, {"approved", true}}));
  }
  EXPECT_EQ(S().Get("/api/v1/groups/default", Root())["declarations"].Find("approved")->array(),
            json::Array{ImprovementId("a")});
  for (int i = 0; i < 2; ++i) {
    const Answer withdrawn = S().Delete(path, Root());
    EXPECT_EQ(withdrawn.status, 200);
    EXPECT_EQ(withdrawn["approved"], json::Value(false));
  }
  EXPECT_EQ(S().Put("/api/v1/groups/nowhere/approvals/x", Root(), json::Object{}).status, 404);
  EXPECT_EQ(S().Put("/api/v1/groups/default/approvals/a%01b", Root(), json::Object{}).status, 400);
}

// ---- Tokens

TEST_F(FleetAdminTest, EnrollmentTokensAreCheckedListedAndRemoved) {
  const Answer made = S().Post(
      "/api/v1/enrollment-tokens", Root(),
      json::Object{{"name", "week"}, {"group", "default"}, {"expires_in", "7d"}, {"uses", 3}});
  ASSERT_EQ(made.status, 201);
  EXPECT_EQ(made["expires"], json::Value("2026-11-29T10:00:00Z"));
  EXPECT_EQ(made["uses_left"], json::Value(3));
  EXPECT_TRUE(made["token"].string_value().starts_with("bsie_"));
  const Answer forever =
      S().Post("/api/v1/enrollment-tokens", Root(), json::Object{{"name", "forever"}});
  EXPECT_EQ(forever["expires"], json::Value());
  EXPECT_EQ(forever["uses_left"], json::Value());
  EXPECT_EQ(forever["group"], json::Value("default"));
  for (const json::Object& bad : std::vector<json::Object>{{{"name", "x"}, {"expires_in", "soon"}},
                                                           {{"name", "x"}, {"expires_in", "0"}},
                                                           {{"name", "x"}, {"expires_in", 3600}},
                                                           {{"name", "x"}, {"uses", 0}},
                                                           {{"name", "x"}, {"uses", "3"}},
                                                           {{"name", "-x"}},
                                                           {{"group", "default"}},
                                                           {{"name", "x"}, {"secret", "mine"}}}) {
    EXPECT_EQ(S().Post("/api/v1/enrollment-tokens", Root(), bad).status, 400)
        << json::ToCompactString(bad);
  }
  EXPECT_EQ(
      S().Post("/api/v1/enrollment-tokens", Root(), json::Object{{"name", "x"}, {"group", "none"}})
          .status,
      404);
  EXPECT_EQ(S().Post("/api/v1/enrollment-tokens", Root(), json::Object{{"name", "week"}}).status,
            409);
  const Answer list = S().Get("/api/v1/enrollment-tokens", Root());
  ASSERT_EQ(list["enrollment_tokens"].array().size(), 3u);  // fleet, forever, week
  EXPECT_EQ(S().Delete("/api/v1/enrollment-tokens/week", Root()).status, 204);
  EXPECT_EQ(S().Get("/api/v1/enrollment-tokens", Root())["enrollment_tokens"].array().size(), 2u);
}

TEST_F(FleetAdminTest, AdminTokensCarryTheirRoleAndCannotRemoveThemselves) {
  const std::string operator_token = S().NewAdminToken("ops", Role::kOperator);
  EXPECT_TRUE(operator_token.starts_with("bsia_"));
  EXPECT_EQ(S().Get("/api/v1/whoami", operator_token)["role"], json::Value("operator"));
  EXPECT_EQ(
      S().Post("/api/v1/admin-tokens", Root(), json::Object{{"name", "x"}, {"role", "god"}}).status,
      400);
  EXPECT_EQ(S().Post("/api/v1/admin-tokens", Root(), json::Object{{"name", "x"}}).status, 400);
  EXPECT_EQ(
      S().Post("/api/v1/admin-tokens", Root(), json::Object{{"name", "ops"}, {"role", "viewer"}})
          .status,
      409);
  const Answer list = S().Get("/api/v1/admin-tokens", Root());
  ASSERT_EQ(list["admin_tokens"].array().size(), 2u);
  EXPECT_EQ(*list["admin_tokens"].array()[0].Find("name"), json::Value("ops"));
  EXPECT_EQ(*list["admin_tokens"].array()[0].Find("role"), json::Value("operator"));
  const Answer self = S().Delete("/api/v1/admin-tokens/root", Root());
  EXPECT_EQ(self.status, 409);
  EXPECT_EQ(S().Delete("/api/v1/admin-tokens/ops", Root()).status, 204);
  EXPECT_EQ(S().Get("/api/v1/whoami", operator_token).status, 401);
  EXPECT_EQ(S().Delete("/api/v1/admin-tokens/ops", Root()).status, 404);
}

// ---- Improvements, progress, exposure

// Five devices on acme-os 26.3.1 and one on 26.4; improvement (a) of
// 26.3.1 fixes kCve. kiosk-1 runs it, kiosk-2 waits for approval, kiosk-3
// failed it, kiosk-4 never reported, kiosk-5 has auto-install off.
class FleetExposureTest : public FleetAdminTest {
 protected:
  void SetUp() override {
    FleetAdminTest::SetUp();
    S().NewGroup("lab");
    std::map<std::string, std::string> tokens;
    for (int i = 1; i <= 5; ++i) {
      const std::string id = "kiosk-" + std::to_string(i);
      tokens[id] = S().Enroll(id, enrollment_);
    }
    S().Put("/api/v1/devices/kiosk-5/group", Root(), json::Object{{"group", "lab"}});
    const std::string other = S().Enroll("kiosk-6", enrollment_, "26.4");
    Send(other, MakeReport("", kStart, "26.4"));
    const auto report = [&](const std::string& id, ImprovementState state, WaitReason reason) {
      protocol::StatusReport r = MakeReport("", kStart);
      r.improvements = {MakeStatus("a", state, reason, {kCve})};
      if (state == ImprovementState::kInstalled) {
        r.running = ImprovementId("a");
        r.cves_fixed = {kCve};
      }
      ASSERT_EQ(Send(tokens[id], r).status, 202);
    };
    report("kiosk-1", ImprovementState::kInstalled, WaitReason::kNone);
    report("kiosk-2", ImprovementState::kPending, WaitReason::kAwaitingApproval);
    report("kiosk-3", ImprovementState::kFailed, WaitReason::kNone);
    report("kiosk-5", ImprovementState::kAvailable, WaitReason::kAutoInstallOff);
  }
};

TEST_F(FleetExposureTest, ImprovementsAreLearnedFromReports) {
  const Answer list = S().Get("/api/v1/improvements", Root());
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list["improvements"].array().size(), 1u);
  EXPECT_EQ(list["improvements"].array()[0], json::Value(json::Object{{"id", ImprovementId("a")},
                                                                      {"product", "acme-os"},
                                                                      {"base_version", "26.3.1"},
                                                                      {"letter", "a"},
                                                                      {"cves", json::Array{kCve}},
                                                                      {"withdrawn", false}}));
}

TEST_F(FleetExposureTest, ExposureListsWhoIsStillExposedAndWhy) {
  const Answer answer = S().Get(std::string("/api/v1/exposure?cve=") + kCve, Root());
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer["cve"], json::Value(kCve));
  EXPECT_EQ(answer["exposed"], json::Value(4));
  EXPECT_EQ(
      answer["by_reason"],
      json::Value(json::Object{
          {"auto_install_off", 1}, {"awaiting_approval", 1}, {"failed", 1}, {"not_reported", 1}}));
  EXPECT_EQ(answer["truncated"], json::Value(false));
  const json::Array& devices = answer["devices"].array();
  ASSERT_EQ(devices.size(), 4u);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"kiosk-2", "awaiting_approval"},
      {"kiosk-3", "failed"},
      {"kiosk-4", "not_reported"},
      {"kiosk-5", "auto_install_off"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(*devices[i].Find("device"), json::Value(expected[i].first));
    EXPECT_EQ(*devices[i].Find("reason"), json::Value(expected[i].second));
    EXPECT_EQ(*devices[i].Find("improvement"), json::Value(ImprovementId("a")));
  }
  EXPECT_EQ(*devices[3].Find("group"), json::Value("lab"));
  // A limit shortens the list, not the counts.
  const Answer short_list = S().Get(std::string("/api/v1/exposure?limit=2&cve=") + kCve, Root());
  EXPECT_EQ(short_list["devices"].array().size(), 2u);
  EXPECT_EQ(short_list["exposed"], json::Value(4));
  EXPECT_EQ(short_list["truncated"], json::Value(true));
  EXPECT_EQ(short_list["next_after"], json::Value("kiosk-3"));
  // The next page starts after it, and is the last.
  const Answer last_page =
      S().Get(std::string("/api/v1/exposure?limit=2&after=kiosk-3&cve=") + kCve, Root());
  ASSERT_EQ(last_page["devices"].array().size(), 2u);
  EXPECT_EQ(*last_page["devices"].array()[0].Find("device"), json::Value("kiosk-4"));
  EXPECT_EQ(last_page["exposed"], json::Value(4));
  EXPECT_EQ(last_page["truncated"], json::Value(false));
  EXPECT_EQ(last_page.body.find("next_after"), std::string::npos);
  const Answer counts_only = S().Get(std::string("/api/v1/exposure?limit=0&cve=") + kCve, Root());
  EXPECT_TRUE(counts_only["devices"].array().empty());
  EXPECT_EQ(counts_only["exposed"], json::Value(4));
  EXPECT_EQ(counts_only["truncated"], json::Value(true));
  // A CVE nothing fixes exposes no one; a query without a good CVE is 400.
  EXPECT_EQ(S().Get("/api/v1/exposure?cve=CVE-2020-0001", Root())["exposed"], json::Value(0));
  EXPECT_EQ(S().Get("/api/v1/exposure", Root()).status, 400);
  EXPECT_EQ(S().Get("/api/v1/exposure?cve=CVE-1", Root()).status, 400);
  EXPECT_EQ(S().Get(std::string("/api/v1/exposure?cve=") + kCve + "&limit=-1", Root()).status, 400);
}

TEST_F(FleetExposureTest, ProgressCountsEachGroupsDevices) {
  const std::string path = "/api/v1/improvements/" + Escape(ImprovementId("a")) + "/progress";
  const Answer answer = S().Get(path, Root());
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer["improvement"], json::Value(ImprovementId("a")));
  EXPECT_EQ(answer["total"], json::Value(json::Object{{"devices", 5},
                                                      {"available", 1},
                                                      {"pending", 1},
                                                      {"installed", 1},
                                                      {"failed", 1},
                                                      {"rolled_back", 0},
                                                      {"not_reported", 1}}));
  const json::Array& groups = answer["groups"].array();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(*groups[0].Find("group"), json::Value("default"));
  EXPECT_EQ(*groups[0].Find("devices"), json::Value(4));
  EXPECT_EQ(*groups[1].Find("group"), json::Value("lab"));
  EXPECT_EQ(*groups[1].Find("available"), json::Value(1));
  const Answer lab = S().Get(path + "?group=lab", Root());
  ASSERT_EQ(lab["groups"].array().size(), 1u);
  EXPECT_EQ(*lab["total"].Find("devices"), json::Value(1));
  EXPECT_EQ(S().Get(path + "?group=nowhere", Root()).status, 404);
  EXPECT_EQ(
      S().Get("/api/v1/improvements/" + Escape(ImprovementId("z")) + "/progress", Root()).status,
      404);
}

// ---- Safe mode

class FleetSafeModeTest : public FleetAdminTest {
 protected:
  void SetUp() override {
    ApiOptions options;
    options.safe_mode = SafeModeOptions{true, 0.5, 2};
    Start(options);
  }
};

TEST_F(FleetSafeModeTest, FailuresPastTheThresholdHoldTheImprovementUntilCleared) {
  S().NewGroup("canary");
  const std::string token = S().NewEnrollmentToken("canary", "canary");
  const std::vector<std::string> devices = {
      S().Enroll("canary-0", token), S().Enroll("canary-1", token), S().Enroll("canary-2", token)};
  const std::string viewer = S().NewAdminToken("viewer", Role::kViewer);
  const std::string operator_token = S().NewAdminToken("operator", Role::kOperator);
  protocol::StatusReport failed = MakeReport("", kStart);
  failed.install_state = protocol::InstallState::kFailed;
  failed.improvements = {MakeStatus("b", ImprovementState::kFailed)};
  const protocol::StatusReport fine = MakeReport("", kStart);
  const std::string etag = S().Get("/api/v1/device/declarations", devices[2]).Header("etag");
  // The hold is made on the writer thread right after the commit that
  // stored the failure; any later report is answered only after that, so
  // one from the third device makes the check deterministic.
  const auto barrier = [&] { ASSERT_EQ(Send(devices[2], fine).status, 202); };

  ASSERT_EQ(Send(devices[0], failed).status, 202);
  barrier();  // 1 of 1 reporting: below min_devices
  EXPECT_EQ(S().Get("/api/v1/holds", viewer)["holds"].array().size(), 0u);
  ASSERT_EQ(Send(devices[1], failed).status, 202);
  barrier();  // 2 of 2 reporting failed: held
  Answer holds = S().Get("/api/v1/holds", viewer);
  ASSERT_EQ(holds["holds"].array().size(), 1u);
  const json::Value& hold = holds["holds"].array()[0];
  EXPECT_EQ(*hold.Find("group"), json::Value("canary"));
  EXPECT_EQ(*hold.Find("improvement"), json::Value(ImprovementId("b")));
  EXPECT_EQ(*hold.Find("cause"),
            json::Value("2 of 2 devices reporting it failed or rolled back (threshold 50%)"));
  EXPECT_EQ(*hold.Find("cleared"), json::Value());
  EXPECT_EQ(S().Metric("bsi_fleet_holds_active"), 1);
  // The group's devices see it, with a new ETag; other groups do not.
  const Answer declarations =
      S().Call("GET", "/api/v1/device/declarations", devices[2], "", {{"If-None-Match", etag}});
  ASSERT_EQ(declarations.status, 200);
  EXPECT_EQ(declarations["held"], json::Value(json::Array{ImprovementId("b")}));
  const std::string other = S().Enroll("elsewhere", enrollment_);
  EXPECT_EQ(S().Get("/api/v1/device/declarations", other)["held"], json::Value(json::Array{}));
  // Only an operator clears it.
  const std::string path = "/api/v1/groups/canary/holds/" + Escape(ImprovementId("b"));
  EXPECT_EQ(S().Delete(path, viewer).status, 403);
  EXPECT_EQ(S().Delete(path, operator_token).status, 204);
  EXPECT_EQ(S().Delete(path, operator_token).status, 404);
  EXPECT_EQ(S().Get("/api/v1/holds", viewer)["holds"].array().size(), 0u);
  EXPECT_EQ(S().Get("/api/v1/device/declarations", devices[2])["held"], json::Value(json::Array{}));
  holds = S().Get("/api/v1/holds?all=true", viewer);
  ASSERT_EQ(holds["holds"].array().size(), 1u);
  EXPECT_EQ(*holds["holds"].array()[0].Find("cleared_by"), json::Value("operator"));
  EXPECT_EQ(*holds["holds"].array()[0].Find("cleared"), json::Value("2026-11-22T10:00:00Z"));
  // Clearing does not forget the failures: the next one holds it again.
  ASSERT_EQ(Send(devices[2], failed, 60).status, 202);
  barrier();
  EXPECT_EQ(S().Get("/api/v1/holds", viewer)["holds"].array().size(), 1u);
}

TEST_F(FleetAdminTest, SafeModeHoldsNothingBelowMinDevices) {
  // The default: 5 devices reporting before judging.
  const std::vector<std::string> devices = {
      S().Enroll("d0", enrollment_), S().Enroll("d1", enrollment_), S().Enroll("d2", enrollment_),
      S().Enroll("d3", enrollment_)};
  protocol::StatusReport failed = MakeReport("", kStart);
  failed.improvements = {MakeStatus("b", ImprovementState::kRolledBack)};
  for (const std::string& token : devices) ASSERT_EQ(Send(token, failed).status, 202);
  ASSERT_EQ(Send(devices[0], MakeReport("", kStart), 1).status, 202);  // the barrier
  EXPECT_EQ(S().Get("/api/v1/holds", Root())["holds"].array().size(), 0u);
}

// ---- Operations

TEST_F(FleetAdminTest, HealthMetricsAndTheDocumentNeedNoToken) {
  const Answer health = S().Get("/healthz", "");
  ASSERT_EQ(health.status, 200);
  EXPECT_EQ(health["status"], json::Value("ok"));
  EXPECT_EQ(health["database"], json::Value("sqlite"));
  EXPECT_GE(health["schema_version"].int_value(), 1);
  S().Enroll("kiosk-1", enrollment_);
  S().Enroll("kiosk-2", enrollment_);
  const Answer metrics = S().Get("/metrics", "");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("# TYPE bsi_fleet_devices gauge\n"), std::string::npos);
  EXPECT_EQ(S().Metric("bsi_fleet_devices"), 2);
  EXPECT_EQ(S().Metric("bsi_fleet_devices_by_state{state=\"not_reported\"}"), 2);
  EXPECT_EQ(S().Metric("bsi_fleet_groups"), 1);
  EXPECT_EQ(S().Metric("bsi_fleet_holds_active"), 0);
  EXPECT_EQ(S().Metric("bsi_fleet_ingest_batches_total"), 0);
  const Answer document = S().Get("/openapi.json", "");
  ASSERT_EQ(document.status, 200);
  EXPECT_EQ(document.body, OpenApiDocument());
  EXPECT_TRUE(document.json.is_object());
  EXPECT_EQ(document.Header("cache-control"), "no-cache");
}

TEST_F(FleetAdminTest, UnknownPathsAndMethodsAreRefusedByTheRouter) {
  const Answer missing = S().Get("/api/v1/nothing", Root());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.ErrorCode(), "not_found");
  const Answer wrong = S().Call("POST", "/api/v1/devices", Root(), "{}");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.ErrorCode(), "method_not_allowed");
  EXPECT_NE(wrong.Header("allow").find("GET"), std::string::npos);
}

}  // namespace
}  // namespace bsi::server
