#include "bsi/version/version.h"

#include <algorithm>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include <gtest/gtest.h>

namespace bsi::version {
namespace {

using std::string_literals::operator""s;

BaseVersion Base(std::string_view text) {
  Result<BaseVersion> v = BaseVersion::Parse(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.error().ToString();
  return *v;
}

Letter L(std::string_view text) {
  Result<Letter> v = Letter::Parse(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.error().ToString();
  return *v;
}

InstalledVersion Installed(std::string_view text) {
  Result<InstalledVersion> v = InstalledVersion::Parse(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.error().ToString();
  return *v;
}

// --- BaseVersion -----------------------------------------------------------

TEST(BaseVersionTest, ParsesAndRoundTrips) {
  const std::vector<std::string> texts = {
      "0",
      "26",
      "26.3",
      "26.3.1",
      "1.2.3.4.5",
      "0.0.0",
      "10.0.1",
      "4294967295",
      "4294967295.4294967295",
      "1.0.10.100.1000",
      "0.1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19",
  };
  for (const std::string& text : texts) {
    Result<BaseVersion> v = BaseVersion::Parse(text);
    ASSERT_TRUE(v.ok()) << text << ": " << v.error().ToString();
    EXPECT_EQ(v->ToString(), text);
    EXPECT_EQ(*BaseVersion::Parse(v->ToString()), *v);
  }
  EXPECT_EQ(Base("26.3.1").parts(), (std::vector<uint32_t>{26, 3, 1}));
  EXPECT_EQ(Base("4294967295").parts(), (std::vector<uint32_t>{4294967295U}));
}

TEST(BaseVersionTest, AcceptsExactlyMaxLength) {
  std::string text = "1";
  while (text.size() + 2 <= BaseVersion::kMaxLength) text += ".1";
  ASSERT_EQ(text.size(), 63U);
  text += "0";  // "1.1. ... .10", 64 characters, 32 parts
  ASSERT_EQ(text.size(), BaseVersion::kMaxLength);
  EXPECT_EQ(Base(text).parts().size(), 32U);
  EXPECT_FALSE(BaseVersion::Parse(text + "0").ok());
}

TEST(BaseVersionTest, RejectsMalformed) {
  const std::vector<std::string> texts = {
      "",
      ".",
      "..",
      "26.",
      ".26",
      "26..3",
      "26.3.",
      "26.3..1",
      "00",
      "01",
      "26.03",
      "26.3.01",
      "026",
      "0.00",
      "-1",
      "+1",
      "26.-3",
      "26.+3",
      " 26",
      "26 ",
      "26.3 ",
      "\t26",
      "26\n",
      "26 .3",
      "26. 3",
      "26,3",
      "26_3",
      "26-3",
      "26:3",
      "26/3",
      "1e3",
      "0x1a",
      "v26",
      "26a",
      "26.3.a",
      "a",
      "26.3.1 (a)",
      "26.3.1(a)",
      "4294967296",
      "4294967296.0",
      "0.4294967296",
      "99999999999999999999",
      "18446744073709551616",
      "26\0"
      "3"s,
      "\0"s,
      "\xef\xbc\x92\xef\xbc\x96",
      "26.3\xc2\xa0",
      std::string(65, '1'),
      std::string(BaseVersion::kMaxLength + 1, '.'),
      "1." + std::string(63, '0'),
  };
  for (const std::string& text : texts) {
    Result<BaseVersion> v = BaseVersion::Parse(text);
    ASSERT_FALSE(v.ok()) << "accepted '" << text << "' as " << v->ToString();
    EXPECT_EQ(v.error().code(), ErrorCode::kInvalidArgument) << text;
  }
}

TEST(BaseVersionTest, ErrorMessagesSayWhatIsWrong) {
  auto message = [](std::string_view text) { return BaseVersion::Parse(text).error().message(); };
  EXPECT_EQ(message("26.03"), "version '26.03' has a leading zero in part 2");
  EXPECT_EQ(message(""), "version '' is empty");
  EXPECT_EQ(message("26..3"), "version '26..3' has an empty part 2");
  EXPECT_EQ(message("26.3."), "version '26.3.' has an empty part 3");
  EXPECT_EQ(message("1.4294967296"), "version '1.4294967296' has part 2 larger than 4294967295");
  EXPECT_EQ(message("26.3 "),
            "version '26.3 ' has invalid character ' ' at offset 4 (only digits and '.' are "
            "allowed)");
  // Bytes that could forge a log line are escaped; long input is truncated.
  EXPECT_EQ(message("2\n'x"),
            "version '2\\x0a\\x27x' has invalid character '\\x0a' at offset 1 (only digits and "
            "'.' are allowed)");
  EXPECT_EQ(message(std::string(100, '1')),
            "version '" + std::string(80, '1') + "'... is longer than 64 characters");
}

TEST(BaseVersionTest, FromParts) {
  Result<BaseVersion> v = BaseVersion::FromParts({26, 3, 1});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, Base("26.3.1"));
  EXPECT_FALSE(BaseVersion::FromParts({}).ok());
  EXPECT_TRUE(BaseVersion::FromParts(std::vector<uint32_t>(32, 0)).ok());
  EXPECT_FALSE(BaseVersion::FromParts(std::vector<uint32_t>(33, 0)).ok());
  // 7 parts of 10 digits: 76 characters.
  EXPECT_FALSE(BaseVersion::FromParts(std::vector<uint32_t>(7, 4294967295U)).ok());
  EXPECT_EQ(BaseVersion().ToString(), "0");
}

TEST(BaseVersionTest, OrdersNumericallyAndPrefixFirst) {
  const std::vector<std::string> chain = {
      "0",      "0.0",     "0.1",  "1",     "1.0",  "1.0.0",      "1.2",      "1.10",
      "2",      "9",       "10",   "26",    "26.3", "26.3.0",     "26.3.0.0", "26.3.1",
      "26.3.2", "26.3.10", "26.4", "26.10", "27",   "4294967295",
  };
  for (std::size_t i = 0; i < chain.size(); ++i) {
    for (std::size_t j = 0; j < chain.size(); ++j) {
      const BaseVersion a = Base(chain[i]);
      const BaseVersion b = Base(chain[j]);
      EXPECT_EQ(a <=> b, i <=> j) << chain[i] << " vs " << chain[j];
      EXPECT_EQ(a == b, i == j) << chain[i] << " vs " << chain[j];
    }
  }
}

TEST(BaseVersionTest, Hash) {
  EXPECT_EQ(std::hash<BaseVersion>{}(Base("26.3.1")), std::hash<BaseVersion>{}(Base("26.3.1")));
  std::unordered_set<BaseVersion> set = {Base("26.3"), Base("26.3.0"), Base("26.3"), Base("0")};
  EXPECT_EQ(set.size(), 3U);
  EXPECT_TRUE(set.contains(Base("26.3.0")));
  EXPECT_FALSE(set.contains(Base("26.3.1")));
}

// --- Letter ------------------------------------------------------------------

TEST(LetterTest, ParsesAndRoundTrips) {
  const std::vector<std::pair<std::string, uint64_t>> cases = {
      {"a", 1},
      {"b", 2},
      {"z", 26},
      {"aa", 27},
      {"az", 52},
      {"ba", 53},
      {"zz", 702},
      {"aaa", 703},
      {"zzz", 18278},
      {"aaaa", 18279},
      {"zzzzzzzz", Letter::kMaxOrdinal},
  };
  for (const auto& [text, ordinal] : cases) {
    const Letter letter = L(text);
    EXPECT_EQ(letter.ordinal(), ordinal) << text;
    EXPECT_EQ(letter.ToString(), text);
    EXPECT_EQ(*Letter::FromOrdinal(ordinal), letter);
  }
  EXPECT_EQ(Letter().ToString(), "a");
}

TEST(LetterTest, RejectsMalformed) {
  const std::vector<std::string> texts = {
      "",          "A",
      "Z",         "aA",
      "Ab",        "a1",
      "1",         "0",
      " a",        "a ",
      "a b",       "(a)",
      "a)",        "-",
      "_",         ".",
      "\xc3\xa9",  "\0"s,
      "a\0"s,      "\n",
      "aaaaaaaaa", std::string(100, 'z'),
      "`",         "{",
  };
  for (const std::string& text : texts) {
    Result<Letter> v = Letter::Parse(text);
    ASSERT_FALSE(v.ok()) << "accepted '" << text << "' as " << v->ToString();
    EXPECT_EQ(v.error().code(), ErrorCode::kInvalidArgument) << text;
  }
  EXPECT_EQ(Letter::Parse("aB").error().message(),
            "improvement letter 'aB' has invalid character 'B' at offset 1 (only lowercase a-z "
            "are allowed)");
  EXPECT_EQ(Letter::Parse("").error().message(), "improvement letter '' is empty");
}

TEST(LetterTest, Arithmetic) {
  EXPECT_EQ(*L("a").Next(), L("b"));
  EXPECT_EQ(*L("z").Next(), L("aa"));
  EXPECT_EQ(*L("az").Next(), L("ba"));
  EXPECT_EQ(*L("zz").Next(), L("aaa"));
  EXPECT_EQ(*L("azz").Next(), L("baa"));
  EXPECT_EQ(*L("zzzzzzzy").Next(), L("zzzzzzzz"));
  EXPECT_FALSE(L("zzzzzzzz").Next().ok());
  EXPECT_FALSE(Letter::FromOrdinal(0).ok());
  EXPECT_FALSE(Letter::FromOrdinal(Letter::kMaxOrdinal + 1).ok());
  EXPECT_FALSE(Letter::FromOrdinal(UINT64_MAX).ok());
  EXPECT_EQ(Letter::FromOrdinal(0).error().code(), ErrorCode::kInvalidArgument);
  // kMaxOrdinal is what its comment says.
  uint64_t sum = 0;
  uint64_t power = 1;
  for (std::size_t i = 0; i < Letter::kMaxLength; ++i) sum += power *= 26;
  EXPECT_EQ(sum, Letter::kMaxOrdinal);
}

TEST(LetterTest, OrdinalRoundTripAndOrder) {
  Letter previous = L("a");
  for (uint64_t n = 1; n <= 20000; ++n) {
    Result<Letter> letter = Letter::FromOrdinal(n);
    ASSERT_TRUE(letter.ok()) << n;
    const std::string text = letter->ToString();
    Result<Letter> parsed = Letter::Parse(text);
    ASSERT_TRUE(parsed.ok()) << n << " " << text;
    ASSERT_EQ(parsed->ordinal(), n) << text;
    if (n > 1) {
      ASSERT_EQ(*previous.Next(), *letter) << n;
      ASSERT_LT(previous, *letter) << n;
      // Shorter texts come first; within a length, alphabetical order.
      const std::string before = previous.ToString();
      ASSERT_TRUE(before.size() < text.size() || (before.size() == text.size() && before < text))
          << before << " " << text;
    }
    previous = *letter;
  }
  EXPECT_LT(L("z"), L("aa"));
  EXPECT_LT(L("zz"), L("aaa"));
  EXPECT_EQ(std::hash<Letter>{}(L("aa")), std::hash<Letter>{}(*Letter::FromOrdinal(27)));
}

// --- ImprovementVersion ----------------------------------------------------

TEST(ImprovementVersionTest, ParsesAndRoundTrips) {
  for (const std::string text : {"26.3.1 (a)", "26 (z)", "0 (aa)", "1.2.3.4.5 (zzzzzzzz)"}) {
    Result<ImprovementVersion> v = ImprovementVersion::Parse(text);
    ASSERT_TRUE(v.ok()) << text << ": " << v.error().ToString();
    EXPECT_EQ(v->ToString(), text);
    EXPECT_EQ(*ImprovementVersion::Parse(v->ToString()), *v);
  }
  const ImprovementVersion v = *ImprovementVersion::Parse("26.3.1 (b)");
  EXPECT_EQ(v.base(), Base("26.3.1"));
  EXPECT_EQ(v.letter(), L("b"));
  EXPECT_EQ(ImprovementVersion(Base("26.3.1"), L("b")), v);
  EXPECT_EQ(ImprovementVersion().ToString(), "0 (a)");
  // The longest accepted form: a 64-character base and an 8-letter letter.
  std::string base = "1";
  while (base.size() + 2 <= BaseVersion::kMaxLength) base += ".1";
  base += "0";
  ASSERT_EQ(base.size(), BaseVersion::kMaxLength);
  const std::string longest = base + " (zzzzzzzz)";
  EXPECT_EQ(ImprovementVersion::Parse(longest)->ToString(), longest);
  EXPECT_FALSE(ImprovementVersion::Parse(base + "1 (a)").ok());
}

TEST(ImprovementVersionTest, RejectsMalformed) {
  const std::vector<std::string> texts = {
      "",
      "26.3.1",
      "26.3.1(a)",
      "26.3.1  (a)",
      "26.3.1 (A)",
      "26.3.1 ()",
      "26.3.1 (a) ",
      " 26.3.1 (a)",
      "26.3.1 (a",
      "26.3.1 a)",
      "26.3.1 a",
      "26.3.1 (a)(b)",
      "26.3.1 ((a))",
      "26.3.1 (a))",
      "(a)",
      " (a)",
      "()",
      "(",
      ")",
      " ",
      "26.03 (a)",
      "26.3.1\t(a)",
      "26.3.1 ( a)",
      "26.3.1 (a )",
      "26.3.1 [a]",
      "26.3.1 (1)",
      "26.3.1 (aaaaaaaaa)",
      "26.3.1 (a)\n",
      "26.3.1 (a) (b)",
      "26.3.1 (a b)",
      "26.3.1\xc2\xa0(a)",
      "26.3. (a)",
      "26.3.1 (\0)"s,
      "26.3.1\0(a)"s,
      "(a) 26.3.1",
      "26.3.1 (-a)",
      "26.3.1 (a.)",
      std::string(100, '1') + " (a)",
      "26.3.1 (" + std::string(100, 'a') + ")",
  };
  for (const std::string& text : texts) {
    Result<ImprovementVersion> v = ImprovementVersion::Parse(text);
    ASSERT_FALSE(v.ok()) << "accepted '" << text << "' as " << v->ToString();
    EXPECT_EQ(v.error().code(), ErrorCode::kInvalidArgument) << text;
    // An installed version that has a letter is held to the same grammar.
    EXPECT_EQ(InstalledVersion::Parse(text).ok(), BaseVersion::Parse(text).ok()) << text;
  }
}

TEST(ImprovementVersionTest, ErrorMessagesSayWhatIsWrong) {
  auto message = [](std::string_view text) {
    return ImprovementVersion::Parse(text).error().message();
  };
  EXPECT_EQ(message("26.3.1(a)"),
            "improvement version '26.3.1(a)' does not have exactly one space before '(' "
            "(expected e.g. '26.3.1 (a)')");
  EXPECT_EQ(message("26.3.1"),
            "improvement version '26.3.1' has no '(' letter ')' (expected e.g. '26.3.1 (a)')");
  EXPECT_EQ(message("26.3.1 (a) "),
            "improvement version '26.3.1 (a) ' does not end with ')' (expected e.g. '26.3.1 "
            "(a)')");
  EXPECT_EQ(message("26.03 (a)"),
            "improvement version '26.03 (a)': version '26.03' has a leading zero in part 2");
  EXPECT_EQ(message("26.3.1 ()"),
            "improvement version '26.3.1 ()': improvement letter '' is empty");
}

// --- InstalledVersion ------------------------------------------------------

TEST(InstalledVersionTest, ParsesBothForms) {
  const InstalledVersion plain = Installed("26.3.1");
  EXPECT_EQ(plain.base(), Base("26.3.1"));
  EXPECT_FALSE(plain.letter().has_value());
  EXPECT_FALSE(plain.improvement().has_value());
  EXPECT_EQ(plain.ToString(), "26.3.1");

  const InstalledVersion lettered = Installed("26.3.1 (a)");
  EXPECT_EQ(lettered.base(), Base("26.3.1"));
  EXPECT_EQ(lettered.letter(), L("a"));
  EXPECT_EQ(lettered.improvement(), ImprovementVersion(Base("26.3.1"), L("a")));
  EXPECT_EQ(lettered.ToString(), "26.3.1 (a)");
  EXPECT_EQ(InstalledVersion(*lettered.improvement()), lettered);
  EXPECT_EQ(InstalledVersion(Base("26.3.1"), L("a")), lettered);
  EXPECT_EQ(InstalledVersion().ToString(), "0");

  for (const std::string text : {"", "26.03", "26.3.1 ", "26.3.1 (", "26.3.1 (a) ", "x"}) {
    Result<InstalledVersion> v = InstalledVersion::Parse(text);
    ASSERT_FALSE(v.ok()) << text;
    EXPECT_EQ(v.error().code(), ErrorCode::kInvalidArgument);
  }
}

const std::vector<std::string>& OrderedInstalled() {
  static const std::vector<std::string> chain = {
      "0",
      "0 (a)",
      "0.0",
      "1",
      "9",
      "9 (b)",
      "10",
      "26",
      "26 (a)",
      "26.3",
      "26.3 (zz)",
      "26.3.0",
      "26.3.1",
      "26.3.1 (a)",
      "26.3.1 (b)",
      "26.3.1 (z)",
      "26.3.1 (aa)",
      "26.3.1 (az)",
      "26.3.1 (ba)",
      "26.3.1 (zz)",
      "26.3.1 (aaa)",
      "26.3.1 (zzzzzzzz)",
      "26.3.2",
      "26.3.10",
      "26.3.10 (c)",
      "26.4",
      "26.10",
      "27",
      "4294967295",
  };
  return chain;
}

TEST(InstalledVersionTest, OrderPutsBaseBeforeItsLetters) {
  const std::vector<std::string>& chain = OrderedInstalled();
  for (std::size_t i = 0; i < chain.size(); ++i) {
    for (std::size_t j = 0; j < chain.size(); ++j) {
      const InstalledVersion a = Installed(chain[i]);
      const InstalledVersion b = Installed(chain[j]);
      EXPECT_EQ(a <=> b, i <=> j) << chain[i] << " vs " << chain[j];
      EXPECT_EQ(a == b, i == j) << chain[i] << " vs " << chain[j];
      EXPECT_EQ(a.ToString(), chain[i]);
      // Improvement versions order the same way as installed ones.
      if (a.improvement() && b.improvement()) {
        EXPECT_EQ(*a.improvement() <=> *b.improvement(), i <=> j);
      }
    }
  }
}

TEST(InstalledVersionTest, SortOfShuffledListIsTheOrder) {
  const std::vector<std::string>& expected = OrderedInstalled();
  std::vector<InstalledVersion> versions;
  for (const std::string& text : expected) versions.push_back(Installed(text));
  std::mt19937 random(20260301);  // fixed seed: the test is deterministic
  for (int round = 0; round < 50; ++round) {
    std::shuffle(versions.begin(), versions.end(), random);
    std::sort(versions.begin(), versions.end());
    std::vector<std::string> sorted;
    for (const InstalledVersion& v : versions) sorted.push_back(v.ToString());
    ASSERT_EQ(sorted, expected) << "round " << round;
  }
}

TEST(InstalledVersionTest, Hash) {
  std::unordered_set<InstalledVersion> set;
  for (const std::string& text : OrderedInstalled()) set.insert(Installed(text));
  for (const std::string& text : OrderedInstalled()) set.insert(Installed(text));
  EXPECT_EQ(set.size(), OrderedInstalled().size());
  std::unordered_set<ImprovementVersion> improvements = {*Installed("26.3.1 (a)").improvement(),
                                                         *Installed("26.3.1 (a)").improvement()};
  EXPECT_EQ(improvements.size(), 1U);
}

}  // namespace
}  // namespace bsi::version
