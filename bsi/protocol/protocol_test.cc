#include "bsi/protocol/protocol.h"

#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace bsi::protocol {
namespace {

StatusReport SampleReport() {
  StatusReport report;
  report.report_id = "0123456789abcdef0123456789abcdef";
  report.time = UnixTime{1'790'000'000};
  report.product = "acme-os";
  report.base_version = "26.3.1";
  report.running = "acme-os 26.3.1 (a)";
  report.components = {{"webkit", "2.44.1-bsi1"}};
  report.cves_fixed = {"CVE-2026-1001"};
  report.auto_install = true;
  report.install_state = InstallState::kWaiting;
  report.install_reason = "automatic";
  report.improvements = {
      {"acme-os 26.3.1 (a)",
       "a",
       ImprovementState::kInstalled,
       WaitReason::kNone,
       std::nullopt,
       "",
       {"CVE-2026-1001"}},
      {"acme-os 26.3.1 (b)",
       "b",
       ImprovementState::kPending,
       WaitReason::kDeferred,
       UnixTime{1'790'086'400},
       "",
       {"CVE-2026-1001", "CVE-2026-1002"}},
  };
  report.agent_version = "0.1.0";
  return report;
}

Result<StatusReport> Reparse(const json::Value& value) {
  BSI_ASSIGN_OR_RETURN(json::Value parsed, json::Parse(json::ToCompactString(value)));
  return ParseStatusReport(parsed);
}

TEST(StatusReportTest, RoundTrips) {
  const StatusReport report = SampleReport();
  Result<StatusReport> back = Reparse(ToJson(report));
  ASSERT_OK(back);
  EXPECT_EQ(*back, report);

  StatusReport base_only = SampleReport();
  base_only.running.reset();
  base_only.improvements.clear();
  back = Reparse(ToJson(base_only));
  ASSERT_OK(back);
  EXPECT_EQ(*back, base_only);
}

// Each mutation makes the report invalid; the parser must say which field.
TEST(StatusReportTest, RefusesBadReports) {
  const std::vector<std::pair<std::string, std::function<void(json::Object&)>>> cases = {
      {"unknown field", [](json::Object& o) { o["extra"] = 1; }},
      {"format", [](json::Object& o) { o["format"] = 2; }},
      {"report_id", [](json::Object& o) { o["report_id"] = "short"; }},
      {"report_id", [](json::Object& o) { o["report_id"] = "0123456789abcdef/0123"; }},
      {"time", [](json::Object& o) { o["time"] = "yesterday"; }},
      {"product", [](json::Object& o) { o["product"] = "Acme OS"; }},
      {"running", [](json::Object& o) { o["running"] = 5; }},
      {"running", [](json::Object& o) { o.erase("running"); }},
      {"cves_fixed", [](json::Object& o) { o["cves_fixed"] = json::Array{"CVE-1"}; }},
      {"twice",
       [](json::Object& o) {
         o["cves_fixed"] = json::Array{"CVE-2026-1001", "CVE-2026-1001"};
       }},
      {"install_state", [](json::Object& o) { o["install_state"] = "happy"; }},
      {"failure", [](json::Object& o) { o["failure"] = std::string("a\nb"); }},
      {"failure", [](json::Object& o) { o["failure"] = std::string(2000, 'x'); }},
      {"components", [](json::Object& o) { o["components"] = json::Array(65, json::Object{}); }},
      {"improvements[]",
       [](json::Object& o) { o["improvements"].array()[0].object()["state"] = "odd"; }},
      {"letter", [](json::Object& o) { o["improvements"].array()[0].object()["letter"] = "A"; }},
      {"auto_install", [](json::Object& o) { o["auto_install"] = "yes"; }},
  };
  for (const auto& [needle, mutate] : cases) {
    json::Value value = ToJson(SampleReport());
    mutate(value.object());
    Result<StatusReport> parsed = Reparse(value);
    ASSERT_FALSE(parsed.ok()) << needle;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kMalformed) << needle;
    EXPECT_NE(parsed.error().message().find(needle), std::string::npos)
        << needle << ": " << parsed.error().message();
  }
}

TEST(DeclarationsTest, RoundTripsAndSortsLists) {
  Declarations d;
  d.group = "kiosks";
  d.auto_install = AutoInstallMode::kAlwaysOn;
  d.deferral_days = 7;
  d.approval_required = true;
  d.approved = {"acme-os 26.3.1 (a)"};
  d.held = {"acme-os 26.3.1 (b)"};
  d.maintenance_window = MaintenanceWindow{23 * 60 + 30, 120};
  Result<json::Value> text = json::Parse(json::ToCompactString(ToJson(d)));
  ASSERT_OK(text);
  EXPECT_NE(json::ToCompactString(*text).find("\"start\":\"23:30\""), std::string::npos);
  Result<Declarations> back = ParseDeclarations(*text);
  ASSERT_OK(back);
  EXPECT_EQ(*back, d);

  json::Value unsorted = ToJson(d);
  unsorted.object()["approved"] = json::Array{"z", "a"};
  back = ParseDeclarations(unsorted);
  ASSERT_OK(back);
  EXPECT_EQ(back->approved, (std::vector<std::string>{"a", "z"}));
}

TEST(DeclarationsTest, RefusesOutOfRange) {
  const std::vector<std::function<void(json::Object&)>> cases = {
      [](json::Object& o) { o["deferral_days"] = 91; },
      [](json::Object& o) { o["deferral_days"] = -1; },
      [](json::Object& o) { o["auto_install"] = "sometimes"; },
      [](json::Object& o) {
        o["maintenance_window"] = json::Object{{"start", "24:00"}, {"length_minutes", 60}};
      },
      [](json::Object& o) {
        o["maintenance_window"] = json::Object{{"start", "02:00"}, {"length_minutes", 0}};
      },
      [](json::Object& o) { o["group"] = "../etc"; },
      [](json::Object& o) { o.erase("held"); },
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Declarations base;
    base.group = "default";
    json::Value value = ToJson(base);
    cases[i](value.object());
    Result<Declarations> parsed = ParseDeclarations(value);
    EXPECT_FALSE(parsed.ok()) << i;
  }
}

TEST(EnrollmentTest, RoundTripsAndChecksIdentifiers) {
  const EnrollRequest request{"device-17", "acme-os", "26.3.1", "kiosk 17"};
  Result<EnrollRequest> back = ParseEnrollRequest(ToJson(request));
  ASSERT_OK(back);
  EXPECT_EQ(back->device_id, "device-17");
  EXPECT_EQ(back->hostname, "kiosk 17");

  json::Value bad = ToJson(request);
  bad.object()["device_id"] = "dev/../17";
  EXPECT_FALSE(ParseEnrollRequest(bad).ok());

  const EnrollResponse response{"device-17", "tok_abc", "default"};
  Result<EnrollResponse> parsed = ParseEnrollResponse(ToJson(response));
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->device_token, "tok_abc");
}

TEST(ReportIdTest, IsRandomAndValid) {
  Result<std::string> a = NewReportId();
  Result<std::string> b = NewReportId();
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace bsi::protocol
