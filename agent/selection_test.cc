#include "agent/selection.h"

#include <gtest/gtest.h>

#include "bsi/release/rollout.h"

namespace bsi::agent {
namespace {

constexpr std::int64_t kT0 = 1'800'000'000;

class SelectionTest : public ::testing::Test {
 protected:
  // Letters a..: each changes webkit (versions 26.3.1-<letter>) and carries
  // full, from-base and from-every-earlier-letter payloads.
  release::Improvement Letter(const std::string& letter, std::int64_t published = kT0) {
    release::Improvement improvement;
    improvement.product = "acme-os";
    improvement.base = version::BaseVersion::Parse("26.3.1").value();
    improvement.letter = version::Letter::Parse(letter).value();
    improvement.published = UnixTime{published};
    improvement.components = {{"webkit", "26.3.1", "26.3.1-" + letter, "", ""}};
    improvement.rollout = release::ParseWaves("now").value();
    std::vector<std::optional<std::string>> origins = {std::nullopt, "base"};
    for (char earlier = 'a'; earlier < letter[0]; ++earlier)
      origins.emplace_back(std::string(1, earlier));
    for (const auto& from : origins) {
      const std::string path = release::PayloadTargetPath("acme-os", improvement.base,
                                                          improvement.letter, "webkit", from);
      improvement.payloads.push_back({"webkit", from, path});
      // Full bundles are big, deltas small, and from a nearer letter smaller.
      sizes_[path] = !from.has_value() ? 5'000'000 : *from == "base" ? 60'000 : 10'000;
    }
    return improvement;
  }

  DeviceFacts Device(std::optional<std::string> installed = std::nullopt) {
    DeviceFacts device;
    device.device_id = "device-17";
    device.product = "acme-os";
    device.base = version::BaseVersion::Parse("26.3.1").value();
    if (installed.has_value()) {
      device.installed = version::ImprovementVersion::Parse("26.3.1 (" + *installed + ")").value();
      device.component_versions["webkit"] = "26.3.1-" + *installed;
    }
    return device;
  }

  Decision Run(const DeviceFacts& device, const std::vector<release::Improvement>& all,
               const PolicyInputs& policy = {}, std::int64_t now = kT0 + 60) {
    return Decide(device, all, sizes_, policy, UnixTime{now});
  }

