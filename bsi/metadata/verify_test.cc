// Signature thresholds, length and hash checks, and key IDs (parse.h,
// metadata.h).
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/crypto/hash.h"
#include "bsi/crypto/private_key.h"
#include "bsi/json/json.h"
#include "bsi/metadata/metadata.h"
#include "bsi/metadata/parse.h"
#include "bsi/metadata/serialize.h"

namespace bsi::metadata {
namespace {

using crypto::KeyType;
using crypto::PrivateKey;

constexpr std::string_view kMessage =
    R"({"_type":"targets","expires":"2030-01-01T00:00:00Z","version":1})";

PrivateKey MustGenerate(KeyType type) {
  Result<PrivateKey> key = PrivateKey::Generate(type);
  EXPECT_TRUE(key.ok());
  return std::move(key).value();
}

Signature MustSign(const PrivateKey& key, std::string_view keyid,
                   std::string_view message = kMessage) {
  Result<std::string> sig = key.Sign(message);
  EXPECT_TRUE(sig.ok());
  return Signature{std::string(keyid), sig.ok() ? *sig : std::string()};
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Three Ed25519 keys and one ECDSA key, listed in `keys_` by key ID.
class VerifyThresholdTest : public ::testing::Test {
 protected:
  VerifyThresholdTest() {
    for (int i = 0; i < 3; ++i) ed_.push_back(MustGenerate(KeyType::kEd25519));
    for (const PrivateKey& key : ed_) ids_.push_back(Add(PublicKeyOf(key)));
    ids_.push_back(Add(PublicKeyOf(ecdsa_)));
  }

  std::string Add(const Key& key) {
    std::string keyid = ComputeKeyId(key);
    keys_[keyid] = key;
    return keyid;
  }

  Status Verify(const RoleKeys& role, const std::vector<Signature>& signatures,
                std::string_view message = kMessage) const {
    return VerifyThreshold("targets", role, keys_, signatures, message);
  }

  // Expects kBadSignature with `valid` counted against `threshold`.
  void ExpectFails(const Status& status, int valid, int threshold) const {
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code(), ErrorCode::kBadSignature);
    EXPECT_EQ(status.error().category(), ErrorCategory::kSecurity);
    EXPECT_EQ(status.error().message(), "targets has " + std::to_string(valid) +
                                            " valid signature(s), threshold is " +
                                            std::to_string(threshold));
  }

  std::vector<PrivateKey> ed_;
  PrivateKey ecdsa_ = MustGenerate(KeyType::kEcdsaP256);
  std::vector<std::string> ids_;  // ed_[0..2], then ecdsa_
  std::map<std::string, Key> keys_;
};

TEST_F(VerifyThresholdTest, ThresholdMet) {
  const RoleKeys role{{ids_[0], ids_[1], ids_[2]}, 2};
  EXPECT_TRUE(Verify(role, {MustSign(ed_[0], ids_[0]), MustSign(ed_[1], ids_[1])}).ok());
  EXPECT_TRUE(Verify(role, {MustSign(ed_[2], ids_[2]), MustSign(ed_[0], ids_[0])}).ok());
  EXPECT_TRUE(Verify(role, {MustSign(ed_[0], ids_[0]), MustSign(ed_[1], ids_[1]),
                            MustSign(ed_[2], ids_[2])})
                  .ok());
}

TEST_F(VerifyThresholdTest, MixedKeyTypes) {
  const RoleKeys role{{ids_[0], ids_[3]}, 2};
  EXPECT_TRUE(Verify(role, {MustSign(ecdsa_, ids_[3]), MustSign(ed_[0], ids_[0])}).ok());
}

TEST_F(VerifyThresholdTest, ThresholdNotMet) {
  const RoleKeys role{{ids_[0], ids_[1], ids_[2]}, 2};
  ExpectFails(Verify(role, {MustSign(ed_[0], ids_[0])}), 1, 2);
  ExpectFails(Verify(role, {}), 0, 2);
  ExpectFails(Verify(RoleKeys{{}, 1}, {MustSign(ed_[0], ids_[0])}), 0, 1);
}

TEST_F(VerifyThresholdTest, MessageNamesRole) {
  Status status = VerifyThreshold("snapshot", RoleKeys{{ids_[0]}, 1}, keys_, {}, kMessage);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(), "snapshot has 0 valid signature(s), threshold is 1");
}

TEST_F(VerifyThresholdTest, SignaturesByKeysNotInRoleAreIgnored) {
  const RoleKeys role{{ids_[0], ids_[1]}, 2};
  // ed_[2] is a known key, but not one of the role's.
  ExpectFails(Verify(role, {MustSign(ed_[0], ids_[0]), MustSign(ed_[2], ids_[2])}), 1, 2);
  // A key ID that names no key at all.
  ExpectFails(Verify(role, {MustSign(ed_[0], ids_[0]), MustSign(ed_[1], std::string(64, 'f'))}), 1,
              2);
  // A role key ID that is missing from the key map.
  const RoleKeys dangling{{ids_[0], std::string(64, 'e')}, 2};
  ExpectFails(Verify(dangling, {MustSign(ed_[0], ids_[0]), MustSign(ed_[1], std::string(64, 'e'))}),
              1, 2);
}

TEST_F(VerifyThresholdTest, BadSignaturesAreIgnored) {
  const RoleKeys role{{ids_[0], ids_[1], ids_[2]}, 2};
  Signature corrupt = MustSign(ed_[1], ids_[1]);
  corrupt.sig[10] = corrupt.sig[10] == '0' ? '1' : '0';
  ExpectFails(Verify(role, {MustSign(ed_[0], ids_[0]), corrupt}), 1, 2);
  EXPECT_TRUE(Verify(role, {MustSign(ed_[0], ids_[0]), corrupt, MustSign(ed_[2], ids_[2])}).ok());

  // Garbage that is not a signature at all.
  for (const char* sig : {"", "zz", "00", "0"}) {
    ExpectFails(Verify(role, {MustSign(ed_[0], ids_[0]), Signature{ids_[1], sig}}), 1, 2);
  }
  // A valid signature by another key under this key's ID.
  ExpectFails(Verify(role, {MustSign(ed_[0], ids_[0]), MustSign(ed_[2], ids_[1])}), 1, 2);
  // A valid signature of another message.
  ExpectFails(Verify(role, {MustSign(ed_[0], ids_[0]), MustSign(ed_[1], ids_[1], "other")}), 1, 2);
}

TEST_F(VerifyThresholdTest, SignatureOverOtherBytesFails) {
  const RoleKeys role{{ids_[0]}, 1};
  ExpectFails(Verify(role, {MustSign(ed_[0], ids_[0])}, std::string(kMessage) + " "), 0, 1);
}

TEST_F(VerifyThresholdTest, RepeatedKeyIdCountsOnce) {
  // Parse* refuses these, but VerifyThreshold must not count them twice either.
  const RoleKeys role{{ids_[0], ids_[0]}, 2};
  ExpectFails(Verify(role, {MustSign(ed_[0], ids_[0])}), 1, 2);
  ExpectFails(Verify(role, {MustSign(ed_[0], ids_[0]), MustSign(ed_[0], ids_[0])}), 1, 2);
}

TEST_F(VerifyThresholdTest, SamePublicKeyUnderTwoKeyIdsCountsOnce) {
  const Key same = keys_.at(ids_[0]);
  const std::string alias = "alias-of-key-0";
  keys_[alias] = same;
  const RoleKeys role{{ids_[0], alias}, 2};
  const Signature sig = MustSign(ed_[0], ids_[0]);
  ExpectFails(Verify(role, {sig, Signature{alias, sig.sig}}), 1, 2);
  // With a third, distinct key the threshold is met.
  const RoleKeys three{{ids_[0], alias, ids_[1]}, 2};
  EXPECT_TRUE(Verify(three, {sig, Signature{alias, sig.sig}, MustSign(ed_[1], ids_[1])}).ok());
}

TEST_F(VerifyThresholdTest, SamePublicKeyWrittenDifferentlyCountsOnce) {
  // Upper-case hex of the same Ed25519 key.
  Key upper = keys_.at(ids_[0]);
  upper.public_value = Upper(upper.public_value);
  upper.keyval = json::Object{{"public", json::Value(upper.public_value)}};
  const std::string upper_id = Add(upper);
  ASSERT_NE(upper_id, ids_[0]);
  const Signature sig = MustSign(ed_[0], ids_[0]);
  ExpectFails(Verify(RoleKeys{{ids_[0], upper_id}, 2}, {sig, Signature{upper_id, sig.sig}}), 1, 2);

  // The same ECDSA key under the legacy keytype name and with CRLF line
  // ends; ECDSA signatures are randomized, so each key ID signs anew.
  Key legacy = keys_.at(ids_[3]);
  legacy.keytype = "ecdsa-sha2-nistp256";
  std::string crlf;
  for (char c : legacy.public_value) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  legacy.public_value = crlf;
  legacy.keyval = json::Object{{"public", json::Value(crlf)}};
  const std::string legacy_id = Add(legacy);
  ASSERT_NE(legacy_id, ids_[3]);
  const RoleKeys role{{ids_[3], legacy_id}, 2};
  const std::vector<Signature> sigs = {MustSign(ecdsa_, ids_[3]), MustSign(ecdsa_, legacy_id)};
  ASSERT_TRUE(Verify(RoleKeys{{legacy_id}, 1}, {sigs[1]}).ok()) << "the alias key must verify";
  ExpectFails(Verify(role, sigs), 1, 2);
}

TEST_F(VerifyThresholdTest, KeysOfUnknownTypeAreIgnored) {
  Key unknown;
  unknown.keytype = "x-quantum";
  unknown.scheme = "x-quantum-sig";
  unknown.keyval = json::Object{{"q", 1}};
  keys_["unknown"] = unknown;
  Key bad_value = keys_.at(ids_[1]);
  bad_value.public_value = "not hex";
  keys_["bad"] = bad_value;
  const RoleKeys role{{"unknown", "bad", ids_[0]}, 1};
  const Signature sig = MustSign(ed_[1], "bad");
  EXPECT_TRUE(Verify(role, {Signature{"unknown", "00"}, sig, MustSign(ed_[0], ids_[0])}).ok());
  ExpectFails(Verify(RoleKeys{{"unknown", "bad", ids_[0]}, 2},
                     {Signature{"unknown", "00"}, sig, MustSign(ed_[0], ids_[0])}),
              1, 2);
}

TEST(VerifyLengthAndHashesTest, Matches) {
  const std::string data = "the data";
  const std::string sha256 = crypto::Sha256Hex(data);
  const std::string sha512 = crypto::HashHex(crypto::HashAlgorithm::kSha512, data);
  EXPECT_TRUE(VerifyLengthAndHashes(data, 8, {{"sha256", sha256}}, true).ok());
  EXPECT_TRUE(VerifyLengthAndHashes(data, std::nullopt, {{"sha512", sha512}}, true).ok());
  EXPECT_TRUE(VerifyLengthAndHashes(data, 8, {{"sha256", sha256}, {"sha512", sha512}}, true).ok());
  EXPECT_TRUE(VerifyLengthAndHashes("", 0, {{"sha256", crypto::Sha256Hex("")}}, true).ok());
}

void ExpectCode(const Status& status, ErrorCode code) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), code) << status.error().ToString();
  EXPECT_EQ(status.error().category(), ErrorCategory::kSecurity);
}

