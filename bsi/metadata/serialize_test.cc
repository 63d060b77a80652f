// Writing and signing metadata (serialize.h): ToJson -> SignEnvelope ->
// Parse* gives back every field, the signatures verify, and the envelope is
// canonical JSON.
#include "bsi/metadata/serialize.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/crypto/private_key.h"
#include "bsi/json/json.h"
#include "bsi/metadata/parse.h"

namespace bsi::metadata {
namespace {

using crypto::KeyType;
using crypto::PrivateKey;

constexpr std::int64_t kExpires = 1924992000;  // 2031-01-01T00:00:00Z

PrivateKey MustGenerate(KeyType type) {
  Result<PrivateKey> key = PrivateKey::Generate(type);
  EXPECT_TRUE(key.ok());
  return std::move(key).value();
}

// Expects `bytes` to be canonical JSON: parsing and canonicalizing again
// gives the same bytes.
void ExpectCanonical(const std::string& bytes) {
  auto parsed = json::Parse(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  auto again = json::Canonicalize(*parsed);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, bytes);
}

void ExpectSameCommon(const Common& a, const Common& b) {
  EXPECT_EQ(a.spec_version, b.spec_version);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.expires, b.expires);
}

void ExpectSameKeys(const std::map<std::string, Key>& a, const std::map<std::string, Key>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [keyid, key] : a) {
    SCOPED_TRACE(keyid);
    ASSERT_EQ(b.count(keyid), 1u);
    EXPECT_EQ(key.keytype, b.at(keyid).keytype);
    EXPECT_EQ(key.scheme, b.at(keyid).scheme);
    EXPECT_EQ(key.public_value, b.at(keyid).public_value);
    EXPECT_EQ(key.keyval, b.at(keyid).keyval);
  }
}

void ExpectSameMeta(const MetaFile& a, const MetaFile& b) {
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.length, b.length);
  EXPECT_EQ(a.hashes, b.hashes);
}

class SerializeTest : public ::testing::Test {
 protected:
  SerializeTest()
      : ed_id_(ComputeKeyId(PublicKeyOf(ed_))),
        ed2_id_(ComputeKeyId(PublicKeyOf(ed2_))),
        ecdsa_id_(ComputeKeyId(PublicKeyOf(ecdsa_))) {
    keys_[ed_id_] = PublicKeyOf(ed_);
    keys_[ed2_id_] = PublicKeyOf(ed2_);
    keys_[ecdsa_id_] = PublicKeyOf(ecdsa_);
  }

  // The Ed25519 keys only (see RootListingAnEcdsaKeyParsesBack).
  std::map<std::string, Key> Ed25519Keys() const {
    return {{ed_id_, keys_.at(ed_id_)}, {ed2_id_, keys_.at(ed2_id_)}};
  }

  const std::string& EdId() const { return ed_id_; }
  const std::string& Ed2Id() const { return ed2_id_; }
  const std::string& EcdsaId() const { return ecdsa_id_; }

  // Signs with both keys and checks what every envelope must satisfy.
  std::string Sign(const json::Value& signed_part) {
    auto bytes = SignEnvelope(signed_part, {&ed_, &ecdsa_});
    EXPECT_TRUE(bytes.ok()) << bytes.error().ToString();
    if (!bytes.ok()) return std::string();
    ExpectCanonical(*bytes);
    return *bytes;
  }

  // Both signatures, by the expected key IDs, meet a threshold of 2.
  template <typename T>
  void ExpectSignedByBoth(const Metadata<T>& metadata, const json::Value& signed_part) {
    ASSERT_EQ(metadata.signatures.size(), 2u);
    EXPECT_EQ(metadata.signatures[0].keyid, EdId());
    EXPECT_EQ(metadata.signatures[1].keyid, EcdsaId());
    auto canonical = json::Canonicalize(signed_part);
    ASSERT_TRUE(canonical.ok());
    EXPECT_EQ(metadata.canonical_signed, *canonical);
    Status status = VerifyThreshold("role", RoleKeys{{EdId(), EcdsaId()}, 2}, keys_,
                                    metadata.signatures, metadata.canonical_signed);
    EXPECT_TRUE(status.ok()) << status.error().ToString();
  }

  PrivateKey ed_ = MustGenerate(KeyType::kEd25519);
  PrivateKey ed2_ = MustGenerate(KeyType::kEd25519);
  PrivateKey ecdsa_ = MustGenerate(KeyType::kEcdsaP256);
  std::string ed_id_;
  std::string ed2_id_;
  std::string ecdsa_id_;
  std::map<std::string, Key> keys_;
};

