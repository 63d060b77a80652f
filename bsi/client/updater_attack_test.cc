// The attacks the TUF specification names (§1.5.2), each made by the
// repository simulator against a real Updater: the refresh or download must
// fail with the right error, and nothing that failed may be stored.
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/client/updater.h"
#include "bsi/client/updater_test_fixture.h"
#include "bsi/crypto/hash.h"

namespace bsi::client {
namespace {

const std::vector<std::string> kTopLevel{"root", "timestamp", "snapshot", "targets"};

// A client that has completed one refresh; `stored_` is what it holds.
class AttackTest : public UpdaterTest {
 protected:
  void SetUp() override {
    sim_.AddTarget("targets", "app.bin", "the real application", /*both_hashes=*/true);
    ASSERT_OK(Refresh());
    stored_ = MetadataFiles();
    ASSERT_EQ(stored_, Served(kTopLevel));
  }

  // Refreshes, expects `code`, and expects the stored metadata unchanged.
  void ExpectRefused(ErrorCode code) {
    EXPECT_EQ(CodeOf(Refresh()), code);
    EXPECT_EQ(MetadataFiles(), stored_);
  }

  std::string ArtifactName() const {
    return crypto::Sha256Hex("the real application") + ".app.bin";
  }

  Files stored_;
};

// --- Arbitrary software installation ---

TEST_F(AttackTest, ArbitraryArtifactIsRefused) {
  sim_.overrides[ArtifactName()] = "an evil application!";  // same length
  ASSERT_EQ(sim_.overrides[ArtifactName()].size(), std::string("the real application").size());
  auto updater = MakeUpdater();
  auto info = updater->GetTargetInfo("app.bin");
  ASSERT_OK(info);
  EXPECT_EQ(CodeOf(updater->DownloadTarget(*info)), ErrorCode::kHashMismatch);
  EXPECT_TRUE(TargetFiles().empty());

  // Also when the server's copy itself was replaced.
  sim_.overrides.clear();
  sim_.artifacts["app.bin"] = "an evil application!";
  EXPECT_EQ(CodeOf(updater->DownloadTarget(*info)), ErrorCode::kHashMismatch);
  EXPECT_TRUE(TargetFiles().empty());
}

TEST_F(AttackTest, ArbitraryMetadataIsRefused) {
  sim_.signers["timestamp"].clear();
  sim_.signers["timestamp"].push_back(
      std::move(crypto::PrivateKey::Generate(crypto::KeyType::kEd25519)).value());
  sim_.UpdateTimestamp();
  ExpectRefused(ErrorCode::kBadSignature);
  sim_.signers["timestamp"].clear();  // no signature at all
  ExpectRefused(ErrorCode::kBadSignature);
}

// --- Rollback ---

TEST_F(AttackTest, TimestampRollbackIsRefused) {
  const std::string v1 = sim_.SignedBytes("timestamp");
  sim_.UpdateTimestamp();
  ASSERT_OK(Refresh());
  stored_ = MetadataFiles();
  sim_.overrides["timestamp.json"] = v1;
  ExpectRefused(ErrorCode::kRollback);
}

TEST_F(AttackTest, ExpiredLocalTimestampStillGuardsRollback) {
  // Timestamp v2 expires in a week; the client stores it.
  sim_.timestamp.expires = UnixTime{kNow.seconds + 7 * kDay};
  sim_.timestamp.version = 2;
  ASSERT_OK(Refresh());
  stored_ = MetadataFiles();
  // Three weeks later, an unexpired timestamp v1 is offered.
  sim_.timestamp.expires = UnixTime{kNow.seconds + 21 * kDay};
  sim_.timestamp.version = 1;
  clock_.Advance(18 * kDay);
  ExpectRefused(ErrorCode::kRollback);
}

TEST_F(AttackTest, SnapshotVersionRollbackInTimestampIsRefused) {
  sim_.UpdateSnapshot();
  ASSERT_OK(Refresh());
  stored_ = MetadataFiles();
  sim_.snapshot.version = 1;
  sim_.UpdateTimestamp();  // timestamp v3 names snapshot v1
  ExpectRefused(ErrorCode::kRollback);
}

TEST_F(AttackTest, TargetsVersionRollbackInSnapshotIsRefused) {
  // As python-tuf's test: the local snapshot no longer matches timestamp's
  // hashes, yet it is the reference for the rollback check.
  sim_.compute_metafile_hashes_and_length = true;
  sim_.targets.version = 2;
  sim_.UpdateSnapshot();
  ASSERT_OK(Refresh());
  stored_ = MetadataFiles();
  sim_.targets.version = 1;
  sim_.UpdateSnapshot();
  EXPECT_EQ(CodeOf(Refresh()), ErrorCode::kRollback);
  EXPECT_EQ(sim_.requests.back(), "3.snapshot.json");
  // The new timestamp is valid and stored; the snapshot is not.
  EXPECT_EQ(Local("timestamp"), sim_.SignedBytes("timestamp"));
  EXPECT_EQ(Local("snapshot"), stored_["snapshot.json"]);
}

TEST_F(AttackTest, SnapshotDroppingARoleIsRefused) {
  metadata::DelegatedRole role;
  role.name = "team";
  role.paths = std::vector<std::string>{"team/*"};
  sim_.AddDelegation("targets", role);
  sim_.BumpTargets("targets");
  sim_.UpdateSnapshot();
  ASSERT_OK(Refresh());
  stored_ = MetadataFiles();
  sim_.UpdateSnapshot();
  sim_.snapshot.meta.erase("team.json");
  EXPECT_EQ(CodeOf(Refresh()), ErrorCode::kRollback);
  EXPECT_EQ(Local("snapshot"), stored_["snapshot.json"]);
}

TEST_F(AttackTest, OlderTargetsUnderTheNewNameIsRefused) {
  const std::string v1 = sim_.SignedBytes("targets");
  sim_.BumpTargets("targets");
  sim_.UpdateSnapshot();
  sim_.overrides["2.targets.json"] = v1;
  const std::string targets_v1 = stored_["targets.json"];
  EXPECT_EQ(CodeOf(Refresh()), ErrorCode::kVersionMismatch);
  // The new timestamp and snapshot were valid and are stored; targets not.
  EXPECT_EQ(MetadataFiles(), (Files{{"root.json", sim_.SignedBytes("root")},
                                    {"timestamp.json", sim_.SignedBytes("timestamp")},
                                    {"snapshot.json", sim_.SignedBytes("snapshot")},
                                    {"targets.json", targets_v1}}));
}

// --- Indefinite freeze ---

TEST_F(AttackTest, FrozenTimestampExpires) {
  sim_.timestamp.expires = UnixTime{kNow.seconds + kDay};
  sim_.UpdateTimestamp();
  ASSERT_OK(Refresh());
  stored_ = MetadataFiles();
  clock_.Advance(2 * kDay);  // the server keeps serving the same timestamp
  ExpectRefused(ErrorCode::kExpired);
}

TEST_F(AttackTest, ExpiredNewTimestampIsNotStored) {
  sim_.timestamp.expires = UnixTime{kNow.seconds - 1};
  sim_.UpdateTimestamp();
  ExpectRefused(ErrorCode::kExpired);
}

TEST_F(AttackTest, ExpiredSnapshotIsNotStored) {
  sim_.snapshot.expires = UnixTime{kNow.seconds - 1};
  sim_.UpdateSnapshot();
  EXPECT_EQ(CodeOf(Refresh()), ErrorCode::kExpired);
  EXPECT_EQ(Local("snapshot"), stored_["snapshot.json"]);
  EXPECT_EQ(Local("timestamp"), sim_.SignedBytes("timestamp"));
}

TEST_F(AttackTest, ExpiredTargetsAreNotStored) {
  sim_.targets.expires = UnixTime{kNow.seconds - 1};
  sim_.BumpTargets("targets");
  sim_.UpdateSnapshot();
  EXPECT_EQ(CodeOf(Refresh()), ErrorCode::kExpired);
  EXPECT_EQ(Local("targets"), stored_["targets.json"]);
  EXPECT_EQ(Local("snapshot"), sim_.SignedBytes("snapshot"));
}

TEST_F(AttackTest, ExpiredLocalMetadataIsReplacedByFreshMetadata) {
  clock_.Advance(400 * kDay);  // everything the client holds has expired
  for (auto* common :
       std::vector<metadata::Common*>{&sim_.root, &sim_.timestamp, &sim_.snapshot, &sim_.targets}) {
    common->expires = UnixTime{kNow.seconds + 800 * kDay};
  }
  sim_.PublishRoot();
  sim_.BumpTargets("targets");
  sim_.UpdateSnapshot();
  ASSERT_OK(Refresh());
  EXPECT_EQ(MetadataFiles(), Served(kTopLevel));
}

// --- Mix and match ---

TEST_F(AttackTest, SnapshotOfAnotherVersionIsRefused) {
  const std::string v1 = sim_.SignedBytes("snapshot");
  sim_.UpdateSnapshot();
  sim_.overrides["2.snapshot.json"] = v1;
  EXPECT_EQ(CodeOf(Refresh()), ErrorCode::kVersionMismatch);
  EXPECT_EQ(Local("snapshot"), stored_["snapshot.json"]);
}

TEST_F(AttackTest, MetadataSwappedBetweenRolesIsRefused) {
  sim_.overrides["timestamp.json"] = sim_.SignedBytes("snapshot");
  ExpectRefused(ErrorCode::kWrongType);
  sim_.UpdateSnapshot();
  sim_.overrides["timestamp.json"] = sim_.SignedBytes("timestamp");
  sim_.overrides["2.snapshot.json"] = sim_.SignedBytes("targets");
  EXPECT_EQ(CodeOf(Refresh()), ErrorCode::kWrongType);
  EXPECT_EQ(Local("snapshot"), stored_["snapshot.json"]);
  sim_.overrides.clear();
  sim_.PublishRoot();
  sim_.overrides["3.root.json"] = sim_.SignedBytes("timestamp");
  EXPECT_EQ(CodeOf(Refresh()), ErrorCode::kWrongType);
  EXPECT_EQ(Local("root"), sim_.PublishedRoot(2));
}

// --- Endless data ---

TEST_F(AttackTest, EndlessTimestampIsCut) {
  sim_.overrides["timestamp.json"] = std::string(16385, ' ');
  ExpectRefused(ErrorCode::kTooLarge);
  // At the cap it is read, and then refused as malformed.
  sim_.overrides["timestamp.json"] = std::string(16384, ' ');
  ExpectRefused(ErrorCode::kMalformed);
}

TEST_F(AttackTest, EndlessRootIsCut) {
  options_.root_max_bytes = 4096;
  sim_.overrides["2.root.json"] = std::string(4097, ' ');
  ExpectRefused(ErrorCode::kTooLarge);
}

TEST_F(AttackTest, SnapshotLongerThanTimestampSaysIsCut) {
  sim_.compute_metafile_hashes_and_length = true;
  sim_.UpdateSnapshot();
  sim_.overrides["2.snapshot.json"] = sim_.SignedBytes("snapshot") + " ";
  EXPECT_EQ(CodeOf(Refresh()), ErrorCode::kTooLarge);
  EXPECT_EQ(Local("snapshot"), stored_["snapshot.json"]);
}

TEST_F(AttackTest, EndlessArtifactIsCut) {
  sim_.overrides[ArtifactName()] = "the real application" + std::string(100000, 'x');
  auto updater = MakeUpdater();
  auto info = updater->GetTargetInfo("app.bin");
  ASSERT_OK(info);
  EXPECT_EQ(CodeOf(updater->DownloadTarget(*info)), ErrorCode::kTooLarge);
  EXPECT_TRUE(TargetFiles().empty());
}

// --- Compromised keys below the threshold ---

class ThresholdAttackTest : public AttackTest {
 protected:
  void SetUp() override {
    for (const char* role : {"root", "timestamp"}) {
      sim_.AddKey(role);
      sim_.root.roles[role].threshold = 2;
    }
    sim_.PublishRoot();
    AttackTest::SetUp();
  }

