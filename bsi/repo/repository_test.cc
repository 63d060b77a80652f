#include "bsi/repo/repository.h"

#include <atomic>
#include <thread>

#include "bsi/crypto/hash.h"
#include "bsi/repo/load.h"
#include "bsi/repo/repo_test_util.h"

namespace bsi::repo {
namespace {

using testing::CodeOf;

TEST_F(RepoTest, InitWritesAConventionalRepositoryThatAClientReads) {
  Repository repo = InitRepo();
  for (const char* file :
       {"metadata/1.root.json", "metadata/1.targets.json", "metadata/1.snapshot.json",
        "metadata/timestamp.json", ".bsi/settings.json"}) {
    EXPECT_TRUE(fs_.Exists(RepoDir() + "/" + file)) << file;
  }
  EXPECT_TRUE(repo.root().consistent_snapshot);
  EXPECT_EQ(repo.root().roles.size(), 4u);
  EXPECT_EQ(repo.timestamp().version, 1);
  EXPECT_EQ(repo.root().expires.seconds, kStart.seconds + 365 * kDay);
  EXPECT_OK(NewClient()->Refresh());

  // A second init refuses to overwrite the repository.
  InitOptions options;
  options.now = clock_.Now();
  EXPECT_EQ(CodeOf(Repository::Init(fs_, RepoDir(), *keys_, options)), ErrorCode::kInvalidArgument);
  // Private keys are 0600.
  Result<FileInfo> info = fs_.GetInfo((work_ / "keys" / "root.pem").string());
  ASSERT_OK(info);
  EXPECT_EQ(info->mode, 0600u);
}

TEST_F(RepoTest, PublishedTargetsDownloadAndVerify) {
  Repository repo = InitRepo();
  ASSERT_OK(repo.AddTargetBytes("acme-os/26.3.1/a/notes.md", "# Notes\n",
                                json::Value(json::Object{{"note", 1}})));
  ASSERT_OK(repo.AddTargetBytes("top.txt", "top level\n", std::nullopt));
  clock_.Advance(60);
  Result<PublishResult> published = repo.Publish(*keys_, clock_.Now());
  ASSERT_OK(published);
  EXPECT_EQ(published->targets_version, 2);
  EXPECT_EQ(published->snapshot_version, 2);
  EXPECT_EQ(published->timestamp_version, 2);
  const std::string hash = crypto::Sha256Hex("# Notes\n");
  EXPECT_TRUE(fs_.Exists(RepoDir() + "/targets/acme-os/26.3.1/a/" + hash + ".notes.md"));

  auto client = NewClient();
  Result<client::TargetInfo> info = client->GetTargetInfo("acme-os/26.3.1/a/notes.md");
  ASSERT_OK(info);
  EXPECT_EQ(info->file.custom->Find("note")->int_value(), 1);
  Result<std::string> local = client->DownloadTarget(*info);
  ASSERT_OK(local);
  EXPECT_EQ(fs_.ReadFile(*local, 100).value(), "# Notes\n");

  // Reopened, the repository is what was published.
  Result<Repository> reopened = Repository::Open(fs_, RepoDir());
  ASSERT_OK(reopened);
  EXPECT_EQ(reopened->targets().targets.size(), 2u);
  EXPECT_EQ(reopened->timestamp().version, 2);
}

TEST_F(RepoTest, ReplacedFilesStayForTheRetentionThenGo) {
  Repository repo = InitRepo();
  ASSERT_OK(repo.AddTargetBytes("a.txt", "one", std::nullopt));
  ASSERT_OK(repo.Publish(*keys_, clock_.Now()));
  const std::string old_file = RepoDir() + "/targets/" + crypto::Sha256Hex("one") + ".a.txt";
  ASSERT_OK(repo.AddTargetBytes("a.txt", "two", std::nullopt));
  ASSERT_OK(repo.Publish(*keys_, clock_.Now()));
  EXPECT_TRUE(fs_.Exists(old_file));
  EXPECT_TRUE(fs_.Exists(RepoDir() + "/metadata/2.targets.json"));
  clock_.Advance(kDay + 1);
  Result<PublishResult> later = repo.Publish(*keys_, clock_.Now());
  ASSERT_OK(later);
  EXPECT_FALSE(fs_.Exists(old_file));
  EXPECT_FALSE(fs_.Exists(RepoDir() + "/metadata/2.targets.json"));
  EXPECT_TRUE(fs_.Exists(RepoDir() + "/metadata/3.targets.json"));  // still current
  EXPECT_TRUE(fs_.Exists(RepoDir() + "/metadata/1.root.json"));     // roots always stay
  EXPECT_FALSE(later->pruned.empty());
}

TEST_F(RepoTest, WrongKeysChangeNothing) {
  Repository repo = InitRepo();
  const std::string before = fs_.ReadFile(RepoDir() + "/metadata/timestamp.json", 1 << 20).value();
  KeyDirectory other(fs_, (work_ / "other-keys").string());
  for (const char* role : {"root", "targets", "snapshot", "timestamp"}) {
    ASSERT_OK(other.EnsureKey(role, crypto::KeyType::kEd25519));
  }
  ASSERT_OK(repo.AddTargetBytes("a.txt", "one", std::nullopt));
  Result<PublishResult> published = repo.Publish(other, clock_.Now());
  EXPECT_EQ(CodeOf(published), ErrorCode::kInvalidArgument);
  EXPECT_NE(published.error().message().find("targets needs 1 signature"), std::string::npos)
      << published.error().message();
  EXPECT_EQ(fs_.ReadFile(RepoDir() + "/metadata/timestamp.json", 1 << 20).value(), before);
  EXPECT_OK(NewClient()->Refresh());
}

TEST_F(RepoTest, UnsafeTargetPathsAreRefused) {
  Repository repo = InitRepo();
  for (const char* bad : {"", "/etc/passwd", "a/../b", "a//b", "./a", "a/.", "a\nb", "a\\b"}) {
    EXPECT_EQ(CodeOf(repo.AddTargetBytes(bad, "x", std::nullopt)), ErrorCode::kUnsafePath) << bad;
  }
  EXPECT_EQ(CodeOf(repo.SetCustom("missing", std::nullopt)), ErrorCode::kTargetNotFound);
}

TEST_F(RepoTest, OpenRefusesWhatIsNotAConsistentRepository) {
  EXPECT_EQ(CodeOf(Repository::Open(fs_, RepoDir())), ErrorCode::kFileNotFound);
  Repository repo = InitRepo();
  ASSERT_OK(repo.AddTargetBytes("a.txt", "one", std::nullopt));
  ASSERT_OK(repo.Publish(*keys_, clock_.Now()));
  // Tamper with the current targets metadata: its hash no longer matches
  // what snapshot says.
  const std::string targets = RepoDir() + "/metadata/2.targets.json";
  std::string bytes = fs_.ReadFile(targets, 1 << 20).value();
  bytes.replace(bytes.find("a.txt"), 5, "b.txt");
  ASSERT_OK(WriteFileAtomically(fs_, targets, bytes));
  Result<Repository> opened = Repository::Open(fs_, RepoDir());
  EXPECT_EQ(CodeOf(opened), ErrorCode::kHashMismatch);
  EXPECT_NE(opened.error().message().find("2.targets.json"), std::string::npos);
}

// A reader polling the repository while releases are published always
// loads a complete, verified set: never a timestamp naming a snapshot that
// is not there yet, never a mix of versions.
TEST_F(RepoTest, ReadersPollingDuringPublicationAlwaysSeeAConsistentRepository) {
  Repository repo = InitRepo();
  std::atomic<bool> done{false};
  std::atomic<int> loads{0};
  std::atomic<int> failures{0};
  std::string first_failure;
  std::thread reader([&] {
    PosixFileSystem fs;
    while (!done.load()) {
      Result<LoadedMetadata> loaded = LoadMetadata(fs, RepoDir() + "/metadata", kStart);
      if (!loaded.ok()) {
        if (failures.fetch_add(1) == 0) first_failure = loaded.error().ToString();
      } else if (loaded->snapshot.signed_part.meta.at("targets.json").version !=
                 loaded->targets.signed_part.version) {
        failures.fetch_add(1);
      }
      loads.fetch_add(1);
    }
  });
  for (int i = 0; i < 30; ++i) {
    ASSERT_OK(repo.AddTargetBytes("file-" + std::to_string(i),
                                  std::string(1000, 'x') + std::to_string(i), std::nullopt));
    ASSERT_OK(repo.Publish(*keys_, clock_.Now()));
  }
  done = true;
  reader.join();
  EXPECT_EQ(failures.load(), 0) << first_failure;
  EXPECT_GT(loads.load(), 0);
}

}  // namespace
}  // namespace bsi::repo
