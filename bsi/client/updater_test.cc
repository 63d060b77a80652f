// The Updater's workflow: what it requests, in which order, and what it
// stores; root rotation; consistent and plain repositories; artifacts; and
// crash safety of the metadata directory under injected faults.
// Attacks are in updater_attack_test.cc, delegations in
// updater_delegation_test.cc.
#include "bsi/client/updater.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/client/updater_test_fixture.h"
#include "bsi/crypto/hash.h"

#include "testing/fault_injection_file_system.h"

namespace bsi::client {
namespace {

using ::bsi::testing::FaultInjectionFileSystem;
using ::bsi::testing::FaultScope;
using ::bsi::testing::MemoryFileSystem;

const std::vector<std::string> kTopLevel{"root", "timestamp", "snapshot", "targets"};

// --- Refresh: requests and stored files ---

TEST_F(UpdaterTest, FirstRefreshFetchesAndStoresEveryTopLevelRole) {
  ASSERT_OK(Refresh());
  EXPECT_EQ(sim_.requests,
            (Requests{"2.root.json", "timestamp.json", "1.snapshot.json", "1.targets.json"}));
  EXPECT_EQ(MetadataFiles(), Served(kTopLevel));
}

TEST_F(UpdaterTest, SecondRefreshWithoutChangeReusesLocalMetadata) {
  ASSERT_OK(Refresh());
  const Files before = MetadataFiles();
  ASSERT_OK(Refresh());
  EXPECT_EQ(sim_.requests, (Requests{"2.root.json", "timestamp.json"}));
  EXPECT_EQ(MetadataFiles(), before);

  // The same Updater refreshing again behaves the same.
  auto updater = MakeUpdater();
  ASSERT_OK(updater->Refresh());
  sim_.requests.clear();
  ASSERT_OK(updater->Refresh());
  EXPECT_EQ(sim_.requests, (Requests{"2.root.json", "timestamp.json"}));
}

TEST_F(UpdaterTest, RefreshFetchesOnlyWhatChanged) {
  ASSERT_OK(Refresh());
  sim_.UpdateTimestamp();  // a new timestamp, same snapshot
  ASSERT_OK(Refresh());
  EXPECT_EQ(sim_.requests, (Requests{"2.root.json", "timestamp.json"}));
  EXPECT_EQ(Local("timestamp"), sim_.SignedBytes("timestamp"));

  sim_.BumpTargets("targets");
  sim_.UpdateSnapshot();
  ASSERT_OK(Refresh());
  EXPECT_EQ(sim_.requests,
            (Requests{"2.root.json", "timestamp.json", "2.snapshot.json", "2.targets.json"}));
  EXPECT_EQ(MetadataFiles(), Served(kTopLevel));
}

TEST_F(UpdaterTest, SameTimestampVersionWithOtherContentIsNotStored) {
  ASSERT_OK(Refresh());
  const std::string stored = Local("timestamp");
  sim_.timestamp.snapshot_meta.version = 100;  // same timestamp version
  ASSERT_OK(Refresh());
  EXPECT_EQ(Local("timestamp"), stored);
}

TEST_F(UpdaterTest, PlainRepositoryIsFetchedWithoutVersions) {
  sim_.root.consistent_snapshot = false;
  sim_.PublishRoot();
  ASSERT_OK(Refresh());
  EXPECT_EQ(sim_.requests, (Requests{"2.root.json", "3.root.json", "timestamp.json",
                                     "snapshot.json", "targets.json"}));
  EXPECT_EQ(MetadataFiles(), Served(kTopLevel));
}

TEST_F(UpdaterTest, MissingOrInvalidLocalRootMakesNoRequest) {
  const std::string root_path = std::string(kMetadataDir) + "/root.json";
  ASSERT_OK(WriteFileAtomically(fs_, root_path, "{}"));
  EXPECT_EQ(CodeOf(Refresh()), ErrorCode::kMalformed);
  EXPECT_TRUE(sim_.requests.empty());
  // Signed by a key the root does not list for itself.
  sim_.signers["root"].clear();
  sim_.PublishRoot({&sim_.signers["timestamp"][0]});
  ASSERT_OK(WriteFileAtomically(fs_, root_path, sim_.SignedBytes("root")));
  EXPECT_EQ(CodeOf(Refresh()), ErrorCode::kBadSignature);
  EXPECT_TRUE(sim_.requests.empty());
  ASSERT_OK(fs_.RemoveFile(root_path));
  EXPECT_EQ(CodeOf(Refresh()), ErrorCode::kFileNotFound);
  EXPECT_TRUE(sim_.requests.empty());
}

// --- Root ---

TEST_F(UpdaterTest, NewRootsAreFetchedOneByOneUntilNotFound) {
  sim_.PublishRoot();
  sim_.PublishRoot();
  ASSERT_OK(Refresh());
  EXPECT_EQ(sim_.requests, (Requests{"2.root.json", "3.root.json", "4.root.json", "timestamp.json",
                                     "1.snapshot.json", "1.targets.json"}));
  EXPECT_EQ(Local("root"), sim_.PublishedRoot(3));
}

TEST_F(UpdaterTest, RootRotationsAreBounded) {
  for (int i = 0; i < 4; ++i) sim_.PublishRoot();
  options_.max_root_rotations = 2;
  ASSERT_OK(Refresh());
  EXPECT_EQ(sim_.requests, (Requests{"2.root.json", "3.root.json", "timestamp.json",
                                     "1.snapshot.json", "1.targets.json"}));
  EXPECT_EQ(Local("root"), sim_.PublishedRoot(3));
  ASSERT_OK(Refresh());
  EXPECT_EQ(Local("root"), sim_.PublishedRoot(5));
}

TEST_F(UpdaterTest, TransientErrorDuringRootFetchFailsRefresh) {
  sim_.PublishRoot();
  sim_.failures["3.root.json"] = ErrorCode::kNetwork;
  EXPECT_EQ(CodeOf(Refresh()), ErrorCode::kNetwork);
  EXPECT_EQ(sim_.requests, (Requests{"2.root.json", "3.root.json"}));
  EXPECT_EQ(MetadataFiles(), (Files{{"root.json", sim_.PublishedRoot(2)}}));

  sim_.failures["3.root.json"] = ErrorCode::kHttpStatus;  // e.g. a 500
  EXPECT_EQ(CodeOf(Refresh()), ErrorCode::kHttpStatus);
  EXPECT_EQ(sim_.requests, (Requests{"3.root.json"}));
  sim_.failures.clear();
  ASSERT_OK(Refresh());
  EXPECT_EQ(sim_.requests.front(), "3.root.json");
}

TEST_F(UpdaterTest, RootKeyRotationNeedsOldAndNewKeys) {
  std::vector<crypto::PrivateKey> old_keys = std::move(sim_.signers["root"]);
  sim_.RotateKeys("root");
  sim_.PublishRoot();  // signed by the new key only
  EXPECT_EQ(CodeOf(Refresh()), ErrorCode::kBadSignature);
  EXPECT_EQ(MetadataFiles(), (Files{{"root.json", sim_.PublishedRoot(1)}}));
  EXPECT_EQ(sim_.requests, (Requests{"2.root.json"}));

  sim_.root.version = 1;
  sim_.PublishRoot({&old_keys[0]});  // v2 again, signed by both
  ASSERT_OK(Refresh());
  sim_.PublishRoot();  // v3 needs only the new key
  ASSERT_OK(Refresh());
  EXPECT_EQ(MetadataFiles(), Served(kTopLevel));
  EXPECT_EQ(Local("root"), sim_.PublishedRoot(3));
}

TEST_F(UpdaterTest, ExpiredFinalRootIsStoredButFailsUntilANewOneArrives) {
  sim_.root.expires = UnixTime{kNow.seconds - 1};
  sim_.PublishRoot();
  EXPECT_EQ(CodeOf(Refresh()), ErrorCode::kExpired);
  EXPECT_EQ(MetadataFiles(), (Files{{"root.json", sim_.PublishedRoot(2)}}));

  sim_.root.expires = UnixTime{kNow.seconds + 365 * kDay};
  sim_.PublishRoot();
  ASSERT_OK(Refresh());
  EXPECT_EQ(MetadataFiles(), Served(kTopLevel));
}

TEST_F(UpdaterTest, ExpiredIntermediateRootIsFine) {
  sim_.root.expires = UnixTime{kNow.seconds - 1};
  sim_.PublishRoot();
  sim_.root.expires = UnixTime{kNow.seconds + kDay};
  sim_.PublishRoot();
  ASSERT_OK(Refresh());
  EXPECT_EQ(Local("root"), sim_.PublishedRoot(3));
}

// --- Key rotation of the other roles; old local files fail under the new
// root and are ignored (fast-forward recovery, as python-tuf) ---

TEST_F(UpdaterTest, TimestampKeyRotationRecoversFromFastForward) {
  sim_.timestamp.version = 99999;  // pushed by an attacker with the old key
  ASSERT_OK(Refresh());
  sim_.RotateKeys("timestamp");
  sim_.PublishRoot();
  sim_.timestamp.version = 1;
  ASSERT_OK(Refresh());
  EXPECT_EQ(sim_.requests, (Requests{"2.root.json", "3.root.json", "timestamp.json"}));
  EXPECT_EQ(MetadataFiles(), Served(kTopLevel));
}

TEST_F(UpdaterTest, SnapshotKeyRotationRecoversFromFastForward) {
  sim_.snapshot.version = 99999;
  sim_.UpdateTimestamp();
  ASSERT_OK(Refresh());
  EXPECT_EQ(sim_.requests.back(), "1.targets.json");
  sim_.RotateKeys("snapshot");
  sim_.RotateKeys("timestamp");
  sim_.PublishRoot();
  sim_.snapshot.version = 1;
  sim_.UpdateTimestamp();
  ASSERT_OK(Refresh());
  EXPECT_EQ(sim_.requests,
            (Requests{"2.root.json", "3.root.json", "timestamp.json", "1.snapshot.json"}));
  EXPECT_EQ(MetadataFiles(), Served(kTopLevel));
}

TEST_F(UpdaterTest, TargetsFastForwardRecoversBySnapshotKeyRotation) {
  sim_.targets.version = 99999;
  sim_.UpdateSnapshot();
  ASSERT_OK(Refresh());
  sim_.RotateKeys("snapshot");
  sim_.PublishRoot();
  sim_.targets.version = 1;
  sim_.UpdateSnapshot();
  ASSERT_OK(Refresh());
  EXPECT_EQ(sim_.requests, (Requests{"2.root.json", "3.root.json", "timestamp.json",
                                     "3.snapshot.json", "1.targets.json"}));
  EXPECT_EQ(MetadataFiles(), Served(kTopLevel));
}

TEST_F(UpdaterTest, TargetsKeyRotationRefetchesTargets) {
  ASSERT_OK(Refresh());
  sim_.RotateKeys("targets");
  sim_.PublishRoot();
  // Same versions: only the local targets, signed by the old key, is invalid.
  ASSERT_OK(Refresh());
  EXPECT_EQ(sim_.requests,
            (Requests{"2.root.json", "3.root.json", "timestamp.json", "1.targets.json"}));
  EXPECT_EQ(MetadataFiles(), Served(kTopLevel));
}

TEST_F(UpdaterTest, RotatedRoleSignedWithTheOldKeyIsRefused) {
  ASSERT_OK(Refresh());
  std::vector<crypto::PrivateKey> old_keys = std::move(sim_.signers["snapshot"]);
  sim_.RotateKeys("snapshot");
  sim_.PublishRoot();
  sim_.signers["snapshot"] = std::move(old_keys);
  sim_.UpdateSnapshot();
  EXPECT_EQ(CodeOf(Refresh()), ErrorCode::kBadSignature);
  // The new root and timestamp were verified and stored; the snapshot not.
  EXPECT_EQ(Local("root"), sim_.PublishedRoot(2));
  EXPECT_EQ(Local("timestamp"), sim_.SignedBytes("timestamp"));
  EXPECT_NE(Local("snapshot"), sim_.SignedBytes("snapshot"));
}

// --- Artifacts ---

class ArtifactTest : public UpdaterTest {
 protected:
  void SetUp() override {
    sim_.AddTarget("targets", "dir/file.txt", "hello world", /*both_hashes=*/true);
    sim_.AddTarget("targets", "a/b c", "spaces");
    ASSERT_NO_FATAL_FAILURE(Restart());
  }

