// Parsing of TUF metadata (parse.h): what is accepted, what each field holds,
// and every rejection the header documents. Most cases start from one valid
// document per role and change a single member (a Mutation), so each case
// shows exactly what makes the document invalid.
#include "bsi/metadata/parse.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/crypto/private_key.h"
#include "bsi/json/json.h"
#include "bsi/metadata/serialize.h"

namespace bsi::metadata {
namespace {

// RFC 8032 section 7.1 TEST 1 and TEST 2 public keys.
constexpr std::string_view kKeyA =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr std::string_view kKeyB =
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
constexpr std::int64_t kExpires2030 = 1893456000;  // 2030-01-01T00:00:00Z

// A well-formed sha256 digest (parsing does not check digests).
std::string Digest() { return std::string(64, 'a'); }

Key Ed25519Key(std::string_view public_hex) {
  Key key;
  key.keytype = "ed25519";
  key.scheme = "ed25519";
  key.public_value = std::string(public_hex);
  key.keyval = json::Object{{"public", json::Value(public_hex)}};
  return key;
}

const std::string& IdA() {
  static const std::string id = ComputeKeyId(Ed25519Key(kKeyA));
  return id;
}
const std::string& IdB() {
  static const std::string id = ComputeKeyId(Ed25519Key(kKeyB));
  return id;
}

template <typename T>
void SetCommon(T& part) {
  part.version = 7;
  part.expires = UnixTime{kExpires2030};
}

json::Value ValidSigned(RoleType role) {
  switch (role) {
    case RoleType::kRoot: {
      Root root;
      SetCommon(root);
      root.keys = {{IdA(), Ed25519Key(kKeyA)}, {IdB(), Ed25519Key(kKeyB)}};
      root.roles = {{"root", RoleKeys{{IdA()}, 1}},
                    {"timestamp", RoleKeys{{IdB()}, 1}},
                    {"snapshot", RoleKeys{{IdB()}, 1}},
                    {"targets", RoleKeys{{IdA(), IdB()}, 2}}};
      return ToJson(root);
    }
    case RoleType::kTimestamp: {
      Timestamp timestamp;
      SetCommon(timestamp);
      timestamp.snapshot_meta = MetaFile{3, 512, {{"sha256", Digest()}}};
      return ToJson(timestamp);
    }
    case RoleType::kSnapshot: {
      Snapshot snapshot;
      SetCommon(snapshot);
      snapshot.meta = {{"targets.json", MetaFile{2, 100, {{"sha256", Digest()}}}},
                       {"role1.json", MetaFile{1, std::nullopt, {}}}};
      return ToJson(snapshot);
    }
    case RoleType::kTargets: {
      Targets targets;
      SetCommon(targets);
      targets.targets = {
          {"files/a.txt", TargetFile{5, {{"sha256", Digest()}}, json::Object{{"k", "v"}}}}};
      Delegations delegations;
      delegations.keys = {{IdA(), Ed25519Key(kKeyA)}};
      delegations.roles.push_back(
          DelegatedRole{"role1", RoleKeys{{IdA()}, 1}, false, {{"files/*"}}, std::nullopt});
      delegations.roles.push_back(
          DelegatedRole{"role2", RoleKeys{{IdA()}, 1}, true, std::nullopt, {{"ab", "0"}}});
      targets.delegations = delegations;
      return ToJson(targets);
    }
  }
  return json::Value();
}

// A valid envelope (signatures are not checked by Parse*).
json::Value ValidDocument(RoleType role) {
  json::Array signatures;
  signatures.emplace_back(json::Object{{"keyid", json::Value(IdA())}, {"sig", "00ff"}});
  signatures.emplace_back(json::Object{{"keyid", json::Value(IdB())}, {"sig", "ff00"}});
  return json::Object{{"signatures", std::move(signatures)}, {"signed", ValidSigned(role)}};
}

// The error of parsing bytes as `role`, or nullopt when it parses.
std::optional<Error> ParseError(RoleType role, std::string_view bytes) {
  auto error_of = [](const auto& result) -> std::optional<Error> {
    if (result.ok()) return std::nullopt;
    return result.error();
  };
  switch (role) {
    case RoleType::kRoot:
      return error_of(ParseRoot(bytes));
    case RoleType::kTimestamp:
      return error_of(ParseTimestamp(bytes));
    case RoleType::kSnapshot:
      return error_of(ParseSnapshot(bytes));
    case RoleType::kTargets:
      return error_of(ParseTargets(bytes));
  }
  return std::nullopt;
}

// A JSON number written with a fraction or exponent, such as "1.0". Such
// numbers parse as doubles, but ToPrettyString would write 1.0 back as "1";
// so the value holds a marker string that Pretty() replaces by the literal.
constexpr std::string_view kFloatMarker = "@float@";
json::Value Float(std::string_view literal) {
  return std::string(kFloatMarker) + std::string(literal);
}

// The document as JSON text, with Float() markers replaced.
std::string Pretty(const json::Value& value) {
  std::string text = json::ToPrettyString(value);
  const std::string marker = "\"" + std::string(kFloatMarker);
  for (std::size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at)) {
    const std::size_t end = text.find('"', at + 1);
    text.replace(at, end + 1 - at, text.substr(at + marker.size(), end - at - marker.size()));
  }
  return text;
}

// A path into a document: member names, or array indices as decimal strings.
using Path = std::vector<std::string>;

json::Value* At(json::Value& document, const Path& path) {
  json::Value* value = &document;
  for (const std::string& step : path) {
    if (value->is_array()) {
      const std::size_t index = std::stoul(step);
      if (index >= value->array().size()) return nullptr;
      value = &value->array()[index];
    } else if (value->is_object()) {
      auto it = value->object().find(step);
      if (it == value->object().end()) return nullptr;
      value = &it->second;
    } else {
      return nullptr;
    }
  }
  return value;
}

// One change to a valid document and its expected outcome.
struct Mutation {
  std::string name;
  Path path;                         // empty: the whole document
  std::optional<json::Value> value;  // nullopt: erase the member at path
  std::optional<ErrorCode> error;    // nullopt: still accepted
};

Mutation Set(std::string name, Path path, json::Value value, std::optional<ErrorCode> error) {
  return Mutation{std::move(name), std::move(path), std::move(value), error};
}
Mutation Erase(std::string name, Path path, std::optional<ErrorCode> error) {
  return Mutation{std::move(name), std::move(path), std::nullopt, error};
}

// Applies the mutation; false (and a test failure) when the path is wrong.
bool Apply(json::Value& document, const Mutation& mutation) {
  if (mutation.path.empty()) {
    document = *mutation.value;
    return true;
  }
  Path parent_path(mutation.path.begin(), mutation.path.end() - 1);
  json::Value* parent = At(document, parent_path);
  if (parent == nullptr || !parent->is_object()) {
    ADD_FAILURE() << mutation.name << ": no object at the parent of the path";
    return false;
  }
  if (mutation.value) {
    parent->object()[mutation.path.back()] = *mutation.value;
  } else if (parent->object().erase(mutation.path.back()) == 0) {
    ADD_FAILURE() << mutation.name << ": nothing to erase";
    return false;
  }
  return true;
}

void ExpectOutcome(RoleType role, const Mutation& mutation) {
  SCOPED_TRACE(std::string(RoleTypeName(role)) + ": " + mutation.name);
  json::Value document = ValidDocument(role);
  if (!Apply(document, mutation)) return;
  const std::optional<Error> error = ParseError(role, Pretty(document));
  if (!mutation.error) {
    EXPECT_FALSE(error.has_value()) << error->ToString();
    return;
  }
  ASSERT_TRUE(error.has_value()) << "accepted";
  EXPECT_EQ(error->code(), *mutation.error) << error->ToString();
  EXPECT_FALSE(error->message().empty());
}

constexpr RoleType kAllRoles[] = {RoleType::kRoot, RoleType::kTimestamp, RoleType::kSnapshot,
                                  RoleType::kTargets};
constexpr ErrorCode kMalformed = ErrorCode::kMalformed;

TEST(ParseTest, FloatMarkerWritesADouble) {
  auto value = json::Parse(Pretty(json::Array{Float("1.0"), Float("3e0"), 1}));
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->array()[0].kind(), json::Kind::kDouble);
  EXPECT_EQ(value->array()[1].kind(), json::Kind::kDouble);
  EXPECT_EQ(value->array()[2].kind(), json::Kind::kInt);
}

