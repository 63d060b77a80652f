// Target path patterns (path_pattern.h) against the reference
// implementation. The expected results in kGlobCases and kPathCases were
// computed with python's fnmatch.fnmatchcase applied per '/'-separated part,
// as python-tuf does, by testdata/make_glob_cases.py (/usr/bin/python3,
// Python 3.11); do not edit them by hand, regenerate them.
#include "bsi/metadata/path_pattern.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace bsi::metadata {
namespace {

struct Case {
  std::string_view pattern;
  std::string_view text;
  bool matches;
};

// One part (no '/'): GlobMatch and PathPatternMatches agree on these.
constexpr Case kGlobCases[] = {
    {"", "", true},
    {"", "a", false},
    {"a", "", false},
    {"abc", "abc", true},
    {"abc", "abd", false},
    {"A", "a", false},
    {".", ".", true},
    {"a.b", "axb", false},
    {"(", "(", true},
    {"+", "+", true},
    {"$", "$", true},
    {"^", "^", true},
    {"|", "|", true},
    {"\\", "\\", true},
    {"\\*", "*", false},
    {"\\*", "\\x", true},
    {"a\\b", "a\\b", true},
    {"{a,b}", "a", false},
    {"{a,b}", "{a,b}", true},
    {"*", "", true},
    {"*", "abc", true},
    {"a*", "a", true},
    {"a*", "abc", true},
    {"a*", "bac", false},
    {"*c", "abc", true},
    {"*c", "abcd", false},
    {"a*c", "ac", true},
    {"a*c", "abbc", true},
    {"a*c", "abcd", false},
    {"*a*b*", "xaxxbx", true},
    {"*a*b*", "xbxxax", false},
    {"**", "", true},
    {"a**b", "ab", true},
    {"*.tar.gz", "x.tar.gz", true},
    {"*.tar.gz", "x.tar.gzz", false},
    {"*ab", "aab", true},
    {"*a*a*a", "aaaa", true},
    {"*a*a*a", "aa", false},
    {"a*b*c", "abcbc", true},
    {"*", "a\nb", true},
    {"?", "", false},
    {"?", "a", true},
    {"?", "ab", false},
    {"a?c", "abc", true},
    {"a?c", "ac", false},
    {"??", "ab", true},
    {"?*", "", false},
    {"?*", "a", true},
    {"?", "\n", true},
    {"*?", "ab", true},
    {"[abc]", "a", true},
    {"[abc]", "d", false},
    {"[abc]", "", false},
    {"[abc]", "ab", false},
    {"[a-z]", "m", true},
    {"[a-z]", "M", false},
    {"[a-z]", "-", false},
    {"[!a]", "a", false},
    {"[!a]", "b", true},
    {"[!a]", "", false},
    {"[!a-c]", "b", false},
    {"[!a-c]", "d", true},
    {"[]]", "]", true},
    {"[]a]", "a", true},
    {"[]a]", "b", false},
    {"[!]]", "]", false},
    {"[!]]", "a", true},
    {"[]-a]", "^", true},
    {"[a-]", "-", true},
    {"[a-]", "a", true},
    {"[-a]", "-", true},
    {"[!-a]", "-", false},
    {"[!-a]", "b", true},
    {"[--0]", ".", true},
    {"[--0]", "1", false},
    {"[z-a]", "m", false},
    {"[z-a]", "z", false},
    {"[!z-a]", "m", true},
    {"[a-c-e]", "d", false},
    {"[a-c-e]", "-", true},
    {"[a-c-e]", "e", true},
    {"[c-a-z]", "-", true},
    {"[c-a-z]", "b", false},
    {"[c-a-z]", "z", true},
    {"[a-cz-b]", "b", true},
    {"[a-cz-b]", "z", false},
    {"[^a]", "^", true},
    {"[^a]", "b", false},
    {"[\\]", "\\", true},
    {"[[]", "[", true},
    {"[a[]", "[", true},
    {"[*]", "*", true},
    {"[*]", "a", false},
    {"[?]", "?", true},
    {"[?]", "a", false},
    {"[&&]", "&", true},
    {"[0-9][0-9]", "42", true},
    {"v[0-9].*", "v1.0", true},
    {"v[0-9].*", "vx.0", false},
    {"[", "[", true},
    {"[", "a", false},
    {"[", "", false},
    {"[abc", "[abc", true},
    {"[abc", "a", false},
    {"a[", "a[", true},
    {"[]", "[]", true},
    {"[]", "]", false},
    {"[!]", "[!]", true},
    {"[!]", "a", false},
    {"[!", "[!", true},
    {"*[", "ab[", true},
    {"[*", "[xyz", true},
    {"[a*", "[a", true},
    {"[a-", "[a-", true},
    {"[[a]", "[a]", false},
    {"?", "é", true},
    {"??", "é", false},
    {"[é]", "é", true},
    {"[à-ÿ]", "é", true},
    {"[à-ÿ]", "e", false},
    {"[!é]", "e", true},
    {"[!é]", "é", false},
    {"caf?", "café", true},
    {"*é", "café", true},
    {"€?", "€x", true},
    {"?", "😀", true},
    {"[é-😀]", "€", true},
};

// Whole target paths.
constexpr Case kPathCases[] = {
    {"*", "a/b", false},
    {"*/*", "a/b", true},
    {"a/*", "a/b/c", false},
    {"a/*/c", "a/b/c", true},
    {"*.txt", "dir/x.txt", false},
    {"*/*.txt", "dir/x.txt", true},
    {"targets/*", "targets/", true},
    {"", "", true},
    {"/", "/", true},
    {"/", "", false},
    {"a/", "a/", true},
    {"a/", "a", false},
    {"a//b", "a//b", true},
    {"a//b", "a/x/b", false},
    {"a/*/b", "a//b", true},
    {"/a", "a", false},
    {"/a", "/a", true},
    {"?", "/", false},
    {"a?b", "a/b", false},
    {"a*b", "a/b", false},
    {"[/]", "/", false},
    {"a[/]b", "a/b", false},
    {"a[/]b", "a[/]b", true},
    {"*/", "a/", true},
    {"**/*", "a/b", true},
    {"**", "a/b", false},
    {"files/*.tgz", "files/app.tgz", true},
    {"files/app-?.?.tgz", "files/app-1.2.tgz", true},
    {"files/app-?.?.tgz", "files/app-1.22.tgz", false},
    {"files/*", "files/sub/app.tgz", false},
    {"*/*/*", "a/b/c", true},
    {"*/*/*", "a/b", false},
    {"a/[!b]/c", "a/x/c", true},
    {"a/[!b]/c", "a/b/c", false},
    {"déjà/?", "déjà/é", true},
};

TEST(GlobMatchTest, AgreesWithPythonFnmatch) {
  for (const Case& c : kGlobCases) {
    EXPECT_EQ(GlobMatch(c.pattern, c.text), c.matches)
        << "pattern '" << c.pattern << "' text '" << c.text << "'";
    EXPECT_EQ(PathPatternMatches(c.pattern, c.text), c.matches)
        << "pattern '" << c.pattern << "' path '" << c.text << "'";
  }
}

TEST(PathPatternMatchesTest, AgreesWithPythonPerPart) {
  for (const Case& c : kPathCases) {
    EXPECT_EQ(PathPatternMatches(c.pattern, c.text), c.matches)
        << "pattern '" << c.pattern << "' path '" << c.text << "'";
  }
}

TEST(PathPatternMatchesTest, StarNeverCrossesSlash) {
  EXPECT_TRUE(PathPatternMatches("targets/*", "targets/a.bin"));
  EXPECT_FALSE(PathPatternMatches("targets/*", "targets/sub/a.bin"));
  EXPECT_FALSE(PathPatternMatches("*", "targets/a.bin"));
  EXPECT_FALSE(PathPatternMatches("targets/*.bin", "targets/x/y.bin"));
  EXPECT_TRUE(PathPatternMatches("targets/*/*.bin", "targets/x/y.bin"));
  // GlobMatch alone does not treat '/' specially (as fnmatch).
  EXPECT_TRUE(GlobMatch("*", "a/b"));
  EXPECT_TRUE(GlobMatch("a?b", "a/b"));
}

TEST(PathPatternMatchesTest, DifferentPartCountsNeverMatch) {
  // '*' matches an empty part, so exactly the paths with three parts match.
  for (std::string_view path : {"a", "a/b", "a/b/c", "a/b/c/d", "/a/b", "a/b/", "//", "/", ""}) {
    const bool three_parts = std::count(path.begin(), path.end(), '/') == 2;
    EXPECT_EQ(PathPatternMatches("*/*/*", path), three_parts) << path;
  }
  EXPECT_FALSE(PathPatternMatches("a/b", "a/b/"));
  EXPECT_FALSE(PathPatternMatches("a/b/", "a/b"));
  EXPECT_FALSE(PathPatternMatches("a/b", "/a/b"));
}

// Bytes that are not UTF-8 can only come from a caller (metadata strings are
// valid UTF-8): each stands for one character of its own, as with python's
// surrogateescape decoding.
TEST(GlobMatchTest, InvalidUtf8IsOneCharacterPerByte) {
  EXPECT_TRUE(GlobMatch("?", "\xff"));
  EXPECT_TRUE(GlobMatch("\xff", "\xff"));
  EXPECT_FALSE(GlobMatch("\xfe", "\xff"));
  EXPECT_TRUE(GlobMatch("?", "\xc3"));  // a truncated sequence
  EXPECT_FALSE(GlobMatch("??", "\xc3"));
  EXPECT_TRUE(GlobMatch("??", "\xc3("));          // truncated sequence, then '('
  EXPECT_TRUE(GlobMatch("??", "\xc0\xaf"));       // overlong '/'
  EXPECT_TRUE(GlobMatch("???", "\xed\xa0\x80"));  // encoded surrogate
  EXPECT_TRUE(GlobMatch("*\xff", "ab\xff"));
  EXPECT_FALSE(GlobMatch("[\xc3\xa9]", "\xc3"));
  EXPECT_TRUE(GlobMatch("a?c",
                        "a\xc3\xa9"
                        "c"));
}

DelegatedRole RoleWithPaths(std::vector<std::string> paths) {
  DelegatedRole role;
  role.name = "role";
  role.paths = std::move(paths);
  return role;
}

DelegatedRole RoleWithPrefixes(std::vector<std::string> prefixes) {
  DelegatedRole role;
  role.name = "role";
  role.path_hash_prefixes = std::move(prefixes);
  return role;
}

TEST(IsDelegatedPathTest, ByPaths) {
  EXPECT_TRUE(IsDelegatedPath(RoleWithPaths({"files/*"}), "files/app.tgz"));
  EXPECT_FALSE(IsDelegatedPath(RoleWithPaths({"files/*"}), "other/app.tgz"));
  EXPECT_TRUE(IsDelegatedPath(RoleWithPaths({"docs/*", "files/*.tgz"}), "files/app.tgz"));
  EXPECT_FALSE(IsDelegatedPath(RoleWithPaths({"docs/*", "files/*.zip"}), "files/app.tgz"));
  EXPECT_FALSE(IsDelegatedPath(RoleWithPaths({}), "files/app.tgz"));
  EXPECT_FALSE(IsDelegatedPath(RoleWithPaths({}), ""));
}

// sha256("files/app-1.2.tgz") =
//   451f2735e3d6b07a80b614f75b170518ff854263937d5c1d67f41cc43a1349f3
// sha256("targets/file.txt") =
//   e1962714e20a45c4d069c2f8ee96c4d30a51d9df42baa6ce724e2bb44ec72513
// (computed with python's hashlib.sha256(path.encode()).hexdigest()).
TEST(IsDelegatedPathTest, ByPathHashPrefixes) {
  constexpr std::string_view kApp = "files/app-1.2.tgz";
  constexpr std::string_view kFile = "targets/file.txt";
  EXPECT_TRUE(IsDelegatedPath(RoleWithPrefixes({"4"}), kApp));
  EXPECT_TRUE(IsDelegatedPath(RoleWithPrefixes({"451f"}), kApp));
  EXPECT_TRUE(IsDelegatedPath(RoleWithPrefixes({"00", "e1", "ff"}), kFile));
  EXPECT_FALSE(IsDelegatedPath(RoleWithPrefixes({"00", "e1", "ff"}), kApp));
  EXPECT_FALSE(IsDelegatedPath(RoleWithPrefixes({"452"}), kApp));
  EXPECT_TRUE(IsDelegatedPath(
      RoleWithPrefixes({"451f2735e3d6b07a80b614f75b170518ff854263937d5c1d67f41cc43a1349f3"}),
      kApp));
  // Longer than the digest, upper case: python's str.startswith says no.
  EXPECT_FALSE(IsDelegatedPath(
      RoleWithPrefixes({"451f2735e3d6b07a80b614f75b170518ff854263937d5c1d67f41cc43a1349f30"}),
      kApp));
  EXPECT_FALSE(IsDelegatedPath(RoleWithPrefixes({"451F"}), kApp));
  // The empty prefix is a prefix of every digest (str.startswith("")).
  EXPECT_TRUE(IsDelegatedPath(RoleWithPrefixes({""}), kApp));
  EXPECT_FALSE(IsDelegatedPath(RoleWithPrefixes({}), kApp));
}

TEST(IsDelegatedPathTest, NeitherPathsNorPrefixes) {
  DelegatedRole role;
  role.name = "role";
  EXPECT_FALSE(IsDelegatedPath(role, "files/app.tgz"));
}

}  // namespace
}  // namespace bsi::metadata
