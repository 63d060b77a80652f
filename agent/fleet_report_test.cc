#include "agent/fleet_report.h"

#include <gtest/gtest.h>

#include "bsi/json/json.h"
#include "bsi/release/rollout.h"

namespace bsi::agent {
namespace {

constexpr std::int64_t kT0 = 1'800'000'000;

release::Improvement Letter(const std::string& letter, std::vector<std::string> cves = {}) {
  release::Improvement improvement;
  improvement.product = "acme-os";
  improvement.base = version::BaseVersion::Parse("26.3.1").value();
  improvement.letter = version::Letter::Parse(letter).value();
  improvement.published = UnixTime{kT0};
  improvement.components = {{"webkit", "620.1", "26.3.1-" + letter, "", ""}};
  improvement.rollout = release::ParseWaves("now").value();
  for (const std::string& id : cves) improvement.cves.push_back({id, release::Severity::kHigh, ""});
  return improvement;
}

ReportInputs Inputs(std::vector<release::Improvement> improvements,
                    std::optional<std::string> installed = std::nullopt) {
  ReportInputs in;
  in.device.device_id = "device-17";
  in.device.product = "acme-os";
  in.device.base = version::BaseVersion::Parse("26.3.1").value();
  if (installed.has_value()) {
    in.device.installed = version::ImprovementVersion::Parse("26.3.1 (" + *installed + ")").value();
    in.device.component_versions["webkit"] = "26.3.1-" + *installed;
  }
  in.components = {"webkit", "nss"};
  in.improvements = std::move(improvements);
  return in;
}

protocol::StatusReport Build(const ReportInputs& in, std::int64_t now = kT0 + 60) {
  protocol::StatusReport report =
      BuildStatusReport(in, UnixTime{now}, "0123456789abcdef0123456789abcdef", "0.1.0");
  // Whatever it holds, the server's parser accepts it.
  Result<protocol::StatusReport> parsed = protocol::ParseStatusReport(protocol::ToJson(report));
  EXPECT_TRUE(parsed.ok()) << parsed.error().ToString();
  if (parsed.ok()) {
    EXPECT_EQ(*parsed, report);
  }
  return report;
}

const protocol::ImprovementStatus& Entry(const protocol::StatusReport& report,
                                         const std::string& letter) {
  for (const auto& status : report.improvements) {
    if (status.letter == letter) return status;
  }
  static const protocol::ImprovementStatus kNone;
  ADD_FAILURE() << "no entry for " << letter;
  return kNone;
}

TEST(FleetReportTest, DeclarationsBecomeThePolicysInput) {
  protocol::Declarations d;
  d.group = "kiosks";
  d.auto_install = protocol::AutoInstallMode::kAlwaysOff;
  d.deferral_days = 7;
  d.approval_required = true;
  d.approved = {"acme-os 26.3.1 (a)"};
  d.held = {"acme-os 26.3.1 (b)"};
  d.maintenance_window = protocol::MaintenanceWindow{120, 90};
  const Declarations policy = ToPolicy(d);
  EXPECT_EQ(policy.auto_install, AutoInstallLock::kAlwaysOff);
  EXPECT_EQ(policy.deferral_days, 7);
  EXPECT_TRUE(policy.approval_required);
  EXPECT_EQ(policy.approved, (std::set<std::string>{"acme-os 26.3.1 (a)"}));
  EXPECT_EQ(policy.held, (std::set<std::string>{"acme-os 26.3.1 (b)"}));
  ASSERT_TRUE(policy.window.has_value());
  EXPECT_EQ(policy.window->start_minute, 120);
  EXPECT_EQ(policy.window->length_minutes, 90);
  d.auto_install = protocol::AutoInstallMode::kAlwaysOn;
  EXPECT_EQ(ToPolicy(d).auto_install, AutoInstallLock::kAlwaysOn);
  d.auto_install = protocol::AutoInstallMode::kAllowed;
  d.maintenance_window.reset();
  EXPECT_EQ(ToPolicy(d).auto_install, AutoInstallLock::kNone);
  EXPECT_FALSE(ToPolicy(d).window.has_value());
}

TEST(FleetReportTest, EveryLetterHasItsState) {
  release::Improvement c = Letter("c");
  c.withdrawal = release::Withdrawal{"crashes on start", UnixTime{kT0 + 10}};
  release::Improvement e = Letter("e");
  release::Improvement f = Letter("f");
  f.rollout.paused = true;
  ReportInputs in = Inputs(
      {Letter("a", {"CVE-2026-0001"}), Letter("b", {"CVE-2026-0002"}), c, Letter("d"), e, f}, "b");
  in.policy.declarations = Declarations{};
  in.policy.declarations->approval_required = true;
  in.policy.declarations->approved = {"acme-os 26.3.1 (e)"};
  in.policy.declarations->held = {"acme-os 26.3.1 (e)"};
  in.install_state = protocol::InstallState::kWaiting;
  in.install_reason = "acme-os 26.3.1 (d) waits";
  const protocol::StatusReport report = Build(in);
  EXPECT_EQ(report.running, "acme-os 26.3.1 (b)");
  EXPECT_EQ(report.base_version, "26.3.1");
  EXPECT_EQ(report.cves_fixed, (std::vector<std::string>{"CVE-2026-0001", "CVE-2026-0002"}));
  ASSERT_EQ(report.components.size(), 2u);
  EXPECT_EQ(report.components[0].version, "26.3.1-b");
  EXPECT_EQ(report.components[1].version, "26.3.1");  // not managed by any letter: the base
  EXPECT_EQ(report.install_state, protocol::InstallState::kWaiting);
  EXPECT_EQ(report.agent_version, "0.1.0");

  EXPECT_EQ(Entry(report, "a").state, protocol::ImprovementState::kInstalled);
  EXPECT_EQ(Entry(report, "a").detail, "included in acme-os 26.3.1 (b)");
  EXPECT_EQ(Entry(report, "a").cves, (std::vector<std::string>{"CVE-2026-0001"}));
  EXPECT_EQ(Entry(report, "b").state, protocol::ImprovementState::kInstalled);
  EXPECT_EQ(Entry(report, "c").state, protocol::ImprovementState::kWithdrawn);
  EXPECT_EQ(Entry(report, "c").detail, "crashes on start");
  EXPECT_EQ(Entry(report, "d").state, protocol::ImprovementState::kPending);
  EXPECT_EQ(Entry(report, "d").reason, protocol::WaitReason::kAwaitingApproval);
  EXPECT_EQ(Entry(report, "e").reason, protocol::WaitReason::kHeld);
  EXPECT_EQ(Entry(report, "f").reason, protocol::WaitReason::kRolloutPaused);

  // Once the device rolled back from (c), it says so.
  in.rolled_back = {"c"};
  EXPECT_EQ(Entry(Build(in), "c").state, protocol::ImprovementState::kRolledBack);
}

TEST(FleetReportTest, WaitsCarryTheirReasonAndWhenTheyEnd) {
  ReportInputs in = Inputs({Letter("a")});
  in.policy.auto_install_setting = false;
  protocol::StatusReport off = Build(in);
  EXPECT_FALSE(off.auto_install);
  EXPECT_EQ(Entry(off, "a").state, protocol::ImprovementState::kAvailable);
  EXPECT_EQ(Entry(off, "a").reason, protocol::WaitReason::kAutoInstallOff);
  EXPECT_FALSE(off.running.has_value());
  EXPECT_TRUE(off.cves_fixed.empty());

  // The admin's lock wins over the user's toggle.
  in.policy.declarations = Declarations{};
  in.policy.declarations->auto_install = AutoInstallLock::kAlwaysOn;
  in.policy.declarations->deferral_days = 3;
  protocol::StatusReport deferred = Build(in);
  EXPECT_TRUE(deferred.auto_install);
  EXPECT_EQ(Entry(deferred, "a").reason, protocol::WaitReason::kDeferred);
  EXPECT_EQ(Entry(deferred, "a").not_before, UnixTime{kT0 + 3 * 86400});

  in.policy.declarations->deferral_days = 0;
  in.policy.declarations->window = MaintenanceWindow{0, 1};  // 00:00-00:01 UTC
  in.device.restart_components = {"webkit"};
  const std::int64_t noon = (kT0 / 86400 + 1) * 86400 + 12 * 3600;
  protocol::StatusReport window = Build(in, noon);
  EXPECT_EQ(Entry(window, "a").state, protocol::ImprovementState::kPending);
  EXPECT_EQ(Entry(window, "a").reason, protocol::WaitReason::kMaintenanceWindow);
  EXPECT_EQ(Entry(window, "a").not_before, UnixTime{noon + 12 * 3600});

  // A device that never got declarations does not guess.
  in.declarations_missing = true;
  EXPECT_EQ(Entry(Build(in, noon), "a").reason, protocol::WaitReason::kNone);
  EXPECT_EQ(Entry(Build(in, noon), "a").detail, "waiting for the fleet server's declarations");
}

TEST(FleetReportTest, FailuresRemovalsAndSupersededImprovements) {
  ReportInputs in = Inputs({Letter("a"), Letter("b")});
  in.device.removed = version::Letter::Parse("a").value();
  in.failed_letter = "b";
  in.failed_detail = "webkit: /usr/bin/false exited with 1";
  in.install_state = protocol::InstallState::kFailed;
  in.failure = "check failed:\nhealth check";
  in.superseded = "26.2 (c)";
  const protocol::StatusReport report = Build(in);
  EXPECT_EQ(Entry(report, "a").state, protocol::ImprovementState::kRemoved);
  EXPECT_EQ(Entry(report, "b").state, protocol::ImprovementState::kFailed);
  EXPECT_EQ(Entry(report, "b").detail, in.failed_detail);
  EXPECT_EQ(report.failure, "check failed: health check");  // no control characters
  EXPECT_EQ(Entry(report, "c").id, "acme-os 26.2 (c)");
  EXPECT_EQ(Entry(report, "c").state, protocol::ImprovementState::kSuperseded);
}

TEST(FleetReportTest, ListsAreCutToTheProtocolsBounds) {
  std::vector<release::Improvement> many;
  for (std::uint64_t ordinal = 1; ordinal <= 70; ++ordinal) {
    many.push_back(Letter(version::Letter::FromOrdinal(ordinal)->ToString()));
  }
  const protocol::StatusReport report = Build(Inputs(many));
  ASSERT_EQ(report.improvements.size(), protocol::kMaxImprovements);
  EXPECT_EQ(report.improvements.front().letter, "g");  // the highest letters are kept
  EXPECT_EQ(report.improvements.back().letter, "br");
}

TEST(FleetReportTest, TheReportFitsTheBodyLimit) {
  std::vector<release::Improvement> many;
  for (std::uint64_t ordinal = 1; ordinal <= 64; ++ordinal) {
    std::vector<std::string> cves;
    for (int i = 0; i < 100; ++i) {
      cves.push_back("CVE-2026-" + std::to_string(10000 + ordinal * 100 + i));
    }
    many.push_back(Letter(version::Letter::FromOrdinal(ordinal)->ToString(), cves));
  }
  const protocol::StatusReport report = Build(Inputs(many, "bl"));
  EXPECT_LE(json::ToCompactString(protocol::ToJson(report)).size(), protocol::kMaxBodyBytes);
  EXPECT_FALSE(report.improvements.empty());
  EXPECT_EQ(report.improvements.back().letter, "bl");  // the highest letters stay
}

TEST(FleetReportTest, ProtocolTextKeepsUtf8Whole) {
  EXPECT_EQ(ProtocolText("a\tb\x7f", 10), "a b ");
  EXPECT_EQ(ProtocolText("h\xC3\xA9llo", 2), "h");  // é is not cut in half
  EXPECT_EQ(ProtocolText("h\xC3\xA9llo", 3), "h\xC3\xA9");
  EXPECT_EQ(ProtocolText("\xFF\xC3", 10), "??");
  EXPECT_EQ(ProtocolText("\xED\xA0\x80", 10), "???");  // a surrogate
  EXPECT_EQ(ProtocolText(std::string(2000, 'x'), 1024).size(), 1024u);
}

}  // namespace
}  // namespace bsi::agent
