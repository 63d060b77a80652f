// The fleet API over real HTTP on 127.0.0.1 (HttpServer, CurlApiClient),
// on a real SQLite FleetDb: authentication and roles, enrollment, the
// declarations' ETag, status reports (idempotency, strictness, limits, the
// device taken from the token) and concurrent ingestion. Every answer is
// also checked against the OpenAPI document (api_test_util.h). The admin
// API, safe mode and operations are in fleet_api_admin_test.cc.
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "server/api/api_test_util.h"
#include "server/api/secrets.h"
#include "testing/status_matchers.h"

namespace bsi::server {
namespace {

using protocol::ImprovementState;
using protocol::WaitReason;
using testing::Access;
using testing::Answer;
using testing::ApiServer;
using testing::ImprovementId;
using testing::kRoutes;
using testing::kStart;
using testing::MakeReport;
using testing::MakeStatus;

std::string ReportId(int n) {
  std::string digits = std::to_string(n);
  return "report-" + std::string(12 - digits.size(), '0') + digits;
}

class FleetApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<ApiServer>> server = ApiServer::Start();
    ASSERT_OK(server);
    server_ = *std::move(server);
    enrollment_ = server_->NewEnrollmentToken("fleet");
  }

  ApiServer& S() { return *server_; }

  std::unique_ptr<ApiServer> server_;
  std::string enrollment_;
};

// ---- Authentication

TEST_F(FleetApiTest, NoTokenIs401WithWwwAuthenticate) {
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/api/v1/devices"},
                                                        {"GET", "/api/v1/device/declarations"},
                                                        {"POST", "/api/v1/device/reports"},
                                                        {"POST", "/api/v1/enroll"},
                                                        {"GET", "/api/v1/whoami"}}) {
    const Answer answer = S().Call(method, path, "", method == "POST" ? "{}" : "");
    EXPECT_EQ(answer.status, 401) << method << " " << path;
    EXPECT_EQ(answer.Header("www-authenticate"), "Bearer") << path;
    EXPECT_EQ(answer.ErrorCode(), "unauthenticated") << path;
  }
  // Another scheme is no bearer token either.
  const Answer basic =
      S().Call("GET", "/api/v1/devices", "", "", {{"Authorization", "Basic cm9vdDpyb290"}});
  EXPECT_EQ(basic.status, 401);
}

TEST_F(FleetApiTest, WrongTokenIs401) {
  const std::string wrong = "bsia_" + std::string(64, '0');
  EXPECT_EQ(S().Get("/api/v1/devices", wrong).status, 401);
  EXPECT_EQ(S().Get("/api/v1/device/declarations", wrong).status, 401);
  EXPECT_EQ(S().Get("/api/v1/devices", S().root() + "x").status, 401);
  EXPECT_EQ(S().Get("/api/v1/devices", std::string(300, 'a')).status, 401);
  EXPECT_EQ(S().Get("/api/v1/whoami", S().root()).status, 200);
}

TEST_F(FleetApiTest, EachKindOfTokenWorksOnlyWhereItBelongs) {
  const std::string device = S().Enroll("kiosk-1", enrollment_);
  ASSERT_FALSE(device.empty());
  // A device token on the admin API, an admin token on the device API.
  EXPECT_EQ(S().Get("/api/v1/devices", device).status, 401);
  EXPECT_EQ(S().Get("/api/v1/whoami", device).status, 401);
  EXPECT_EQ(S().Get("/api/v1/device/declarations", S().root()).status, 401);
  const Answer report = S().Report(S().root(), MakeReport(ReportId(1), kStart));
  EXPECT_EQ(report.status, 401);
  // An enrollment token only enrolls.
  EXPECT_EQ(S().Get("/api/v1/device/declarations", enrollment_).status, 401);
  EXPECT_EQ(S().Get("/api/v1/devices", enrollment_).status, 401);
  // A device or admin token does not enroll.
  const protocol::EnrollRequest request{"kiosk-2", "acme-os", "26.3.1", ""};
  EXPECT_EQ(S().Post("/api/v1/enroll", device, protocol::ToJson(request)).status, 401);
  EXPECT_EQ(S().Post("/api/v1/enroll", S().root(), protocol::ToJson(request)).status, 401);
  EXPECT_EQ(S().Get("/api/v1/device/declarations", device).status, 200);
}