TEST_F(SerializeTest, RootRoundTrip) {
  for (bool consistent : {true, false}) {
    Root root;
    root.version = 5;
    root.expires = UnixTime{kExpires};
    root.consistent_snapshot = consistent;
    root.keys = Ed25519Keys();
    root.roles = {{"root", RoleKeys{{EdId(), Ed2Id()}, 1}},
                  {"timestamp", RoleKeys{{EdId()}, 1}},
                  {"snapshot", RoleKeys{{Ed2Id()}, 1}},
                  {"targets", RoleKeys{{Ed2Id(), EdId()}, 2}}};
    const json::Value signed_part = ToJson(root);
    auto parsed = ParseRoot(Sign(signed_part));
    ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
    const Root& r = parsed->signed_part;
    ExpectSameCommon(r, root);
    EXPECT_EQ(r.consistent_snapshot, consistent);
    ExpectSameKeys(r.keys, root.keys);
    ASSERT_EQ(r.roles.size(), 4u);
    for (const auto& [name, role] : root.roles) {
      EXPECT_EQ(r.roles.at(name).keyids, role.keyids) << name;
      EXPECT_EQ(r.roles.at(name).threshold, role.threshold) << name;
    }
    ExpectSignedByBoth(*parsed, signed_part);
    EXPECT_TRUE(VerifyThreshold("root", r.roles.at("root"), r.keys, parsed->signatures,
                                parsed->canonical_signed)
                    .ok());
    EXPECT_EQ(ToJson(r), signed_part);
  }
}

TEST_F(SerializeTest, TimestampRoundTrip) {
  const MetaFile full{
      12, 4096, {{"sha256", std::string(64, '1')}, {"sha512", std::string(128, '2')}}};
  const MetaFile version_only{3, std::nullopt, {}};
  for (const MetaFile& meta : {full, version_only}) {
    Timestamp timestamp;
    timestamp.version = 40;
    timestamp.expires = UnixTime{kExpires};
    timestamp.snapshot_meta = meta;
    const json::Value signed_part = ToJson(timestamp);
    auto parsed = ParseTimestamp(Sign(signed_part));
    ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
    ExpectSameCommon(parsed->signed_part, timestamp);
    ExpectSameMeta(parsed->signed_part.snapshot_meta, meta);
    ExpectSignedByBoth(*parsed, signed_part);
  }
}

TEST_F(SerializeTest, SnapshotRoundTrip) {
  Snapshot snapshot;
  snapshot.version = 9;
  snapshot.expires = UnixTime{kExpires};
  snapshot.meta = {{"targets.json", MetaFile{4, 1234, {{"sha256", std::string(64, 'c')}}}},
                   {"role1.json", MetaFile{2, std::nullopt, {}}},
                   {"r\u00f4le2.json", MetaFile{1, 0, {{"sha512", std::string(128, 'd')}}}}};
  const json::Value signed_part = ToJson(snapshot);
  auto parsed = ParseSnapshot(Sign(signed_part));
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  ExpectSameCommon(parsed->signed_part, snapshot);
  ASSERT_EQ(parsed->signed_part.meta.size(), 3u);
  for (const auto& [name, meta] : snapshot.meta) {
    SCOPED_TRACE(name);
    ExpectSameMeta(parsed->signed_part.meta.at(name), meta);
  }
  ExpectSignedByBoth(*parsed, signed_part);
}