TEST(ParseTest, ValidDocumentsParse) {
  for (RoleType role : kAllRoles) {
    SCOPED_TRACE(RoleTypeName(role));
    const std::optional<Error> error = ParseError(role, Pretty(ValidDocument(role)));
    EXPECT_FALSE(error.has_value()) << error->ToString();
  }
}

TEST(ParseTest, RootFields) {
  auto root = ParseRoot(Pretty(ValidDocument(RoleType::kRoot)));
  ASSERT_TRUE(root.ok()) << root.error().ToString();
  const Root& r = root->signed_part;
  EXPECT_EQ(r.spec_version, kSpecVersion);
  EXPECT_EQ(r.version, 7);
  EXPECT_EQ(r.expires.seconds, kExpires2030);
  EXPECT_TRUE(r.consistent_snapshot);
  ASSERT_EQ(r.keys.size(), 2u);
  const Key& a = r.keys.at(IdA());
  EXPECT_EQ(a.keytype, "ed25519");
  EXPECT_EQ(a.scheme, "ed25519");
  EXPECT_EQ(a.public_value, kKeyA);
  EXPECT_EQ(a.keyval, json::Value(json::Object{{"public", json::Value(kKeyA)}}));
  ASSERT_EQ(r.roles.size(), 4u);
  EXPECT_EQ(r.roles.at("root").keyids, std::vector<std::string>{IdA()});
  EXPECT_EQ(r.roles.at("targets").keyids, (std::vector<std::string>{IdA(), IdB()}));
  EXPECT_EQ(r.roles.at("targets").threshold, 2);
  ASSERT_EQ(root->signatures.size(), 2u);
  EXPECT_EQ(root->signatures[0].keyid, IdA());
  EXPECT_EQ(root->signatures[0].sig, "00ff");
  EXPECT_EQ(root->signatures[1].keyid, IdB());
}