// Every admin route with each role: below the route's role 403, at or
// above it anything but 401 and 403.
TEST_F(FleetApiTest, RolesGateEveryAdminRoute) {
  const std::map<Role, std::string> tokens = {
      {Role::kViewer, S().NewAdminToken("viewer", Role::kViewer)},
      {Role::kOperator, S().NewAdminToken("operator", Role::kOperator)},
      {Role::kAdmin, S().NewAdminToken("admin", Role::kAdmin)}};
  for (const testing::RouteSpec& route : kRoutes) {
    if (route.access < Access::kViewer) continue;
    const Role needed = route.access == Access::kViewer     ? Role::kViewer
                        : route.access == Access::kOperator ? Role::kOperator
                                                            : Role::kAdmin;
    // {id}, {name}, {improvement}: names that exist nowhere, so a call
    // that passes the gate changes nothing (and answers 404 or 400).
    std::string path = std::string(route.pattern);
    for (const std::string_view param : {"{id}", "{name}", "{improvement}"}) {
      for (std::size_t at = path.find(param); at != std::string::npos; at = path.find(param)) {
        path.replace(at, param.size(), "nothing-here");
      }
    }
    if (route.pattern == "/api/v1/exposure") path += "?cve=CVE-2026-0001";
    for (const auto& [role, token] : tokens) {
      const bool has_body = route.method == "POST" || route.method == "PUT";
      const Answer answer = S().Call(std::string(route.method), path, token, has_body ? "{}" : "");
      if (static_cast<int>(role) < static_cast<int>(needed)) {
        EXPECT_EQ(answer.status, 403) << route.method << " " << path << " as " << RoleName(role);
        EXPECT_EQ(answer.ErrorCode(), "permission_denied");
      } else {
        EXPECT_NE(answer.status, 401) << route.method << " " << path << " as " << RoleName(role);
        EXPECT_NE(answer.status, 403) << route.method << " " << path << " as " << RoleName(role);
      }
    }
  }
}

TEST_F(FleetApiTest, ViewerAndOperatorAreRefusedWhatTheyMayNotDo) {
  S().Enroll("kiosk-1", enrollment_);
  const std::string viewer = S().NewAdminToken("viewer", Role::kViewer);
  const std::string operator_token = S().NewAdminToken("operator", Role::kOperator);
  const std::string approval =
      "/api/v1/groups/default/approvals/" + testing::Escape(ImprovementId("a"));
  EXPECT_EQ(S().Put(approval, viewer, json::Object{}).status, 403);
  EXPECT_EQ(S().Put("/api/v1/groups/default", viewer, json::Object{}).status, 403);
  EXPECT_EQ(S().Put("/api/v1/groups/default", operator_token, json::Object{}).status, 403);
  EXPECT_EQ(
      S().Put("/api/v1/devices/kiosk-1/group", viewer, json::Object{{"group", "default"}}).status,
      403);
  for (const std::string& token : {viewer, operator_token}) {
    EXPECT_EQ(S().Post("/api/v1/enrollment-tokens", token, json::Object{{"name", "t"}}).status,
              403);
    EXPECT_EQ(
        S().Post("/api/v1/admin-tokens", token, json::Object{{"name", "mine"}, {"role", "admin"}})
            .status,
        403);
    EXPECT_EQ(S().Get("/api/v1/admin-tokens", token).status, 403);
  }
  // Nothing was approved, no token made.
  const Answer group = S().Get("/api/v1/groups/default", viewer);
  EXPECT_EQ(group["declarations"].Find("approved")->array().size(), 0u);
  EXPECT_EQ(S().Get("/api/v1/admin-tokens", S().root())["admin_tokens"].array().size(), 3u);
  // What they may do, they can.
  EXPECT_EQ(S().Put(approval, operator_token, json::Object{}).status, 200);
  const Answer whoami = S().Get("/api/v1/whoami", viewer);
  EXPECT_EQ(whoami["name"], json::Value("viewer"));
  EXPECT_EQ(whoami["role"], json::Value("viewer"));
}

