#include <gtest/gtest.h>

#include "bsi/advisory/notes.h"
#include "bsi/advisory/notes_test_util.h"

namespace bsi::advisory {
namespace {

const std::string& Str(const json::Value& value, std::string_view key) {
  const json::Value* member = value.Find(key);
  EXPECT_NE(member, nullptr) << key;
  static const std::string kMissing = "<missing>";
  return member != nullptr && member->is_string() ? member->string_value() : kMissing;
}

TEST(AdvisoryOsvTest, PlainRecord) {
  const NotesInput input = testing::PlainInput();
  const json::Value osv = RenderOsv(input, input.improvement.cves[0]);
  EXPECT_EQ(Str(osv, "schema_version"), "1.6.0");
  EXPECT_EQ(Str(osv, "id"), "BSI-acme-os-26.3.1-a-CVE-2026-20643");
  EXPECT_EQ(osv.Find("aliases")->array(), json::Array{"CVE-2026-20643"});
  EXPECT_EQ(Str(osv, "published"), "2026-09-21T14:13:20Z");
  EXPECT_EQ(Str(osv, "modified"), "2026-09-21T21:13:20Z");  // now
  EXPECT_EQ(osv.Find("withdrawn"), nullptr);
  EXPECT_EQ(Str(osv, "summary"),
            "CVE-2026-20643 in acme-os 26.3.1, fixed by improvement 26.3.1 (a)");
  EXPECT_EQ(
      Str(osv, "details"),
      "Use after free in the JavaScript JIT.\n\nSeverity, as rated by Acme Corp: High.\n\n"
      "Fixed in acme-os 26.3.1 (a), a Background Security Improvement for acme-os 26.3.1 "
      "published at 2026-09-21T14:13:20Z, which updates:\n\n- webkit from 620.1 to 620.1.1\n");
  const json::Value& specific = *osv.Find("database_specific");
  EXPECT_EQ(Str(specific, "product"), "acme-os");
  EXPECT_EQ(Str(specific, "base"), "26.3.1");
  EXPECT_EQ(Str(specific, "letter"), "a");
  EXPECT_EQ(Str(specific, "improvement"), "26.3.1 (a)");
  EXPECT_EQ(Str(specific, "severity"), "high");
  const json::Array& affected = osv.Find("affected")->array();
  ASSERT_EQ(affected.size(), 1u);
  EXPECT_EQ(affected[0].Find("package"), nullptr);
  EXPECT_EQ(affected[0].Find("versions")->array(), json::Array{"620.1"});
  EXPECT_EQ(Str(*affected[0].Find("database_specific"), "component"), "webkit");
  EXPECT_EQ(Str(*affected[0].Find("database_specific"), "fixed_version"), "620.1.1");
  EXPECT_EQ(Str(*affected[0].Find("database_specific"), "fixed_in"), "26.3.1 (a)");
  EXPECT_EQ(Str(*affected[0].Find("database_specific"), "affected_tree"), std::string(64, 'a'));
  EXPECT_EQ(Str(*affected[0].Find("database_specific"), "fixed_tree"), std::string(64, 'b'));
  const json::Array& references = osv.Find("references")->array();
  ASSERT_EQ(references.size(), 1u);
  EXPECT_EQ(Str(references[0], "type"), "ADVISORY");
  EXPECT_EQ(Str(references[0], "url"), "https://www.cve.org/CVERecord?id=CVE-2026-20643");
}

TEST(AdvisoryOsvTest, OneRecordPerCveWithEveryComponent) {
  const NotesInput input = testing::ThreeCvesInput();
  for (const release::Cve& cve : input.improvement.cves) {
    const json::Value osv = RenderOsv(input, cve);
    EXPECT_EQ(Str(osv, "id"), "BSI-acme-os-26.3.1-b-" + cve.id);
    EXPECT_EQ(Str(*osv.Find("database_specific"), "severity"), release::SeverityName(cve.severity));
    EXPECT_EQ(osv.Find("affected")->array().size(), 2u);
    // Details are CommonMark: the description's markup is escaped.
    const std::string& details = Str(osv, "details");
    for (std::size_t i = details.find('<'); i != std::string::npos; i = details.find('<', i + 1)) {
      EXPECT_TRUE(i > 0 && details[i - 1] == '\\') << details;
    }
  }
}

TEST(AdvisoryOsvTest, WithdrawnRecord) {
  NotesInput input = testing::WithdrawnInput();
  input.now = input.improvement.published;  // regenerated before the withdrawal time
  const json::Value osv = RenderOsv(input, input.improvement.cves[0]);
  EXPECT_EQ(Str(osv, "withdrawn"), "2026-09-21T17:13:20Z");
  EXPECT_EQ(Str(osv, "modified"), "2026-09-21T17:13:20Z");  // never before the withdrawal
  EXPECT_EQ(Str(osv, "summary"),
            "Withdrawn: CVE-2026-2001 in acme-os 26.3.1, fixed by improvement 26.3.1 (c): Boot "
            "loop on <model X> & \"Y\" — rollback übernommen");
  EXPECT_NE(Str(osv, "details").find("**Withdrawn** on 2026-09-21T17:13:20Z"), std::string::npos);
  EXPECT_NE(Str(osv, "details").find("The fixes are also included in acme-os 26.4."),
            std::string::npos);
  EXPECT_EQ(Str(*osv.Find("database_specific"), "superseded_by"), "26.4");
  EXPECT_EQ(Str(*osv.Find("database_specific"), "withdrawal_reason"),
            input.improvement.withdrawal->reason);
  const json::Value unknown = RenderOsv(input, input.improvement.cves[1]);
  EXPECT_EQ(Str(*unknown.Find("database_specific"), "severity"), "unknown");
  EXPECT_EQ(Str(unknown, "details").rfind("No description was provided.", 0), 0u);
}

TEST(AdvisoryOsvTest, SummaryStaysOneShortLine) {
  NotesInput input = testing::WithdrawnInput();
  input.improvement.withdrawal->reason = std::string(3000, 'x') + "\nsecond line";
  const std::string summary = Str(RenderOsv(input, input.improvement.cves[0]), "summary");
  EXPECT_EQ(summary.find('\n'), std::string::npos);
  EXPECT_LT(summary.size(), 200u);
  EXPECT_TRUE(summary.ends_with("..."));
}

}  // namespace
}  // namespace bsi::advisory