TEST(ParseTest, RootWithoutConsistentSnapshotMeansFalse) {
  json::Value document = ValidDocument(RoleType::kRoot);
  document.object()["signed"].object().erase("consistent_snapshot");
  auto root = ParseRoot(Pretty(document));
  ASSERT_TRUE(root.ok()) << root.error().ToString();
  EXPECT_FALSE(root->signed_part.consistent_snapshot);
}

TEST(ParseTest, TimestampFields) {
  auto timestamp = ParseTimestamp(Pretty(ValidDocument(RoleType::kTimestamp)));
  ASSERT_TRUE(timestamp.ok()) << timestamp.error().ToString();
  const MetaFile& meta = timestamp->signed_part.snapshot_meta;
  EXPECT_EQ(meta.version, 3);
  EXPECT_EQ(meta.length, 512);
  EXPECT_EQ(meta.hashes, (std::map<std::string, std::string>{{"sha256", Digest()}}));
  EXPECT_EQ(timestamp->signed_part.expires.seconds, kExpires2030);
}

TEST(ParseTest, SnapshotFields) {
  auto snapshot = ParseSnapshot(Pretty(ValidDocument(RoleType::kSnapshot)));
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().ToString();
  const auto& meta = snapshot->signed_part.meta;
  ASSERT_EQ(meta.size(), 2u);
  EXPECT_EQ(meta.at("targets.json").version, 2);
  EXPECT_EQ(meta.at("targets.json").length, 100);
  EXPECT_EQ(meta.at("role1.json").version, 1);
  EXPECT_FALSE(meta.at("role1.json").length.has_value());
  EXPECT_TRUE(meta.at("role1.json").hashes.empty());
}

TEST(ParseTest, TargetsFields) {
  auto targets = ParseTargets(Pretty(ValidDocument(RoleType::kTargets)));
  ASSERT_TRUE(targets.ok()) << targets.error().ToString();
  const Targets& t = targets->signed_part;
  ASSERT_EQ(t.targets.size(), 1u);
  const TargetFile& file = t.targets.at("files/a.txt");
  EXPECT_EQ(file.length, 5);
  EXPECT_EQ(file.hashes.at("sha256"), Digest());
  EXPECT_EQ(file.custom, json::Value(json::Object{{"k", "v"}}));
  ASSERT_TRUE(t.delegations.has_value());
  EXPECT_EQ(t.delegations->keys.at(IdA()).public_value, kKeyA);
  ASSERT_EQ(t.delegations->roles.size(), 2u);
  const DelegatedRole& role1 = t.delegations->roles[0];
  EXPECT_EQ(role1.name, "role1");
  EXPECT_FALSE(role1.terminating);
  EXPECT_EQ(role1.paths, std::vector<std::string>{"files/*"});
  EXPECT_FALSE(role1.path_hash_prefixes.has_value());
  const DelegatedRole& role2 = t.delegations->roles[1];
  EXPECT_EQ(role2.name, "role2");
  EXPECT_TRUE(role2.terminating);
  EXPECT_FALSE(role2.paths.has_value());
  EXPECT_EQ(role2.path_hash_prefixes, (std::vector<std::string>{"ab", "0"}));
}

TEST(ParseTest, TargetsWithoutDelegationsOrCustom) {
  json::Value document = ValidDocument(RoleType::kTargets);
  document.object()["signed"].object().erase("delegations");
  At(document, {"signed", "targets", "files/a.txt"})->object().erase("custom");
  auto targets = ParseTargets(Pretty(document));
  ASSERT_TRUE(targets.ok()) << targets.error().ToString();
  EXPECT_FALSE(targets->signed_part.delegations.has_value());
  EXPECT_FALSE(targets->signed_part.targets.at("files/a.txt").custom.has_value());
}