// ---- Enrollment

TEST_F(FleetApiTest, EnrollmentCreatesTheDeviceInTheTokensGroup) {
  S().NewGroup("kiosks");
  const std::string token = S().NewEnrollmentToken("kiosks", "kiosks", 2);
  const protocol::EnrollRequest request{"kiosk-7", "acme-os", "26.3.1", "kiosk-7.lan"};
  const Answer answer = S().Post("/api/v1/enroll", token, protocol::ToJson(request));
  ASSERT_EQ(answer.status, 201) << answer.body;
  Result<protocol::EnrollResponse> response = protocol::ParseEnrollResponse(answer.json);
  ASSERT_OK(response);
  EXPECT_EQ(response->device_id, "kiosk-7");
  EXPECT_EQ(response->group, "kiosks");
  EXPECT_TRUE(response->device_token.starts_with("bsid_"));
  const Answer device = S().Get("/api/v1/devices/kiosk-7", S().root());
  ASSERT_EQ(device.status, 200);
  EXPECT_EQ(device["group"], json::Value("kiosks"));
  EXPECT_EQ(device["hostname"], json::Value("kiosk-7.lan"));
  EXPECT_EQ(device["install_state"], json::Value());
  EXPECT_EQ(device["enrolled"], json::Value("2026-11-22T10:00:00Z"));
  const Answer tokens = S().Get("/api/v1/enrollment-tokens", S().root());
  bool seen = false;
  for (const json::Value& t : tokens["enrollment_tokens"].array()) {
    EXPECT_EQ(t.Find("token"), nullptr);  // the secret is never listed
    if (*t.Find("name") == json::Value("kiosks")) {
      seen = true;
      EXPECT_EQ(*t.Find("uses_left"), json::Value(1));
    }
  }
  EXPECT_TRUE(seen);
  // The declarations are the group's.
  const Answer declarations = S().Get("/api/v1/device/declarations", response->device_token);
  EXPECT_EQ(declarations["group"], json::Value("kiosks"));
}

TEST_F(FleetApiTest, ExpiredEnrollmentTokenIs401) {
  const std::string token = S().NewEnrollmentToken("week", "default", std::nullopt, "7d");
  S().clock().Advance(std::int64_t{7} * 86400);
  const protocol::EnrollRequest request{"late", "acme-os", "26.3.1", ""};
  const Answer answer = S().Post("/api/v1/enroll", token, protocol::ToJson(request));
  EXPECT_EQ(answer.status, 401);
  EXPECT_EQ(answer.Header("www-authenticate"), "Bearer");
  EXPECT_EQ(S().Get("/api/v1/devices/late", S().root()).status, 404);
}

TEST_F(FleetApiTest, UsedUpEnrollmentTokenIs401) {
  const std::string token = S().NewEnrollmentToken("once", "default", 1);
  EXPECT_FALSE(S().Enroll("first", token).empty());
  const protocol::EnrollRequest request{"second", "acme-os", "26.3.1", ""};
  EXPECT_EQ(S().Post("/api/v1/enroll", token, protocol::ToJson(request)).status, 401);
  EXPECT_EQ(S().Get("/api/v1/devices/second", S().root()).status, 404);
  // A removed token enrolls no one either.
  EXPECT_EQ(S().Delete("/api/v1/enrollment-tokens/fleet", S().root()).status, 204);
  EXPECT_EQ(S().Post("/api/v1/enroll", enrollment_, protocol::ToJson(request)).status, 401);
  EXPECT_EQ(S().Delete("/api/v1/enrollment-tokens/fleet", S().root()).status, 404);
}