TEST(VerifyLengthAndHashesTest, Mismatches) {
  const std::string data = "the data";
  const std::string sha256 = crypto::Sha256Hex(data);
  const std::string sha512 = crypto::HashHex(crypto::HashAlgorithm::kSha512, data);
  ExpectCode(VerifyLengthAndHashes(data, 7, {{"sha256", sha256}}, true),
             ErrorCode::kLengthMismatch);
  ExpectCode(VerifyLengthAndHashes(data, 9, {}, false), ErrorCode::kLengthMismatch);
  ExpectCode(VerifyLengthAndHashes(data, -1, {{"sha256", sha256}}, true),
             ErrorCode::kLengthMismatch);
  ExpectCode(VerifyLengthAndHashes(data, 8, {{"sha256", crypto::Sha256Hex("other")}}, true),
             ErrorCode::kHashMismatch);
  // Every known hash must match, not just one.
  ExpectCode(
      VerifyLengthAndHashes(data, 8, {{"sha256", sha256}, {"sha512", std::string(128, '0')}}, true),
      ErrorCode::kHashMismatch);
  ExpectCode(
      VerifyLengthAndHashes(data, 8, {{"sha256", std::string(64, '0')}, {"sha512", sha512}}, true),
      ErrorCode::kHashMismatch);
  // Digests are compared as TUF writes them: lowercase hex.
  ExpectCode(VerifyLengthAndHashes(data, 8, {{"sha256", Upper(sha256)}}, true),
             ErrorCode::kHashMismatch);
  // A sha512 digest under the sha256 name.
  ExpectCode(VerifyLengthAndHashes(data, 8, {{"sha256", sha512}}, true), ErrorCode::kHashMismatch);
}