// A document written by hand, pretty printed and with escapes, as another
// implementation might write it: canonical_signed is the canonical form of
// the `signed` value, not the bytes as received.
TEST(ParseTest, CanonicalSignedIsCanonicalizedSignedValue) {
  const std::string text = R"({
  "signed": {
    "version": 1,
    "spec_version": "1.0.31",
    "_type": "timestamp",
    "expires": "2030-01-01T00:00:00Z",
    "meta": { "snapshot.json": { "version": 1, "x-caf\u00e9": "\"q\"\n" } }
  },
  "signatures": [ ]
})";
  auto timestamp = ParseTimestamp(text);
  ASSERT_TRUE(timestamp.ok()) << timestamp.error().ToString();
  auto document = json::Parse(text);
  ASSERT_TRUE(document.ok());
  auto canonical = json::Canonicalize(*document->Find("signed"));
  ASSERT_TRUE(canonical.ok());
  EXPECT_EQ(timestamp->canonical_signed, *canonical);
  EXPECT_EQ(timestamp->canonical_signed,
            "{\"_type\":\"timestamp\",\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{"
            "\"snapshot.json\":{\"version\":1,\"x-caf\xc3\xa9\":\"\\\"q\\\"\n\"}},"
            "\"spec_version\":\"1.0.31\",\"version\":1}");
  EXPECT_TRUE(timestamp->signatures.empty());
}

TEST(ParseTest, WrongTypeForEveryOtherRole) {
  for (RoleType written : kAllRoles) {
    const std::string bytes = Pretty(ValidDocument(written));
    for (RoleType asked : kAllRoles) {
      if (asked == written) continue;
      SCOPED_TRACE(std::string(RoleTypeName(written)) + " parsed as " +
                   std::string(RoleTypeName(asked)));
      const std::optional<Error> error = ParseError(asked, bytes);
      ASSERT_TRUE(error.has_value());
      EXPECT_EQ(error->code(), ErrorCode::kWrongType) << error->ToString();
      EXPECT_EQ(error->category(), ErrorCategory::kSecurity);
    }
  }
}

TEST(ParseTest, RejectsInputThatIsNotStrictJson) {
  const std::string valid = Pretty(ValidDocument(RoleType::kRoot));
  for (const std::string& bytes :
       {std::string(), std::string("null"), valid + "x", valid.substr(0, valid.size() / 2),
        std::string(R"({"signed":{},"signed":{},"signatures":[]})")}) {
    const std::optional<Error> error = ParseError(RoleType::kRoot, bytes);
    ASSERT_TRUE(error.has_value()) << bytes;
    EXPECT_EQ(error->code(), kMalformed);
  }
}

