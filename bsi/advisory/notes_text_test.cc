#include "bsi/advisory/notes_text.h"

#include <gtest/gtest.h>

#include "bsi/advisory/notes_test_util.h"

namespace bsi::advisory::internal {
namespace {

TEST(AdvisoryTextTest, ValidatesUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ASCII"));
  EXPECT_TRUE(IsValidUtf8("Überlauf — 日本語 ✓ 🚀"));
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));   // U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong, 3 bytes
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE6\x97"));          // truncated
  EXPECT_FALSE(IsValidUtf8("a\x80"));             // lone continuation byte
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(AdvisoryTextTest, HtmlEscapeLeavesNoMarkup) {
  EXPECT_EQ(HtmlEscape("<script>alert(\"x\") & 'y'</script>"),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;");
  EXPECT_EQ(HtmlEscape("&amp;"), "&amp;amp;");
  EXPECT_EQ(HtmlEscape("a\x01z\tq\n"), "a\xEF\xBF\xBDz\tq\n");
  EXPECT_EQ(HtmlEscape("Überlauf ✓"), "Überlauf ✓");
}

TEST(AdvisoryTextTest, MarkdownEscapeEscapesEveryMarkupOpener) {
  EXPECT_EQ(MarkdownEscape("<b>*x*</b> [a](javascript:b) &amp; `c` _d_ # e | f ~g~ !h {i}"),
            "\\<b\\>\\*x\\*\\</b\\> \\[a\\](javascript:b) \\&amp; \\`c\\` \\_d\\_ \\# e \\| f "
            "\\~g\\~ \\!h \\{i\\}");
  EXPECT_EQ(MarkdownEscape("a\\b\r\nc"), "a\\\\b\nc");
  EXPECT_EQ(MarkdownEscape("Use-after-free in foo(). Zeile ✓"), "Use-after-free in foo(). Zeile ✓");
}

TEST(AdvisoryTextTest, CodeBlockFenceIsLongerThanAnyBacktickRun) {
  EXPECT_EQ(MarkdownCodeBlock("x"), "```text\nx\n```\n");
  EXPECT_EQ(MarkdownCodeBlock("a\n````\nb\n"), "`````text\na\n````\nb\n`````\n");
  EXPECT_EQ(MarkdownCodeBlock("a\r\n"), "```text\na\n```\n");
}

TEST(AdvisoryTextTest, OneLineCollapsesAndCutsAtACharacterBoundary) {
  EXPECT_EQ(OneLine("  boot\n\tloop \r\n on X  ", 100), "boot loop on X");
  EXPECT_EQ(OneLine("abcdefghij", 8), "abcde...");
  // "ä" is two bytes: a cut after 5 bytes would split the third one.
  EXPECT_EQ(OneLine("ääää", 8), "ääää");
  EXPECT_EQ(OneLine("äääää", 8), "ää...");
  EXPECT_TRUE(IsValidUtf8(OneLine("日本語日本語日本語", 10)));
}

TEST(AdvisoryTextTest, DelaysReadAsText) {
  EXPECT_EQ(DelayText(0), "at publication");
  EXPECT_EQ(DelayText(6 * testing::kHour), "6 hours after publication");
  EXPECT_EQ(DelayText(86400), "1 day after publication");
  EXPECT_EQ(DelayText(86400 + 3600 + 60 + 1),
            "1 day, 1 hour, 1 minute and 1 second after publication");
  EXPECT_EQ(DelayText(90), "1 minute and 30 seconds after publication");
}

TEST(AdvisoryTextTest, WavesAndRolloutStatus) {
  NotesInput input = testing::PlainInput();
  release::Improvement& improvement = input.improvement;
  EXPECT_EQ(WaveLines(improvement),
            (std::vector<std::string>{
                "1% of devices from 2026-09-21T14:13:20Z (at publication)",
                "10% of devices from 2026-09-21T20:13:20Z (6 hours after publication)",
                "100% of devices from 2026-09-22T14:13:20Z (1 day after publication)"}));
  const UnixTime published = improvement.published;
  EXPECT_EQ(RolloutStatus(improvement, UnixTime{published.seconds + 7 * testing::kHour}),
            "Available to 10% of devices as of 2026-09-21T21:13:20Z.");
  EXPECT_EQ(RolloutStatus(improvement, UnixTime{published.seconds + 48 * testing::kHour}),
            "Available to all devices as of 2026-09-23T14:13:20Z.");
  improvement.rollout.waves = {{3600, 100}};
  EXPECT_EQ(RolloutStatus(improvement, published),
            "Not yet available to any device as of 2026-09-21T14:13:20Z.");
  improvement.rollout.paused = true;
  EXPECT_EQ(RolloutStatus(improvement, published).rfind("Paused:", 0), 0u);
  improvement.withdrawal = release::Withdrawal{"x", UnixTime{published.seconds + 60}};
  EXPECT_EQ(RolloutStatus(improvement, published),
            "Withdrawn on 2026-09-21T14:14:20Z: no device installs this improvement any more.");
}

TEST(AdvisoryTextTest, SeverityTitles) {
  EXPECT_EQ(SeverityTitle(release::Severity::kCritical), "Critical");
  EXPECT_EQ(SeverityTitle(release::Severity::kUnknown), "Unknown");
  EXPECT_EQ(MaxSeverity(testing::ThreeCvesInput().improvement), release::Severity::kCritical);
  EXPECT_EQ(MaxSeverity(testing::NoCveInput().improvement), release::Severity::kUnknown);
}

}  // namespace
}  // namespace bsi::advisory::internal
