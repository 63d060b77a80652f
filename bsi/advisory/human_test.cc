// The human pages: index.html and notes.md.
#include <cctype>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "bsi/advisory/notes.h"
#include "bsi/advisory/notes_test_util.h"

namespace bsi::advisory {
namespace {

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// Whether part occurs in Markdown text without a backslash escaping its
// first character.
bool ContainsUnescaped(const std::string& text, std::string_view part) {
  for (std::size_t i = text.find(part); i != std::string::npos; i = text.find(part, i + 1)) {
    if (i == 0 || text[i - 1] != '\\') return true;
  }
  return false;
}

// Every tag in the page is one the renderer writes itself: no markup from
// the input got through.
void ExpectOnlyOwnTags(const std::string& html) {
  static const std::set<std::string> kOwn = {
      "!DOCTYPE", "html", "head", "meta", "title",  "style", "body",  "main",  "h1", "h2", "p",
      "section",  "div",  "dl",   "dt",   "dd",     "table", "thead", "tbody", "tr", "th", "td",
      "span",     "ul",   "li",   "pre",  "footer", "a",     "time",  "strong"};
  for (std::size_t i = html.find('<'); i != std::string::npos; i = html.find('<', i + 1)) {
    std::size_t start = i + 1;
    if (start < html.size() && html[start] == '/') ++start;
    std::size_t end = start;
    while (end < html.size() &&
           (std::isalnum(static_cast<unsigned char>(html[end])) || html[end] == '!')) {
      ++end;
    }
    EXPECT_TRUE(kOwn.count(html.substr(start, end - start)))
        << "unexpected markup: " << html.substr(i, 40);
  }
}

TEST(AdvisoryHtmlTest, IsAStandaloneUtf8Document) {
  const std::string html = RenderHtml(testing::PlainInput());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">", 0),
            0u);
  EXPECT_TRUE(html.ends_with("</html>\n"));
  EXPECT_TRUE(Contains(html, "<style>"));
  EXPECT_TRUE(Contains(html, "Content-Security-Policy"));
  EXPECT_FALSE(Contains(html, "<script"));
  EXPECT_FALSE(Contains(html, "<link"));
  ExpectOnlyOwnTags(html);
}

TEST(AdvisoryHtmlTest, EscapesEveryUntrustedText) {
  const NotesInput input = testing::ThreeCvesInput();
  const std::string html = RenderHtml(input);
  EXPECT_FALSE(Contains(html, "<script"));
  EXPECT_FALSE(Contains(html, "<img"));
  EXPECT_FALSE(Contains(html, "<b>raw"));
  EXPECT_FALSE(Contains(html, "<tls>"));
  EXPECT_FALSE(Contains(html, "<GmbH>"));
  EXPECT_TRUE(Contains(html,
                       "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; "
                       "&#39;quotes&#39;"));
  EXPECT_TRUE(Contains(html, "Acme &amp; Söhne &lt;GmbH&gt;"));
  EXPECT_TRUE(Contains(html, "<pre>\n```\n&lt;script&gt;"));
  EXPECT_TRUE(Contains(html, "&lt;b&gt;raw html&lt;/b&gt;"));
  EXPECT_TRUE(Contains(html, "Speicherüberlauf im JIT — 日本語 ✓ 🚀"));
  ExpectOnlyOwnTags(html);
}

TEST(AdvisoryHtmlTest, ShowsTheWholeRecord) {
  const std::string html = RenderHtml(testing::ThreeCvesInput());
  for (const char* part :
       {"<h1>acme-os 26.3.1 (b)</h1>", "<dt>Product</dt><dd>acme-os</dd>",
        "<dt>Base version</dt><dd>26.3.1</dd>", "<dt>Improvement letter</dt><dd>b</dd>",
        "<dt>Improvement</dt><dd>26.3.1 (b)</dd>", "<dt>Published</dt><dd>2026-09-21T14:13:20Z",
        "<td>webkit</td><td>620.1</td><td>620.1.2</td>",
        "<td>openssl</td><td>3.0.11</td><td>3.0.11-1</td>", "CVE-2026-1001", "CVE-2026-1002",
        "CVE-2026-1003", ">Critical<", ">Medium<", ">Low<", "3 vulnerabilities",
        "<li>10% of devices from 2026-09-21T20:13:20Z (6 hours after publication)</li>",
        "Paused: no device installs", "href=\"osv/CVE-2026-1003.json\"", "href=\"csaf.json\""}) {
    EXPECT_TRUE(Contains(html, part)) << part;
  }
  EXPECT_FALSE(Contains(html, "Withdrawn"));
  EXPECT_FALSE(Contains(html, "Superseded"));
}