// Changes to the envelope and the fields every role has, applied to each role.
std::vector<Mutation> CommonMutations() {
  const json::Value dup_signatures = json::Array{
      json::Object{{"keyid", json::Value(IdA())}, {"sig", "00"}},
      json::Object{{"keyid", json::Value(IdA())}, {"sig", "11"}},
  };
  std::vector<Mutation> m = {
      Set("document is an array", {}, json::Array{}, kMalformed),
      Set("document is a string", {}, "root", kMalformed),
      Erase("signatures missing", {"signatures"}, kMalformed),
      Set("signatures is an object", {"signatures"}, json::Object{}, kMalformed),
      Set("signatures empty", {"signatures"}, json::Array{}, std::nullopt),
      Set("a signature is a string", {"signatures"}, json::Array{"00"}, kMalformed),
      Erase("signature keyid missing", {"signatures", "0", "keyid"}, kMalformed),
      Set("signature keyid is an integer", {"signatures", "0", "keyid"}, 1, kMalformed),
      Erase("signature sig missing", {"signatures", "0", "sig"}, kMalformed),
      Set("signature sig is null", {"signatures", "0", "sig"}, nullptr, kMalformed),
      Set("signature with an unknown field", {"signatures", "0", "x-extra"}, 1, std::nullopt),
      Set("two signatures by one key ID", {"signatures"}, dup_signatures,
          ErrorCode::kDuplicateKeyId),
      Erase("signed missing", {"signed"}, kMalformed),
      Set("signed is an array", {"signed"}, json::Array{}, kMalformed),
      Set("envelope with an unknown field", {"x-extra"}, json::Object{}, std::nullopt),
      Erase("_type missing", {"signed", "_type"}, kMalformed),
      Set("_type is an integer", {"signed", "_type"}, 1, kMalformed),
      Set("_type is mirrors", {"signed", "_type"}, "mirrors", ErrorCode::kWrongType),
      Set("_type is upper case", {"signed", "_type"}, "Root", ErrorCode::kWrongType),
      Erase("spec_version missing", {"signed", "spec_version"}, kMalformed),
      Set("spec_version is a number", {"signed", "spec_version"}, 1, kMalformed),
      Erase("version missing", {"signed", "version"}, kMalformed),
      Set("version is a string", {"signed", "version"}, "1", kMalformed),
      Set("version is a float", {"signed", "version"}, Float("1.0"), kMalformed),
      Set("version is a boolean", {"signed", "version"}, true, kMalformed),
      Set("version is zero", {"signed", "version"}, 0, kMalformed),
      Set("version is negative", {"signed", "version"}, -1, kMalformed),
      Set("version is the largest integer", {"signed", "version"},
          std::numeric_limits<std::int64_t>::max(), std::nullopt),
      Erase("expires missing", {"signed", "expires"}, kMalformed),
      Set("expires is a number", {"signed", "expires"}, kExpires2030, kMalformed),
      Set("unknown field in signed", {"signed", "x-extra"}, json::Array{1, "a"}, std::nullopt),
      Set("float in an unknown field cannot be signed", {"signed", "x-extra"}, Float("0.5"),
          kMalformed),
  };
  for (const char* spec : {"1.0", "1.0.31", "1.99.0", "1.0.0", "1.2", "1.0.999"}) {
    m.push_back(
        Set(std::string("spec_version ") + spec, {"signed", "spec_version"}, spec, std::nullopt));
  }
  for (const char* spec : {"2.0.0", "1", "1.x", "0.9.0", "", "1.0.0.0", "1..0", "1.0.", ".1.0",
                           "v1.0", "01.0", "1.0-rc1", " 1.0", "1.0 ", "2.0", "11.0"}) {
    m.push_back(Set(std::string("spec_version '") + spec + "'", {"signed", "spec_version"}, spec,
                    kMalformed));
  }
  for (const char* expires :
       {"2030-01-01T00:00:00", "2030-01-01 00:00:00Z", "2030-13-01T00:00:00Z",
        "2030-02-30T00:00:00Z", "2030-01-01T24:00:00Z", "2030-01-01T00:00:00.5Z",
        "2030-01-01T00:00:00+00:00", "30-01-01T00:00:00Z", "2030-1-01T00:00:00Z", "",
        "2030-01-01t00:00:00z"}) {
    m.push_back(
        Set(std::string("expires '") + expires + "'", {"signed", "expires"}, expires, kMalformed));
  }
  return m;
}

TEST(ParseTest, EnvelopeAndCommonFields) {
  for (RoleType role : kAllRoles) {
    for (const Mutation& mutation : CommonMutations()) ExpectOutcome(role, mutation);
  }
}

TEST(ParseTest, RootMutations) {
  const Path key = {"signed", "keys", IdA()};
  auto key_field = [&](const std::string& field) {
    Path p = key;
    p.push_back(field);
    return p;
  };
  const Path role = {"signed", "roles", "root"};
  const std::vector<Mutation> mutations = {
      Set("consistent_snapshot is a string", {"signed", "consistent_snapshot"}, "true", kMalformed),
      Set("consistent_snapshot is an integer", {"signed", "consistent_snapshot"}, 1, kMalformed),
      Erase("keys missing", {"signed", "keys"}, kMalformed),
      Set("keys is an array", {"signed", "keys"}, json::Array{}, kMalformed),
      Set("a key is a string", key, kKeyA, kMalformed),
      Erase("keytype missing", key_field("keytype"), kMalformed),
      Set("keytype is an integer", key_field("keytype"), 1, kMalformed),
      Erase("scheme missing", key_field("scheme"), kMalformed),
      Set("scheme is null", key_field("scheme"), nullptr, kMalformed),
      Erase("keyval missing", key_field("keyval"), kMalformed),
      Set("keyval is a string", key_field("keyval"), kKeyA, kMalformed),
      Set("keyval.public is an integer", {"signed", "keys", IdA(), "keyval", "public"}, 1,
          kMalformed),
      Set("keyval without public", key_field("keyval"), json::Object{{"x", 1}}, std::nullopt),
      Set("a key of unknown type", key,
          json::Object{{"keytype", "x-quantum"}, {"scheme", "x"}, {"keyval", json::Object{}}},
          std::nullopt),
      Set("a key with an unknown field", key_field("x-extra"), true, std::nullopt),
      Erase("roles missing", {"signed", "roles"}, kMalformed),
      Set("roles is an array", {"signed", "roles"}, json::Array{}, kMalformed),
      Set("a role is an array", role, json::Array{}, kMalformed),
      Erase("root role missing", role, kMalformed),
      Erase("timestamp role missing", {"signed", "roles", "timestamp"}, kMalformed),
      Erase("snapshot role missing", {"signed", "roles", "snapshot"}, kMalformed),
      Erase("targets role missing", {"signed", "roles", "targets"}, kMalformed),
      Set("an extra role", {"signed", "roles", "mirrors"},
          json::Object{{"keyids", json::Array{}}, {"threshold", 1}}, kMalformed),
      Erase("keyids missing", {"signed", "roles", "root", "keyids"}, kMalformed),
      Set("keyids is a string", {"signed", "roles", "root", "keyids"}, IdA(), kMalformed),
      Set("keyids holds an integer", {"signed", "roles", "root", "keyids"}, json::Array{1},
          kMalformed),
      Set("keyids lists a key twice", {"signed", "roles", "root", "keyids"},
          json::Array{json::Value(IdA()), json::Value(IdB()), json::Value(IdA())}, kMalformed),
      Set("keyids empty", {"signed", "roles", "root", "keyids"}, json::Array{}, std::nullopt),
      Set("keyids names an unlisted key", {"signed", "roles", "root", "keyids"},
          json::Array{"0000"}, std::nullopt),
      Erase("threshold missing", {"signed", "roles", "root", "threshold"}, kMalformed),
      Set("threshold is zero", {"signed", "roles", "root", "threshold"}, 0, kMalformed),
      Set("threshold is negative", {"signed", "roles", "root", "threshold"}, -1, kMalformed),
      Set("threshold is a string", {"signed", "roles", "root", "threshold"}, "1", kMalformed),
      Set("threshold is a float", {"signed", "roles", "root", "threshold"}, Float("1.0"),
          kMalformed),
      Set("threshold above the number of keys", {"signed", "roles", "root", "threshold"}, 5,
          std::nullopt),
      Set("a role with an unknown field", {"signed", "roles", "root", "x-extra"}, 1, std::nullopt),
  };
  for (const Mutation& mutation : mutations) ExpectOutcome(RoleType::kRoot, mutation);
}

