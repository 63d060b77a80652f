#include "bsi/crypto/random.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace bsi::crypto {
namespace {

TEST(RandomTest, Sizes) {
  for (std::size_t n : {0u, 1u, 16u, 32u, 1000u, 100000u}) {
    Result<std::string> bytes = RandomBytes(n);
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(bytes->size(), n);
  }
}

TEST(RandomTest, DistinctDraws) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    Result<std::string> bytes = RandomBytes(16);
    ASSERT_TRUE(bytes.ok());
    EXPECT_TRUE(seen.insert(*bytes).second);
  }
}

TEST(RandomTest, NotAllZero) {
  Result<std::string> bytes = RandomBytes(64);
  ASSERT_TRUE(bytes.ok());
  EXPECT_NE(*bytes, std::string(64, '\0'));
}

TEST(RandomTest, HexIsLowercaseAndTwiceAsLong) {
  Result<std::string> hex = RandomHex(20);
  ASSERT_TRUE(hex.ok());
  ASSERT_EQ(hex->size(), 40u);
  for (char c : *hex) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << c;
  Result<std::string> empty = RandomHex(0);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
  Result<std::string> other = RandomHex(20);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*hex, *other);
}

}  // namespace
}  // namespace bsi::crypto
