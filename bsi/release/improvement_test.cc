#include "bsi/release/improvement.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace bsi::release {
namespace {

using testing::CodeOf;

Improvement Sample() {
  Improvement improvement;
  improvement.product = "acme-os";
  improvement.base = version::BaseVersion::Parse("26.3.1").value();
  improvement.letter = version::Letter::Parse("b").value();
  improvement.published = UnixTime{1'790'000'000};
  const std::string d1(64, 'a'), d2(64, '0');
  improvement.components = {{"webkit", "620.1", "620.1.1", d1, d2},
                            {"libssl", "3.0.11", "3.0.11-1", d2, d1}};
  improvement.cves = {{"CVE-2026-20643", Severity::kHigh, "Use after free in the JIT."},
                      {"CVE-2026-1234", Severity::kUnknown, ""}};
  for (const char* component : {"webkit", "libssl"}) {
    for (const std::optional<std::string>& from :
         {std::optional<std::string>(), std::optional<std::string>("base"),
          std::optional<std::string>("a")}) {
      improvement.payloads.push_back(
          {component, from,
           PayloadTargetPath("acme-os", improvement.base, improvement.letter, component, from)});
    }
  }
  improvement.rollout = DefaultRollout();
  return improvement;
}

// Parses v after a change made by edit to its JSON form.
template <typename Edit>
Result<Improvement> ParseEdited(Edit edit) {
  json::Value value = ToJson(Sample());
  edit(value.object());
  return ParseImprovement(value);
}

TEST(ImprovementTest, RoundTripsThroughJson) {
  Improvement improvement = Sample();
  Result<Improvement> back = ParseImprovement(ToJson(improvement));
  ASSERT_OK(back);
  EXPECT_EQ(ToJson(*back), ToJson(improvement));
  EXPECT_EQ(back->Id(), "acme-os 26.3.1 (b)");

  improvement.withdrawal = Withdrawal{"crashes on start", UnixTime{1'790'003'600}};
  improvement.superseded_by = version::BaseVersion::Parse("26.4").value();
  improvement.rollout.paused = true;
  back = ParseImprovement(ToJson(improvement));
  ASSERT_OK(back);
  EXPECT_EQ(back->withdrawal->reason, "crashes on start");
  EXPECT_EQ(back->withdrawal->time.seconds, 1'790'003'600);
  EXPECT_EQ(back->superseded_by->ToString(), "26.4");
  EXPECT_TRUE(back->rollout.paused);
  EXPECT_EQ(RecordType(json::Value(json::Object{{"bsi", ToJson(improvement)}})), "improvement");
  EXPECT_EQ(RecordType(std::nullopt), std::nullopt);
  EXPECT_EQ(RecordType(json::Value(json::Object{{"other", 1}})), std::nullopt);
}

TEST(ImprovementTest, PathsAreFixedByTheRecord) {
  const Improvement improvement = Sample();
  EXPECT_EQ(ImprovementTargetPath("acme-os", improvement.base, improvement.letter),
            "acme-os/26.3.1/b/notes.md");
  EXPECT_EQ(improvement.payloads[0].path, "acme-os/26.3.1/b/webkit-full.bundle");
  EXPECT_EQ(improvement.payloads[1].path, "acme-os/26.3.1/b/webkit-from-base.bundle");
  EXPECT_EQ(improvement.payloads[2].path, "acme-os/26.3.1/b/webkit-from-a.bundle");
  EXPECT_EQ(CodeOf(ParseEdited([](json::Object& o) {
              o["payloads"].array()[0].object()["path"] = "acme-os/26.3.1/b/../../evil";
            })),
            ErrorCode::kMalformed);
}

TEST(ImprovementTest, RefusesRecordsOutOfShape) {
  const std::vector<std::pair<std::string, std::function<void(json::Object&)>>> cases = {
      {"newer format", [](json::Object& o) { o["format"] = 2; }},
      {"payload type", [](json::Object& o) { o["type"] = "payload"; }},
      {"unknown field", [](json::Object& o) { o["install_script"] = "rm -rf /"; }},
      {"bad product", [](json::Object& o) { o["product"] = "Acme OS"; }},
      {"bad base", [](json::Object& o) { o["base"] = "26.x"; }},
      {"bad letter", [](json::Object& o) { o["letter"] = "B"; }},
      {"bad time", [](json::Object& o) { o["published"] = "yesterday"; }},
      {"no components", [](json::Object& o) { o["components"] = json::Array{}; }},
      {"duplicate component",
       [](json::Object& o) { o["components"].array()[1] = o["components"].array()[0]; }},
      {"component name with slash",
       [](json::Object& o) { o["components"].array()[0].object()["name"] = "../x"; }},
      {"short tree digest",
       [](json::Object& o) { o["components"].array()[0].object()["tree"] = "abc"; }},
      {"bad cve id", [](json::Object& o) { o["cves"].array()[0].object()["id"] = "CVE-26-1"; }},
      {"duplicate cve", [](json::Object& o) { o["cves"].array()[1] = o["cves"].array()[0]; }},
      {"bad severity", [](json::Object& o) { o["cves"].array()[0].object()["severity"] = "HIGH"; }},
      {"payload for another component",
       [](json::Object& o) { o["payloads"].array()[0].object()["component"] = "kernel"; }},
      {"payload from nowhere",
       [](json::Object& o) { o["payloads"].array()[1].object()["from"] = "yesterday"; }},
      {"no waves", [](json::Object& o) { o["rollout"].object()["waves"] = json::Array{}; }},
      {"shrinking waves",
       [](json::Object& o) {
         o["rollout"].object()["waves"] = json::Array{json::Object{{"after", 0}, {"percent", 50}},
                                                      json::Object{{"after", 10}, {"percent", 5}}};
       }},
      {"percent above 100",
       [](json::Object& o) {
         o["rollout"].object()["waves"] = json::Array{json::Object{{"after", 0}, {"percent", 101}}};
       }},
      {"empty withdrawal reason",
       [](json::Object& o) {
         o["withdrawal"] = json::Object{{"reason", ""}, {"time", "2026-01-01T00:00:00Z"}};
       }},
      {"superseded by garbage", [](json::Object& o) { o["superseded_by"] = 26; }},
  };
  for (const auto& [name, edit] : cases) {
    SCOPED_TRACE(name);
    EXPECT_EQ(CodeOf(ParseEdited(edit)), ErrorCode::kMalformed);
  }
  EXPECT_EQ(CodeOf(ParseImprovement(json::Value("text"))), ErrorCode::kMalformed);
}

TEST(ImprovementTest, PayloadRecordsRoundTripAndAreChecked) {
  PayloadRecord record{"acme-os",
                       version::BaseVersion::Parse("26.3.1").value(),
                       version::Letter::Parse("a").value(),
                       "webkit",
                       "base",
                       "620.1.1"};
  Result<PayloadRecord> back = ParsePayloadRecord(ToJson(record));
  ASSERT_OK(back);
  EXPECT_EQ(ToJson(*back), ToJson(record));
  record.from.reset();
  back = ParsePayloadRecord(ToJson(record));
  ASSERT_OK(back);
  EXPECT_FALSE(back->from.has_value());
  json::Value bad = ToJson(record);
  bad.object()["version"] = "1 2";
  EXPECT_EQ(CodeOf(ParsePayloadRecord(bad)), ErrorCode::kMalformed);
  EXPECT_EQ(CodeOf(ParsePayloadRecord(ToJson(Sample()))), ErrorCode::kMalformed);
}

TEST(ImprovementTest, NamesIdsAndSeverities) {
  EXPECT_OK(CheckCveId("CVE-2026-20643"));
  EXPECT_OK(CheckCveId("CVE-1999-0001"));
  for (const char* bad : {"", "CVE-2026-123", "cve-2026-1234", "CVE-2026-12a4", "CVE-20261-1234",
                          "CVE-2026-12345678901234567890"}) {
    EXPECT_EQ(CodeOf(CheckCveId(bad)), ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_OK(CheckName("product", "acme-os"));
  EXPECT_OK(CheckName("component", "libssl3.0_x"));
  for (const char* bad : {"", "-x", ".hidden", "Acme", "a/b", "a b"}) {
    EXPECT_EQ(CodeOf(CheckName("product", bad)), ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(CodeOf(CheckName("product", std::string(65, 'a'))), ErrorCode::kInvalidArgument);
  EXPECT_OK(CheckComponentVersion("620.1.1+deb12u1~a"));
  for (const char* bad : {"1/2", "", "-1", "1 2", "1:2"}) {
    EXPECT_EQ(CodeOf(CheckComponentVersion(bad)), ErrorCode::kInvalidArgument) << bad;
  }
  for (const Severity s : {Severity::kUnknown, Severity::kLow, Severity::kMedium, Severity::kHigh,
                           Severity::kCritical}) {
    EXPECT_EQ(ParseSeverity(SeverityName(s)).value(), s);
  }
  EXPECT_EQ(CodeOf(ParseSeverity("severe")), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace bsi::release
