#include "agent/policy.h"

#include <gtest/gtest.h>

namespace bsi::agent {
namespace {

release::Improvement Published(std::int64_t when) {
  release::Improvement improvement;
  improvement.product = "acme-os";
  improvement.base = version::BaseVersion::Parse("26.3.1").value();
  improvement.published = UnixTime{when};
  return improvement;
}

TEST(PolicyTest, WithoutAFleetServerOnlyTheUsersToggleCounts) {
  const release::Improvement a = Published(1000);
  PolicyInputs inputs;
  EXPECT_EQ(Evaluate(inputs, a, UnixTime{1000}).wait, WaitReason::kNone);
  inputs.auto_install_setting = false;
  EXPECT_EQ(Evaluate(inputs, a, UnixTime{1000}).wait, WaitReason::kAutoInstallOff);
  EXPECT_TRUE(InMaintenanceWindow(inputs, UnixTime{12345}));
}

TEST(PolicyTest, TheAdminCanLockTheToggleEitherWay) {
  const release::Improvement a = Published(1000);
  PolicyInputs inputs;
  inputs.auto_install_setting = false;
  inputs.declarations = Declarations{};
  inputs.declarations->auto_install = AutoInstallLock::kAlwaysOn;
  EXPECT_TRUE(AutoInstallEffective(inputs));
  EXPECT_EQ(Evaluate(inputs, a, UnixTime{1000}).wait, WaitReason::kNone);
  inputs.auto_install_setting = true;
  inputs.declarations->auto_install = AutoInstallLock::kAlwaysOff;
  EXPECT_FALSE(AutoInstallEffective(inputs));
  EXPECT_EQ(Evaluate(inputs, a, UnixTime{1000}).wait, WaitReason::kAutoInstallOff);
}

TEST(PolicyTest, DeferralIsBoundedToNinetyDays) {
  const release::Improvement a = Published(1000);
  PolicyInputs inputs;
  inputs.declarations = Declarations{};
  inputs.declarations->deferral_days = 7;
  PolicyDecision decision = Evaluate(inputs, a, UnixTime{1000 + 6 * 86400});
  EXPECT_EQ(decision.wait, WaitReason::kDeferred);
  EXPECT_EQ(decision.not_before->seconds, 1000 + 7 * 86400);
  EXPECT_EQ(Evaluate(inputs, a, UnixTime{1000 + 7 * 86400}).wait, WaitReason::kNone);
  // A server asking for a year gets 90 days.
  inputs.declarations->deferral_days = 365;
  EXPECT_EQ(Evaluate(inputs, a, UnixTime{1000 + 91 * 86400}).wait, WaitReason::kNone);
  EXPECT_EQ(Evaluate(inputs, a, UnixTime{1000 + 89 * 86400}).wait, WaitReason::kDeferred);
  inputs.declarations->deferral_days = -5;
  EXPECT_EQ(Evaluate(inputs, a, UnixTime{1000}).wait, WaitReason::kNone);
}

TEST(PolicyTest, ApprovalAndHoldsAreByImprovement) {
  const release::Improvement a = Published(1000);
  PolicyInputs inputs;
  inputs.declarations = Declarations{};
  inputs.declarations->approval_required = true;
  EXPECT_EQ(Evaluate(inputs, a, UnixTime{2000}).wait, WaitReason::kAwaitingApproval);
  inputs.declarations->approved.insert("acme-os 26.3.1 (a)");
  EXPECT_EQ(Evaluate(inputs, a, UnixTime{2000}).wait, WaitReason::kNone);
  inputs.declarations->held.insert("acme-os 26.3.1 (a)");
  EXPECT_EQ(Evaluate(inputs, a, UnixTime{2000}).wait, WaitReason::kHeld);
}

TEST(PolicyTest, MaintenanceWindowsMayRunPastMidnight) {
  PolicyInputs inputs;
  inputs.declarations = Declarations{};
  inputs.declarations->window = MaintenanceWindow{23 * 60, 120};  // 23:00-01:00 UTC
  const auto at = [](int hour, int minute) {
    return UnixTime{20 * 86400 + hour * 3600 + minute * 60};
  };
  EXPECT_TRUE(InMaintenanceWindow(inputs, at(23, 0)));
  EXPECT_TRUE(InMaintenanceWindow(inputs, at(0, 59)));
  EXPECT_FALSE(InMaintenanceWindow(inputs, at(1, 0)));
  EXPECT_FALSE(InMaintenanceWindow(inputs, at(22, 59)));
  EXPECT_FALSE(InMaintenanceWindow(inputs, at(12, 0)));
}

TEST(PolicyTest, OutsideTheWindowRestartsWaitForTheNextStart) {
  PolicyInputs inputs;
  const auto at = [](int day, int hour, int minute) {
    return UnixTime{day * 86400 + hour * 3600 + minute * 60};
  };
  // No declarations, or no window: restarts may happen at any time.
  EXPECT_EQ(EvaluateRestart(inputs, at(20, 12, 0)).wait, WaitReason::kNone);
  EXPECT_EQ(NextMaintenanceWindow(inputs, at(20, 12, 0)), at(20, 12, 0));
  inputs.declarations = Declarations{};
  EXPECT_EQ(EvaluateRestart(inputs, at(20, 12, 0)).wait, WaitReason::kNone);

  inputs.declarations->window = MaintenanceWindow{2 * 60, 60};  // 02:00-03:00 UTC
  PolicyDecision before = EvaluateRestart(inputs, at(20, 1, 59));
  EXPECT_EQ(before.wait, WaitReason::kMaintenanceWindow);
  EXPECT_EQ(before.not_before, at(20, 2, 0));
  EXPECT_EQ(EvaluateRestart(inputs, at(20, 2, 0)).wait, WaitReason::kNone);
  EXPECT_EQ(EvaluateRestart(inputs, at(20, 2, 59)).wait, WaitReason::kNone);
  EXPECT_EQ(NextMaintenanceWindow(inputs, at(20, 2, 30)), at(20, 2, 30));
  // After today's window: tomorrow's.
  PolicyDecision after = EvaluateRestart(inputs, at(20, 3, 0));
  EXPECT_EQ(after.wait, WaitReason::kMaintenanceWindow);
  EXPECT_EQ(after.not_before, at(21, 2, 0));
  EXPECT_EQ(WaitReasonName(after.wait), "maintenance-window");

  // A window across midnight, seen from just after it closed.
  inputs.declarations->window = MaintenanceWindow{23 * 60, 120};  // 23:00-01:00
  EXPECT_EQ(EvaluateRestart(inputs, at(20, 0, 30)).wait, WaitReason::kNone);
  EXPECT_EQ(EvaluateRestart(inputs, at(20, 1, 0)).not_before, at(20, 23, 0));
}

}  // namespace
}  // namespace bsi::agent
