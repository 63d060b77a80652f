#include "bsi/repo/maintenance.h"

#include "bsi/metadata/serialize.h"
#include "bsi/repo/repo_test_util.h"

namespace bsi::repo {
namespace {

using testing::CodeOf;

TEST_F(RepoTest, VerifyChecksMetadataTargetsAndExpiry) {
  Repository repo = InitRepo();
  ASSERT_OK(repo.AddTargetBytes("dir/a.bin", std::string(5000, 'a'), std::nullopt));
  ASSERT_OK(repo.Publish(*keys_, clock_.Now()));
  Result<VerifyReport> report = VerifyRepository(fs_, RepoDir(), clock_.Now());
  ASSERT_OK(report);
  EXPECT_EQ(report->target_count, 1u);
  EXPECT_EQ(report->target_bytes, 5000u);
  ASSERT_EQ(report->roles.size(), 4u);
  EXPECT_EQ(report->roles[3].role, "timestamp");
  EXPECT_FALSE(report->roles[3].expiring_soon);
  EXPECT_TRUE(VerifyRepository(fs_, RepoDir(), UnixTime{kStart.seconds + 13 * 3600})
                  ->roles[3]
                  .expiring_soon);

  // Expired timestamp.
  EXPECT_EQ(CodeOf(VerifyRepository(fs_, RepoDir(), UnixTime{kStart.seconds + kDay})),
            ErrorCode::kExpired);
  // A target file altered on disk.
  const std::string file = repo.TargetFilePath("dir/a.bin", repo.targets().targets.at("dir/a.bin"));
  ASSERT_OK(WriteFileAtomically(fs_, file, std::string(5000, 'b')));
  EXPECT_EQ(CodeOf(VerifyRepository(fs_, RepoDir(), clock_.Now())), ErrorCode::kHashMismatch);
  ASSERT_OK(fs_.RemoveFile(file));
  EXPECT_EQ(CodeOf(VerifyRepository(fs_, RepoDir(), clock_.Now())), ErrorCode::kFileNotFound);
}

TEST_F(RepoTest, RefreshResignsWhatIsDueAndOnlyThat) {
  Repository repo = InitRepo();
  Result<RefreshResult> nothing = RefreshRepository(repo, *keys_, clock_.Now(), false);
  ASSERT_OK(nothing);
  EXPECT_TRUE(nothing->resigned.empty());
  EXPECT_FALSE(nothing->published.has_value());

  clock_.Advance(13 * 3600);  // timestamp (1 day) is past half its life
  Result<RefreshResult> timestamp = RefreshRepository(repo, *keys_, clock_.Now(), false);
  ASSERT_OK(timestamp);
  EXPECT_EQ(timestamp->resigned, std::vector<std::string>{"timestamp"});
  EXPECT_EQ(repo.timestamp().version, 2);
  EXPECT_EQ(repo.snapshot().version, 1);

  clock_.Advance(4 * kDay);  // snapshot (7 days) too
  Result<RefreshResult> snapshot = RefreshRepository(repo, *keys_, clock_.Now(), false);
  ASSERT_OK(snapshot);
  EXPECT_EQ(snapshot->resigned, (std::vector<std::string>{"snapshot", "timestamp"}));
  EXPECT_EQ(repo.snapshot().version, 2);
  EXPECT_EQ(repo.targets().version, 1);
  EXPECT_OK(VerifyRepository(fs_, RepoDir(), clock_.Now()));

  Result<RefreshResult> forced = RefreshRepository(repo, *keys_, clock_.Now(), true);
  ASSERT_OK(forced);
  EXPECT_EQ(forced->resigned,
            (std::vector<std::string>{"root", "targets", "snapshot", "timestamp"}));
  EXPECT_EQ(repo.root().version, 2);
  EXPECT_OK(NewClient()->Refresh());
}

TEST_F(RepoTest, RefreshWarnsWhenRootIsDueAndItsKeyIsOffline) {
  Repository repo = InitRepo();
  KeyDirectory online(fs_, (work_ / "keys").string());
  ASSERT_OK(fs_.Rename((work_ / "keys" / "root.pem").string(), (work_ / "root.pem").string()));
  clock_.Advance(200 * kDay);
  Result<RefreshResult> result = RefreshRepository(repo, online, clock_.Now(), false);
  ASSERT_OK(result);
  ASSERT_EQ(result->warnings.size(), 1u);
  EXPECT_EQ(result->resigned, (std::vector<std::string>{"targets", "snapshot", "timestamp"}));
  EXPECT_EQ(repo.root().version, 1);
}

TEST_F(RepoTest, NothingIsPublishedUnderAnExpiredRoot) {
  Repository repo = InitRepo();
  const std::string before = fs_.ReadFile(RepoDir() + "/metadata/timestamp.json", 1 << 20).value();
  ASSERT_OK(repo.AddTargetBytes("a.txt", "one", std::nullopt));
  clock_.Advance(400 * kDay);
  Result<PublishResult> refused = repo.Publish(*keys_, clock_.Now());
  EXPECT_EQ(CodeOf(refused), ErrorCode::kExpired);
  EXPECT_NE(refused.error().message().find("root expired"), std::string::npos);
  EXPECT_EQ(fs_.ReadFile(RepoDir() + "/metadata/timestamp.json", 1 << 20).value(), before);
  // With the root key at hand, refresh signs a new root and all is well.
  Result<Repository> reopened = Repository::Open(fs_, RepoDir());
  ASSERT_OK(reopened);
  Result<RefreshResult> refreshed = RefreshRepository(*reopened, *keys_, clock_.Now(), false);
  ASSERT_OK(refreshed);
  EXPECT_EQ(refreshed->resigned.front(), "root");
  EXPECT_OK(VerifyRepository(fs_, RepoDir(), clock_.Now()));
}

TEST_F(RepoTest, RotatingEveryRoleKeepsClientsFollowing) {
  Repository repo = InitRepo();
  auto client = NewClient();
  ASSERT_OK(client->Refresh());
  for (const char* role : {"timestamp", "snapshot", "targets", "root"}) {
    SCOPED_TRACE(role);
    Result<std::unique_ptr<Signer>> added = keys_->AddKey(role, crypto::KeyType::kEcdsaP256);
    ASSERT_OK(added);
    RotateRequest request;
    request.role = role;
    request.add = {(*added)->public_key()};
    request.remove_all_others = true;
    clock_.Advance(60);
    Result<PublishResult> published = RotateKeys(repo, *keys_, request, clock_.Now());
    ASSERT_OK(published);
    EXPECT_TRUE(published->root_version.has_value());
    EXPECT_EQ(repo.root().roles.at(role).keyids, std::vector<std::string>{(*added)->key_id()});
    auto fresh = NewClient(std::string("client-") + role);
    EXPECT_OK(fresh->Refresh());
  }
  auto again = NewClient("client-again");
  EXPECT_OK(again->Refresh());
  EXPECT_EQ(repo.root().version, 5);
  EXPECT_EQ(repo.root().keys.size(), 4u);  // the replaced keys are gone from root
}

TEST_F(RepoTest, RootThresholdsAreEnforcedAcrossRotation) {
  Repository repo = InitRepo();
  Result<std::unique_ptr<Signer>> second = keys_->AddKey("root", crypto::KeyType::kEd25519);
  ASSERT_OK(second);
  RotateRequest request;
  request.role = "root";
  request.add = {(*second)->public_key()};
  request.threshold = 2;
  ASSERT_OK(RotateKeys(repo, *keys_, request, clock_.Now()));
  EXPECT_EQ(repo.root().roles.at("root").threshold, 2);
  EXPECT_EQ(repo.root().roles.at("root").keyids.size(), 2u);

  // With one of the two root keys gone, a new root cannot be signed.
  ASSERT_OK(fs_.Rename((work_ / "keys" / "root.2.pem").string(), (work_ / "away.pem").string()));
  RotateRequest lower;
  lower.role = "root";
  lower.threshold = 1;
  Result<PublishResult> refused = RotateKeys(repo, *keys_, lower, clock_.Now());
  EXPECT_EQ(CodeOf(refused), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(fs_.Exists(RepoDir() + "/metadata/3.root.json"));
  EXPECT_OK(NewClient()->Refresh());
}

TEST_F(RepoTest, RotationRefusesNonsense) {
  Repository repo = InitRepo();
  RotateRequest request;
  request.role = "mirror";
  EXPECT_EQ(CodeOf(RotateKeys(repo, *keys_, request, clock_.Now())), ErrorCode::kInvalidArgument);
  request.role = "targets";
  request.remove = {"0123456789abcdef"};
  EXPECT_EQ(CodeOf(RotateKeys(repo, *keys_, request, clock_.Now())), ErrorCode::kInvalidArgument);
  request.remove = {repo.root().roles.at("targets").keyids[0]};
  EXPECT_EQ(CodeOf(RotateKeys(repo, *keys_, request, clock_.Now())), ErrorCode::kInvalidArgument);
  request.remove.clear();
  request.threshold = 2;
  EXPECT_EQ(CodeOf(RotateKeys(repo, *keys_, request, clock_.Now())), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(fs_.Exists(RepoDir() + "/metadata/2.root.json"));
}

}  // namespace
}  // namespace bsi::repo
