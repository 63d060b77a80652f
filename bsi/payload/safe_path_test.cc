#include "bsi/payload/safe_path.h"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace bsi::payload {
namespace {

using namespace std::string_literals;

TEST(SafeRelativePathTest, AcceptsNormalisedRelativePaths) {
  for (std::string_view text :
       {"a", "lib/libssl.so.3", "a/b/c/d", "weird name with spaces", "caf\xc3\xa9/\xe2\x82\xac",
        "..a", "a..", ".hidden/.x", "a\\b", "-dash"}) {
    Result<SafeRelativePath> path = SafeRelativePath::Parse(text);
    ASSERT_TRUE(path.ok()) << text << ": " << path.error().ToString();
    EXPECT_EQ(path->str(), text);
  }
}

TEST(SafeRelativePathTest, RefusesEverythingThatCouldEscapeOrMislead) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "is empty"},
      {"/etc/passwd", "is absolute"},
      {"/", "is absolute"},
      {"..", "'..' part"},
      {"../x", "'..' part"},
      {"a/../../x", "'..' part"},
      {"a/..", "'..' part"},
      {".", "'.' part"},
      {"a/./b", "'.' part"},
      {"./a", "'.' part"},
      {"a//b", "empty part"},
      {"a/", "ends with '/'"},
      {"a\nb", "control character"},
      {"a\rb", "control character"},
      {"a\x7f", "control character"},
      {"a\x01", "control character"},
      {"a\0b"s, "NUL"},
      {"\xff\xfe", "not valid UTF-8"},
      {"\xc0\xaf", "not valid UTF-8"},          // overlong '/'
      {"\xed\xa0\x80", "not valid UTF-8"},      // a surrogate
      {"\xf4\x90\x80\x80", "not valid UTF-8"},  // above U+10FFFF
      {"\xe2\x82", "not valid UTF-8"},          // truncated
      {std::string(SafeRelativePath::kMaxLength + 1, 'a'), "longer than"},
      {std::string(SafeRelativePath::kMaxPartLength + 1, 'a'), "part longer than"},
  };
  for (const auto& [text, why] : cases) {
    Result<SafeRelativePath> path = SafeRelativePath::Parse(text);
    ASSERT_FALSE(path.ok()) << QuoteForMessage(text);
    EXPECT_EQ(path.error().code(), ErrorCode::kUnsafePath);
    EXPECT_NE(path.error().message().find(why), std::string::npos)
        << path.error().message() << " (wanted " << why << ")";
  }
}

TEST(SafeRelativePathTest, BoundsDepth) {
  std::string deep = "a";
  for (std::size_t i = 1; i < SafeRelativePath::kMaxDepth; ++i) deep += "/a";
  EXPECT_TRUE(SafeRelativePath::Parse(deep).ok());
  Result<SafeRelativePath> deeper = SafeRelativePath::Parse(deep + "/a");
  ASSERT_FALSE(deeper.ok());
  EXPECT_NE(deeper.error().message().find("parts"), std::string::npos);
}

TEST(SafeRelativePathTest, PartsParentAndBaseName) {
  SafeRelativePath path = *SafeRelativePath::Parse("usr/lib/libz.so");
  EXPECT_EQ(path.Parts(), (std::vector<std::string_view>{"usr", "lib", "libz.so"}));
  EXPECT_EQ(path.BaseName(), "libz.so");
  ASSERT_TRUE(path.Parent().has_value());
  EXPECT_EQ(path.Parent()->str(), "usr/lib");
  EXPECT_EQ(path.Parent()->Parent()->str(), "usr");
  EXPECT_FALSE(path.Parent()->Parent()->Parent().has_value());
  EXPECT_EQ(SafeRelativePath::Parse("x")->BaseName(), "x");
}

TEST(SafeRelativePathTest, OrdersBytewiseWithParentsFirst) {
  auto p = [](std::string_view text) { return *SafeRelativePath::Parse(text); };
  EXPECT_LT(p("a"), p("a-b"));
  EXPECT_LT(p("a-b"), p("a/b"));  // '-' (0x2d) < '/' (0x2f)
  EXPECT_LT(p("a"), p("a/b"));
  EXPECT_LT(p("B"), p("a"));
  EXPECT_EQ(p("a/b"), p("a/b"));
}

TEST(ResolveLinkTargetTest, ResolvesInsideTheTree) {
  auto resolve = [](std::string_view link, std::string_view target) {
    Result<std::string> out = ResolveLinkTarget(*SafeRelativePath::Parse(link), target);
    EXPECT_TRUE(out.ok()) << link << " -> " << target << ": " << out.error().ToString();
    return out.ok() ? *out : std::string("<error>");
  };
  EXPECT_EQ(resolve("lib/libz.so", "libz.so.1"), "lib/libz.so.1");
  EXPECT_EQ(resolve("lib/libz.so", "../bin/z"), "bin/z");
  EXPECT_EQ(resolve("a/b/c", "../../x"), "x");
  EXPECT_EQ(resolve("a/b/c", "../.."), "");  // the tree's root
  EXPECT_EQ(resolve("top", "other"), "other");
  EXPECT_EQ(resolve("a/b/c", "d/../e"), "a/b/e");
}

TEST(ResolveLinkTargetTest, RefusesEscapesAndOddTargets) {
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"link", "/etc/passwd", "absolute"},
      {"link", "/", "absolute"},
      {"a/link", "../../etc/passwd", "outside the tree"},
      {"link", "..", "outside the tree"},
      {"a/b/link", "x/../../../../y", "outside the tree"},
      {"link", "", "is empty"},
      {"link", "a//b", "empty part"},
      {"link", "dir/", "empty part"},
      {"link", "./x", "'.' part"},
      {"link", "a\nb", "control character"},
      {"link", "a\0b"s, "NUL"},
      {"link", "\xff", "UTF-8"},
      {"link", std::string(kMaxLinkTargetLength + 1, 'a'), "longer than"},
  };
  for (const auto& [link, target, why] : cases) {
    Result<std::string> out = ResolveLinkTarget(*SafeRelativePath::Parse(link), target);
    ASSERT_FALSE(out.ok()) << link << " -> " << QuoteForMessage(target);
    EXPECT_EQ(out.error().code(), ErrorCode::kUnsafePath);
    EXPECT_NE(out.error().message().find(why), std::string::npos)
        << out.error().message() << " (wanted " << why << ")";
  }
}

TEST(QuoteForMessageTest, EscapesAndTruncates) {
  EXPECT_EQ(QuoteForMessage("a\nb"), "\"a\\x0ab\"");
  EXPECT_EQ(QuoteForMessage("q\"\\"), "\"q\\\"\\\\\"");
  EXPECT_EQ(QuoteForMessage("a\0b"s), "\"a\\x00b\"");
  const std::string quoted = QuoteForMessage(std::string(1000, 'x'));
  EXPECT_LT(quoted.size(), 100u);
  EXPECT_NE(quoted.find("..."), std::string::npos);
}

}  // namespace
}  // namespace bsi::payload
