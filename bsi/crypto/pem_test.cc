#include "bsi/crypto/pem.h"

#include <string>

#include <gtest/gtest.h>

#include "bsi/crypto/testdata/python_vectors.h"

namespace bsi::crypto {
namespace {

// "hello world!" is 12 bytes: four base64 groups, no padding.
constexpr std::string_view kSimple =
    "-----BEGIN TEST DATA-----\n"
    "aGVsbG8g\n"
    "d29ybGQh\n"
    "-----END TEST DATA-----\n";

void ExpectMalformed(std::string_view text) {
  Result<PemBlock> block = ParsePem(text);
  ASSERT_FALSE(block.ok()) << text;
  EXPECT_EQ(block.error().code(), ErrorCode::kMalformed) << text;
}

TEST(Base64DecodeTest, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},
      {"Zg==", "f"},
      {"Zm8=", "fo"},
      {"Zm9v", "foo"},
      {"Zm9vYg==", "foob"},
      {"Zm9vYmE=", "fooba"},
      {"Zm9vYmFy", "foobar"},
  };
  for (const auto& [encoded, decoded] : vectors) {
    Result<std::string> result = Base64Decode(encoded);
    ASSERT_TRUE(result.ok()) << encoded;
    EXPECT_EQ(*result, decoded) << encoded;
  }
  Result<std::string> binary = Base64Decode("AP8A+/8=");
  ASSERT_TRUE(binary.ok());
  EXPECT_EQ(*binary, std::string("\x00\xff\x00\xfb\xff", 5));
}

TEST(Base64DecodeTest, RejectsNonCanonical) {
  for (std::string_view bad : {"Zg", "Zg=", "Zm9", "Z===", "====", "Zg==Zg==", "Zm=v", "Zh==",
                               "Zm9=", "Zm 9v", "Zm9v\n", "Zm-v", "Zm_v", "Zm9v====", "=Zm9"}) {
    Result<std::string> result = Base64Decode(bad);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.error().code(), ErrorCode::kMalformed) << bad;
  }
}

TEST(ParsePemTest, Simple) {
  Result<PemBlock> block = ParsePem(kSimple);
  ASSERT_TRUE(block.ok()) << block.error().ToString();
  EXPECT_EQ(block->label, "TEST DATA");
  EXPECT_EQ(block->der, "hello world!");
}

TEST(ParsePemTest, SurroundingWhitespaceAndCrlf) {
  Result<PemBlock> block = ParsePem(
      "\n  \t-----BEGIN TEST DATA-----\r\naGVsbG8g\r\nd29ybGQh\r\n-----END TEST DATA-----\r\n\n ");
  ASSERT_TRUE(block.ok()) << block.error().ToString();
  EXPECT_EQ(block->der, "hello world!");
}

TEST(ParsePemTest, NoFinalNewline) {
  Result<PemBlock> block =
      ParsePem("-----BEGIN TEST DATA-----\naGVsbG8gd29ybGQh\n-----END TEST DATA-----");
  ASSERT_TRUE(block.ok()) << block.error().ToString();
  EXPECT_EQ(block->der, "hello world!");
}

TEST(ParsePemTest, RealKeys) {
  Result<PemBlock> ecdsa = ParsePem(python_vectors::kEcdsaPublic);
  ASSERT_TRUE(ecdsa.ok()) << ecdsa.error().ToString();
  EXPECT_EQ(ecdsa->label, "PUBLIC KEY");
  EXPECT_EQ(ecdsa->der.size(), 91u);  // P-256 SubjectPublicKeyInfo.
  Result<PemBlock> pkcs1 = ParsePem(python_vectors::kRsaPublicPkcs1);
  ASSERT_TRUE(pkcs1.ok()) << pkcs1.error().ToString();
  EXPECT_EQ(pkcs1->label, "RSA PUBLIC KEY");
  Result<PemBlock> pkcs8 = ParsePem(python_vectors::kEcdsaPrivatePkcs8);
  ASSERT_TRUE(pkcs8.ok()) << pkcs8.error().ToString();
  EXPECT_EQ(pkcs8->label, "PRIVATE KEY");
}

TEST(ParsePemTest, RejectsJunkAroundTheBlock) {
  std::string simple(kSimple);
  ExpectMalformed("junk\n" + simple);
  ExpectMalformed(simple + "junk");
  ExpectMalformed(simple + "junk\n");
  ExpectMalformed(simple + simple);
  ExpectMalformed("x" + simple);
  ExpectMalformed(simple.substr(0, simple.size() - 1) + "x");
}

TEST(ParsePemTest, RejectsBrokenArmor) {
  ExpectMalformed("");
  ExpectMalformed("   \n  ");
  ExpectMalformed("-----BEGIN TEST DATA-----");
  ExpectMalformed("-----BEGIN TEST DATA-----\naGVsbG8gd29ybGQh\n");
  ExpectMalformed("-----BEGIN TEST DATA-----\naGVsbG8gd29ybGQh\n-----END OTHER-----\n");
  ExpectMalformed("-----BEGIN TEST DATA-----\naGVsbG8gd29ybGQh\n-----END TEST DATA----\n");
  ExpectMalformed("-----BEGIN TEST DATA----\naGVsbG8gd29ybGQh\n-----END TEST DATA-----\n");
  ExpectMalformed("-----BEGIN -----\naGVsbG8gd29ybGQh\n-----END -----\n");
  ExpectMalformed("-----BEGIN  A-----\naGVsbG8gd29ybGQh\n-----END  A-----\n");
  ExpectMalformed("-----BEGIN A-B-----\naGVsbG8gd29ybGQh\n-----END A-B-----\n");
  const std::string long_label(65, 'L');
  ExpectMalformed("-----BEGIN " + long_label + "-----\naGVsbG8gd29ybGQh\n-----END " + long_label +
                  "-----\n");
  ExpectMalformed("----------\naGVsbG8gd29ybGQh\n-----END -----\n");
  ExpectMalformed("-----BEGIN TEST DATA-----\n-----END TEST DATA-----\n");
  ExpectMalformed("-----BEGIN TEST DATA-----\n-----END TEST DATA-----\n-----END TEST DATA-----");
}

TEST(ParsePemTest, RejectsBrokenBody) {
  auto wrap = [](std::string_view body) {
    return "-----BEGIN TEST DATA-----\n" + std::string(body) + "\n-----END TEST DATA-----\n";
  };
  ExpectMalformed(wrap("aGVsbG8g\n\nd29ybGQh"));              // blank line
  ExpectMalformed(wrap("Proc-Type: 4,ENCRYPTED\naGVsbG8g"));  // RFC 1421 header
  ExpectMalformed(wrap("aGVsbG8g d29ybGQh"));                 // space
  ExpectMalformed(wrap("aGVsbG8g\td29ybGQh"));                // tab
  ExpectMalformed(wrap("aGVsbG8gd29ybGQ"));                   // truncated
  ExpectMalformed(wrap("Zg==\nZg=="));                        // padding in the middle
  ExpectMalformed(wrap("aGVsbG8g*29ybGQh"));                  // not base64
  ExpectMalformed(wrap(std::string_view("aGVs\0G8g", 8)));    // NUL
}

TEST(ParsePemTest, RejectsOversizedInput) {
  std::string body;
  while (body.size() < kMaxPemBytes) body += std::string(64, 'A') + "\n";
  ExpectMalformed("-----BEGIN TEST DATA-----\n" + body + "-----END TEST DATA-----\n");
}

}  // namespace
}  // namespace bsi::crypto
