#include "bsi/crypto/public_key.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/crypto/hash.h"
#include "bsi/crypto/testdata/python_vectors.h"

namespace bsi::crypto {
namespace {

namespace pv = python_vectors;

// RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte, 0x72).
constexpr std::string_view kRfc1Public =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr std::string_view kRfc1Signature =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
constexpr std::string_view kRfc2Public =
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
constexpr std::string_view kRfc2Message = "\x72";
constexpr std::string_view kRfc2Signature =
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

PublicKey MustParse(std::string_view keytype, std::string_view scheme, std::string_view value) {
  Result<PublicKey> key = PublicKey::FromTuf(keytype, scheme, value);
  EXPECT_TRUE(key.ok()) << key.error().ToString();
  return std::move(key).value();
}

void ExpectBadKey(std::string_view keytype, std::string_view scheme, std::string_view value) {
  Result<PublicKey> key = PublicKey::FromTuf(keytype, scheme, value);
  ASSERT_FALSE(key.ok()) << keytype << "/" << scheme << ": " << value;
  EXPECT_EQ(key.error().code(), ErrorCode::kBadKey) << key.error().ToString();
}

// signature_hex with its byte at `index` flipped in the low bit.
std::string FlipByte(std::string_view signature_hex, std::size_t index) {
  std::vector<std::uint8_t> bytes = HexDecode(signature_hex).value();
  bytes.at(index) ^= 0x01;
  return HexEncode(bytes);
}

TEST(SignatureSchemeTest, Names) {
  EXPECT_EQ(SignatureSchemeName(SignatureScheme::kEd25519), "ed25519");
  EXPECT_EQ(SignatureSchemeName(SignatureScheme::kEcdsaP256Sha256), "ecdsa-sha2-nistp256");
  EXPECT_EQ(SignatureSchemeName(SignatureScheme::kRsaPssSha256), "rsassa-pss-sha256");
}

TEST(Ed25519Test, Rfc8032Test1) {
  PublicKey key = MustParse("ed25519", "ed25519", kRfc1Public);
  EXPECT_TRUE(key.Verify("", kRfc1Signature));
  EXPECT_FALSE(key.Verify("x", kRfc1Signature));
  EXPECT_FALSE(key.Verify("", kRfc2Signature));
}

TEST(Ed25519Test, Rfc8032Test2) {
  PublicKey key = MustParse("ed25519", "ed25519", kRfc2Public);
  EXPECT_TRUE(key.Verify(kRfc2Message, kRfc2Signature));
  EXPECT_FALSE(key.Verify("\x73", kRfc2Signature));
  EXPECT_FALSE(key.Verify("", kRfc2Signature));
}

TEST(Ed25519Test, UppercaseHexAccepted) {
  std::string upper_key(kRfc2Public);
  std::string upper_sig(kRfc2Signature);
  for (char& c : upper_key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (char& c : upper_sig) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  PublicKey key = MustParse("ed25519", "ed25519", upper_key);
  EXPECT_TRUE(key.Verify(kRfc2Message, upper_sig));
}

TEST(Ed25519Test, Accessors) {
  PublicKey key = MustParse("ed25519", "ed25519", kRfc1Public);
  EXPECT_EQ(key.keytype(), "ed25519");
  EXPECT_EQ(key.scheme(), "ed25519");
  EXPECT_EQ(key.public_value(), kRfc1Public);
  EXPECT_EQ(key.signature_scheme(), SignatureScheme::kEd25519);
  EXPECT_EQ(key.bits(), 256);
}

TEST(Ed25519Test, TamperedSignatureRejected) {
  PublicKey key = MustParse("ed25519", "ed25519", kRfc2Public);
  for (std::size_t i : {0u, 31u, 32u, 63u}) {
    EXPECT_FALSE(key.Verify(kRfc2Message, FlipByte(kRfc2Signature, i))) << i;
  }
}

TEST(Ed25519Test, WrongKeyRejected) {
  PublicKey key = MustParse("ed25519", "ed25519", kRfc1Public);
  EXPECT_FALSE(key.Verify(kRfc2Message, kRfc2Signature));
}

TEST(Ed25519Test, BadPublicValues) {
  ExpectBadKey("ed25519", "ed25519", "");
  ExpectBadKey("ed25519", "ed25519", kRfc1Public.substr(0, 62));        // 31 bytes
  ExpectBadKey("ed25519", "ed25519", kRfc1Public.substr(0, 63));        // odd
  ExpectBadKey("ed25519", "ed25519", std::string(126, 'a'));            // 63 bytes
  ExpectBadKey("ed25519", "ed25519", std::string(kRfc1Public) + "00");  // 33 bytes
  ExpectBadKey("ed25519", "ed25519", std::string(kRfc1Public) + "\n");
  ExpectBadKey("ed25519", "ed25519", " " + std::string(kRfc1Public.substr(1)));
  ExpectBadKey("ed25519", "ed25519", "zz" + std::string(kRfc1Public.substr(2)));
  ExpectBadKey("ed25519", "ed25519", pv::kEcdsaPublic);
}

TEST(PublicKeyTest, UnknownKeytypeSchemeCombinations) {
  ExpectBadKey("ed25519", "ecdsa-sha2-nistp256", kRfc1Public);
  ExpectBadKey("ed25519", "", kRfc1Public);
  ExpectBadKey("", "ed25519", kRfc1Public);
  ExpectBadKey("ED25519", "ed25519", kRfc1Public);
  ExpectBadKey("ecdsa", "ecdsa-sha2-nistp384", pv::kEcdsaPublic);
  ExpectBadKey("ecdsa", "ed25519", pv::kEcdsaPublic);
  ExpectBadKey("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp256", pv::kEcdsaPublic);
  ExpectBadKey("rsa", "rsassa-pss-sha512", pv::kRsaPublic);
  ExpectBadKey("rsa", "rsa-pkcs1v15-sha256", pv::kRsaPublic);
  ExpectBadKey("rsa", "ecdsa-sha2-nistp256", pv::kRsaPublic);
  ExpectBadKey("sphincs", "sphincs-shake-128s", kRfc1Public);
}

TEST(PublicKeyTest, ErrorMessagesStayShort) {
  const std::string huge(100000, 'k');
  Result<PublicKey> key = PublicKey::FromTuf(huge, huge, huge);
  ASSERT_FALSE(key.ok());
  EXPECT_LT(key.error().message().size(), 200u);
  key = PublicKey::FromTuf("rsa", "rsassa-pss-sha256",
                           "-----BEGIN " + huge + "-----\nAAAA\n-----END " + huge + "-----\n");
  ASSERT_FALSE(key.ok());
  EXPECT_LT(key.error().message().size(), 200u);
}

TEST(EcdsaTest, SecuresystemslibSignature) {
  PublicKey key = MustParse("ecdsa", "ecdsa-sha2-nistp256", pv::kEcdsaPublic);
  EXPECT_EQ(key.signature_scheme(), SignatureScheme::kEcdsaP256Sha256);
  EXPECT_EQ(key.bits(), 256);
  EXPECT_TRUE(key.Verify(pv::kMessage, pv::kEcdsaSignature));
  EXPECT_FALSE(key.Verify(std::string(pv::kMessage) + " ", pv::kEcdsaSignature));
  EXPECT_FALSE(key.Verify(pv::kMessage, pv::kEcdsaPrivateSignature));  // other key
}

TEST(EcdsaTest, LegacyKeytypeAccepted) {
  PublicKey key = MustParse("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256", pv::kEcdsaPublic);
  EXPECT_EQ(key.keytype(), "ecdsa-sha2-nistp256");
  EXPECT_TRUE(key.Verify(pv::kMessage, pv::kEcdsaSignature));
}

TEST(EcdsaTest, CryptographySignature) {
  PublicKey key = MustParse("ecdsa", "ecdsa-sha2-nistp256", pv::kEcdsaPrivatePublic);
  EXPECT_TRUE(key.Verify(pv::kMessage, pv::kEcdsaPrivateSignature));
  EXPECT_EQ(key.public_value(), pv::kEcdsaPrivatePublic);
}

TEST(EcdsaTest, TamperedSignatureRejected) {
  PublicKey key = MustParse("ecdsa", "ecdsa-sha2-nistp256", pv::kEcdsaPublic);
  std::size_t size = pv::kEcdsaSignature.size() / 2;
  for (std::size_t i : {std::size_t{0}, std::size_t{1}, std::size_t{5}, size / 2, size - 1}) {
    EXPECT_FALSE(key.Verify(pv::kMessage, FlipByte(pv::kEcdsaSignature, i))) << i;
  }
  // Trailing data after the DER, and a truncated DER.
  EXPECT_FALSE(key.Verify(pv::kMessage, std::string(pv::kEcdsaSignature) + "00"));
  EXPECT_FALSE(key.Verify(pv::kMessage, pv::kEcdsaSignature.substr(0, size * 2 - 2)));
}

TEST(EcdsaTest, RawRsSignatureRejected) {
  // 64 bytes of r || s (the JOSE form) is not DER.
  PublicKey key = MustParse("ecdsa", "ecdsa-sha2-nistp256", pv::kEcdsaPublic);
  EXPECT_FALSE(key.Verify(pv::kMessage, std::string(128, '1')));
}

TEST(EcdsaTest, WrongCurvesAndKeysRejected) {
  ExpectBadKey("ecdsa", "ecdsa-sha2-nistp256", pv::kEcdsaP384Public);
  ExpectBadKey("ecdsa", "ecdsa-sha2-nistp256", pv::kEcdsaExplicitCurvePublic);
  ExpectBadKey("ecdsa", "ecdsa-sha2-nistp256", pv::kRsaPublic);
  ExpectBadKey("ecdsa", "ecdsa-sha2-nistp256", pv::kEd448Public);
  ExpectBadKey("ecdsa", "ecdsa-sha2-nistp256", kRfc1Public);
  ExpectBadKey("ecdsa", "ecdsa-sha2-nistp256", "");
}

TEST(EcdsaTest, MalformedPemRejected) {
  std::string pem(pv::kEcdsaPublic);
  ExpectBadKey("ecdsa", "ecdsa-sha2-nistp256", pem + "junk");
  ExpectBadKey("ecdsa", "ecdsa-sha2-nistp256", pem + pem);
  ExpectBadKey("ecdsa", "ecdsa-sha2-nistp256", "Key:\n" + pem);
  // The wrong label.
  std::string relabeled = pem;
  relabeled.replace(relabeled.find("BEGIN PUBLIC KEY"), 16, "BEGIN RSA PUBLIC KEY");
  relabeled.replace(relabeled.find("END PUBLIC KEY"), 14, "END RSA PUBLIC KEY");
  ExpectBadKey("ecdsa", "ecdsa-sha2-nistp256", relabeled);
  // A damaged body: one base64 character changed inside the DER header.
  std::string damaged = pem;
  damaged[damaged.find('\n') + 2] = 'A';
  ExpectBadKey("ecdsa", "ecdsa-sha2-nistp256", damaged);
}

TEST(EcdsaTest, DerTrailingDataRejected) {
  // A valid P-256 SubjectPublicKeyInfo followed by a DER NULL, inside valid PEM.
  ExpectBadKey("ecdsa", "ecdsa-sha2-nistp256", pv::kEcdsaPublicTrailingDer);
}

TEST(RsaTest, DigestLengthSaltVerifies) {
  PublicKey key = MustParse("rsa", "rsassa-pss-sha256", pv::kRsaPublic);
  EXPECT_EQ(key.signature_scheme(), SignatureScheme::kRsaPssSha256);
  EXPECT_EQ(key.bits(), 3072);
  EXPECT_TRUE(key.Verify(pv::kMessage, pv::kRsaSignatureDigestSalt));
}

TEST(RsaTest, MaxLengthSaltVerifies) {
  PublicKey key = MustParse("rsa", "rsassa-pss-sha256", pv::kRsaPublic);
  EXPECT_TRUE(key.Verify(pv::kMessage, pv::kRsaSignatureMaxSalt));
}

TEST(RsaTest, Pkcs1PemAccepted) {
  PublicKey key = MustParse("rsa", "rsassa-pss-sha256", pv::kRsaPublicPkcs1);
  EXPECT_TRUE(key.Verify(pv::kMessage, pv::kRsaSignatureDigestSalt));
  EXPECT_TRUE(key.Verify(pv::kMessage, pv::kRsaSignatureMaxSalt));
}

TEST(RsaTest, TamperingRejected) {
  PublicKey key = MustParse("rsa", "rsassa-pss-sha256", pv::kRsaPublic);
  EXPECT_FALSE(key.Verify("other message", pv::kRsaSignatureDigestSalt));
  EXPECT_FALSE(key.Verify(pv::kMessage, FlipByte(pv::kRsaSignatureMaxSalt, 0)));
  EXPECT_FALSE(key.Verify(pv::kMessage, FlipByte(pv::kRsaSignatureMaxSalt, 383)));
  EXPECT_FALSE(key.Verify(pv::kMessage, FlipByte(pv::kRsaSignatureDigestSalt, 200)));
  // One byte short, one byte long.
  EXPECT_FALSE(key.Verify(pv::kMessage, pv::kRsaSignatureDigestSalt.substr(2)));
  EXPECT_FALSE(key.Verify(pv::kMessage, "00" + std::string(pv::kRsaSignatureDigestSalt)));
}

TEST(RsaTest, WeakOrWrongKeysRejected) {
  ExpectBadKey("rsa", "rsassa-pss-sha256", pv::kRsa1024Public);
  ExpectBadKey("rsa", "rsassa-pss-sha256", pv::kEcdsaPublic);
  ExpectBadKey("rsa", "rsassa-pss-sha256", pv::kRsaPublic.substr(0, 100));
  ExpectBadKey("rsa", "rsassa-pss-sha256", std::string(pv::kRsaPublic) + "\ntrailing");
  ExpectBadKey("rsa", "rsassa-pss-sha256", pv::kRsaPrivatePkcs8);
}

TEST(RsaTest, Pkcs1LabelOnlyForRsa) {
  // An "RSA PUBLIC KEY" label around SPKI DER is refused (the DER is PKCS#1 only).
  std::string pem(pv::kRsaPublic);
  pem.replace(pem.find("BEGIN PUBLIC KEY"), 16, "BEGIN RSA PUBLIC KEY");
  pem.replace(pem.find("END PUBLIC KEY"), 14, "END RSA PUBLIC KEY");
  ExpectBadKey("rsa", "rsassa-pss-sha256", pem);
}

TEST(VerifyTest, MalformedSignaturesAreFalse) {
  const PublicKey keys[] = {
      MustParse("ed25519", "ed25519", kRfc2Public),
      MustParse("ecdsa", "ecdsa-sha2-nistp256", pv::kEcdsaPublic),
      MustParse("rsa", "rsassa-pss-sha256", pv::kRsaPublic),
  };
  const std::string huge(std::size_t{10} << 20, 'a');
  const std::string just_too_long(kMaxSignatureHexSize + 2, '0');
  for (const PublicKey& key : keys) {
    SCOPED_TRACE(key.scheme());
    EXPECT_FALSE(key.Verify(pv::kMessage, ""));
    EXPECT_FALSE(key.Verify(pv::kMessage, "0"));
    EXPECT_FALSE(key.Verify(pv::kMessage, "00"));
    EXPECT_FALSE(key.Verify(pv::kMessage, "not hex at all"));
    EXPECT_FALSE(key.Verify(pv::kMessage, std::string(kRfc2Signature.substr(1))));
    EXPECT_FALSE(key.Verify(pv::kMessage, "zz" + std::string(kRfc2Signature.substr(2))));
    EXPECT_FALSE(key.Verify(pv::kMessage, std::string(128, '0')));
    EXPECT_FALSE(key.Verify(pv::kMessage, std::string(144, 'f')));
    EXPECT_FALSE(key.Verify(pv::kMessage, std::string(768, '0')));
    EXPECT_FALSE(key.Verify(pv::kMessage, just_too_long));
    EXPECT_FALSE(key.Verify(pv::kMessage, huge));
    EXPECT_FALSE(key.Verify(pv::kMessage, std::string_view("\0\0", 2)));
  }
}

TEST(VerifyTest, SignatureOfAnotherSchemeIsFalse) {
  PublicKey ed = MustParse("ed25519", "ed25519", pv::kEd25519Public);
  PublicKey ec = MustParse("ecdsa", "ecdsa-sha2-nistp256", pv::kEcdsaPublic);
  PublicKey rsa = MustParse("rsa", "rsassa-pss-sha256", pv::kRsaPublic);
  EXPECT_TRUE(ed.Verify(pv::kMessage, pv::kEd25519Signature));
  EXPECT_FALSE(ed.Verify(pv::kMessage, pv::kEcdsaSignature));
  EXPECT_FALSE(ed.Verify(pv::kMessage, pv::kRsaSignatureMaxSalt));
  EXPECT_FALSE(ec.Verify(pv::kMessage, pv::kEd25519Signature));
  EXPECT_FALSE(ec.Verify(pv::kMessage, pv::kRsaSignatureMaxSalt));
  EXPECT_FALSE(rsa.Verify(pv::kMessage, pv::kEd25519Signature));
  EXPECT_FALSE(rsa.Verify(pv::kMessage, pv::kEcdsaSignature));
}

TEST(VerifyTest, SecuresystemslibEd25519) {
  PublicKey key = MustParse("ed25519", "ed25519", pv::kEd25519Public);
  EXPECT_TRUE(key.Verify(pv::kMessage, pv::kEd25519Signature));
  EXPECT_FALSE(key.Verify(pv::kMessage.substr(1), pv::kEd25519Signature));
  EXPECT_FALSE(key.Verify(pv::kMessage, FlipByte(pv::kEd25519Signature, 10)));
}

TEST(PublicKeyTest, CopiesAndMovesShareTheKey) {
  PublicKey original = MustParse("ed25519", "ed25519", kRfc2Public);
  PublicKey copy = original;
  EXPECT_TRUE(copy.Verify(kRfc2Message, kRfc2Signature));
  PublicKey moved = std::move(original);
  EXPECT_TRUE(moved.Verify(kRfc2Message, kRfc2Signature));
  EXPECT_FALSE(original.Verify(kRfc2Message, kRfc2Signature));  // NOLINT: moved-from is defined
  PublicKey assigned = MustParse("ed25519", "ed25519", kRfc1Public);
  assigned = copy;
  EXPECT_EQ(assigned.public_value(), kRfc2Public);
  assigned = MustParse("ecdsa", "ecdsa-sha2-nistp256", pv::kEcdsaPublic);
  EXPECT_TRUE(assigned.Verify(pv::kMessage, pv::kEcdsaSignature));
}

TEST(PublicKeyTest, ConcurrentVerifyOnSharedKeys) {
  // The header promises const methods may run on several threads at once.
  const PublicKey ed = MustParse("ed25519", "ed25519", pv::kEd25519Public);
  const PublicKey ec = MustParse("ecdsa", "ecdsa-sha2-nistp256", pv::kEcdsaPublic);
  const PublicKey rsa = MustParse("rsa", "rsassa-pss-sha256", pv::kRsaPublic);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, copy = ec] {
      for (int i = 0; i < 25; ++i) {
        bool ok = ed.Verify(pv::kMessage, pv::kEd25519Signature) &&
                  copy.Verify(pv::kMessage, pv::kEcdsaSignature) &&
                  rsa.Verify(pv::kMessage, pv::kRsaSignatureMaxSalt) &&
                  !rsa.Verify("x", pv::kRsaSignatureMaxSalt);
        if (!ok) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace bsi::crypto
