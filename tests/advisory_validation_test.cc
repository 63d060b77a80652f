// The security notes (bsi/advisory) against real validators, run as a node
// process: CSAF documents through @secvisogram/csaf-validator-lib (the
// strict CSAF 2.0 schema and every mandatory test), OSV records through ajv
// and tests/js/osv-schema.json. Node and tests/js/node_modules come from
// scripts/setup.sh; when either is missing the test fails, it never skips.
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include "bsi/advisory/notes.h"
#include "bsi/advisory/notes_test_util.h"
#include "bsi/json/json.h"

#include "tests/subprocess.h"
#include "tests/test_files.h"

namespace bsi::tests {
namespace {

namespace fs = std::filesystem;

constexpr char kSetupHint[] = "run scripts/setup.sh (it installs node and runs npm ci in tests/js)";

// The first executable called `name` on PATH.
std::optional<std::string> FindOnPath(const std::string& name) {
  const char* path =
      std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): tests are single-threaded
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string dir = dirs.substr(start, end - start);
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0 && fs::is_regular_file(candidate)) {
      return candidate.string();
    }
    start = end + 1;
  }
  return std::nullopt;
}

class AdvisoryValidation : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* source = std::getenv("BSI_SOURCE_DIR");  // NOLINT(concurrency-mt-unsafe)
    ASSERT_NE(source, nullptr) << "BSI_SOURCE_DIR is not set: run this test through ctest";
    js_ = fs::path(source) / "tests/js";
    std::optional<std::string> node = FindOnPath("node");
    if (!node.has_value()) node = FindOnPath("nodejs");
    ASSERT_TRUE(node.has_value()) << "node is not installed: " << kSetupHint;
    node_ = *node;
    ASSERT_TRUE(fs::exists(js_ / "validate.mjs")) << js_ / "validate.mjs"
                                                  << " is missing";
    for (const char* package : {"@secvisogram/csaf-validator-lib", "ajv", "ajv-formats"}) {
      ASSERT_TRUE(fs::exists(js_ / "node_modules" / package / "package.json"))
          << js_ / "node_modules" / package << " is missing: " << kSetupHint;
    }
    char dir_template[] = "/tmp/bsi-advisory.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    work_ = dir_template;
  }

  void TearDown() override {
    if (!work_.empty()) fs::remove_all(work_);
  }

  // Writes every note file of input under work_/notes/<product>/<base>/<letter>/.
  void RenderAll(const advisory::NotesInput& input) {
    Result<std::vector<advisory::NoteFile>> files = advisory::RenderNotes(input);
    ASSERT_TRUE(files.ok()) << files.error().ToString();
    const release::Improvement& improvement = input.improvement;
    const fs::path dir = work_ / "notes" / improvement.product / improvement.base.ToString() /
                         improvement.letter.ToString();
    for (const advisory::NoteFile& file : *files) {
      WriteAll(dir / file.name, file.content);
      if (file.name == "csaf.json") csaf_.push_back((dir / file.name).string());
      if (file.name.starts_with("osv/")) osv_.push_back((dir / file.name).string());
    }
  }

  std::string WriteJson(const std::string& name, const json::Value& value) {
    const fs::path path = work_ / "broken" / name;
    WriteAll(path, json::ToPrettyString(value));
    return path.string();
  }

  ProcessResult Validate(const std::string& kind, const std::vector<std::string>& files) {
    std::vector<std::string> argv = {node_, (js_ / "validate.mjs").string(), kind};
    argv.insert(argv.end(), files.begin(), files.end());
    return RunProcess(argv);
  }

  fs::path js_;
  std::string node_;
  fs::path work_;
  std::vector<std::string> csaf_;
  std::vector<std::string> osv_;
};

