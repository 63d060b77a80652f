#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/crypto/hash.h"

namespace bsi::crypto {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(HexEncodeTest, Lowercase) {
  EXPECT_EQ(HexEncode(Bytes{}), "");
  EXPECT_EQ(HexEncode(Bytes{0x00, 0x01, 0x7f, 0x80, 0xab, 0xff}), "00017f80abff");
  EXPECT_EQ(HexEncode(std::string_view("\x12\xef", 2)), "12ef");
  EXPECT_EQ(HexEncode(std::string_view("")), "");
}

TEST(HexEncodeTest, AllBytesRoundTrip) {
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<std::uint8_t>(i);
  std::string hex = HexEncode(all);
  ASSERT_EQ(hex.size(), 512u);
  Result<Bytes> decoded = HexDecode(hex);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, all);
}

TEST(HexDecodeTest, AcceptsBothCases) {
  Result<Bytes> lower = HexDecode("abcdef09");
  Result<Bytes> upper = HexDecode("ABCDEF09");
  Result<Bytes> mixed = HexDecode("aBcDeF09");
  ASSERT_TRUE(lower.ok());
  ASSERT_TRUE(upper.ok());
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(*lower, (Bytes{0xab, 0xcd, 0xef, 0x09}));
  EXPECT_EQ(*upper, *lower);
  EXPECT_EQ(*mixed, *lower);
}

TEST(HexDecodeTest, EmptyIsEmpty) {
  Result<Bytes> decoded = HexDecode("");
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->empty());
}

TEST(HexDecodeTest, RejectsMalformed) {
  for (std::string_view bad : {"a", "abc", "0g", "g0", " 00", "00 ", "0x00", "00\n", "+1", "-1",
                               "zz", "0\x00", "\xff\xff", "12:34", "ab cd"}) {
    Result<Bytes> decoded = HexDecode(bad);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.error().code(), ErrorCode::kMalformed) << bad;
  }
  // An embedded NUL (string_view keeps it).
  EXPECT_FALSE(HexDecode(std::string_view("0\0", 2)).ok());
}

TEST(ConstantTimeEqualTest, Compares) {
  EXPECT_TRUE(ConstantTimeEqual("", ""));
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_TRUE(ConstantTimeEqual(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEqual("", "a"));
  EXPECT_FALSE(ConstantTimeEqual(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
  std::string long_a(4096, 'x');
  std::string long_b = long_a;
  EXPECT_TRUE(ConstantTimeEqual(long_a, long_b));
  long_b.back() = 'y';
  EXPECT_FALSE(ConstantTimeEqual(long_a, long_b));
}

}  // namespace
}  // namespace bsi::crypto