TEST_F(FleetApiTest, EnrollmentBodyIsCheckedStrictly) {
  const std::string bodies[] = {
      R"({"format":1,"device_id":"a","product":"acme-os","base_version":"26.3.1"})",
      R"({"format":2,"device_id":"a","product":"acme-os","base_version":"26.3.1","hostname":""})",
      R"({"format":1,"device_id":"-a","product":"acme-os","base_version":"26.3.1","hostname":""})",
      R"({"format":1,"device_id":"a","product":"Acme","base_version":"26.3.1","hostname":""})",
      R"({"format":1,"device_id":"a","product":"acme-os","base_version":"26.3.1","hostname":"","x":1})",
      R"({"format":1,"device_id":"a","product":"acme-os","base_version":"26.3.1","hostname":"\u0001"})",
      "not json"};
  for (const std::string& body : bodies) {
    const Answer answer = S().Call("POST", "/api/v1/enroll", enrollment_, body);
    EXPECT_EQ(answer.status, 400) << body;
    EXPECT_EQ(answer.ErrorCode(), "malformed") << body;
  }
  EXPECT_EQ(S().Get("/api/v1/devices", S().root())["devices"].array().size(), 0u);
}

TEST_F(FleetApiTest, ReEnrollmentReplacesTheTokenAndKeepsGroupAndHistory) {
  S().NewGroup("lab");
  const std::string old_token = S().Enroll("kiosk-1", enrollment_);
  ASSERT_EQ(
      S().Put("/api/v1/devices/kiosk-1/group", S().root(), json::Object{{"group", "lab"}}).status,
      200);
  ASSERT_EQ(S().Report(old_token, MakeReport(ReportId(1), kStart)).status, 202);
  const std::string new_token = S().Enroll("kiosk-1", enrollment_, "26.4");
  ASSERT_FALSE(new_token.empty());
  EXPECT_NE(new_token, old_token);
  EXPECT_EQ(S().Get("/api/v1/device/declarations", old_token).status, 401);
  // The old token was remembered by the report path; the ingest refuses
  // it all the same, and then it is forgotten.
  EXPECT_EQ(S().Report(old_token, MakeReport(ReportId(2), kStart)).status, 401);
  EXPECT_EQ(S().Report(old_token, MakeReport(ReportId(3), kStart)).status, 401);
  EXPECT_EQ(S().Report(new_token, MakeReport(ReportId(4), kStart)).status, 202);
  const Answer declarations = S().Get("/api/v1/device/declarations", new_token);
  EXPECT_EQ(declarations["group"], json::Value("lab"));
  const Answer device = S().Get("/api/v1/devices/kiosk-1", S().root());
  EXPECT_EQ(device["group"], json::Value("lab"));
  EXPECT_EQ(device["base_version"], json::Value("26.4"));
  EXPECT_EQ(device["events"].array().size(), 2u);
  EXPECT_EQ(S().Get("/api/v1/devices", S().root())["devices"].array().size(), 1u);
}

// ---- Declarations

TEST_F(FleetApiTest, DeclarationsCarryAnETagAndAnswer304WhenUnchanged) {
  const std::string device = S().Enroll("kiosk-1", enrollment_);
  const Answer first = S().Get("/api/v1/device/declarations", device);
  ASSERT_EQ(first.status, 200);
  Result<protocol::Declarations> parsed = protocol::ParseDeclarations(first.json);
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->group, "default");
  const std::string etag = first.Header("etag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(first.Header("cache-control"), "no-cache, private");
  const Answer same =
      S().Call("GET", "/api/v1/device/declarations", device, "", {{"If-None-Match", etag}});
  EXPECT_EQ(same.status, 304);
  EXPECT_TRUE(same.body.empty());
  EXPECT_EQ(same.Header("etag"), etag);
  // A list, a weak tag and "*" match too; another tag does not.
  EXPECT_EQ(S().Call("GET", "/api/v1/device/declarations", device, "",
                     {{"If-None-Match", "\"other\", W/" + etag}})
                .status,
            304);
  EXPECT_EQ(
      S().Call("GET", "/api/v1/device/declarations", device, "", {{"If-None-Match", "*"}}).status,
      304);
  EXPECT_EQ(
      S().Call("GET", "/api/v1/device/declarations", device, "", {{"If-None-Match", "\"other\""}})
          .status,
      200);
}