TEST_F(AdvisoryValidation, NotesOfEverySampleImprovementAreValid) {
  for (const advisory::NotesInput& input : advisory::testing::AllSampleInputs()) {
    ASSERT_NO_FATAL_FAILURE(RenderAll(input));
  }
  ASSERT_EQ(csaf_.size(), 4u);
  ASSERT_EQ(osv_.size(), 6u);  // 1 + 3 + 2 + 0 CVEs

  const ProcessResult csaf = Validate("csaf", csaf_);
  EXPECT_EQ(csaf.exit_code, 0) << "CSAF validation failed:\n" << csaf.out << csaf.err;
  EXPECT_NE(csaf.out.find("csaf: 4 file(s), 0 error(s)"), std::string::npos) << csaf.out;

  const ProcessResult osv = Validate("osv", osv_);
  EXPECT_EQ(osv.exit_code, 0) << "OSV validation failed:\n" << osv.out << osv.err;
  EXPECT_NE(osv.out.find("osv: 6 file(s), 0 error(s)"), std::string::npos) << osv.out;
}

// The validators are not vacuous: documents broken in ways the standards
// forbid are refused, each with a message.
TEST_F(AdvisoryValidation, ValidatorsRefuseBrokenDocuments) {
  const advisory::NotesInput input = advisory::testing::PlainInput();
  json::Value no_status = advisory::RenderCsaf(input);
  no_status.object()["vulnerabilities"].array()[0].object().erase("product_status");
  json::Value contradiction = advisory::RenderCsaf(input);
  contradiction.object()["vulnerabilities"]
      .array()[0]
      .object()["product_status"]
      .object()["fixed"]
      .array()
      .push_back("acme-os-26.3.1");
  const ProcessResult csaf = Validate("csaf", {WriteJson("no_status.json", no_status),
                                               WriteJson("contradiction.json", contradiction)});
  EXPECT_EQ(csaf.exit_code, 1) << csaf.out << csaf.err;
  EXPECT_NE(csaf.out.find("no_status.json: /vulnerabilities/0: needs a `product_status`"),
            std::string::npos)
      << csaf.out;
  EXPECT_NE(csaf.out.find("contradiction.json"), std::string::npos) << csaf.out;
  EXPECT_NE(csaf.out.find("mandatoryTest_6_1_6"), std::string::npos) << csaf.out;

  const json::Value good = advisory::RenderOsv(input, input.improvement.cves[0]);
  std::vector<std::string> broken;
  const auto edit = [&](const std::string& name, auto change) {
    json::Value value = good;
    change(value.object());
    broken.push_back(WriteJson(name, value));
  };
  edit("upstream.json", [](json::Object& o) { o["upstream"] = json::Array{"CVE-2026-20643"}; });
  edit("no_modified.json", [](json::Object& o) { o.erase("modified"); });
  edit("bad_id.json", [](json::Object& o) { o["id"] = "nodash"; });
  edit("offset_time.json", [](json::Object& o) { o["published"] = "2026-09-21T14:13:20+02:00"; });
  edit("two_events.json", [](json::Object& o) {
    o["affected"].array()[0].object()["ranges"] = json::Array{
        json::Object{{"type", "ECOSYSTEM"},
                     {"events", json::Array{json::Object{{"introduced", "0"}, {"fixed", "1"}}}}}};
  });
  edit("git_without_repo.json", [](json::Object& o) {
    o["affected"].array()[0].object()["ranges"] = json::Array{
        json::Object{{"type", "GIT"}, {"events", json::Array{json::Object{{"introduced", "0"}}}}}};
  });
  edit("bad_ecosystem.json", [](json::Object& o) {
    o["affected"].array()[0].object()["package"] =
        json::Object{{"ecosystem", "acme-os"}, {"name", "webkit"}};
  });
  edit("bad_reference.json", [](json::Object& o) {
    o["references"] = json::Array{json::Object{{"type", "HOMEPAGE"}, {"url", "https://x.example"}}};
  });
  const ProcessResult osv = Validate("osv", broken);
  EXPECT_EQ(osv.exit_code, 1) << osv.out << osv.err;
  for (const std::string& file : broken) {
    EXPECT_NE(osv.out.find(file + ": "), std::string::npos) << file << " was accepted:\n"
                                                            << osv.out;
  }
}

}  // namespace
}  // namespace bsi::tests