TEST_F(SerializeTest, TargetsRoundTripWithDelegationsAndCustom) {
  Targets targets;
  targets.version = 3;
  targets.expires = UnixTime{kExpires};
  const json::Value custom = json::Object{
      {"quote", "say \"hi\" \\o/"},
      {"unicode", "caf\u00e9 \U0001F600"},
      {"n", -42},
      {"list", json::Array{1, true, nullptr, "x", json::Object{}}},
      {"nested", json::Object{{"z", 1}, {"a", json::Array{}}}},
  };
  targets.targets = {
      {"files/app-1.2.tgz", TargetFile{1 << 20, {{"sha256", std::string(64, 'e')}}, custom}},
      {"caf\u00e9/menu.txt", TargetFile{0, {{"sha512", std::string(128, 'f')}}, std::nullopt}},
  };
  Delegations delegations;
  delegations.keys = Ed25519Keys();
  delegations.roles.push_back(DelegatedRole{"files", RoleKeys{{EdId()}, 1}, true,
                                            std::vector<std::string>{"files/*", "*.tgz"},
                                            std::nullopt});
  delegations.roles.push_back(DelegatedRole{"bins", RoleKeys{{EdId(), Ed2Id()}, 2}, false,
                                            std::nullopt,
                                            std::vector<std::string>{"00", "8", "ff"}});
  delegations.roles.push_back(DelegatedRole{"empty", RoleKeys{{Ed2Id()}, 1}, false,
                                            std::vector<std::string>{}, std::nullopt});
  targets.delegations = delegations;

  const json::Value signed_part = ToJson(targets);
  auto parsed = ParseTargets(Sign(signed_part));
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  const Targets& t = parsed->signed_part;
  ExpectSameCommon(t, targets);
  ASSERT_EQ(t.targets.size(), 2u);
  for (const auto& [path, file] : targets.targets) {
    SCOPED_TRACE(path);
    ASSERT_EQ(t.targets.count(path), 1u);
    EXPECT_EQ(t.targets.at(path).length, file.length);
    EXPECT_EQ(t.targets.at(path).hashes, file.hashes);
    EXPECT_EQ(t.targets.at(path).custom, file.custom);
  }
  ASSERT_TRUE(t.delegations.has_value());
  ExpectSameKeys(t.delegations->keys, delegations.keys);
  ASSERT_EQ(t.delegations->roles.size(), 3u);
  for (std::size_t i = 0; i < delegations.roles.size(); ++i) {
    const DelegatedRole& want = delegations.roles[i];
    const DelegatedRole& got = t.delegations->roles[i];
    SCOPED_TRACE(want.name);
    EXPECT_EQ(got.name, want.name);  // listed order is kept
    EXPECT_EQ(got.keys.keyids, want.keys.keyids);
    EXPECT_EQ(got.keys.threshold, want.keys.threshold);
    EXPECT_EQ(got.terminating, want.terminating);
    EXPECT_EQ(got.paths, want.paths);
    EXPECT_EQ(got.path_hash_prefixes, want.path_hash_prefixes);
  }
  ExpectSignedByBoth(*parsed, signed_part);
  EXPECT_EQ(ToJson(t), signed_part);
}

TEST_F(SerializeTest, TargetsWithoutOrWithEmptyDelegations) {
  Targets targets;
  targets.expires = UnixTime{kExpires};
  auto parsed = ParseTargets(Sign(ToJson(targets)));
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_TRUE(parsed->signed_part.targets.empty());
  EXPECT_FALSE(parsed->signed_part.delegations.has_value());

  targets.delegations = Delegations{};
  parsed = ParseTargets(Sign(ToJson(targets)));
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  ASSERT_TRUE(parsed->signed_part.delegations.has_value());
  EXPECT_TRUE(parsed->signed_part.delegations->keys.empty());
  EXPECT_TRUE(parsed->signed_part.delegations->roles.empty());
}