TEST_F(FleetApiTest, GroupChangesApprovalsHoldsAndMovesChangeTheETag) {
  const std::string device = S().Enroll("kiosk-1", enrollment_);
  S().NewGroup("lab");
  std::string etag = S().Get("/api/v1/device/declarations", device).Header("etag");
  // Returns whether the declarations changed since the last call, and
  // their body now.
  const auto poll = [&]() {
    Answer answer =
        S().Call("GET", "/api/v1/device/declarations", device, "", {{"If-None-Match", etag}});
    if (answer.status == 200) etag = answer.Header("etag");
    return answer;
  };
  // Nothing changed.
  EXPECT_EQ(poll().status, 304);
  // A group setting.
  ASSERT_EQ(S().Put("/api/v1/groups/default", S().root(),
                    json::Object{{"deferral_days", 3}, {"approval_required", true}})
                .status,
            200);
  Answer changed = poll();
  ASSERT_EQ(changed.status, 200);
  EXPECT_EQ(changed["deferral_days"], json::Value(3));
  EXPECT_EQ(changed["approval_required"], json::Value(true));
  // The same settings again: the same bytes, the same tag.
  ASSERT_EQ(S().Put("/api/v1/groups/default", S().root(),
                    json::Object{{"deferral_days", 3}, {"approval_required", true}})
                .status,
            200);
  EXPECT_EQ(poll().status, 304);
  // An approval, and its withdrawal.
  const std::string approval =
      "/api/v1/groups/default/approvals/" + testing::Escape(ImprovementId("a"));
  ASSERT_EQ(S().Put(approval, S().root(), json::Object{}).status, 200);
  changed = poll();
  ASSERT_EQ(changed.status, 200);
  EXPECT_EQ(changed["approved"], json::Value(json::Array{ImprovementId("a")}));
  ASSERT_EQ(S().Delete(approval, S().root()).status, 200);
  EXPECT_EQ(poll().status, 200);
  // A hold (as safe mode adds it), and clearing it.
  Hold hold;
  hold.group = "default";
  hold.improvement = ImprovementId("b");
  hold.cause = "test";
  hold.created = kStart;
  ASSERT_OK(S().db().AddHold(hold));
  changed = poll();
  ASSERT_EQ(changed.status, 200);
  EXPECT_EQ(changed["held"], json::Value(json::Array{ImprovementId("b")}));
  ASSERT_EQ(
      S().Delete("/api/v1/groups/default/holds/" + testing::Escape(ImprovementId("b")), S().root())
          .status,
      204);
  changed = poll();
  ASSERT_EQ(changed.status, 200);
  EXPECT_EQ(changed["held"], json::Value(json::Array{}));
  // Moving the device to another group.
  ASSERT_EQ(
      S().Put("/api/v1/devices/kiosk-1/group", S().root(), json::Object{{"group", "lab"}}).status,
      200);
  changed = poll();
  ASSERT_EQ(changed.status, 200);
  EXPECT_EQ(changed["group"], json::Value("lab"));
  EXPECT_EQ(poll().status, 304);
}

// ---- Reports

