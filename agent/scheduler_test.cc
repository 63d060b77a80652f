#include "agent/scheduler.h"

#include <gtest/gtest.h>

namespace bsi::agent {
namespace {

using std::chrono::milliseconds;

TEST(SchedulerTest, WaitsTheIntervalWithTenPercentJitter) {
  EXPECT_EQ(NextWait(3600, 0, 0.5), milliseconds(3'600'000));
  EXPECT_EQ(NextWait(3600, 0, 0.0), milliseconds(3'240'000));
  EXPECT_EQ(NextWait(3600, 0, 1.0), milliseconds(3'960'000));
  EXPECT_EQ(NextWait(10, 0, 0.5), milliseconds(10'000));
  // Outside [0, 1]: clamped.
  EXPECT_EQ(NextWait(3600, 0, -3.0), milliseconds(3'240'000));
  EXPECT_EQ(NextWait(3600, 0, 7.0), milliseconds(3'960'000));
}

TEST(SchedulerTest, BacksOffFromAMinuteDoublingNeverBeyondTheInterval) {
  EXPECT_EQ(NextWait(3600, 1, 0.5), milliseconds(60'000));
  EXPECT_EQ(NextWait(3600, 2, 0.5), milliseconds(120'000));
  EXPECT_EQ(NextWait(3600, 3, 0.5), milliseconds(240'000));
  EXPECT_EQ(NextWait(3600, 6, 0.5), milliseconds(1'920'000));
  EXPECT_EQ(NextWait(3600, 7, 0.5), milliseconds(3'600'000));
  EXPECT_EQ(NextWait(3600, 1000, 0.5), milliseconds(3'600'000));
  // A short interval caps even the first backoff.
  EXPECT_EQ(NextWait(30, 1, 0.5), milliseconds(30'000));
  // The doubling stops at 2^10 minutes, so no shift overflows.
  const std::int64_t day = std::int64_t{24} * 3600;
  EXPECT_EQ(NextWait(100 * day, 11, 0.5), milliseconds(std::int64_t{60'000} << 10));
  EXPECT_EQ(NextWait(100 * day, 1'000'000, 0.5), milliseconds(std::int64_t{60'000} << 10));
  EXPECT_EQ(NextWait(100 * day, 1, 0.0), milliseconds(54'000));
  // The longest interval stays within range.
  EXPECT_EQ(NextWait(kMaxSchedulerInterval, 0, 1.0), milliseconds(kMaxSchedulerInterval * 1100));
}

TEST(SchedulerTest, ParsesItsThreeArgumentsInAnyOrder) {
  Result<SchedulerArgs> args = ParseSchedulerArgs(
      {"--agent", "/usr/bin/bsi-agent", "--config", "/etc/bsi/agent.toml", "--interval", "3600"});
  ASSERT_TRUE(args.ok()) << args.error().ToString();
  EXPECT_FALSE(args->help);
  EXPECT_EQ(args->agent, "/usr/bin/bsi-agent");
  EXPECT_EQ(args->config, "/etc/bsi/agent.toml");
  EXPECT_EQ(args->interval_seconds, 3600);
  args = ParseSchedulerArgs({"--interval", "10", "--config", "/c", "--agent", "/a"});
  ASSERT_TRUE(args.ok()) << args.error().ToString();
  EXPECT_EQ(args->agent, "/a");
  EXPECT_EQ(args->config, "/c");
  EXPECT_EQ(args->interval_seconds, 10);
  args = ParseSchedulerArgs({"--help"});
  ASSERT_TRUE(args.ok());
  EXPECT_TRUE(args->help);
  EXPECT_NE(SchedulerUsage().find("--agent PATH"), std::string::npos);
  EXPECT_NE(SchedulerUsage().find("SIGUSR1"), std::string::npos);
}

TEST(SchedulerTest, RefusesAnythingElseNamingWhatIsWrong) {
  const auto error = [](const std::vector<std::string>& args) {
    Result<SchedulerArgs> parsed = ParseSchedulerArgs(args);
    EXPECT_FALSE(parsed.ok());
    if (parsed.ok()) return std::string();
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
    return parsed.error().message();
  };
  const std::vector<std::string> good = {"--agent", "/a", "--config", "/c", "--interval", "60"};
  EXPECT_EQ(error({}), "--agent is required");
  EXPECT_EQ(error({"--agent", "/a", "--interval", "60"}), "--config is required");
  EXPECT_EQ(error({"--agent", "/a", "--config", "/c"}), "--interval is required");
  EXPECT_EQ(error({"--config", "/c", "--interval", "60"}), "--agent is required");
  EXPECT_EQ(error({"--agent", "/a", "--agent", "/b", "--config", "/c", "--interval", "60"}),
            "--agent given twice");
  EXPECT_EQ(error({"--agent", "/a", "--config", "/c", "--interval"}), "--interval needs a value");
  EXPECT_EQ(error({"--agent", "/a", "--config", "/c", "--interval", "60", "--verbose"}),
            "unknown argument '--verbose'");
  EXPECT_EQ(error({"run", "--agent", "/a"}), "unknown argument 'run'");
  EXPECT_EQ(error({"--agent=/a", "--config", "/c", "--interval", "60"}),
            "unknown argument '--agent=/a'");
  EXPECT_EQ(error({"--help", "--agent", "/a"}), "unknown argument '--help'");
  EXPECT_EQ(error({"--agent", "bsi-agent", "--config", "/c", "--interval", "60"}),
            "--agent: 'bsi-agent' is not an absolute path");
  EXPECT_EQ(error({"--agent", "/a", "--config", "", "--interval", "60"}),
            "--config: '' is not an absolute path");
  for (const std::string bad : {"", "0", "-5", "+5", "1h", " 60", "60 ", "0x10", "1.5",
                                "99999999999999999999", "3153600001"}) {
    std::vector<std::string> args = good;
    args[5] = bad;
    EXPECT_EQ(error(args),
              "--interval: '" + bad + "' is not a number of seconds from 1 to 3153600000")
        << bad;
  }
  std::vector<std::string> longest = good;
  longest[5] = "3153600000";
  EXPECT_TRUE(ParseSchedulerArgs(longest).ok());
}

TEST(SchedulerTest, TheSummaryIsOneLineWithoutControlBytesAndBounded) {
  EXPECT_EQ(SummaryLine("installed acme-os 26.3.1 (a)\n"), "installed acme-os 26.3.1 (a)");
  EXPECT_EQ(SummaryLine("up-to-date"), "up-to-date");
  EXPECT_EQ(SummaryLine(""), "");
  EXPECT_EQ(SummaryLine("first\nSTATUS=second\n"), "first");
  EXPECT_EQ(SummaryLine("a\tb\rc\x1b[31md\x7f"), "a?b?c?[31md?");
  EXPECT_EQ(SummaryLine(std::string("nul\0byte", 8)), "nul?byte");
  EXPECT_EQ(SummaryLine("26.3.1 (\xc3\xa0)"), "26.3.1 (\xc3\xa0)");  // UTF-8 is kept
  EXPECT_EQ(SummaryLine(std::string(10'000, 'x')).size(), kMaxSummaryBytes);
}

}  // namespace
}  // namespace bsi::agent