TEST(VerifyLengthAndHashesTest, UnknownAlgorithms) {
  const std::string data = "the data";
  const std::string sha256 = crypto::Sha256Hex(data);
  ExpectCode(VerifyLengthAndHashes(data, 8, {{"md5", "00"}}, false), ErrorCode::kMissingHash);
  ExpectCode(VerifyLengthAndHashes(data, 8, {{"SHA256", sha256}, {"blake2b", "00"}}, true),
             ErrorCode::kMissingHash);
  EXPECT_TRUE(VerifyLengthAndHashes(data, 8, {{"md5", "00"}, {"sha256", sha256}}, true).ok());
}

TEST(VerifyLengthAndHashesTest, EmptyHashes) {
  ExpectCode(VerifyLengthAndHashes("x", 1, {}, true), ErrorCode::kMissingHash);
  EXPECT_TRUE(VerifyLengthAndHashes("x", 1, {}, false).ok());
  EXPECT_TRUE(VerifyLengthAndHashes("x", std::nullopt, {}, false).ok());
}

// The key ID that securesystemslib's canonical encoding gives:
//   sha256(encode_canonical({"keytype": "ed25519", "scheme": "ed25519",
//                            "keyval": {"public": <hex>}}))
// computed with /usr/bin/python3 and securesystemslib 0.26 for the RFC 8032
// TEST 1 public key.
TEST(ComputeKeyIdTest, MatchesSecureSystemsLib) {
  Key key;
  key.keytype = "ed25519";
  key.scheme = "ed25519";
  key.public_value = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  key.keyval = json::Object{{"public", json::Value(key.public_value)}};
  EXPECT_EQ(ComputeKeyId(key), "74c181c7ad8a0855d4b55e44d2ba87aabdddb196832571f15f92fece332e4916");
  // A Key built without keyval is written with keyval {"public": ...}.
  key.keyval = json::Value();
  EXPECT_EQ(ComputeKeyId(key), "74c181c7ad8a0855d4b55e44d2ba87aabdddb196832571f15f92fece332e4916");
}

TEST(ComputeKeyIdTest, CoversTheWholeKey) {
  Key key;
  key.keytype = "ed25519";
  key.scheme = "ed25519";
  key.public_value = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  key.keyval = json::Object{{"public", json::Value(key.public_value)}};
  const std::string id = ComputeKeyId(key);
  EXPECT_EQ(id.size(), 64u);

  Key other_scheme = key;
  other_scheme.scheme = "ed25519-other";
  EXPECT_NE(ComputeKeyId(other_scheme), id);
  Key extra_keyval = key;
  extra_keyval.keyval.object()["private"] = "";
  EXPECT_NE(ComputeKeyId(extra_keyval), id);

  auto canonical = json::Canonicalize(KeyToJson(key));
  ASSERT_TRUE(canonical.ok());
  EXPECT_EQ(id, crypto::Sha256Hex(*canonical));
}

}  // namespace
}  // namespace bsi::metadata