TEST_F(FleetApiTest, AReportIsStoredOnceThenAnsweredAsDuplicate) {
  const std::string device = S().Enroll("kiosk-1", enrollment_);
  protocol::StatusReport report = MakeReport(ReportId(1), kStart);
  report.running = ImprovementId("a");
  report.cves_fixed = {"CVE-2026-20643"};
  report.improvements = {
      MakeStatus("a", ImprovementState::kInstalled, WaitReason::kNone, {"CVE-2026-20643"})};
  const json::Value sent = protocol::ToJson(report);
  const Answer stored = S().Report(device, report);
  EXPECT_EQ(stored.status, 202);
  EXPECT_EQ(stored["status"], json::Value("stored"));
  // The same report again, even with other contents: nothing changes.
  report.install_state = protocol::InstallState::kFailed;
  const Answer duplicate = S().Report(device, report);
  EXPECT_EQ(duplicate.status, 200);
  EXPECT_EQ(duplicate["status"], json::Value("duplicate"));
  // Without the optional Idempotency-Key the body's report_id is the key.
  const Answer again = S().Call("POST", "/api/v1/device/reports", device,
                                json::ToCompactString(protocol::ToJson(report)));
  EXPECT_EQ(again.status, 200);
  const Answer detail = S().Get("/api/v1/devices/kiosk-1", S().root());
  EXPECT_EQ(detail["install_state"], json::Value("up_to_date"));
  EXPECT_EQ(detail["running"], json::Value(ImprovementId("a")));
  EXPECT_EQ(detail["cves_fixed"], json::Value(json::Array{"CVE-2026-20643"}));
  EXPECT_EQ(detail["last_report"], json::Value("2026-11-22T10:00:00Z"));
  ASSERT_EQ(detail["events"].array().size(), 1u);
  EXPECT_EQ(*detail["events"].array()[0].Find("report_id"), json::Value(ReportId(1)));
  EXPECT_EQ(*detail["events"].array()[0].Find("report"), sent);
  EXPECT_EQ(S().Metric("bsi_fleet_reports_total{outcome=\"stored\"}"), 1);
  EXPECT_EQ(S().Metric("bsi_fleet_reports_total{outcome=\"duplicate\"}"), 2);
}

TEST_F(FleetApiTest, AnIdempotencyKeyOtherThanTheReportIdIs400) {
  const std::string device = S().Enroll("kiosk-1", enrollment_);
  const Answer answer =
      S().Call("POST", "/api/v1/device/reports", device,
               json::ToCompactString(protocol::ToJson(MakeReport(ReportId(1), kStart))),
               {{"Idempotency-Key", ReportId(2)}});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.ErrorCode(), "malformed");
  EXPECT_EQ(S().Get("/api/v1/devices/kiosk-1", S().root())["events"].array().size(), 0u);
}

TEST_F(FleetApiTest, RefusedReportsStoreNothing) {
  const std::string device = S().Enroll("kiosk-1", enrollment_);
  const std::string good = json::ToCompactString(protocol::ToJson(MakeReport(ReportId(1), kStart)));
  json::Value unknown = protocol::ToJson(MakeReport(ReportId(2), kStart));
  unknown.object()["device_id"] = "kiosk-2";
  json::Value short_id = protocol::ToJson(MakeReport("short", kStart));
  json::Value bad_state = protocol::ToJson(MakeReport(ReportId(3), kStart));
  bad_state.object()["install_state"] = "fine";
  json::Value fractional_time = protocol::ToJson(MakeReport(ReportId(4), kStart));
  fractional_time.object()["time"] = "2026-11-22T10:00:00.5Z";
  protocol::StatusReport too_many = MakeReport(ReportId(5), kStart);
  for (int i = 0; i < 65; ++i) too_many.components.push_back({"c" + std::to_string(i), "1"});
  const std::string bodies[] = {
      "{\"format\":1,",                                    // malformed JSON
      good.substr(0, good.size() - 1) + ",\"format\":1}",  // a duplicate key
      json::ToCompactString(unknown),                      // an unknown field
      json::ToCompactString(short_id),
      json::ToCompactString(bad_state),
      json::ToCompactString(fractional_time),
      json::ToCompactString(protocol::ToJson(too_many)),
      "[]",
  };
  for (const std::string& body : bodies) {
    const Answer answer = S().Call("POST", "/api/v1/device/reports", device, body);
    EXPECT_EQ(answer.status, 400) << body.substr(0, 100);
    EXPECT_EQ(answer.ErrorCode(), "malformed") << body.substr(0, 100);
  }
  // A body that is not application/json, however good.
  const Answer text =
      S().Call("POST", "/api/v1/device/reports", device, good, {{"Content-Type", "text/plain"}});
  EXPECT_EQ(text.status, 400);
  EXPECT_EQ(text.ErrorCode(), "malformed");
  const Answer detail = S().Get("/api/v1/devices/kiosk-1", S().root());
  EXPECT_EQ(detail["events"].array().size(), 0u);
  EXPECT_EQ(detail["install_state"], json::Value());
  EXPECT_EQ(detail["last_report"], json::Value());
  // "application/json; charset=utf-8" is JSON, in any case and spacing.
  EXPECT_EQ(S().Call("POST", "/api/v1/device/reports", device, good,
                     {{"Content-Type", "application/json; charset=utf-8"}})
                .status,
            202);
  const std::string other =
      json::ToCompactString(protocol::ToJson(MakeReport(ReportId(9), kStart)));
  EXPECT_EQ(S().Call("POST", "/api/v1/device/reports", device, other,
                     {{"Content-Type", "Application/JSON ; charset=utf-8"}})
                .status,
            202);
}

