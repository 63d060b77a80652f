#include "bsi/json/json.h"

#include <cmath>
#include <string>

#include <gtest/gtest.h>

namespace bsi::json {
namespace {

Value MustParse(std::string_view text) {
  auto v = Parse(text);
  EXPECT_TRUE(v.ok()) << text << ": " << (v.ok() ? "" : v.error().ToString());
  return v.ok() ? *v : Value();
}

TEST(JsonParse, Scalars) {
  EXPECT_TRUE(MustParse("null").is_null());
  EXPECT_EQ(MustParse("true").bool_value(), true);
  EXPECT_EQ(MustParse("false").bool_value(), false);
  EXPECT_EQ(MustParse("-42").int_value(), -42);
  EXPECT_EQ(MustParse("9223372036854775807").int_value(), INT64_MAX);
  EXPECT_EQ(MustParse("-9223372036854775808").int_value(), INT64_MIN);
  EXPECT_EQ(MustParse("\"a\\u00e9\\n\"").string_value(), "a\xc3\xa9\n");
  EXPECT_EQ(MustParse("1.5").kind(), Kind::kDouble);
  EXPECT_EQ(MustParse("1e3").kind(), Kind::kDouble);
  EXPECT_EQ(MustParse(" \n{ } \t").kind(), Kind::kObject);
}

TEST(JsonParse, NestedStructures) {
  Value v = MustParse(R"({"a":[1,{"b":null}],"c":{"d":"e"}})");
  ASSERT_TRUE(v.is_object());
  ASSERT_NE(v.Find("a"), nullptr);
  EXPECT_EQ(v.Find("a")->array().size(), 2u);
  EXPECT_TRUE(v.Find("a")->array()[1].Find("b")->is_null());
  EXPECT_EQ(v.Find("c")->Find("d")->string_value(), "e");
  EXPECT_EQ(v.Find("zz"), nullptr);
  EXPECT_EQ(v.Find("a")->Find("x"), nullptr);  // not an object
}

TEST(JsonParse, KeysSplitAcrossEscapesAreWhole) {
  Value v = MustParse(R"({"a\u0062c":1})");
  EXPECT_NE(v.Find("abc"), nullptr);
}

struct Rejected {
  const char* name;
  std::string text;
};

class JsonRejects : public ::testing::TestWithParam<Rejected> {};

TEST_P(JsonRejects, WithMalformed) {
  auto v = Parse(GetParam().text);
  ASSERT_FALSE(v.ok()) << GetParam().name;
  EXPECT_EQ(v.error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(v.error().category(), ErrorCategory::kSecurity);
}

INSTANTIATE_TEST_SUITE_P(
    Strict, JsonRejects,
    ::testing::Values(Rejected{"empty", ""}, Rejected{"whitespace_only", "  "},
                      Rejected{"duplicate_key", R"({"a":1,"a":2})"},
                      Rejected{"duplicate_key_nested", R"({"x":{"a":1,"b":2,"a":1}})"},
                      Rejected{"duplicate_key_escaped", R"({"a":1,"\u0061":2})"},
                      Rejected{"trailing_comma_object", R"({"a":1,})"},
                      Rejected{"trailing_comma_array", "[1,2,]"}, Rejected{"comment", "{/*c*/}"},
                      Rejected{"line_comment", "{}// c"}, Rejected{"trailing_data", "{} {}"},
                      Rejected{"trailing_garbage", "1x"}, Rejected{"single_quotes", "{'a':1}"},
                      Rejected{"bare_word", "nul"},
                      Rejected{"uint64_beyond_int64", "9223372036854775808"},
                      Rejected{"leading_zero", "01"}, Rejected{"plus_sign", "+1"},
                      Rejected{"nan", "NaN"}, Rejected{"unterminated_string", "\"abc"},
                      Rejected{"raw_control_char", std::string("\"a\x01\"")},
                      Rejected{"invalid_utf8_byte", std::string("\"\xff\"")},
                      Rejected{"overlong_utf8", std::string("\"\xc0\xaf\"")},
                      Rejected{"truncated_utf8", std::string("\"\xe2\x82\"")},
                      Rejected{"utf16_surrogate_in_utf8", std::string("\"\xed\xa0\x80\"")},
                      Rejected{"lone_surrogate_escape", R"("\ud800")"},
                      Rejected{"too_deep",
                               std::string(kMaxDepth + 1, '[') + std::string(kMaxDepth + 1, ']')},
                      Rejected{"nul_byte_outside_string", std::string("{}\0", 3)}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(JsonParse, AcceptsMaximumDepth) {
  EXPECT_TRUE(Parse(std::string(kMaxDepth, '[') + std::string(kMaxDepth, ']')).ok());
}

TEST(JsonParse, ErrorNamesTheDuplicateKey) {
  auto v = Parse(R"({"signed":1,"signed":2})");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("duplicate object key \"signed\""), std::string::npos);
}

TEST(JsonCanonical, SortsKeysAndDropsWhitespace) {
  Value v = MustParse(R"({ "b" : [1, -2, true, null], "a" : {"d": "x", "c": {}} })");
  EXPECT_EQ(*Canonicalize(v), R"({"a":{"c":{},"d":"x"},"b":[1,-2,true,null]})");
}

// Expected bytes produced by securesystemslib 0.26 encode_canonical() for
// {'b':[1,-2,True,None],'a':'q"\\ \n\t\u00e9\u20ac','\u00e9':{},'Z':''}.
TEST(JsonCanonical, MatchesSecuresystemslib) {
  Object o;
  o["b"] = Array{1, -2, true, nullptr};
  o["a"] = "q\"\\ \n\t\xc3\xa9\xe2\x82\xac";
  o["\xc3\xa9"] = Object{};
  o["Z"] = "";
  EXPECT_EQ(*Canonicalize(Value(o)),
            "{\"Z\":\"\",\"a\":\"q\\\"\\\\ \n\t\xc3\xa9\xe2\x82\xac\",\"b\":[1,-2,true,null],"
            "\"\xc3\xa9\":{}}");
}

TEST(JsonCanonical, OnlyQuoteAndBackslashAreEscaped) {
  Value v(std::string("\x01\x1f/\"\\", 5));
  EXPECT_EQ(*Canonicalize(v), std::string("\"\x01\x1f/\\\"\\\\\"", 9));
}

TEST(JsonCanonical, KeysOrderedByUtf8Bytes) {
  // 'Z' (0x5a) < 'a' (0x61) < U+00E9 (0xc3 0xa9) < U+20AC (0xe2 ...).
  Value v = MustParse("{\"\xe2\x82\xac\":1,\"\xc3\xa9\":2,\"a\":3,\"Z\":4}");
  EXPECT_EQ(*Canonicalize(v), "{\"Z\":4,\"a\":3,\"\xc3\xa9\":2,\"\xe2\x82\xac\":1}");
}

TEST(JsonCanonical, RefusesFloatsAnywhere) {
  EXPECT_FALSE(Canonicalize(MustParse("1.0")).ok());
  auto r = Canonicalize(MustParse(R"({"a":[{"b":2.5}]})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
}

TEST(JsonCanonical, IntegersExtremes) {
  EXPECT_EQ(*Canonicalize(Value(INT64_MIN)), "-9223372036854775808");
  EXPECT_EQ(*Canonicalize(MustParse("-0")), "0");
}

TEST(JsonCanonical, ParseOfCanonicalIsIdentity) {
  const std::string text = R"({"a":[1,"x\\\"y",{"k":null}],"b":false})";
  EXPECT_EQ(*Canonicalize(MustParse(text)), text);
}

TEST(JsonPretty, EscapesAndIndents) {
  Value v = MustParse(R"({"b":[1,2],"a":"x\ny\u0001","c":{},"d":[]})");
  EXPECT_EQ(ToPrettyString(v),
            "{\n  \"a\": \"x\\ny\\u0001\",\n  \"b\": [\n    1,\n    2\n  ],\n"
            "  \"c\": {},\n  \"d\": []\n}\n");
  EXPECT_EQ(MustParse(ToPrettyString(v)), v);
}

TEST(JsonCompact, EscapesControlCharactersAndParsesBack) {
  Value v = MustParse(R"({"b":[1,{"c":null}],"a":"x\ny\u0001\"","d":1.0})");
  EXPECT_EQ(ToCompactString(v), "{\"a\":\"x\\ny\\u0001\\\"\",\"b\":[1,{\"c\":null}],\"d\":1.0}");
  EXPECT_EQ(MustParse(ToCompactString(v)), v);
}

TEST(JsonCompact, EqualsCanonicalWithoutControlCharacters) {
  Value v = MustParse(R"({"z":"\u00e9\\","a":[true,false,-7]})");
  EXPECT_EQ(ToCompactString(v), *Canonicalize(v));
}

TEST(JsonParse, RefusesNonFiniteNumbers) {
  EXPECT_FALSE(Parse("1e400").ok());
  EXPECT_FALSE(Parse("0e400").ok() && !std::isfinite(Parse("0e400")->double_value()));
}

TEST(JsonValue, Equality) {
  EXPECT_EQ(MustParse("[1,{\"a\":2}]"), MustParse("[ 1 , { \"a\" : 2 } ]"));
  EXPECT_NE(MustParse("[1]"), MustParse("[2]"));
  EXPECT_NE(MustParse("1"), MustParse("\"1\""));
}

}  // namespace
}  // namespace bsi::json