TEST(ParseTest, ErrorsNameTheField) {
  json::Value document = ValidDocument(RoleType::kRoot);
  *At(document, {"signed", "roles", "snapshot", "threshold"}) = 0;
  auto root = ParseRoot(Pretty(document));
  ASSERT_FALSE(root.ok());
  EXPECT_NE(root.error().message().find("signed.roles.snapshot.threshold"), std::string::npos)
      << root.error().message();

  document = ValidDocument(RoleType::kTargets);
  At(document, {"signed", "targets", "files/a.txt"})->object().erase("length");
  auto targets = ParseTargets(Pretty(document));
  ASSERT_FALSE(targets.ok());
  EXPECT_NE(targets.error().message().find("files/a.txt"), std::string::npos)
      << targets.error().message();
}

TEST(ParseTest, MetaFileMutations) {
  const Path ts = {"signed", "meta", "snapshot.json"};
  auto in = [](Path base, const std::string& field) {
    base.push_back(field);
    return base;
  };
  const std::vector<Mutation> timestamp = {
      Erase("meta missing", {"signed", "meta"}, kMalformed),
      Set("meta is an array", {"signed", "meta"}, json::Array{}, kMalformed),
      Set("meta without snapshot.json", {"signed", "meta"}, json::Object{}, kMalformed),
      Set("snapshot.json is a string", ts, "1", kMalformed),
      Erase("version missing", in(ts, "version"), kMalformed),
      Set("version is a string", in(ts, "version"), "3", kMalformed),
      Set("version is a float", in(ts, "version"), Float("3e0"), kMalformed),
      Set("version is zero", in(ts, "version"), 0, kMalformed),
      Set("length is a string", in(ts, "length"), "512", kMalformed),
      Set("length is negative", in(ts, "length"), -1, kMalformed),
      Set("length is zero", in(ts, "length"), 0, std::nullopt),
      Erase("length missing", in(ts, "length"), std::nullopt),
      Erase("hashes missing", in(ts, "hashes"), std::nullopt),
      Set("hashes is an array", in(ts, "hashes"), json::Array{}, kMalformed),
      Set("hashes empty", in(ts, "hashes"), json::Object{}, kMalformed),
      Set("a hash is an integer", in(in(ts, "hashes"), "sha256"), 1, kMalformed),
      Set("an unknown hash algorithm", in(in(ts, "hashes"), "blake2b"), "00", std::nullopt),
      Set("another file besides snapshot.json", {"signed", "meta", "x.json"},
          json::Object{{"version", 1}}, std::nullopt),
      Set("an unknown field", in(ts, "x-extra"), json::Object{}, std::nullopt),
  };
  for (const Mutation& mutation : timestamp) ExpectOutcome(RoleType::kTimestamp, mutation);

  const Path tj = {"signed", "meta", "targets.json"};
  const std::vector<Mutation> snapshot = {
      Erase("meta missing", {"signed", "meta"}, kMalformed),
      Set("meta is an array", {"signed", "meta"}, json::Array{}, kMalformed),
      Set("meta empty", {"signed", "meta"}, json::Object{}, std::nullopt),
      Set("targets.json is an integer", tj, 2, kMalformed),
      Erase("version missing", in(tj, "version"), kMalformed),
      Set("version is a float", in(tj, "version"), Float("2.0"), kMalformed),
      Set("version is negative", in(tj, "version"), -2, kMalformed),
      Set("length is negative", in(tj, "length"), -100, kMalformed),
      Set("length is a float", in(tj, "length"), Float("100.0"), kMalformed),
      Set("hashes empty", in(tj, "hashes"), json::Object{}, kMalformed),
      Set("a hash is null", in(in(tj, "hashes"), "sha512"), nullptr, kMalformed),
  };
  for (const Mutation& mutation : snapshot) ExpectOutcome(RoleType::kSnapshot, mutation);
}