TEST_F(FleetApiTest, ABodyOver64KiBIs413) {
  const std::string device = S().Enroll("kiosk-1", enrollment_);
  protocol::StatusReport report = MakeReport(ReportId(1), kStart);
  report.install_reason = "";
  json::Value big = protocol::ToJson(report);
  big.object()["failure"] = std::string(std::size_t{70} * 1024, 'x');
  const Answer answer =
      S().Call("POST", "/api/v1/device/reports", device, json::ToCompactString(big));
  EXPECT_EQ(answer.status, 413);
  EXPECT_EQ(answer.ErrorCode(), "body_too_large");
  EXPECT_EQ(S().Get("/api/v1/devices/kiosk-1", S().root())["events"].array().size(), 0u);
  // Exactly 64 KiB passes the HTTP layer (and then fails the report's own
  // limit on `failure`).
  json::Value edge = protocol::ToJson(report);
  edge.object()["failure"] = "";
  const std::size_t base = json::ToCompactString(edge).size();
  edge.object()["failure"] = std::string(std::size_t{64} * 1024 - base, 'x');
  const std::string body = json::ToCompactString(edge);
  ASSERT_EQ(body.size(), 64u * 1024u);
  EXPECT_EQ(S().Call("POST", "/api/v1/device/reports", device, body).status, 400);
}

// The server takes the device from the token: nothing in a report can
// reach another device.
TEST_F(FleetApiTest, AReportLandsOnlyOnTheTokensDevice) {
  const std::string a = S().Enroll("device-a", enrollment_);
  const std::string b = S().Enroll("device-b", enrollment_);
  protocol::StatusReport report_b = MakeReport(ReportId(1), kStart);
  report_b.install_state = protocol::InstallState::kWaiting;
  ASSERT_EQ(S().Report(b, report_b).status, 202);
  // A's report, whatever it tries: naming B is an unknown field.
  json::Value naming_b = protocol::ToJson(MakeReport(ReportId(2), kStart));
  naming_b.object()["device_id"] = "device-b";
  EXPECT_EQ(S().Call("POST", "/api/v1/device/reports", a, json::ToCompactString(naming_b)).status,
            400);
  // Reusing B's report id stores a new report for A, not a duplicate of B's.
  protocol::StatusReport report_a = MakeReport(ReportId(1), UnixTime{kStart.seconds + 60});
  report_a.install_state = protocol::InstallState::kFailed;
  report_a.failure = "disk full";
  EXPECT_EQ(S().Report(a, report_a).status, 202);
  const Answer device_a = S().Get("/api/v1/devices/device-a", S().root());
  const Answer device_b = S().Get("/api/v1/devices/device-b", S().root());
  EXPECT_EQ(device_a["install_state"], json::Value("failed"));
  EXPECT_EQ(device_a["failure"], json::Value("disk full"));
  EXPECT_EQ(device_b["install_state"], json::Value("waiting"));
  EXPECT_EQ(device_b["failure"], json::Value(""));
  EXPECT_EQ(device_b["events"].array().size(), 1u);
  EXPECT_EQ(device_b["last_report"], json::Value("2026-11-22T10:00:00Z"));
}

