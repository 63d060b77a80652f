#include "bsi/crypto/private_key.h"

#include <string>

#include <gtest/gtest.h>

#include "bsi/crypto/hash.h"
#include "bsi/crypto/testdata/python_vectors.h"

namespace bsi::crypto {
namespace {

namespace pv = python_vectors;

constexpr KeyType kAllTypes[] = {KeyType::kEd25519, KeyType::kEcdsaP256};

// RFC 8032 section 7.1 TEST 1 and TEST 2: the public keys and signatures
// that the secret keys in python_vectors.h (kRfc8032Test*Pkcs8) produce.
constexpr std::string_view kRfc1Public =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr std::string_view kRfc1Signature =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
constexpr std::string_view kRfc2Public =
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
constexpr std::string_view kRfc2Signature =
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

PrivateKey MustGenerate(KeyType type) {
  Result<PrivateKey> key = PrivateKey::Generate(type);
  EXPECT_TRUE(key.ok()) << key.error().ToString();
  return std::move(key).value();
}

PublicKey MustPublic(const PrivateKey& key) {
  Result<PublicKey> pub = key.Public();
  EXPECT_TRUE(pub.ok()) << pub.error().ToString();
  return std::move(pub).value();
}

std::string MustSign(const PrivateKey& key, std::string_view message) {
  Result<std::string> signature = key.Sign(message);
  EXPECT_TRUE(signature.ok()) << signature.error().ToString();
  return signature.ok() ? *signature : std::string();
}

void ExpectBadKey(std::string_view pem) {
  Result<PrivateKey> key = PrivateKey::FromPem(pem);
  ASSERT_FALSE(key.ok()) << pem;
  EXPECT_EQ(key.error().code(), ErrorCode::kBadKey) << key.error().ToString();
}

std::string TypeName(KeyType type) { return type == KeyType::kEd25519 ? "ed25519" : "ecdsa"; }

TEST(PrivateKeyTest, NamesMatchTuf) {
  PrivateKey ed = MustGenerate(KeyType::kEd25519);
  EXPECT_EQ(ed.type(), KeyType::kEd25519);
  EXPECT_EQ(ed.keytype(), "ed25519");
  EXPECT_EQ(ed.scheme(), "ed25519");
  PrivateKey ec = MustGenerate(KeyType::kEcdsaP256);
  EXPECT_EQ(ec.type(), KeyType::kEcdsaP256);
  EXPECT_EQ(ec.keytype(), "ecdsa");
  EXPECT_EQ(ec.scheme(), "ecdsa-sha2-nistp256");
}

TEST(PrivateKeyTest, PublicValueFormats) {
  std::string ed = MustGenerate(KeyType::kEd25519).PublicValue();
  EXPECT_EQ(ed.size(), 64u);
  EXPECT_EQ(ed, HexEncode(HexDecode(ed).value()));  // lowercase hex
  std::string ec = MustGenerate(KeyType::kEcdsaP256).PublicValue();
  EXPECT_TRUE(ec.starts_with("-----BEGIN PUBLIC KEY-----\n")) << ec;
  EXPECT_TRUE(ec.ends_with("\n-----END PUBLIC KEY-----\n")) << ec;
}

TEST(PrivateKeyTest, SignVerifyRoundTrip) {
  for (KeyType type : kAllTypes) {
    SCOPED_TRACE(TypeName(type));
    PrivateKey key = MustGenerate(type);
    PublicKey pub = MustPublic(key);
    EXPECT_EQ(pub.keytype(), key.keytype());
    EXPECT_EQ(pub.scheme(), key.scheme());
    EXPECT_EQ(pub.public_value(), key.PublicValue());
    for (std::string_view message : {std::string_view(""), std::string_view("x"), pv::kMessage,
                                     std::string_view("\0\xff\0", 3)}) {
      std::string signature = MustSign(key, message);
      EXPECT_TRUE(pub.Verify(message, signature));
      EXPECT_FALSE(pub.Verify(std::string(message) + "!", signature));
    }
    std::string big(3 << 20, 'q');
    EXPECT_TRUE(pub.Verify(big, MustSign(key, big)));
  }
}

TEST(PrivateKeyTest, TamperedSignatureRejected) {
  for (KeyType type : kAllTypes) {
    SCOPED_TRACE(TypeName(type));
    PrivateKey key = MustGenerate(type);
    PublicKey pub = MustPublic(key);
    std::vector<std::uint8_t> signature = HexDecode(MustSign(key, pv::kMessage)).value();
    for (std::size_t i = 0; i < signature.size(); i += 7) {
      std::vector<std::uint8_t> tampered = signature;
      tampered[i] ^= 0x80;
      EXPECT_FALSE(pub.Verify(pv::kMessage, HexEncode(tampered))) << i;
    }
  }
}

TEST(PrivateKeyTest, WrongKeyRejected) {
  for (KeyType type : kAllTypes) {
    SCOPED_TRACE(TypeName(type));
    PrivateKey signer = MustGenerate(type);
    PrivateKey other = MustGenerate(type);
    std::string signature = MustSign(signer, pv::kMessage);
    EXPECT_FALSE(MustPublic(other).Verify(pv::kMessage, signature));
    EXPECT_TRUE(MustPublic(signer).Verify(pv::kMessage, signature));
  }
}

TEST(PrivateKeyTest, EcdsaSignaturesAreDer) {
  PrivateKey key = MustGenerate(KeyType::kEcdsaP256);
  for (int i = 0; i < 20; ++i) {
    std::vector<std::uint8_t> der = HexDecode(MustSign(key, pv::kMessage)).value();
    ASSERT_GE(der.size(), 8u);
    EXPECT_LE(der.size(), 72u);
    EXPECT_EQ(der[0], 0x30);  // SEQUENCE
    EXPECT_EQ(der[1], der.size() - 2);
  }
}

TEST(PrivateKeyTest, Ed25519SignaturesAreDeterministic) {
  PrivateKey key = MustGenerate(KeyType::kEd25519);
  std::string first = MustSign(key, pv::kMessage);
  EXPECT_EQ(first.size(), 128u);
  EXPECT_EQ(MustSign(key, pv::kMessage), first);
}

TEST(PrivateKeyTest, GenerateGivesDistinctKeys) {
  for (KeyType type : kAllTypes) {
    SCOPED_TRACE(TypeName(type));
    PrivateKey a = MustGenerate(type);
    PrivateKey b = MustGenerate(type);
    EXPECT_NE(a.PublicValue(), b.PublicValue());
    EXPECT_NE(a.ToPem(), b.ToPem());
  }
}

TEST(PrivateKeyTest, PemRoundTrip) {
  for (KeyType type : kAllTypes) {
    SCOPED_TRACE(TypeName(type));
    PrivateKey key = MustGenerate(type);
    std::string pem = key.ToPem();
    EXPECT_TRUE(pem.starts_with("-----BEGIN PRIVATE KEY-----\n")) << pem;
    EXPECT_TRUE(pem.ends_with("\n-----END PRIVATE KEY-----\n")) << pem;
    Result<PrivateKey> loaded = PrivateKey::FromPem(pem);
    ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
    EXPECT_EQ(loaded->type(), type);
    EXPECT_EQ(loaded->PublicValue(), key.PublicValue());
    EXPECT_EQ(loaded->ToPem(), pem);
    EXPECT_TRUE(MustPublic(key).Verify("m", MustSign(*loaded, "m")));
  }
}

TEST(PrivateKeyTest, Rfc8032SigningKnownAnswers) {
  Result<PrivateKey> key1 = PrivateKey::FromPem(pv::kRfc8032Test1Pkcs8);
  ASSERT_TRUE(key1.ok()) << key1.error().ToString();
  EXPECT_EQ(key1->type(), KeyType::kEd25519);
  EXPECT_EQ(key1->PublicValue(), kRfc1Public);
  EXPECT_EQ(MustSign(*key1, ""), kRfc1Signature);

  Result<PrivateKey> key2 = PrivateKey::FromPem(pv::kRfc8032Test2Pkcs8);
  ASSERT_TRUE(key2.ok()) << key2.error().ToString();
  EXPECT_EQ(key2->PublicValue(), kRfc2Public);
  EXPECT_EQ(MustSign(*key2, "\x72"), kRfc2Signature);
}

TEST(PrivateKeyTest, CryptographyEcdsaKey) {
  Result<PrivateKey> key = PrivateKey::FromPem(pv::kEcdsaPrivatePkcs8);
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(key->type(), KeyType::kEcdsaP256);
  // pyca/cryptography and OpenSSL write the same SubjectPublicKeyInfo PEM.
  EXPECT_EQ(key->PublicValue(), pv::kEcdsaPrivatePublic);
  Result<PublicKey> python_public =
      PublicKey::FromTuf("ecdsa", "ecdsa-sha2-nistp256", pv::kEcdsaPrivatePublic);
  ASSERT_TRUE(python_public.ok());
  EXPECT_TRUE(python_public->Verify(pv::kMessage, MustSign(*key, pv::kMessage)));
  EXPECT_TRUE(MustPublic(*key).Verify(pv::kMessage, pv::kEcdsaPrivateSignature));
}

TEST(PrivateKeyTest, FromPemRejectsOtherKeys) {
  ExpectBadKey(pv::kEcdsaPrivateSec1);  // "EC PRIVATE KEY": not PKCS#8
  ExpectBadKey(pv::kRsaPrivatePkcs8);   // RSA signing is not supported
  ExpectBadKey(pv::kEcdsaPublic);       // a public key
  ExpectBadKey(pv::kRsaPublic);
}

TEST(PrivateKeyTest, FromPemRejectsMalformedText) {
  std::string pem(pv::kEcdsaPrivatePkcs8);
  ExpectBadKey("");
  ExpectBadKey("not a key");
  ExpectBadKey(pem + "junk");
  ExpectBadKey("junk\n" + pem);
  ExpectBadKey(pem + pem);
  ExpectBadKey(pem.substr(0, pem.size() / 2));
  std::string encrypted = pem;
  encrypted.replace(encrypted.find("BEGIN PRIVATE KEY"), 17, "BEGIN ENCRYPTED PRIVATE KEY");
  encrypted.replace(encrypted.find("END PRIVATE KEY"), 15, "END ENCRYPTED PRIVATE KEY");
  Result<PrivateKey> key = PrivateKey::FromPem(encrypted);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kBadKey);
  EXPECT_NE(key.error().message().find("encrypted"), std::string::npos);
  // A damaged body: the DER no longer parses.
  std::string damaged = pem;
  damaged[damaged.find('\n') + 3] = '/';
  ExpectBadKey(damaged);
}

TEST(PrivateKeyTest, MovedKeyStillSigns) {
  PrivateKey key = MustGenerate(KeyType::kEd25519);
  std::string public_value = key.PublicValue();
  PrivateKey moved = std::move(key);
  EXPECT_EQ(moved.PublicValue(), public_value);
  PrivateKey assigned = MustGenerate(KeyType::kEcdsaP256);
  assigned = std::move(moved);
  EXPECT_EQ(assigned.type(), KeyType::kEd25519);
  EXPECT_TRUE(MustPublic(assigned).Verify("m", MustSign(assigned, "m")));
}

}  // namespace
}  // namespace bsi::crypto