TEST(ParseTest, TargetFileMutations) {
  const Path file = {"signed", "targets", "files/a.txt"};
  auto in = [&](const std::string& field) {
    Path p = file;
    p.push_back(field);
    return p;
  };
  const std::vector<Mutation> mutations = {
      Erase("targets missing", {"signed", "targets"}, kMalformed),
      Set("targets is an array", {"signed", "targets"}, json::Array{}, kMalformed),
      Set("targets empty", {"signed", "targets"}, json::Object{}, std::nullopt),
      Set("a target is a string", file, "x", kMalformed),
      Erase("length missing", in("length"), kMalformed),
      Set("length is a string", in("length"), "5", kMalformed),
      Set("length is a float", in("length"), Float("5.0"), kMalformed),
      Set("length is negative", in("length"), -5, kMalformed),
      Set("length is zero", in("length"), 0, std::nullopt),
      Erase("hashes missing", in("hashes"), kMalformed),
      Set("hashes is an array", in("hashes"), json::Array{"sha256"}, kMalformed),
      Set("hashes empty", in("hashes"), json::Object{}, kMalformed),
      Set("a hash is an integer", {"signed", "targets", "files/a.txt", "hashes", "sha256"}, 1,
          kMalformed),
      Set("custom is a string", in("custom"), "x", std::nullopt),
      Set("custom is null", in("custom"), nullptr, std::nullopt),
      Set("an unknown field", in("x-extra"), 1, std::nullopt),
  };
  for (const Mutation& mutation : mutations) ExpectOutcome(RoleType::kTargets, mutation);
}

TEST(ParseTest, DelegationMutations) {
  const Path d = {"signed", "delegations"};
  auto in = [](Path base, std::initializer_list<std::string> more) {
    base.insert(base.end(), more);
    return base;
  };
  const Path r0 = in(d, {"roles", "0"});
  const Path r1 = in(d, {"roles", "1"});
  const std::vector<Mutation> mutations = {
      Erase("delegations missing", d, std::nullopt),
      Set("delegations is an array", d, json::Array{}, kMalformed),
      Set("delegations is a string", d, "x", kMalformed),
      Erase("keys missing", in(d, {"keys"}), kMalformed),
      Set("keys is an array", in(d, {"keys"}), json::Array{}, kMalformed),
      Set("a key without keytype", in(d, {"keys", IdA()}),
          json::Object{{"scheme", "ed25519"}, {"keyval", json::Object{}}}, kMalformed),
      Erase("roles missing", in(d, {"roles"}), kMalformed),
      Set("roles is an object", in(d, {"roles"}), json::Object{}, kMalformed),
      Set("roles empty", in(d, {"roles"}), json::Array{}, std::nullopt),
      Set("a role is a string", in(d, {"roles"}), json::Array{"role1"}, kMalformed),
      Erase("name missing", in(r0, {"name"}), kMalformed),
      Set("name is an integer", in(r0, {"name"}), 1, kMalformed),
      Set("name is empty", in(r0, {"name"}), "", kMalformed),
      Set("name is targets", in(r0, {"name"}), "targets", kMalformed),
      Set("name is root", in(r0, {"name"}), "root", kMalformed),
      Set("name is snapshot", in(r1, {"name"}), "snapshot", kMalformed),
      Set("name is timestamp", in(r1, {"name"}), "timestamp", kMalformed),
      Set("name is listed twice", in(r1, {"name"}), "role1", kMalformed),
      Erase("keyids missing", in(r0, {"keyids"}), kMalformed),
      Set("keyids is an object", in(r0, {"keyids"}), json::Object{}, kMalformed),
      Set("keyids lists a key twice", in(r0, {"keyids"}),
          json::Array{json::Value(IdA()), json::Value(IdA())}, kMalformed),
      Erase("threshold missing", in(r0, {"threshold"}), kMalformed),
      Set("threshold is zero", in(r0, {"threshold"}), 0, kMalformed),
      Set("threshold is a string", in(r1, {"threshold"}), "1", kMalformed),
      Erase("terminating missing", in(r0, {"terminating"}), kMalformed),
      Set("terminating is a string", in(r0, {"terminating"}), "false", kMalformed),
      Set("terminating is an integer", in(r1, {"terminating"}), 0, kMalformed),
      Erase("neither paths nor path_hash_prefixes", in(r0, {"paths"}), kMalformed),
      Set("both paths and path_hash_prefixes", in(r0, {"path_hash_prefixes"}), json::Array{"ab"},
          kMalformed),
      Set("paths is a string", in(r0, {"paths"}), "files/*", kMalformed),
      Set("paths holds an integer", in(r0, {"paths"}), json::Array{1}, kMalformed),
      Set("paths empty", in(r0, {"paths"}), json::Array{}, std::nullopt),
      Set("path_hash_prefixes is a string", in(r1, {"path_hash_prefixes"}), "ab", kMalformed),
      Set("path_hash_prefixes holds null", in(r1, {"path_hash_prefixes"}), json::Array{nullptr},
          kMalformed),
      Set("path_hash_prefixes empty", in(r1, {"path_hash_prefixes"}), json::Array{}, std::nullopt),
      Set("a role with an unknown field", in(r0, {"x-extra"}), 1, std::nullopt),
      Set("delegations with an unknown field", in(d, {"x-extra"}), 1, std::nullopt),
      Set("succinct_roles", in(d, {"succinct_roles"}),
          json::Object{{"keyids", json::Array{json::Value(IdA())}},
                       {"threshold", 1},
                       {"bit_length", 8},
                       {"name_prefix", "bin"}},
          ErrorCode::kUnsupported),
  };
  for (const Mutation& mutation : mutations) ExpectOutcome(RoleType::kTargets, mutation);
}