TEST_F(FleetApiTest, AnOlderReportIsKeptButDoesNotOverrideANewerOne) {
  const std::string device = S().Enroll("kiosk-1", enrollment_);
  protocol::StatusReport newer = MakeReport(ReportId(2), UnixTime{kStart.seconds + 600});
  newer.install_state = protocol::InstallState::kInstalled;
  ASSERT_EQ(S().Report(device, newer).status, 202);
  protocol::StatusReport older = MakeReport(ReportId(1), kStart);
  older.install_state = protocol::InstallState::kError;
  EXPECT_EQ(S().Report(device, older).status, 202);
  const Answer detail = S().Get("/api/v1/devices/kiosk-1", S().root());
  EXPECT_EQ(detail["install_state"], json::Value("installed"));
  EXPECT_EQ(detail["events"].array().size(), 2u);
}

// 20 threads at once, two per device, each pair sending the same 20
// reports: every report is stored exactly once and answered 202 once and
// 200 (duplicate) once.
TEST_F(FleetApiTest, ConcurrentReportsAreStoredExactlyOnce) {
  constexpr std::size_t kDevices = 10;
  constexpr std::size_t kReportsPerDevice = 20;
  std::vector<std::string> tokens;
  for (std::size_t d = 0; d < kDevices; ++d) {
    tokens.push_back(S().Enroll("device-" + std::to_string(d), enrollment_));
    ASSERT_FALSE(tokens.back().empty());
  }
  // statuses[t][r]: what thread t got for report r of its device t / 2.
  std::vector<std::vector<int>> statuses(2 * kDevices);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 2 * kDevices; ++t) {
    threads.emplace_back([&, t] {
      fetch::CurlApiClient client;
      const std::size_t d = t / 2;
      for (std::size_t r = 0; r < kReportsPerDevice; ++r) {
        const protocol::StatusReport report =
            MakeReport(ReportId(static_cast<int>(d * 100 + r)),
                       UnixTime{kStart.seconds + static_cast<std::int64_t>(r)});
        Result<Answer> answer = S().CallWith(client, "POST", "/api/v1/device/reports", tokens[d],
                                             json::ToCompactString(protocol::ToJson(report)),
                                             {{"Idempotency-Key", report.report_id}});
        statuses[t].push_back(answer.ok() ? answer->status : -1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::size_t stored = 0;
  for (std::size_t d = 0; d < kDevices; ++d) {
    for (std::size_t r = 0; r < kReportsPerDevice; ++r) {
      const int first = statuses[2 * d][r];
      const int second = statuses[2 * d + 1][r];
      EXPECT_TRUE((first == 202 && second == 200) || (first == 200 && second == 202))
          << "device " << d << " report " << r << ": " << first << " and " << second;
      stored += static_cast<std::size_t>(first == 202) + static_cast<std::size_t>(second == 202);
    }
    const Answer detail =
        S().Get("/api/v1/devices/device-" + std::to_string(d) + "?events=1000", S().root());
    EXPECT_EQ(detail["events"].array().size(), kReportsPerDevice);
    EXPECT_EQ(detail["last_report"], json::Value("2026-11-22T10:00:19Z"));
  }
  EXPECT_EQ(stored, kDevices * kReportsPerDevice);
  EXPECT_EQ(S().Metric("bsi_fleet_reports_total{outcome=\"stored\"}"), 200);
  EXPECT_EQ(S().Metric("bsi_fleet_reports_total{outcome=\"duplicate\"}"), 200);
  EXPECT_EQ(S().Metric("bsi_fleet_reports_total{outcome=\"failed\"}"), 0);
  EXPECT_EQ(S().Metric("bsi_fleet_report_events"), 200);
}

}  // namespace
}  // namespace bsi::server
