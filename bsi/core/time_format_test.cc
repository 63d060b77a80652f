#include "bsi/core/time_format.h"

#include <chrono>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "testing/fake_clock.h"

namespace bsi {
namespace {

constexpr std::int64_t kDay = 86400;

std::int64_t Parsed(const std::string& text) {
  Result<UnixTime> time = ParseUtcTimestamp(text);
  EXPECT_TRUE(time.ok()) << text;
  return time.ok() ? time->seconds : -1;
}

TEST(TimeFormatTest, Epoch) {
  EXPECT_EQ(Parsed("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(FormatUtcTimestamp(UnixTime{0}), "1970-01-01T00:00:00Z");
}

TEST(TimeFormatTest, KnownInstants) {
  EXPECT_EQ(Parsed("2030-01-01T00:00:00Z"), 1893456000);
  EXPECT_EQ(Parsed("2001-09-09T01:46:40Z"), 1000000000);
  EXPECT_EQ(Parsed("2038-01-19T03:14:07Z"), 2147483647);  // past int32 next second
  EXPECT_EQ(Parsed("2038-01-19T03:14:08Z"), 2147483648);
  EXPECT_EQ(Parsed("1969-12-31T23:59:59Z"), -1);
  EXPECT_EQ(FormatUtcTimestamp(UnixTime{-1}), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatUtcTimestamp(UnixTime{1893456000}), "2030-01-01T00:00:00Z");
}

TEST(TimeFormatTest, YearBounds) {
  EXPECT_EQ(Parsed("9999-12-31T23:59:59Z"), 253402300799);
  EXPECT_EQ(FormatUtcTimestamp(UnixTime{253402300799}), "9999-12-31T23:59:59Z");
  EXPECT_EQ(Parsed("0000-01-01T00:00:00Z"), -62167219200);
  EXPECT_EQ(FormatUtcTimestamp(UnixTime{-62167219200}), "0000-01-01T00:00:00Z");
}

TEST(TimeFormatTest, LeapYears) {
  // Divisible by 400: leap.
  EXPECT_EQ(Parsed("2000-02-29T00:00:00Z"), 951782400);
  EXPECT_EQ(Parsed("2000-03-01T00:00:00Z") - Parsed("2000-02-28T00:00:00Z"), 2 * kDay);
  // Divisible by 4: leap.
  EXPECT_EQ(Parsed("2024-02-29T12:00:00Z"), 1709208000);
  // Divisible by 100 but not 400: not leap.
  EXPECT_FALSE(ParseUtcTimestamp("1900-02-29T00:00:00Z").ok());
  EXPECT_FALSE(ParseUtcTimestamp("2100-02-29T00:00:00Z").ok());
  EXPECT_EQ(Parsed("2100-03-01T00:00:00Z") - Parsed("2100-02-28T00:00:00Z"), kDay);
  EXPECT_EQ(Parsed("1900-03-01T00:00:00Z") - Parsed("1900-02-28T00:00:00Z"), kDay);
  // Not divisible by 4: not leap.
  EXPECT_FALSE(ParseUtcTimestamp("2023-02-29T00:00:00Z").ok());
  // Year lengths.
  EXPECT_EQ(Parsed("2001-01-01T00:00:00Z") - Parsed("2000-01-01T00:00:00Z"), 366 * kDay);
  EXPECT_EQ(Parsed("1901-01-01T00:00:00Z") - Parsed("1900-01-01T00:00:00Z"), 365 * kDay);
}

TEST(TimeFormatTest, LastDayOfEveryMonth) {
  const char* const kLastDays[] = {"31", "28", "31", "30", "31", "30",
                                   "31", "31", "30", "31", "30", "31"};
  for (int month = 1; month <= 12; ++month) {
    char mm[3] = {static_cast<char>('0' + month / 10), static_cast<char>('0' + month % 10), 0};
    const std::string last = std::string("2023-") + mm + "-" + kLastDays[month - 1] + "T00:00:00Z";
    EXPECT_TRUE(ParseUtcTimestamp(last).ok()) << last;
    const int next_day = std::stoi(kLastDays[month - 1]) + 1;
    const std::string after =
        std::string("2023-") + mm + "-" + std::to_string(next_day) + "T00:00:00Z";
    EXPECT_FALSE(ParseUtcTimestamp(after).ok()) << after;
  }
}

TEST(TimeFormatTest, RoundTripFromSeconds) {
  // Steps that are not a multiple of a day, so that every field varies.
  for (std::int64_t t = -62167219200; t <= 253402300799; t += std::int64_t{7919} * 3607) {
    const std::string text = FormatUtcTimestamp(UnixTime{t});
    Result<UnixTime> back = ParseUtcTimestamp(text);
    ASSERT_TRUE(back.ok()) << text;
    ASSERT_EQ(back->seconds, t) << text;
  }
}

TEST(TimeFormatTest, RoundTripFromText) {
  for (const char* text : {"2000-02-29T23:59:59Z", "1999-12-31T23:59:59Z", "2030-06-15T08:09:10Z",
                           "1900-01-01T00:00:00Z", "0001-01-01T00:00:00Z"}) {
    Result<UnixTime> time = ParseUtcTimestamp(text);
    ASSERT_TRUE(time.ok()) << text;
    EXPECT_EQ(FormatUtcTimestamp(*time), text);
  }
}

TEST(TimeFormatTest, RejectsAnythingElse) {
  for (const char* text : {
           "",
           "2030-01-01T00:00:00",        // no Z
           "2030-01-01T00:00:00ZZ",      // too long
           "2030-1-01T00:00:00Z",        // too short
           "2030-01-01T00:00:00+01:00",  // offset
           "2030-01-01T00:00:00+00:00",  // even a zero offset
           "2030-01-01T00:00:00.5Z",     // fraction
           "2030-01-01T00:00:00.000Z",
           "2030-13-01T00:00:00Z",  // month 13
           "2030-00-01T00:00:00Z",  // month 0
           "2030-01-00T00:00:00Z",  // day 0
           "2030-01-32T00:00:00Z",
           "2030-02-30T00:00:00Z",  // February 30
           "2030-04-31T00:00:00Z",
           "2030-01-01T24:00:00Z",  // hour 24
           "2030-01-01T00:60:00Z",
           "2030-01-01T00:00:60Z",  // no leap seconds
           "2030-0a-01T00:00:00Z",  // non-digits
           "+030-01-01T00:00:00Z",
           "2030-01-01T0 :00:00Z",
           "2030-01-01T00:00:-1Z",
           "2030-01-01t00:00:00Z",  // lowercase separator
           "2030-01-01T00:00:00z",
           "2030-01-01 00:00:00Z",  // space separator
           "2030/01/01T00:00:00Z",
           "20300101T000000Z",  // basic format
       }) {
    Result<UnixTime> time = ParseUtcTimestamp(text);
    ASSERT_FALSE(time.ok()) << text;
    EXPECT_EQ(time.error().code(), ErrorCode::kMalformed) << text;
    EXPECT_NE(time.error().message().find(text), std::string::npos) << text;
  }
}

TEST(TimeFormatTest, RejectsEmbeddedNul) {
  const std::string text("2030-01-01T00:00:0\0Z", 20);
  EXPECT_FALSE(ParseUtcTimestamp(text).ok());
}

// FakeClock (testing/) drives every expiry test; pin its behaviour here.
TEST(FakeClockTest, SetMovesOnlyWallTimeAndAdvanceMovesBoth) {
  ::bsi::testing::FakeClock clock(ParseUtcTimestamp("2030-01-01T00:00:00Z").value());
  const auto start = clock.MonotonicNow();
  clock.Advance(90);
  EXPECT_EQ(FormatUtcTimestamp(clock.Now()), "2030-01-01T00:01:30Z");
  EXPECT_EQ(clock.MonotonicNow() - start, std::chrono::seconds(90));
  clock.Set(UnixTime{0});  // a step back, as a clock attack would do
  EXPECT_EQ(clock.Now(), UnixTime{0});
  EXPECT_EQ(clock.MonotonicNow() - start, std::chrono::seconds(90));
  clock.AdvanceMonotonic(std::chrono::milliseconds(250));
  EXPECT_EQ(clock.Now(), UnixTime{0});
  EXPECT_EQ(clock.MonotonicNow() - start, std::chrono::milliseconds(90'250));
}

}  // namespace
}  // namespace bsi

namespace bsi {
namespace {

TEST(DurationTest, ParsesAndFormatsDurations) {
  EXPECT_EQ(ParseDuration("0").value(), 0);
  EXPECT_EQ(ParseDuration("90").value(), 90);
  EXPECT_EQ(ParseDuration("90s").value(), 90);
  EXPECT_EQ(ParseDuration("30m").value(), 1800);
  EXPECT_EQ(ParseDuration("6h").value(), 21600);
  EXPECT_EQ(ParseDuration("7d").value(), 604800);
  for (const char* bad : {"", "h", "-1", "1w", "1.5h", " 1", "99999999999999999999d"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
  EXPECT_EQ(FormatDuration(0), "0");
  EXPECT_EQ(FormatDuration(90), "90s");
  EXPECT_EQ(FormatDuration(7200), "2h");
  EXPECT_EQ(FormatDuration(86400 * 3), "3d");
}

}  // namespace
}  // namespace bsi