// The envelope must be JSON that Parse* reads back (serialize.h). An ECDSA
// key's PEM holds newlines, which canonical JSON writes as they are, but
// JSON strings may not hold raw control characters.
TEST_F(SerializeTest, RootListingAnEcdsaKeyParsesBack) {
  Root root;
  root.expires = UnixTime{kExpires};
  root.keys = keys_;
  for (const char* role : {"root", "timestamp", "snapshot", "targets"}) {
    root.roles[role] = RoleKeys{{EcdsaId(), EdId()}, 2};
  }
  auto bytes = SignEnvelope(ToJson(root), {&ed_, &ecdsa_});
  ASSERT_TRUE(bytes.ok());
  auto parsed = ParseRoot(*bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  ExpectSameKeys(parsed->signed_part.keys, root.keys);
  const Root& r = parsed->signed_part;
  EXPECT_TRUE(VerifyThreshold("root", r.roles.at("root"), r.keys, parsed->signatures,
                              parsed->canonical_signed)
                  .ok());
}

TEST_F(SerializeTest, ControlCharactersInCustomParseBack) {
  Targets targets;
  targets.expires = UnixTime{kExpires};
  const json::Value custom = json::Object{{"text", "line\nbreak\ttab\x01\x1f"}};
  targets.targets = {{"a.txt", TargetFile{1, {{"sha256", std::string(64, 'a')}}, custom}}};
  const json::Value signed_part = ToJson(targets);
  auto bytes = SignEnvelope(signed_part, {&ed_});
  ASSERT_TRUE(bytes.ok());
  auto parsed = ParseTargets(*bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->signed_part.targets.at("a.txt").custom, custom);
  EXPECT_EQ(parsed->canonical_signed, json::Canonicalize(signed_part).value());
  EXPECT_TRUE(VerifyThreshold("targets", RoleKeys{{EdId()}, 1}, keys_, parsed->signatures,
                              parsed->canonical_signed)
                  .ok());
}

TEST(SerializeShapeTest, CommonFields) {
  Timestamp timestamp;
  timestamp.version = 2;
  timestamp.expires = UnixTime{kExpires};
  timestamp.snapshot_meta = MetaFile{1, std::nullopt, {}};
  auto canonical = json::Canonicalize(ToJson(timestamp));
  ASSERT_TRUE(canonical.ok());
  EXPECT_EQ(*canonical,
            R"({"_type":"timestamp","expires":"2031-01-01T00:00:00Z",)"
            R"("meta":{"snapshot.json":{"version":1}},"spec_version":"1.0.31","version":2})");
}

TEST(SerializeShapeTest, MetaAndTargetFiles) {
  EXPECT_EQ(MetaFileToJson(MetaFile{2, std::nullopt, {}}),
            json::Value(json::Object{{"version", 2}}));
  EXPECT_EQ(MetaFileToJson(MetaFile{2, 10, {{"sha256", "ab"}}}),
            json::Value(json::Object{
                {"version", 2}, {"length", 10}, {"hashes", json::Object{{"sha256", "ab"}}}}));
  EXPECT_EQ(TargetFileToJson(TargetFile{0, {{"sha256", "ab"}}, std::nullopt}),
            json::Value(json::Object{{"length", 0}, {"hashes", json::Object{{"sha256", "ab"}}}}));
  EXPECT_EQ(TargetFileToJson(TargetFile{1, {{"sha256", "ab"}}, json::Value("c")}),
            json::Value(json::Object{
                {"length", 1}, {"hashes", json::Object{{"sha256", "ab"}}}, {"custom", "c"}}));
}

TEST(SerializeShapeTest, EnvelopeIsCanonicalJson) {
  const json::Value signed_part = json::Object{{"b", 1}, {"a", "x\"y"}, {"\u00e9", json::Array{}}};
  auto bytes = EnvelopeBytes(signed_part, {{"k2", "s2"}, {"k1", "s1"}});
  ASSERT_TRUE(bytes.ok());
  // Keys sorted, no whitespace, signatures in the order given.
  EXPECT_EQ(*bytes,
            "{\"signatures\":[{\"keyid\":\"k2\",\"sig\":\"s2\"},{\"keyid\":\"k1\","
            "\"sig\":\"s1\"}],\"signed\":{\"a\":\"x\\\"y\",\"b\":1,\"\xc3\xa9\":[]}}");
  ExpectCanonical(*bytes);
}

TEST(SerializeShapeTest, FloatsCannotBeSigned) {
  PrivateKey key = MustGenerate(KeyType::kEd25519);
  const json::Value signed_part = json::Object{{"version", 1.5}};
  auto signed_bytes = SignEnvelope(signed_part, {&key});
  ASSERT_FALSE(signed_bytes.ok());
  EXPECT_EQ(signed_bytes.error().code(), ErrorCode::kMalformed);
  auto bytes = EnvelopeBytes(signed_part, {});
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.error().code(), ErrorCode::kMalformed);
}

TEST(SerializeShapeTest, UnsignedEnvelope) {
  auto bytes = SignEnvelope(json::Object{{"a", 1}}, {});
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, R"({"signatures":[],"signed":{"a":1}})");
}

TEST(SerializeShapeTest, PublicKeyOf) {
  for (KeyType type : {KeyType::kEd25519, KeyType::kEcdsaP256}) {
    PrivateKey key = MustGenerate(type);
    const Key public_key = PublicKeyOf(key);
    EXPECT_EQ(public_key.keytype, key.keytype());
    EXPECT_EQ(public_key.scheme, key.scheme());
    EXPECT_EQ(public_key.public_value, key.PublicValue());
    EXPECT_EQ(public_key.keyval, json::Value(json::Object{{"public", key.PublicValue()}}));
    EXPECT_EQ(KeyToJson(public_key),
              json::Value(json::Object{{"keytype", json::Value(key.keytype())},
                                       {"scheme", json::Value(key.scheme())},
                                       {"keyval", public_key.keyval}}));
    // The key ID the envelope names is the one ComputeKeyId gives.
    auto bytes = SignEnvelope(json::Object{{"a", 1}}, {&key});
    ASSERT_TRUE(bytes.ok());
    auto parsed = json::Parse(*bytes);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->Find("signatures")->array()[0].Find("keyid")->string_value(),
              ComputeKeyId(public_key));
  }
  EXPECT_EQ(PublicKeyOf(MustGenerate(KeyType::kEd25519)).keytype, "ed25519");
  EXPECT_EQ(PublicKeyOf(MustGenerate(KeyType::kEcdsaP256)).scheme, "ecdsa-sha2-nistp256");
}

}  // namespace
}  // namespace bsi::metadata