  std::map<std::string, std::uint64_t> sizes_;
};

TEST_F(SelectionTest, InstallsTheHighestLetterWithTheSmallestPayload) {
  const std::vector<release::Improvement> all = {Letter("a"), Letter("b")};
  Decision fresh = Run(Device(), all);
  ASSERT_EQ(fresh.action, Action::kInstall);
  EXPECT_EQ(fresh.improvement->letter.ToString(), "b");
  ASSERT_EQ(fresh.payloads.size(), 1u);
  EXPECT_EQ(fresh.payloads[0].path, "acme-os/26.3.1/b/webkit-from-base.bundle");

  Decision from_a = Run(Device("a"), all);
  ASSERT_EQ(from_a.action, Action::kInstall);
  EXPECT_EQ(from_a.payloads[0].path, "acme-os/26.3.1/b/webkit-from-a.bundle");

  EXPECT_EQ(Run(Device("b"), all).reason, Reason::kUpToDate);
  // A device running a component version no record knows gets the full bundle.
  DeviceFacts odd = Device();
  odd.component_versions["webkit"] = "local-build";
  EXPECT_EQ(Run(odd, all).payloads[0].path, "acme-os/26.3.1/b/webkit-full.bundle");
  // Without sizes for the deltas, only the full bundle is chosen.
  sizes_.clear();
  EXPECT_EQ(Run(Device("a"), all).payloads[0].path, "acme-os/26.3.1/b/webkit-full.bundle");
}

TEST_F(SelectionTest, OnlyTheDevicesProductAndBaseCount) {
  release::Improvement other_product = Letter("c");
  other_product.product = "acme-kiosk";
  release::Improvement other_base = Letter("d");
  other_base.base = version::BaseVersion::Parse("26.3.2").value();
  EXPECT_EQ(Run(Device(), {other_product, other_base}).reason, Reason::kNoImprovements);
  EXPECT_EQ(Run(Device(), {Letter("a"), other_product}).improvement->product, "acme-os");
}

TEST_F(SelectionTest, AWithdrawnRunningLetterRollsBackToTheHighestGoodOneBelow) {
  release::Improvement b = Letter("b");
  b.withdrawal = release::Withdrawal{"crashes", UnixTime{kT0 + 30}};
  Decision back = Run(Device("b"), {Letter("a"), b});
  ASSERT_EQ(back.action, Action::kRollBack);
  EXPECT_EQ(back.reason, Reason::kWithdrawn);
  EXPECT_EQ(back.rollback_to->ToString(), "a");

  release::Improvement a = Letter("a");
  a.withdrawal = b.withdrawal;
  Decision to_base = Run(Device("b"), {a, b});
  ASSERT_EQ(to_base.action, Action::kRollBack);
  EXPECT_FALSE(to_base.rollback_to.has_value());

  // A withdrawn letter is never installed; a later one replaces it.
  EXPECT_EQ(Run(Device(), {b}).reason, Reason::kUpToDate);
  Decision replaced = Run(Device("a"), {Letter("a"), b, Letter("c")});
  ASSERT_EQ(replaced.action, Action::kInstall);
  EXPECT_EQ(replaced.improvement->letter.ToString(), "c");
  EXPECT_EQ(replaced.payloads[0].path, "acme-os/26.3.1/c/webkit-from-a.bundle");
}

TEST_F(SelectionTest, AFullOsUpdateDropsTheOldBasesImprovement) {
  DeviceFacts device = Device("a");
  device.base = version::BaseVersion::Parse("26.4").value();
  Decision decision = Run(device, {Letter("a")});
  EXPECT_EQ(decision.action, Action::kDropSuperseded);
  EXPECT_EQ(decision.reason, Reason::kBaseChanged);
}

TEST_F(SelectionTest, RolloutWavesAndPauseMakeTheDeviceWait) {
  release::Improvement a = Letter("a");
  a.rollout = release::ParseWaves("0:0,1d:100").value();  // nobody at first
  Decision waiting = Run(Device(), {a});
  ASSERT_EQ(waiting.action, Action::kWait);
  EXPECT_EQ(waiting.reason, Reason::kNotInWaveYet);
  EXPECT_EQ(waiting.not_before->seconds, kT0 + 86400);
  EXPECT_EQ(Run(Device(), {a}, {}, kT0 + 86400).action, Action::kInstall);
  a.rollout.paused = true;
  EXPECT_EQ(Run(Device(), {a}, {}, kT0 + 86400).reason, Reason::kRolloutPaused);
}

TEST_F(SelectionTest, PolicyWaitsAreReportedAndALowerAllowedLetterGoesMeanwhile) {
  PolicyInputs off;
  off.auto_install_setting = false;
  Decision nothing = Run(Device(), {Letter("a")}, off);
  ASSERT_EQ(nothing.action, Action::kWait);
  EXPECT_EQ(nothing.reason, Reason::kPolicy);
  EXPECT_EQ(nothing.wait, WaitReason::kAutoInstallOff);

  PolicyInputs approval;
  approval.declarations = Declarations{};
  approval.declarations->approval_required = true;
  approval.declarations->approved = {"acme-os 26.3.1 (a)"};
  Decision lower = Run(Device(), {Letter("a"), Letter("b")}, approval);
  ASSERT_EQ(lower.action, Action::kInstall);
  EXPECT_EQ(lower.improvement->letter.ToString(), "a");
  EXPECT_EQ(lower.pending->letter.ToString(), "b");
  EXPECT_EQ(lower.pending_wait, WaitReason::kAwaitingApproval);
}

TEST_F(SelectionTest, ARemovedLetterIsNotReinstalledUntilANewerOneComes) {
  DeviceFacts device = Device();
  device.removed = version::Letter::Parse("a").value();
  EXPECT_EQ(Run(device, {Letter("a")}).reason, Reason::kUpToDate);
  Decision newer = Run(device, {Letter("a"), Letter("b")});
  ASSERT_EQ(newer.action, Action::kInstall);
  EXPECT_EQ(newer.improvement->letter.ToString(), "b");
}

TEST_F(SelectionTest, DevicesFallIntoWavesByTheirPlace) {
  release::Improvement a = Letter("a");
  a.rollout = release::ParseWaves("0:10,1d:100").value();
  int installing = 0;
  for (int i = 0; i < 2000; ++i) {
    DeviceFacts device = Device();
    device.device_id = "device-" + std::to_string(i);
    if (Run(device, {a}).action == Action::kInstall) ++installing;
  }
  EXPECT_GT(installing, 140);  // about 10% of 2000
  EXPECT_LT(installing, 260);
}

TEST_F(SelectionTest, InstallsThatRestartUnitsWaitForTheMaintenanceWindow) {
  const std::int64_t day = (kT0 / 86400 + 1) * 86400;  // a midnight after kT0
  PolicyInputs policy;
  policy.declarations = Declarations{};
  policy.declarations->window = MaintenanceWindow{2 * 60, 60};  // 02:00-03:00 UTC
  DeviceFacts device = Device();
  const std::vector<release::Improvement> all = {Letter("a")};

  // No restart command for webkit: the window does not matter.
  EXPECT_EQ(Run(device, all, policy, day + 12 * 3600).action, Action::kInstall);

  device.restart_components = {"webkit"};
  Decision outside = Run(device, all, policy, day + 12 * 3600);
  ASSERT_EQ(outside.action, Action::kWait);
  EXPECT_EQ(outside.reason, Reason::kPolicy);
  EXPECT_EQ(outside.wait, WaitReason::kMaintenanceWindow);
  EXPECT_EQ(outside.not_before, UnixTime{day + 86400 + 2 * 3600});  // tomorrow 02:00
  EXPECT_EQ(Run(device, all, policy, day + 2 * 3600 + 60).action, Action::kInstall);

  // Another policy reason comes first (the window is the last hold).
  policy.auto_install_setting = false;
  EXPECT_EQ(Run(device, all, policy, day + 12 * 3600).wait, WaitReason::kAutoInstallOff);
  policy.auto_install_setting = true;

  // A component without a restart command is not held back by another's.
  device.restart_components = {"kernel-module"};
  EXPECT_EQ(Run(device, all, policy, day + 12 * 3600).action, Action::kInstall);
}

TEST_F(SelectionTest, RollbacksOfWithdrawnLettersDoNotWaitForTheWindow) {
  const std::int64_t day = (kT0 / 86400 + 1) * 86400;
  PolicyInputs policy;
  policy.declarations = Declarations{};
  policy.declarations->window = MaintenanceWindow{2 * 60, 60};
  DeviceFacts device = Device("b");
  device.restart_components = {"webkit"};
  release::Improvement b = Letter("b");
  b.withdrawal = release::Withdrawal{"crashes", UnixTime{kT0 + 10}};
  Decision decision = Run(device, {Letter("a"), b}, policy, day + 12 * 3600);
  EXPECT_EQ(decision.action, Action::kRollBack);
  EXPECT_EQ(decision.rollback_to->ToString(), "a");
}

TEST_F(SelectionTest, HoldForExplainsEachImprovement) {
  DeviceFacts device = Device();
  release::Improvement paused = Letter("a");
  paused.rollout.paused = true;
  EXPECT_EQ(HoldFor(device, paused, {}, UnixTime{kT0 + 60})->reason, Reason::kRolloutPaused);
  PolicyInputs policy;
  policy.declarations = Declarations{};
  policy.declarations->approval_required = true;
  const std::optional<Hold> hold = HoldFor(device, Letter("a"), policy, UnixTime{kT0 + 60});
  ASSERT_TRUE(hold.has_value());
  EXPECT_EQ(hold->wait, WaitReason::kAwaitingApproval);
  policy.declarations->approved = {"acme-os 26.3.1 (a)"};
  EXPECT_FALSE(HoldFor(device, Letter("a"), policy, UnixTime{kT0 + 60}).has_value());
}

}  // namespace
}  // namespace bsi::agent