TEST(AdvisoryHtmlTest, ShowsWithdrawalAndSupersessionProminently) {
  const std::string html = RenderHtml(testing::WithdrawnInput());
  const std::size_t banner = html.find("<section class=\"banner withdrawn\" role=\"alert\">");
  ASSERT_NE(banner, std::string::npos);
  EXPECT_LT(banner, html.find("<dl>"));  // before the facts
  EXPECT_TRUE(Contains(html, "withdrawn on <time datetime=\"2026-09-21T17:13:20Z\">"));
  EXPECT_TRUE(Contains(html, "Boot loop on &lt;model X&gt; &amp; &quot;Y&quot; — rollback"));
  EXPECT_TRUE(Contains(html, "the fixes are included in acme-os 26.4."));
  EXPECT_TRUE(Contains(html, "<dt>Superseded by</dt><dd>acme-os 26.4</dd>"));
  EXPECT_TRUE(Contains(html, ">Unknown<"));
  EXPECT_TRUE(Contains(html, "No description was provided."));
  EXPECT_TRUE(Contains(html, "Withdrawn on 2026-09-21T17:13:20Z: no device installs"));
  ExpectOnlyOwnTags(html);
}

TEST(AdvisoryMarkdownTest, EscapesEveryUntrustedText) {
  const std::string md = RenderMarkdown(testing::ThreeCvesInput());
  // The release notes are the only literal text, inside a fence longer than
  // theirs; everything before them is escaped.
  const std::size_t notes = md.find("````text\n```\n<script>");
  ASSERT_NE(notes, std::string::npos);
  const std::string before = md.substr(0, notes);
  for (const char* markup : {"<", "&", "[", "]", "`", "*", "_", "|", "!"}) {
    EXPECT_FALSE(ContainsUnescaped(before.substr(before.find("## Vulnerabilities")), markup))
        << markup;
  }
  EXPECT_FALSE(ContainsUnescaped(before, "<"));
  EXPECT_TRUE(Contains(before, "\\<script\\>alert(\"pwned\")\\</script\\> \\& 'quotes'"));
  EXPECT_TRUE(Contains(before, "\\[link\\](javascript:alert(1))"));
  EXPECT_TRUE(Contains(before, "Acme \\& Söhne \\<GmbH\\>"));
  EXPECT_TRUE(Contains(md, "<b>raw html</b>\n````\n"));
}

TEST(AdvisoryMarkdownTest, ShowsTheWholeRecord) {
  const std::string md = RenderMarkdown(testing::ThreeCvesInput());
  for (const char* part :
       {"# acme-os 26.3.1 (b): security notes", "- **Product:** acme-os",
        "- **Base version:** 26.3.1", "- **Improvement letter:** b",
        "- **Improvement:** 26.3.1 (b)", "- **Published:** 2026-09-21T14:13:20Z",
        "| webkit | 620.1 | 620.1.2 |", "| openssl | 3.0.11 | 3.0.11-1 |",
        "### CVE-2026-1001 (severity: Critical)", "### CVE-2026-1002 (severity: Medium)",
        "### CVE-2026-1003 (severity: Low)", "highest severity: Critical",
        "- 100% of devices from 2026-09-22T14:13:20Z (1 day after publication)",
        "Paused: no device installs", "[OSV CVE-2026-1002](osv/CVE-2026-1002.json)"}) {
    EXPECT_TRUE(Contains(md, part)) << part;
  }
}

TEST(AdvisoryMarkdownTest, ShowsWithdrawalFirst) {
  const std::string md = RenderMarkdown(testing::WithdrawnInput());
  EXPECT_EQ(md.find("> **Withdrawn on 2026-09-21T17:13:20Z.** Do not install"), md.find('\n') + 2);
  EXPECT_TRUE(Contains(md, "> Reason: Boot loop on \\<model X\\> \\& \"Y\" — rollback übernommen"));
  EXPECT_TRUE(Contains(md, "> **Superseded:** the fixes are included in acme-os 26.4."));
  EXPECT_TRUE(Contains(md, "- **Withdrawn:** 2026-09-21T17:13:20Z"));
  EXPECT_TRUE(
      Contains(md, "### CVE-2026-2002 (severity: Unknown)\n\nNo description was provided."));
}

TEST(AdvisoryMarkdownTest, NoCveAndNoNotes) {
  const std::string md = RenderMarkdown(testing::NoCveInput());
  EXPECT_TRUE(Contains(md, "This improvement lists no CVE."));
  EXPECT_TRUE(Contains(md, "The vendor published no release notes."));
  EXPECT_TRUE(Contains(md, "Available to all devices as of"));
}

}  // namespace
}  // namespace bsi::advisory
