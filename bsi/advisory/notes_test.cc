#include "bsi/advisory/notes.h"

#include <functional>

#include <gtest/gtest.h>

#include "bsi/advisory/notes_test_util.h"
#include "bsi/advisory/notes_text.h"

#include "testing/status_matchers.h"

namespace bsi::advisory {
namespace {

using bsi::testing::CodeOf;

std::vector<std::string> Names(const std::vector<NoteFile>& files) {
  std::vector<std::string> names;
  names.reserve(files.size());
  for (const NoteFile& file : files) names.push_back(file.name);
  return names;
}

TEST(AdvisoryNotesTest, RendersEveryFileInAFixedOrder) {
  Result<std::vector<NoteFile>> files = RenderNotes(testing::ThreeCvesInput());
  ASSERT_OK(files);
  EXPECT_EQ(Names(*files), (std::vector<std::string>{
                               "index.html", "notes.md", "csaf.json", "osv/CVE-2026-1001.json",
                               "osv/CVE-2026-1002.json", "osv/CVE-2026-1003.json"}));
  files = RenderNotes(testing::NoCveInput());
  ASSERT_OK(files);
  EXPECT_EQ(Names(*files), (std::vector<std::string>{"index.html", "notes.md", "csaf.json"}));
}

TEST(AdvisoryNotesTest, FilesAreTheRenderersOutput) {
  const NotesInput input = testing::PlainInput();
  Result<std::vector<NoteFile>> files = RenderNotes(input);
  ASSERT_OK(files);
  ASSERT_EQ(files->size(), 4u);
  EXPECT_EQ((*files)[0].content, RenderHtml(input));
  EXPECT_EQ((*files)[1].content, RenderMarkdown(input));
  EXPECT_EQ((*files)[2].content, json::ToPrettyString(RenderCsaf(input)));
  EXPECT_EQ((*files)[3].content, json::ToPrettyString(RenderOsv(input, input.improvement.cves[0])));
}

TEST(AdvisoryNotesTest, OutputIsDeterministicUtf8AndStrictJson) {
  for (const NotesInput& input : testing::AllSampleInputs()) {
    Result<std::vector<NoteFile>> first = RenderNotes(input);
    Result<std::vector<NoteFile>> second = RenderNotes(input);
    ASSERT_OK(first);
    ASSERT_OK(second);
    EXPECT_EQ(*first, *second) << input.improvement.Id();
    for (const NoteFile& file : *first) {
      EXPECT_TRUE(internal::IsValidUtf8(file.content)) << file.name;
      if (file.name.ends_with(".json")) EXPECT_OK(json::Parse(file.content));
    }
  }
}

TEST(AdvisoryNotesTest, OnlyTheGenerationTimeDependsOnNow) {
  NotesInput input = testing::PlainInput();
  const std::string before = RenderMarkdown(input);
  input.now.seconds += 60;
  EXPECT_NE(RenderMarkdown(input), before);  // "as of", "generated at"
  EXPECT_EQ(RenderCsaf(input)
                .Find("document")
                ->Find("tracking")
                ->Find("generator")
                ->Find("date")
                ->string_value(),
            "2026-09-21T21:14:20Z");
}

TEST(AdvisoryNotesTest, Identifiers) {
  const release::Improvement improvement = testing::PlainInput().improvement;
  EXPECT_EQ(CsafTrackingId(improvement), "BSI-acme-os-26.3.1-a");
  EXPECT_EQ(OsvId(improvement, "CVE-2026-20643"), "BSI-acme-os-26.3.1-a-CVE-2026-20643");
  EXPECT_EQ(OsvFileName("CVE-2026-20643"), "osv/CVE-2026-20643.json");
}

TEST(AdvisoryNotesTest, RefusesInputItCannotRenderFaithfully) {
  const std::vector<std::pair<std::string, std::function<void(NotesInput&)>>> edits = {
      {"empty publisher", [](NotesInput& in) { in.publisher.name.clear(); }},
      {"publisher newline", [](NotesInput& in) { in.publisher.name = "Acme\nCorp"; }},
      {"ftp namespace", [](NotesInput& in) { in.publisher.namespace_url = "ftp://acme.example"; }},
      {"no host", [](NotesInput& in) { in.publisher.namespace_url = "https://"; }},
      {"space in url", [](NotesInput& in) { in.publisher.namespace_url = "https://a b.example"; }},
      {"quote in url", [](NotesInput& in) { in.publisher.namespace_url = "https://a\".example"; }},
      {"bad utf-8", [](NotesInput& in) { in.improvement.cves[0].description = "\xC0\xAF"; }},
      {"nul in notes", [](NotesInput& in) { in.release_notes = std::string("a\0b", 3); }},
      {"bad cve id", [](NotesInput& in) { in.improvement.cves[0].id = "CVE-26-1"; }},
      {"duplicate cve",
       [](NotesInput& in) { in.improvement.cves.push_back(in.improvement.cves[0]); }},
      {"no component", [](NotesInput& in) { in.improvement.components.clear(); }},
      {"bad product", [](NotesInput& in) { in.improvement.product = "Acme OS"; }},
      {"bad version", [](NotesInput& in) { in.improvement.components[0].version = "1 2"; }},
      {"bad tree digest", [](NotesInput& in) { in.improvement.components[0].tree = "abc"; }},
      {"empty rollout", [](NotesInput& in) { in.improvement.rollout.waves.clear(); }},
      {"withdrawn before publication",
       [](NotesInput& in) {
         in.improvement.withdrawal = release::Withdrawal{"x", UnixTime{1}};
       }},
      {"empty reason",
       [](NotesInput& in) {
         in.improvement.withdrawal = release::Withdrawal{"", in.improvement.published};
       }},
      {"superseded by itself",
       [](NotesInput& in) { in.improvement.superseded_by = in.improvement.base; }},
      {"negative now", [](NotesInput& in) { in.now = UnixTime{-1}; }},
      {"year 10000", [](NotesInput& in) { in.improvement.published = UnixTime{253402300800}; }},
  };
  EXPECT_OK(CheckNotesInput(testing::PlainInput()));
  for (const auto& [what, edit] : edits) {
    NotesInput input = testing::PlainInput();
    edit(input);
    EXPECT_EQ(CodeOf(CheckNotesInput(input)), ErrorCode::kInvalidArgument) << what;
    EXPECT_EQ(CodeOf(RenderNotes(input)), ErrorCode::kInvalidArgument) << what;
  }
  for (const NotesInput& input : testing::AllSampleInputs()) EXPECT_OK(CheckNotesInput(input));
}

}  // namespace
}  // namespace bsi::advisory