  // Replaces the second key of a role by the attacker's: one valid key left.
  void CompromiseOneKey(const std::string& role) {
    sim_.signers[role].pop_back();
    sim_.signers[role].push_back(
        std::move(crypto::PrivateKey::Generate(crypto::KeyType::kEd25519)).value());
  }
};

TEST_F(ThresholdAttackTest, TimestampWithOneOfTwoKeysIsRefused) {
  CompromiseOneKey("timestamp");
  sim_.UpdateTimestamp();
  ExpectRefused(ErrorCode::kBadSignature);
}

TEST_F(ThresholdAttackTest, RootWithOneOfTwoKeysIsRefused) {
  CompromiseOneKey("root");
  sim_.RotateKeys("timestamp");  // what the attacker wants
  sim_.PublishRoot();
  ExpectRefused(ErrorCode::kBadSignature);
}

// --- Wrong, malformed and oversized content ---

TEST_F(AttackTest, TargetNotInMetadataIsNotFound) {
  sim_.artifacts["extra.bin"] = "not listed anywhere";
  auto updater = MakeUpdater();
  EXPECT_EQ(CodeOf(updater->GetTargetInfo("extra.bin")), ErrorCode::kTargetNotFound);
  EXPECT_EQ(CodeOf(updater->GetTargetInfo("../app.bin")), ErrorCode::kTargetNotFound);
}

TEST_F(AttackTest, MalformedMetadataIsRefused) {
  sim_.overrides["timestamp.json"] = "{\"signed\": ";
  ExpectRefused(ErrorCode::kMalformed);
  sim_.overrides["timestamp.json"] = "";
  ExpectRefused(ErrorCode::kMalformed);
  sim_.overrides.clear();
  sim_.UpdateSnapshot();
  sim_.overrides["2.snapshot.json"] = "[]";
  EXPECT_EQ(CodeOf(Refresh()), ErrorCode::kMalformed);
  EXPECT_EQ(Local("snapshot"), stored_["snapshot.json"]);
}

TEST_F(AttackTest, MissingTimestampFailsRefresh) {
  sim_.failures["timestamp.json"] = ErrorCode::kNotFound;
  ExpectRefused(ErrorCode::kNotFound);
}

}  // namespace
}  // namespace bsi::client