// The specification requires unknown fields to be kept and signed: a
// signature over the canonical bytes that include an unknown field
// verifies, and no longer does once the field is removed or another added.
TEST(ParseTest, UnknownFieldsAreCoveredBySignatures) {
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEd25519);
  ASSERT_TRUE(key.ok());
  const Key public_key = PublicKeyOf(*key);
  const std::string keyid = ComputeKeyId(public_key);
  Root root;
  root.keys = {{keyid, public_key}};
  for (const char* role : {"root", "timestamp", "snapshot", "targets"}) {
    root.roles[role] = RoleKeys{{keyid}, 1};
  }
  const json::Value plain = ToJson(root);

  for (const Path& where : {Path{"x-extension"}, Path{"roles", "root", "x-note"},
                            Path{"keys", keyid, "x-comment"}, Path{"keys", keyid, "keyval", "x"}}) {
    SCOPED_TRACE(where.back());
    json::Value extended = plain;
    Path parent(where.begin(), where.end() - 1);
    At(extended, parent)->object()[where.back()] = json::Object{{"a", json::Array{1, "b"}}};

    auto bytes = SignEnvelope(extended, {&*key});
    ASSERT_TRUE(bytes.ok());
    auto parsed = ParseRoot(*bytes);
    ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
    EXPECT_NE(parsed->canonical_signed.find("\"" + where.back() + "\""), std::string::npos);
    const Root& r = parsed->signed_part;
    EXPECT_TRUE(VerifyThreshold("root", r.roles.at("root"), r.keys, parsed->signatures,
                                parsed->canonical_signed)
                    .ok());

    // The same signatures on the document without the unknown field.
    auto stripped_bytes = EnvelopeBytes(plain, parsed->signatures);
    ASSERT_TRUE(stripped_bytes.ok());
    auto stripped = ParseRoot(*stripped_bytes);
    ASSERT_TRUE(stripped.ok());
    Status status = VerifyThreshold("root", r.roles.at("root"), r.keys, stripped->signatures,
                                    stripped->canonical_signed);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code(), ErrorCode::kBadSignature);
  }

  // And the other way: a field added after signing breaks the signature.
  auto bytes = SignEnvelope(plain, {&*key});
  ASSERT_TRUE(bytes.ok());
  auto signed_plain = ParseRoot(*bytes);
  ASSERT_TRUE(signed_plain.ok());
  json::Value added = plain;
  added.object()["x-added"] = "later";
  auto added_bytes = EnvelopeBytes(added, signed_plain->signatures);
  ASSERT_TRUE(added_bytes.ok());
  auto parsed_added = ParseRoot(*added_bytes);
  ASSERT_TRUE(parsed_added.ok());
  EXPECT_FALSE(VerifyThreshold("root", root.roles.at("root"), root.keys, parsed_added->signatures,
                               parsed_added->canonical_signed)
                   .ok());
}

}  // namespace
}  // namespace bsi::metadata
