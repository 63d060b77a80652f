#include "bsi/trust/trusted_metadata.h"

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/crypto/private_key.h"
#include "bsi/metadata/serialize.h"

#include "testing/repository_simulator.h"
#include "testing/status_matchers.h"

namespace bsi {

// So that failed expectations print "bad_signature", not a raw number.
static void PrintTo(ErrorCode code, std::ostream* os) { *os << CodeName(code); }

namespace trust {
namespace {

using ::bsi::crypto::PrivateKey;
using ::bsi::testing::RepositorySimulator;
using Outcome = TrustedMetadata::TimestampOutcome;

constexpr UnixTime kNow{1'700'000'000};
constexpr std::int64_t kDay = 24 * 60 * 60;

using ::bsi::testing::CodeOf;

// The versions of everything trusted (0: not loaded), to show that a failed
// update changed nothing.
struct Versions {
  std::int64_t root = 0;
  std::int64_t timestamp = 0;
  std::int64_t snapshot = 0;
  std::int64_t targets = 0;
  friend bool operator==(const Versions&, const Versions&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Versions& v) {
    return os << "{root " << v.root << ", timestamp " << v.timestamp << ", snapshot " << v.snapshot
              << ", targets " << v.targets << "}";
  }
};

Versions VersionsOf(const TrustedMetadata& trusted) {
  Versions v;
  v.root = trusted.root().signed_part.version;
  if (trusted.timestamp() != nullptr) v.timestamp = trusted.timestamp()->signed_part.version;
  if (trusted.snapshot() != nullptr) v.snapshot = trusted.snapshot()->signed_part.version;
  if (trusted.targets("targets") != nullptr) {
    v.targets = trusted.targets("targets")->signed_part.version;
  }
  return v;
}

std::string Sign(const json::Value& signed_part, const std::vector<const PrivateKey*>& keys) {
  auto bytes = metadata::SignEnvelope(signed_part, keys);
  EXPECT_TRUE(bytes.ok());
  return bytes.ok() ? *bytes : "";
}

PrivateKey NewKey() { return std::move(PrivateKey::Generate(crypto::KeyType::kEd25519)).value(); }

class TrustedMetadataTest : public ::testing::Test {
 protected:
  TrustedMetadataTest() : sim_(kNow) {}

  // Trusts `root` (default: the simulator's first root) at time `at`.
  void Start(std::optional<std::string> root = std::nullopt, UnixTime at = kNow) {
    auto trusted = TrustedMetadata::Create(root ? *root : sim_.TrustedRoot(), at);
    ASSERT_OK(trusted);
    trusted_.emplace(std::move(*trusted));
  }

  // Loads the current timestamp, snapshot and top-level targets.
  void LoadTopLevel() {
    ASSERT_OK(trusted_->UpdateTimestamp(sim_.SignedBytes("timestamp")));
    ASSERT_OK(trusted_->UpdateSnapshot(sim_.SignedBytes("snapshot"), Provenance::kNetwork));
    ASSERT_OK(trusted_->UpdateTargets(sim_.SignedBytes("targets")));
  }

  Versions Now() const { return VersionsOf(*trusted_); }

  // Adds delegated role "role1" (paths "*") under top-level targets.
  void AddRole1() {
    metadata::DelegatedRole role;
    role.name = "role1";
    role.paths = std::vector<std::string>{"*"};
    sim_.AddDelegation("targets", role);
  }

  RepositorySimulator sim_;
  std::optional<TrustedMetadata> trusted_;
};

TEST_F(TrustedMetadataTest, ValidChainLoadsEveryRole) {
  AddRole1();
  sim_.AddTarget("role1", "file.txt", "content");
  ASSERT_NO_FATAL_FAILURE(Start());
  auto outcome = trusted_->UpdateTimestamp(sim_.SignedBytes("timestamp"));
  ASSERT_OK(outcome);
  EXPECT_EQ(*outcome, Outcome::kUpdated);
  ASSERT_OK(trusted_->UpdateSnapshot(sim_.SignedBytes("snapshot"), Provenance::kNetwork));
  ASSERT_OK(trusted_->UpdateTargets(sim_.SignedBytes("targets")));
  ASSERT_OK(trusted_->UpdateDelegated(sim_.SignedBytes("role1"), "role1", "targets"));
  EXPECT_EQ(Now(), (Versions{1, 1, 1, 1}));
  ASSERT_NE(trusted_->targets("role1"), nullptr);
  EXPECT_EQ(trusted_->targets("role1")->signed_part.targets.count("file.txt"), 1u);
  EXPECT_EQ(trusted_->reference_time(), kNow);
}

TEST_F(TrustedMetadataTest, CreateRefusesRootNotSignedByItsOwnKeys) {
  PrivateKey stranger = NewKey();
  const std::string root = Sign(metadata::ToJson(sim_.root), {&stranger});
  EXPECT_EQ(CodeOf(TrustedMetadata::Create(root, kNow)), ErrorCode::kBadSignature);
  EXPECT_EQ(CodeOf(TrustedMetadata::Create(sim_.SignedBytes("timestamp"), kNow)),
            ErrorCode::kWrongType);
  EXPECT_EQ(CodeOf(TrustedMetadata::Create("{\"signed\":", kNow)), ErrorCode::kMalformed);
}

TEST_F(TrustedMetadataTest, RootRotationNeedsThresholdOfOldAndNewKeys) {
  std::vector<PrivateKey> old_keys = std::move(sim_.signers["root"]);
  sim_.RotateKeys("root");
  const PrivateKey* old_key = &old_keys[0];
  const PrivateKey* new_key = &sim_.signers["root"][0];
  sim_.root.version = 2;
  const json::Value v2 = metadata::ToJson(sim_.root);
  ASSERT_NO_FATAL_FAILURE(Start());

  EXPECT_EQ(CodeOf(trusted_->UpdateRoot(Sign(v2, {old_key}))), ErrorCode::kBadSignature);
  EXPECT_EQ(Now().root, 1);
  EXPECT_EQ(CodeOf(trusted_->UpdateRoot(Sign(v2, {new_key}))), ErrorCode::kBadSignature);
  EXPECT_EQ(Now().root, 1);
  ASSERT_OK(trusted_->UpdateRoot(Sign(v2, {old_key, new_key})));
  EXPECT_EQ(Now().root, 2);

  // From now on the old key is no longer needed, nor enough.
  sim_.root.version = 3;
  const json::Value v3 = metadata::ToJson(sim_.root);
  EXPECT_EQ(CodeOf(trusted_->UpdateRoot(Sign(v3, {old_key}))), ErrorCode::kBadSignature);
  ASSERT_OK(trusted_->UpdateRoot(Sign(v3, {new_key})));
  EXPECT_EQ(Now().root, 3);
}

TEST_F(TrustedMetadataTest, RootRaisingItsThresholdMustMeetTheNewOne) {
  sim_.AddKey("root");
  sim_.root.roles["root"].threshold = 2;
  sim_.root.version = 2;
  const json::Value v2 = metadata::ToJson(sim_.root);
  const PrivateKey* first = &sim_.signers["root"][0];
  const PrivateKey* second = &sim_.signers["root"][1];
  ASSERT_NO_FATAL_FAILURE(Start());
  // The old root (threshold 1) is satisfied by the first key, the new one is not.
  EXPECT_EQ(CodeOf(trusted_->UpdateRoot(Sign(v2, {first}))), ErrorCode::kBadSignature);
  EXPECT_EQ(Now().root, 1);
  ASSERT_OK(trusted_->UpdateRoot(Sign(v2, {first, second})));
  EXPECT_EQ(Now().root, 2);
}

TEST_F(TrustedMetadataTest, RootMustBeExactlyTheNextVersion) {
  const PrivateKey* key = &sim_.signers["root"][0];
  ASSERT_NO_FATAL_FAILURE(Start());
  sim_.root.version = 3;  // skips v2
  EXPECT_FALSE(trusted_->UpdateRoot(Sign(metadata::ToJson(sim_.root), {key})).ok());
  sim_.root.version = 1;  // the same version again
  EXPECT_FALSE(trusted_->UpdateRoot(Sign(metadata::ToJson(sim_.root), {key})).ok());
  EXPECT_EQ(Now().root, 1);
  sim_.root.version = 2;
  ASSERT_OK(trusted_->UpdateRoot(Sign(metadata::ToJson(sim_.root), {key})));
  EXPECT_EQ(Now().root, 2);
}

TEST_F(TrustedMetadataTest, RootOfWrongTypeIsRefused) {
  ASSERT_NO_FATAL_FAILURE(Start());
  // Timestamp metadata signed by the root key is still not a root.
  const std::string not_root = Sign(metadata::ToJson(sim_.timestamp), {&sim_.signers["root"][0]});
  EXPECT_EQ(CodeOf(trusted_->UpdateRoot(not_root)), ErrorCode::kWrongType);
  EXPECT_EQ(CodeOf(trusted_->UpdateRoot("not json")), ErrorCode::kMalformed);
  EXPECT_EQ(Now(), (Versions{1, 0, 0, 0}));
}

TEST_F(TrustedMetadataTest, TwoOfThreeWithOneValidSignatureFails) {
  sim_.AddKey("timestamp");
  sim_.AddKey("timestamp");
  sim_.root.roles["timestamp"].threshold = 2;
  sim_.PublishRoot();
  ASSERT_NO_FATAL_FAILURE(Start(sim_.PublishedRoot(2)));
  const json::Value timestamp = metadata::ToJson(sim_.timestamp);
  const auto& keys = sim_.signers["timestamp"];
  PrivateKey stranger = NewKey();

  EXPECT_EQ(CodeOf(trusted_->UpdateTimestamp(Sign(timestamp, {&keys[0]}))),
            ErrorCode::kBadSignature);
  EXPECT_EQ(CodeOf(trusted_->UpdateTimestamp(Sign(timestamp, {&keys[0], &stranger}))),
            ErrorCode::kBadSignature);
  EXPECT_EQ(Now(), (Versions{2, 0, 0, 0}));
  ASSERT_OK(trusted_->UpdateTimestamp(Sign(timestamp, {&keys[0], &keys[2]})));
  EXPECT_EQ(Now().timestamp, 1);
}

TEST_F(TrustedMetadataTest, DuplicateSignatureKeyIdsAreRefusedAtParse) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const json::Value timestamp = metadata::ToJson(sim_.timestamp);
  const PrivateKey& key = sim_.signers["timestamp"][0];
  auto canonical = json::Canonicalize(timestamp);
  ASSERT_OK(canonical);
  auto sig = key.Sign(*canonical);
  ASSERT_OK(sig);
  const metadata::Signature signature{metadata::ComputeKeyId(metadata::PublicKeyOf(key)), *sig};
  auto bytes = metadata::EnvelopeBytes(timestamp, {signature, signature});
  ASSERT_OK(bytes);
  EXPECT_EQ(CodeOf(trusted_->UpdateTimestamp(*bytes)), ErrorCode::kDuplicateKeyId);
  EXPECT_EQ(Now(), (Versions{1, 0, 0, 0}));
}

TEST_F(TrustedMetadataTest, SameKeyUnderTwoKeyIdsCountsOnce) {
  const std::string keyid = sim_.root.roles["timestamp"].keyids[0];
  sim_.root.keys["alias"] = sim_.root.keys[keyid];
  sim_.root.roles["timestamp"].keyids.push_back("alias");
  sim_.root.roles["timestamp"].threshold = 2;
  sim_.PublishRoot();
  ASSERT_NO_FATAL_FAILURE(Start(sim_.PublishedRoot(2)));
  const json::Value timestamp = metadata::ToJson(sim_.timestamp);
  auto canonical = json::Canonicalize(timestamp);
  ASSERT_OK(canonical);
  auto sig = sim_.signers["timestamp"][0].Sign(*canonical);
  ASSERT_OK(sig);
  auto bytes = metadata::EnvelopeBytes(timestamp, {{keyid, *sig}, {"alias", *sig}});
  ASSERT_OK(bytes);
  EXPECT_EQ(CodeOf(trusted_->UpdateTimestamp(*bytes)), ErrorCode::kBadSignature);
  EXPECT_EQ(Now().timestamp, 0);
}

TEST_F(TrustedMetadataTest, TimestampVersionsNeverGoBack) {
  const std::string v1 = sim_.SignedBytes("timestamp");
  sim_.UpdateTimestamp();
  const std::string v2 = sim_.SignedBytes("timestamp");
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK(trusted_->UpdateTimestamp(v2));
  EXPECT_EQ(CodeOf(trusted_->UpdateTimestamp(v1)), ErrorCode::kRollback);
  EXPECT_EQ(Now().timestamp, 2);

  // The same version again is no error; the trusted one stays, even when the
  // offered one says something else.
  sim_.timestamp.snapshot_meta.version = 100;
  auto outcome = trusted_->UpdateTimestamp(sim_.SignedBytes("timestamp"));
  ASSERT_OK(outcome);
  EXPECT_EQ(*outcome, Outcome::kUnchanged);
  EXPECT_EQ(trusted_->timestamp()->signed_part.snapshot_meta.version, 1);
}

TEST_F(TrustedMetadataTest, SnapshotVersionInTimestampNeverGoesBack) {
  sim_.UpdateSnapshot();  // snapshot v2, timestamp v2
  const std::string v2 = sim_.SignedBytes("timestamp");
  sim_.timestamp.snapshot_meta.version = 1;
  sim_.timestamp.version = 3;
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK(trusted_->UpdateTimestamp(v2));
  EXPECT_EQ(CodeOf(trusted_->UpdateTimestamp(sim_.SignedBytes("timestamp"))), ErrorCode::kRollback);
  EXPECT_EQ(Now().timestamp, 2);
  EXPECT_EQ(trusted_->timestamp()->signed_part.snapshot_meta.version, 2);
}

TEST_F(TrustedMetadataTest, ExpiredRootIsRefusedAtTimestamp) {
  sim_.root.expires = UnixTime{kNow.seconds + kDay};
  sim_.PublishRoot();
  // Creating from an expired root works (a newer root might follow) ...
  ASSERT_NO_FATAL_FAILURE(Start(sim_.PublishedRoot(2), UnixTime{kNow.seconds + 2 * kDay}));
  // ... but it cannot be the final root.
  auto outcome = trusted_->UpdateTimestamp(sim_.SignedBytes("timestamp"));
  ASSERT_EQ(CodeOf(outcome), ErrorCode::kExpired);
  EXPECT_NE(outcome.error().message().find("root"), std::string::npos);
  EXPECT_EQ(Now(), (Versions{2, 0, 0, 0}));
}

TEST_F(TrustedMetadataTest, ExpiredTimestampIsRefusedButGuardsRollback) {
  sim_.timestamp.expires = UnixTime{kNow.seconds - 1};
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(CodeOf(trusted_->UpdateTimestamp(sim_.SignedBytes("timestamp"))), ErrorCode::kExpired);
  // Documented: it is kept as the reference for rollback checks, and nothing
  // can be built on it.
  EXPECT_EQ(Now(), (Versions{1, 1, 0, 0}));
  EXPECT_EQ(CodeOf(trusted_->UpdateSnapshot(sim_.SignedBytes("snapshot"), Provenance::kNetwork)),
            ErrorCode::kExpired);
  EXPECT_EQ(Now(), (Versions{1, 1, 0, 0}));
}

TEST_F(TrustedMetadataTest, ExpiredSnapshotIsRefused) {
  sim_.snapshot.expires = kNow;
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK(trusted_->UpdateTimestamp(sim_.SignedBytes("timestamp")));
  EXPECT_EQ(CodeOf(trusted_->UpdateSnapshot(sim_.SignedBytes("snapshot"), Provenance::kNetwork)),
            ErrorCode::kExpired);
  EXPECT_EQ(CodeOf(trusted_->UpdateTargets(sim_.SignedBytes("targets"))), ErrorCode::kExpired);
  EXPECT_EQ(Now().targets, 0);
}

TEST_F(TrustedMetadataTest, ExpiredTargetsAreRefused) {
  sim_.targets.expires = UnixTime{kNow.seconds - kDay};
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK(trusted_->UpdateTimestamp(sim_.SignedBytes("timestamp")));
  ASSERT_OK(trusted_->UpdateSnapshot(sim_.SignedBytes("snapshot"), Provenance::kNetwork));
  EXPECT_EQ(CodeOf(trusted_->UpdateTargets(sim_.SignedBytes("targets"))), ErrorCode::kExpired);
  EXPECT_EQ(Now(), (Versions{1, 1, 1, 0}));
}

TEST_F(TrustedMetadataTest, SnapshotMustMatchTimestampHashesUnlessFromCache) {
  sim_.compute_metafile_hashes_and_length = true;
  sim_.UpdateSnapshot();               // timestamp v2 names snapshot v2 with length and sha256
  sim_.snapshot.expires.seconds += 1;  // same length, other bytes
  const std::string changed = sim_.SignedBytes("snapshot");
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK(trusted_->UpdateTimestamp(sim_.SignedBytes("timestamp")));
  EXPECT_EQ(CodeOf(trusted_->UpdateSnapshot(changed, Provenance::kNetwork)),
            ErrorCode::kHashMismatch);
  EXPECT_EQ(Now().snapshot, 0);
  // A snapshot from the local cache was verified when it was stored.
  ASSERT_OK(trusted_->UpdateSnapshot(changed, Provenance::kLocalCache));
  EXPECT_EQ(Now().snapshot, 2);
}

TEST_F(TrustedMetadataTest, SnapshotMustMatchTimestampLength) {
  sim_.compute_metafile_hashes_and_length = true;
  sim_.UpdateSnapshot();
  *sim_.timestamp.snapshot_meta.length += 1;
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK(trusted_->UpdateTimestamp(sim_.SignedBytes("timestamp")));
  EXPECT_EQ(CodeOf(trusted_->UpdateSnapshot(sim_.SignedBytes("snapshot"), Provenance::kNetwork)),
            ErrorCode::kLengthMismatch);
  EXPECT_EQ(Now().snapshot, 0);
}

// The trusted snapshot of the last run (v2, listing targets v2 and role1 v1)
// is loaded from the cache as the reference; timestamp v3 names snapshot v3.
class SnapshotRollbackTest : public TrustedMetadataTest {
 protected:
  void SetUp() override {
    AddRole1();
    sim_.BumpTargets("targets");
    sim_.UpdateSnapshot();
    cached_snapshot_ = sim_.SignedBytes("snapshot");
    sim_.UpdateSnapshot();
    ASSERT_NO_FATAL_FAILURE(Start());
    ASSERT_OK(trusted_->UpdateTimestamp(sim_.SignedBytes("timestamp")));
    EXPECT_EQ(CodeOf(trusted_->UpdateSnapshot(cached_snapshot_, Provenance::kLocalCache)),
              ErrorCode::kVersionMismatch);
    ASSERT_EQ(Now(), (Versions{1, 3, 2, 0}));
  }
  std::string cached_snapshot_;
};

TEST_F(SnapshotRollbackTest, NewSnapshotOfTheRightVersionIsAccepted) {
  ASSERT_OK(trusted_->UpdateSnapshot(sim_.SignedBytes("snapshot"), Provenance::kNetwork));
  EXPECT_EQ(Now().snapshot, 3);
  ASSERT_OK(trusted_->UpdateTargets(sim_.SignedBytes("targets")));
}

TEST_F(SnapshotRollbackTest, SnapshotRemovingARoleIsRollback) {
  sim_.snapshot.meta.erase("role1.json");
  EXPECT_EQ(CodeOf(trusted_->UpdateSnapshot(sim_.SignedBytes("snapshot"), Provenance::kNetwork)),
            ErrorCode::kRollback);
  EXPECT_EQ(Now(), (Versions{1, 3, 2, 0}));
}

TEST_F(SnapshotRollbackTest, SnapshotLoweringAVersionIsRollback) {
  sim_.snapshot.meta["targets.json"].version = 1;
  EXPECT_EQ(CodeOf(trusted_->UpdateSnapshot(sim_.SignedBytes("snapshot"), Provenance::kNetwork)),
            ErrorCode::kRollback);
  EXPECT_EQ(Now(), (Versions{1, 3, 2, 0}));
}

TEST_F(TrustedMetadataTest, SnapshotVersionMustBeTheOneTimestampNames) {
  const std::string v1 = sim_.SignedBytes("snapshot");
  sim_.UpdateSnapshot();
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK(trusted_->UpdateTimestamp(sim_.SignedBytes("timestamp")));
  EXPECT_EQ(CodeOf(trusted_->UpdateSnapshot(v1, Provenance::kNetwork)),
            ErrorCode::kVersionMismatch);
  // Documented: kept as the rollback reference, but nothing builds on it.
  EXPECT_EQ(CodeOf(trusted_->UpdateTargets(sim_.SignedBytes("targets"))),
            ErrorCode::kVersionMismatch);
  EXPECT_EQ(Now().targets, 0);
}

TEST_F(TrustedMetadataTest, TargetsVersionMustBeTheOneSnapshotNames) {
  const std::string v1 = sim_.SignedBytes("targets");
  sim_.BumpTargets("targets");
  sim_.UpdateSnapshot();
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK(trusted_->UpdateTimestamp(sim_.SignedBytes("timestamp")));
  ASSERT_OK(trusted_->UpdateSnapshot(sim_.SignedBytes("snapshot"), Provenance::kNetwork));
  EXPECT_EQ(CodeOf(trusted_->UpdateTargets(v1)), ErrorCode::kVersionMismatch);
  EXPECT_EQ(Now(), (Versions{1, 2, 2, 0}));
  ASSERT_OK(trusted_->UpdateTargets(sim_.SignedBytes("targets")));
  EXPECT_EQ(Now().targets, 2);
}

TEST_F(TrustedMetadataTest, TargetsMustMatchSnapshotHashes) {
  sim_.compute_metafile_hashes_and_length = true;
  sim_.UpdateSnapshot();
  sim_.targets.expires.seconds += 1;
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_OK(trusted_->UpdateTimestamp(sim_.SignedBytes("timestamp")));
  ASSERT_OK(trusted_->UpdateSnapshot(sim_.SignedBytes("snapshot"), Provenance::kNetwork));
  EXPECT_EQ(CodeOf(trusted_->UpdateTargets(sim_.SignedBytes("targets"))), ErrorCode::kHashMismatch);
  EXPECT_EQ(Now().targets, 0);
}

TEST_F(TrustedMetadataTest, DelegatedRoleNotInSnapshotIsUntrusted) {
  AddRole1();
  sim_.snapshot.meta.erase("role1.json");
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(LoadTopLevel());
  EXPECT_EQ(CodeOf(trusted_->UpdateDelegated(sim_.SignedBytes("role1"), "role1", "targets")),
            ErrorCode::kUntrustedRole);
  EXPECT_EQ(trusted_->targets("role1"), nullptr);
}

TEST_F(TrustedMetadataTest, RoleNotDelegatedByTheDelegatorIsUntrusted) {
  AddRole1();
  metadata::DelegatedRole role2;
  role2.name = "role2";
  role2.paths = std::vector<std::string>{"*"};
  sim_.AddDelegation("role1", role2);
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(LoadTopLevel());
  // role2 is delegated by role1, not by targets.
  EXPECT_EQ(CodeOf(trusted_->UpdateDelegated(sim_.SignedBytes("role2"), "role2", "targets")),
            ErrorCode::kUntrustedRole);
  EXPECT_EQ(trusted_->targets("role2"), nullptr);
}

TEST_F(TrustedMetadataTest, DelegatedRoleSignedByWrongKeyIsRefused) {
  AddRole1();
  sim_.signers["role1"].clear();
  sim_.signers["role1"].push_back(NewKey());
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(LoadTopLevel());
  EXPECT_EQ(CodeOf(trusted_->UpdateDelegated(sim_.SignedBytes("role1"), "role1", "targets")),
            ErrorCode::kBadSignature);
  EXPECT_EQ(trusted_->targets("role1"), nullptr);
}

TEST_F(TrustedMetadataTest, MetadataSignedByAnotherRolesKeyIsRefused) {
  const auto& signers = sim_.signers;
  const json::Value timestamp = metadata::ToJson(sim_.timestamp);
  const json::Value snapshot = metadata::ToJson(sim_.snapshot);
  const json::Value targets = metadata::ToJson(sim_.targets);
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(CodeOf(trusted_->UpdateTimestamp(Sign(timestamp, {&signers.at("snapshot")[0]}))),
            ErrorCode::kBadSignature);
  EXPECT_EQ(CodeOf(trusted_->UpdateTimestamp(Sign(timestamp, {&signers.at("root")[0]}))),
            ErrorCode::kBadSignature);
  EXPECT_EQ(Now(), (Versions{1, 0, 0, 0}));
  ASSERT_OK(trusted_->UpdateTimestamp(sim_.SignedBytes("timestamp")));
  EXPECT_EQ(CodeOf(trusted_->UpdateSnapshot(Sign(snapshot, {&signers.at("timestamp")[0]}),
                                            Provenance::kNetwork)),
            ErrorCode::kBadSignature);
  EXPECT_EQ(Now(), (Versions{1, 1, 0, 0}));
  ASSERT_OK(trusted_->UpdateSnapshot(sim_.SignedBytes("snapshot"), Provenance::kNetwork));
  EXPECT_EQ(CodeOf(trusted_->UpdateTargets(Sign(targets, {&signers.at("root")[0]}))),
            ErrorCode::kBadSignature);
  EXPECT_EQ(Now(), (Versions{1, 1, 1, 0}));
}

TEST_F(TrustedMetadataTest, WrongTypesAreRefusedForEveryRole) {
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(CodeOf(trusted_->UpdateTimestamp(sim_.SignedBytes("snapshot"))), ErrorCode::kWrongType);
  ASSERT_OK(trusted_->UpdateTimestamp(sim_.SignedBytes("timestamp")));
  EXPECT_EQ(CodeOf(trusted_->UpdateSnapshot(sim_.SignedBytes("targets"), Provenance::kNetwork)),
            ErrorCode::kWrongType);
  ASSERT_OK(trusted_->UpdateSnapshot(sim_.SignedBytes("snapshot"), Provenance::kNetwork));
  EXPECT_EQ(CodeOf(trusted_->UpdateTargets(sim_.SignedBytes("snapshot"))), ErrorCode::kWrongType);
  EXPECT_EQ(Now(), (Versions{1, 1, 1, 0}));
}

TEST_F(TrustedMetadataTest, UpdatesOutOfOrderAreRefused) {
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_FALSE(trusted_->UpdateSnapshot(sim_.SignedBytes("snapshot"), Provenance::kNetwork).ok());
  EXPECT_FALSE(trusted_->UpdateTargets(sim_.SignedBytes("targets")).ok());
  ASSERT_NO_FATAL_FAILURE(LoadTopLevel());
  sim_.PublishRoot();
  EXPECT_FALSE(trusted_->UpdateRoot(sim_.SignedBytes("root")).ok());
  EXPECT_FALSE(trusted_->UpdateTimestamp(sim_.SignedBytes("timestamp")).ok());
  EXPECT_FALSE(trusted_->UpdateSnapshot(sim_.SignedBytes("snapshot"), Provenance::kNetwork).ok());
  EXPECT_EQ(Now(), (Versions{1, 1, 1, 1}));
}

}  // namespace
}  // namespace trust
}  // namespace bsi