  // A new client run after the repository changed: a new, refreshed Updater.
  void Restart() {
    updater_ = MakeUpdater();
    ASSERT_OK(updater_->Refresh());
  }

  Result<std::string> Download(const std::string& path) {
    sim_.requests.clear();
    BSI_ASSIGN_OR_RETURN(TargetInfo info, updater_->GetTargetInfo(path));
    return updater_->DownloadTarget(info);
  }

  std::unique_ptr<Updater> updater_;
};

TEST_F(ArtifactTest, DownloadVerifiesAndStoresUnderEncodedPath) {
  auto info = updater_->GetTargetInfo("dir/file.txt");
  ASSERT_OK(info);
  EXPECT_EQ(info->role, "targets");
  EXPECT_EQ(info->file.length, 11);
  auto path = Download("dir/file.txt");
  ASSERT_OK(path);
  EXPECT_EQ(*path, std::string(kTargetDir) + "/dir%2Ffile.txt");
  const std::string sha256 = crypto::Sha256Hex("hello world");
  EXPECT_EQ(sim_.requests.back(), "dir/" + sha256 + ".file.txt");
  auto content = fs_.ReadFile(*path, 100);
  ASSERT_OK(content);
  EXPECT_EQ(*content, "hello world");
  EXPECT_EQ(TargetFiles(), (std::vector<std::string>{*path}));
}

TEST_F(ArtifactTest, LocalPathPercentEncodes) {
  TargetInfo info;
  info.path = "a/b c";
  EXPECT_EQ(updater_->LocalPathFor(info), std::string(kTargetDir) + "/a%2Fb%20c");
  auto path = Download("a/b c");
  ASSERT_OK(path);
  EXPECT_EQ(*path, std::string(kTargetDir) + "/a%2Fb%20c");
}

TEST_F(ArtifactTest, PresentValidArtifactIsNotDownloadedAgain) {
  ASSERT_OK(Download("dir/file.txt"));
  auto again = Download("dir/file.txt");
  ASSERT_OK(again);
  EXPECT_TRUE(sim_.requests.empty());
  auto info = updater_->GetTargetInfo("dir/file.txt");
  ASSERT_OK(info);
  auto cached = updater_->FindCachedTarget(*info);
  ASSERT_OK(cached);
  EXPECT_EQ(*cached, *again);

  // A local copy that no longer matches is fetched again.
  ASSERT_OK(WriteFileAtomically(fs_, *again, "hello WORLD"));
  auto stale = updater_->FindCachedTarget(*info);
  ASSERT_OK(stale);
  EXPECT_FALSE(stale->has_value());
  ASSERT_OK(Download("dir/file.txt"));
  EXPECT_EQ(sim_.requests.size(), 1u);
  EXPECT_EQ(*fs_.ReadFile(*again, 100), "hello world");
}

TEST_F(ArtifactTest, EveryKnownHashIsChecked) {
  auto& hashes = sim_.targets.targets["dir/file.txt"].hashes;
  hashes["sha512"] = crypto::HashHex(crypto::HashAlgorithm::kSha512, "another file");
  sim_.BumpTargets("targets");
  sim_.UpdateSnapshot();
  ASSERT_NO_FATAL_FAILURE(Restart());
  // The sha256 (and so the URL) is right, the sha512 is not.
  EXPECT_EQ(CodeOf(Download("dir/file.txt")), ErrorCode::kHashMismatch);
  EXPECT_EQ(sim_.requests.size(), 1u);
  EXPECT_TRUE(TargetFiles().empty());
}

TEST_F(ArtifactTest, OnlyUnknownHashAlgorithmsAreRefused) {
  sim_.targets.targets["dir/file.txt"].hashes = {{"md5", "5eb63bbbe01eeed093cb22bb8f5acdc3"}};
  sim_.BumpTargets("targets");
  sim_.UpdateSnapshot();
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_EQ(CodeOf(Download("dir/file.txt")), ErrorCode::kMissingHash);
  EXPECT_TRUE(sim_.requests.empty());
  EXPECT_TRUE(TargetFiles().empty());
}

TEST_F(ArtifactTest, ShorterArtifactFailsAndLeavesNothing) {
  sim_.overrides["dir/" + crypto::Sha256Hex("hello world") + ".file.txt"] = "hello";
  EXPECT_EQ(CodeOf(Download("dir/file.txt")), ErrorCode::kLengthMismatch);
  EXPECT_TRUE(TargetFiles().empty());
}

TEST_F(ArtifactTest, UnknownTargetIsNotFound) {
  EXPECT_EQ(CodeOf(updater_->GetTargetInfo("dir/other.txt")), ErrorCode::kTargetNotFound);
  EXPECT_EQ(CodeOf(updater_->GetTargetInfo("file.txt")), ErrorCode::kTargetNotFound);
}

TEST_F(ArtifactTest, TransientErrorLeavesNothing) {
  sim_.failures["dir/" + crypto::Sha256Hex("hello world") + ".file.txt"] = ErrorCode::kTimeout;
  EXPECT_EQ(CodeOf(Download("dir/file.txt")), ErrorCode::kTimeout);
  EXPECT_TRUE(TargetFiles().empty());
}

TEST_F(UpdaterTest, DownloadBeforeRefreshFailsCleanly) {
  sim_.AddTarget("targets", "file.txt", "content");
  TargetInfo info{"file.txt", sim_.targets.targets["file.txt"], "targets"};
  EXPECT_EQ(CodeOf(MakeUpdater()->DownloadTarget(info)), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(sim_.requests.empty());
  EXPECT_TRUE(TargetFiles().empty());
}

TEST_F(UpdaterTest, ArtifactsOfPlainRepositoryUseTheirPath) {
  sim_.root.consistent_snapshot = false;
  sim_.PublishRoot();
  sim_.AddTarget("targets", "dir/file.txt", "plain");
  auto updater = MakeUpdater();
  auto info = updater->GetTargetInfo("dir/file.txt");  // refreshes first
  ASSERT_OK(info);
  ASSERT_OK(updater->DownloadTarget(*info));
  EXPECT_EQ(sim_.requests.back(), "dir/file.txt");
}

TEST_F(UpdaterTest, HashPrefixCanBeTurnedOff) {
  sim_.AddTarget("targets", "file.txt", "content");
  options_.prefix_targets_with_hash = false;
  auto updater = MakeUpdater();
  auto info = updater->GetTargetInfo("file.txt");
  ASSERT_OK(info);
  // The plain path is asked for; a consistent repository (the simulator)
  // serves artifacts under hash-prefixed names only.
  EXPECT_EQ(CodeOf(updater->DownloadTarget(*info)), ErrorCode::kNotFound);
  EXPECT_EQ(sim_.requests.back(), "file.txt");
  EXPECT_TRUE(TargetFiles().empty());
}

// --- Crash safety of the metadata directory ---

// Whether every file in the metadata directory is one the client may hold:
// its initial root or the exact bytes served for a verified role.
void ExpectOnlyVerifiedFiles(const Files& files, const Files& served, const std::string& root_v1) {
  for (const auto& [name, bytes] : files) {
    auto it = served.find(name);
    ASSERT_NE(it, served.end()) << "unexpected file " << name;
    if (name == "root.json" && bytes == root_v1) continue;
    EXPECT_EQ(bytes, it->second) << name << " holds bytes that were not served";
  }
}

TEST_F(UpdaterTest, InstalledRootSurvivesACrash) {
  MemoryFileSystem memory;
  ASSERT_OK(Updater::InitMetadataDir(memory, "/var/lib/bsi/metadata", sim_.TrustedRoot()));
  memory.SimulateCrash();
  auto root = memory.ReadFile("/var/lib/bsi/metadata/root.json", 1 << 20);
  ASSERT_OK(root);
  EXPECT_EQ(*root, sim_.TrustedRoot());
}

TEST_F(UpdaterTest, FailedPersistNeverLeavesPartialOrUnverifiedFiles) {
  sim_.PublishRoot();
  const Files served = Served(kTopLevel);
  const std::string root_v1 = sim_.PublishedRoot(1);
  std::uint64_t operations = 0;
  {
    MemoryFileSystem memory;
    ASSERT_OK(Updater::InitMetadataDir(memory, kMetadataDir, root_v1));
    FaultInjectionFileSystem counting(memory);
    ASSERT_OK(MakeUpdater(&counting)->Refresh());
    operations = counting.OperationCount();
    EXPECT_EQ(MetadataFiles(&memory), served);
  }
  ASSERT_GE(operations, 4u * 4u);  // four files, several operations each
  for (FaultScope scope : {FaultScope::kOnce, FaultScope::kFromThenOn}) {
    for (std::uint64_t n = 1; n <= operations; ++n) {
      SCOPED_TRACE("operation " + std::to_string(n) +
                   (scope == FaultScope::kOnce ? " once" : " from then on"));
      MemoryFileSystem memory;
      ASSERT_OK(Updater::InitMetadataDir(memory, kMetadataDir, root_v1));
      FaultInjectionFileSystem faulty(memory);
      faulty.FailAt(n, scope);
      EXPECT_FALSE(MakeUpdater(&faulty)->Refresh().ok());
      EXPECT_GE(faulty.InjectedFaultCount(), 1u);
      if (scope == FaultScope::kOnce) {
        ExpectOnlyVerifiedFiles(MetadataFiles(&memory), served, root_v1);
      }
      // Whatever survives a power cut is whole and verified too.
      memory.SimulateCrash();
      ExpectOnlyVerifiedFiles(MetadataFiles(&memory), served, root_v1);
      // And the next run, on a healthy disk, completes.
      ASSERT_OK(MakeUpdater(&memory)->Refresh());
      EXPECT_EQ(MetadataFiles(&memory), served);
    }
  }
}

TEST_F(UpdaterTest, LeftoversOfACrashedRunAreRemovedAndStoredFilesKept) {
  sim_.AddTarget("targets", "a.part.json", "artifact\n");
  sim_.BumpTargets("targets");
  sim_.UpdateSnapshot();
  ASSERT_OK(WriteFileAtomically(fs_, JoinPath(kMetadataDir, "timestamp.json.tmp.0badc0de"), "x"));
  ASSERT_OK(CreateDirs(fs_, kTargetDir));
  ASSERT_OK(WriteFileAtomically(fs_, JoinPath(kTargetDir, "old#partial-0badc0de"), "x"));
  auto updater = MakeUpdater();
  ASSERT_OK(updater->Refresh());
  EXPECT_FALSE(fs_.Exists(JoinPath(kMetadataDir, "timestamp.json.tmp.0badc0de")));
  auto info = updater->GetTargetInfo("a.part.json");
  ASSERT_OK(info);
  auto path = updater->DownloadTarget(*info);
  ASSERT_OK(path);
  EXPECT_FALSE(fs_.Exists(JoinPath(kTargetDir, "old#partial-0badc0de")));
  auto names = fs_.ListDir(kTargetDir);
  ASSERT_OK(names);
  EXPECT_EQ(*names, std::vector<std::string>{"a.part.json"});
}

}  // namespace
}  // namespace bsi::client
