#include <gtest/gtest.h>

#include "bsi/advisory/notes.h"
#include "bsi/advisory/notes_test_util.h"

namespace bsi::advisory {
namespace {

// The value at a path of object keys and array indexes ("tracking/version",
// "vulnerabilities/0/cve"); null when absent.
json::Value At(const json::Value& root, std::string_view path) {
  const json::Value* value = &root;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    const std::string_view step = path.substr(0, slash);
    path = slash == std::string_view::npos ? "" : path.substr(slash + 1);
    if (value->is_array()) {
      const std::size_t index = std::stoul(std::string(step));
      if (index >= value->array().size()) return nullptr;
      value = &value->array()[index];
    } else {
      value = value->Find(step);
      if (value == nullptr) return nullptr;
    }
  }
  return *value;
}

std::string S(const json::Value& root, std::string_view path) {
  const json::Value value = At(root, path);
  return value.is_string() ? value.string_value() : "<not a string: " + std::string(path) + ">";
}

json::Array Ids(std::initializer_list<const char*> ids) {
  json::Array array;
  for (const char* id : ids) array.push_back(id);
  return array;
}

TEST(AdvisoryCsafTest, PlainAdvisory) {
  const json::Value csaf = RenderCsaf(testing::PlainInput());
  EXPECT_EQ(S(csaf, "document/category"), "csaf_security_advisory");
  EXPECT_EQ(S(csaf, "document/csaf_version"), "2.0");
  EXPECT_EQ(S(csaf, "document/lang"), "en");
  EXPECT_EQ(S(csaf, "document/title"), "acme-os 26.3.1 (a): Background Security Improvement");
  EXPECT_EQ(S(csaf, "document/publisher/category"), "vendor");
  EXPECT_EQ(S(csaf, "document/publisher/name"), "Acme Corp");
  EXPECT_EQ(S(csaf, "document/publisher/namespace"), "https://acme.example");
  EXPECT_EQ(S(csaf, "document/aggregate_severity/text"), "High");
  EXPECT_EQ(S(csaf, "document/tracking/id"), "BSI-acme-os-26.3.1-a");
  EXPECT_EQ(S(csaf, "document/tracking/status"), "final");
  EXPECT_EQ(S(csaf, "document/tracking/version"), "1");
  EXPECT_EQ(At(csaf, "document/tracking/revision_history").array().size(), 1u);
  EXPECT_EQ(S(csaf, "document/tracking/revision_history/0/date"), "2026-09-21T14:13:20Z");
  EXPECT_EQ(S(csaf, "document/tracking/initial_release_date"), "2026-09-21T14:13:20Z");
  EXPECT_EQ(S(csaf, "document/tracking/current_release_date"), "2026-09-21T14:13:20Z");
  EXPECT_EQ(S(csaf, "document/tracking/generator/engine/name"), "bsi");
  EXPECT_EQ(S(csaf, "document/tracking/generator/date"), "2026-09-21T21:13:20Z");
  EXPECT_EQ(S(csaf, "document/notes/0/category"), "summary");
  EXPECT_NE(S(csaf, "document/notes/0/text").find("updates webkit from 620.1 to 620.1.1"),
            std::string::npos);
  EXPECT_EQ(S(csaf, "document/notes/2/title"), "Release notes");

  const std::string branch = "product_tree/branches/0";
  EXPECT_EQ(S(csaf, branch + "/category"), "vendor");
  EXPECT_EQ(S(csaf, branch + "/name"), "Acme Corp");
  EXPECT_EQ(S(csaf, branch + "/branches/0/category"), "product_name");
  EXPECT_EQ(S(csaf, branch + "/branches/0/name"), "acme-os");
  const std::string versions = branch + "/branches/0/branches";
  EXPECT_EQ(At(csaf, versions).array().size(), 2u);
  EXPECT_EQ(S(csaf, versions + "/0/category"), "product_version");
  EXPECT_EQ(S(csaf, versions + "/0/name"), "26.3.1");
  EXPECT_EQ(S(csaf, versions + "/0/product/product_id"), "acme-os-26.3.1");
  EXPECT_EQ(S(csaf, versions + "/1/name"), "26.3.1 (a)");
  EXPECT_EQ(S(csaf, versions + "/1/product/name"), "acme-os 26.3.1 (a)");
  EXPECT_EQ(S(csaf, versions + "/1/product/product_id"), "acme-os-26.3.1-a");

  EXPECT_EQ(S(csaf, "vulnerabilities/0/cve"), "CVE-2026-20643");
  EXPECT_EQ(S(csaf, "vulnerabilities/0/notes/0/category"), "description");
  EXPECT_EQ(S(csaf, "vulnerabilities/0/notes/0/text"), "Use after free in the JavaScript JIT.");
  EXPECT_EQ(At(csaf, "vulnerabilities/0/product_status/known_affected"), Ids({"acme-os-26.3.1"}));
  EXPECT_EQ(At(csaf, "vulnerabilities/0/product_status/fixed"), Ids({"acme-os-26.3.1-a"}));
  EXPECT_EQ(At(csaf, "vulnerabilities/0/product_status/recommended"), Ids({"acme-os-26.3.1-a"}));
  EXPECT_EQ(S(csaf, "vulnerabilities/0/remediations/0/category"), "vendor_fix");
  EXPECT_EQ(At(csaf, "vulnerabilities/0/remediations/0/product_ids"), Ids({"acme-os-26.3.1"}));
  EXPECT_EQ(S(csaf, "vulnerabilities/0/threats/0/category"), "impact");
  EXPECT_EQ(S(csaf, "vulnerabilities/0/threats/0/details"),
            "Severity High, as rated by Acme Corp.");
}

TEST(AdvisoryCsafTest, EveryCveInOrder) {
  const NotesInput input = testing::ThreeCvesInput();
  const json::Value csaf = RenderCsaf(input);
  ASSERT_EQ(At(csaf, "vulnerabilities").array().size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string path = "vulnerabilities/" + std::to_string(i);
    EXPECT_EQ(S(csaf, path + "/cve"), input.improvement.cves[i].id);
    EXPECT_EQ(S(csaf, path + "/notes/0/text"), input.improvement.cves[i].description);
  }
  EXPECT_EQ(S(csaf, "document/aggregate_severity/text"), "Critical");
  EXPECT_EQ(S(csaf, "document/publisher/name"), "Acme & Söhne <GmbH>");
  EXPECT_NE(S(csaf, "document/notes/1/text").find("Paused"), std::string::npos);
}

TEST(AdvisoryCsafTest, WithdrawnAndSuperseded) {
  const json::Value csaf = RenderCsaf(testing::WithdrawnInput());
  EXPECT_EQ(S(csaf, "document/title"),
            "acme-os 26.3.1 (c): Background Security Improvement (withdrawn)");
  EXPECT_EQ(S(csaf, "document/tracking/version"), "2");
  EXPECT_EQ(S(csaf, "document/tracking/revision_history/1/number"), "2");
  EXPECT_EQ(S(csaf, "document/tracking/revision_history/1/date"), "2026-09-21T17:13:20Z");
  EXPECT_EQ(S(csaf, "document/tracking/revision_history/1/summary"),
            "Withdrawn: Boot loop on <model X> & \"Y\" — rollback übernommen");
  EXPECT_EQ(S(csaf, "document/tracking/current_release_date"), "2026-09-21T17:13:20Z");
  EXPECT_EQ(S(csaf, "document/notes/1/title"), "Withdrawal");
  EXPECT_NE(S(csaf, "document/notes/1/text").find("Reason: Boot loop"), std::string::npos);
  EXPECT_EQ(S(csaf, "document/notes/2/title"), "Supersession");
  EXPECT_EQ(S(csaf, "product_tree/branches/0/branches/0/branches/2/product/product_id"),
            "acme-os-26.4");
  EXPECT_EQ(At(csaf, "vulnerabilities/0/product_status/fixed"),
            Ids({"acme-os-26.3.1-c", "acme-os-26.4"}));
  EXPECT_EQ(At(csaf, "vulnerabilities/0/product_status/recommended"), Ids({"acme-os-26.4"}));
  EXPECT_EQ(S(csaf, "vulnerabilities/0/notes/1/title"), "Withdrawal of the fix");
  EXPECT_EQ(S(csaf, "vulnerabilities/0/remediations/0/category"), "vendor_fix");
  EXPECT_EQ(S(csaf, "vulnerabilities/0/remediations/0/details").rfind("Update to acme-os 26.4", 0),
            0u);
  // Unknown severity: no threat; no description: a placeholder.
  EXPECT_TRUE(At(csaf, "vulnerabilities/1/threats").is_null());
  EXPECT_EQ(S(csaf, "vulnerabilities/1/notes/0/text"), "No description was provided.");
}

TEST(AdvisoryCsafTest, WithdrawnWithoutReplacement) {
  NotesInput input = testing::WithdrawnInput();
  input.improvement.superseded_by.reset();
  const json::Value csaf = RenderCsaf(input);
  EXPECT_EQ(S(csaf, "vulnerabilities/0/remediations/0/category"), "none_available");
  EXPECT_EQ(S(csaf, "vulnerabilities/0/remediations/0/date"), "2026-09-21T17:13:20Z");
  EXPECT_TRUE(At(csaf, "vulnerabilities/0/product_status/recommended").is_null());
  EXPECT_EQ(At(csaf, "vulnerabilities/0/product_status/fixed"), Ids({"acme-os-26.3.1-c"}));
}

TEST(AdvisoryCsafTest, NoCveIsAnInformationalAdvisory) {
  const json::Value csaf = RenderCsaf(testing::NoCveInput());
  EXPECT_EQ(S(csaf, "document/category"), "csaf_informational_advisory");
  EXPECT_TRUE(At(csaf, "vulnerabilities").is_null());
  EXPECT_TRUE(At(csaf, "product_tree").is_null());
  EXPECT_EQ(S(csaf, "document/references/0/category"), "external");
  EXPECT_NE(S(csaf, "document/notes/0/text").find("It lists no CVE."), std::string::npos);
}

}  // namespace
}  // namespace bsi::advisory
