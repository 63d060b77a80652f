#include "bsi/release/rollout.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace bsi::release {
namespace {

using testing::CodeOf;

Improvement Published(UnixTime when, Rollout rollout) {
  Improvement improvement;
  improvement.product = "acme-os";
  improvement.base = version::BaseVersion::Parse("26.3.1").value();
  improvement.published = when;
  improvement.rollout = std::move(rollout);
  return improvement;
}

TEST(RolloutTest, PlaceIsStableUniformAndPerImprovement) {
  EXPECT_EQ(RolloutPlace("device-1", "acme-os 26.3.1 (a)"),
            RolloutPlace("device-1", "acme-os 26.3.1 (a)"));
  EXPECT_NE(RolloutPlace("device-1", "acme-os 26.3.1 (a)"),
            RolloutPlace("device-1", "acme-os 26.3.1 (b)"));
  // The "\0" separators keep ("ab", "c") and ("a", "bc") apart.
  EXPECT_NE(RolloutPlace("ab", "c"), RolloutPlace("a", "bc"));
  int buckets[10] = {};
  constexpr int kDevices = 20000;
  for (int i = 0; i < kDevices; ++i) {
    const double place = RolloutPlace("device-" + std::to_string(i), "acme-os 26.3.1 (a)");
    ASSERT_GE(place, 0.0);
    ASSERT_LT(place, 1.0);
    ++buckets[static_cast<int>(place * 10)];
  }
  // Each tenth holds 2000 expected; 5 standard deviations is about 212.
  for (const int count : buckets) {
    EXPECT_GT(count, 2000 - 212);
    EXPECT_LT(count, 2000 + 212);
  }
}

TEST(RolloutTest, WavesOpenOverTime) {
  const UnixTime t0{1'000'000};
  const Improvement improvement = Published(t0, DefaultRollout());
  EXPECT_EQ(AllowedPercent(improvement.rollout, -5), 1);
  EXPECT_EQ(AllowedPercent(improvement.rollout, 0), 1);
  EXPECT_EQ(AllowedPercent(improvement.rollout, 6 * 3600 - 1), 1);
  EXPECT_EQ(AllowedPercent(improvement.rollout, 6 * 3600), 10);
  EXPECT_EQ(AllowedPercent(improvement.rollout, 24 * 3600), 100);
  EXPECT_TRUE(InRollout(improvement, 0.005, t0));
  EXPECT_FALSE(InRollout(improvement, 0.05, t0));
  EXPECT_TRUE(InRollout(improvement, 0.05, UnixTime{t0.seconds + 6 * 3600}));
  EXPECT_FALSE(InRollout(improvement, 0.5, UnixTime{t0.seconds + 6 * 3600}));
  EXPECT_TRUE(InRollout(improvement, 0.999, UnixTime{t0.seconds + 24 * 3600}));
  EXPECT_EQ(EligibleAt(improvement, 0.005)->seconds, t0.seconds);
  EXPECT_EQ(EligibleAt(improvement, 0.05)->seconds, t0.seconds + 6 * 3600);
  EXPECT_EQ(EligibleAt(improvement, 0.5)->seconds, t0.seconds + 24 * 3600);

  Improvement paused = improvement;
  paused.rollout.paused = true;
  EXPECT_FALSE(InRollout(paused, 0.0, UnixTime{t0.seconds + 48 * 3600}));
  EXPECT_FALSE(EligibleAt(paused, 0.0).has_value());
  Improvement withdrawn = improvement;
  withdrawn.withdrawal = Withdrawal{"broken", t0};
  EXPECT_FALSE(InRollout(withdrawn, 0.0, UnixTime{t0.seconds + 48 * 3600}));
  const Improvement half = Published(t0, ParseWaves("0:50").value());
  EXPECT_FALSE(EligibleAt(half, 0.7).has_value());
}

TEST(RolloutTest, ParsesAndFormatsWaves) {
  Result<Rollout> rollout = ParseWaves("0:1,6h:10%,1d:100");
  ASSERT_OK(rollout);
  EXPECT_EQ(rollout->waves, DefaultRollout().waves);
  EXPECT_EQ(FormatWaves(*rollout), "0:1,6h:10,1d:100");
  EXPECT_EQ(FormatWaves(ParseWaves("90s:5,30m:50,7200:100").value()), "90s:5,30m:50,2h:100");
  EXPECT_EQ(ParseWaves("now")->waves, (std::vector<Wave>{{0, 100}}));
  for (const char* bad : {"", "10", "1h:", ":5", "1h:101", "2h:50,1h:60", "0:50,1h:40", "0:5,",
                          "x:5", "-1:5", "1w:5", "0:5,0:6"}) {
    EXPECT_EQ(CodeOf(ParseWaves(bad)), ErrorCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace bsi::release
