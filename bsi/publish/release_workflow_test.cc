#include "bsi/publish/release_workflow.h"

#include "bsi/payload/bundle_apply.h"
#include "bsi/payload/tree_digest.h"
#include "bsi/publish/improvements.h"
#include "bsi/release/rollout.h"
#include "bsi/repo/maintenance.h"
#include "bsi/repo/repo_test_util.h"

namespace bsi::publish {
namespace {

using repo::Repository;
using testing::CodeOf;

class ReleaseWorkflowTest : public repo::RepoTest {
 protected:
  // A component tree: a library whose bytes depend on `fix`, and a link.
  std::string Tree(const std::string& name, const std::string& fix) {
    const std::filesystem::path dir = work_ / "trees" / name;
    std::filesystem::create_directories(dir / "lib");
    std::string library(200'000, '\0');
    for (std::size_t i = 0; i < library.size(); ++i) {
      library[i] = static_cast<char>((i * 7919) % 251);
    }
    library.replace(1000, fix.size(), fix);
    EXPECT_OK(WriteFileAtomically(fs_, (dir / "lib" / "libwebkit.so.1").string(), library));
    EXPECT_OK(WriteFileAtomically(fs_, (dir / "VERSION").string(), name + "\n"));
    std::filesystem::create_symlink("libwebkit.so.1", dir / "lib" / "libwebkit.so");
    return dir.string();
  }

  ReleaseRequest Request(const std::string& old_tree, const std::string& new_tree) {
    ReleaseRequest request;
    request.product = "acme-os";
    request.base = version::BaseVersion::Parse("26.3.1").value();
    request.components = {{"webkit", std::nullopt, old_tree, new_tree}};
    request.cves = {{"CVE-2026-20643", release::Severity::kHigh, "Use after free in <JIT>."}};
    request.bundle_options.level = 3;
    request.bundle_options.delta.level = 3;
    return request;
  }

  std::string Timestamp() {
    return fs_.ReadFile(RepoDir() + "/metadata/timestamp.json", 1 << 20).value();
  }

  // Applies a published payload to a tree and returns the new tree's digest.
  std::string ApplyPayload(const Repository& repo, const std::string& path,
                           const std::optional<std::string>& source, const std::string& out) {
    payload::ApplyRequest request;
    request.bundle_path = repo.TargetFilePath(path, repo.targets().targets.at(path));
    request.source_dir = source;
    request.staging_dir = out;
    Result<payload::Manifest> manifest = payload::ApplyBundle(fs_, request);
    EXPECT_OK(manifest);
    return payload::TreeDigest(fs_, out).value();
  }
};

TEST_F(ReleaseWorkflowTest, PublishesLettersWithEveryPayloadAndNotes) {
  Repository repo = InitRepo();
  const std::string base = Tree("base", "base");
  const std::string tree_a = Tree("a", "fix-a");
  const std::string tree_b = Tree("b", "fix-a+b");

  Result<ReleaseResult> a = CreateRelease(fs_, repo, *keys_, Request(base, tree_a), clock_.Now());
  ASSERT_OK(a);
  EXPECT_EQ(a->improvement.Id(), "acme-os 26.3.1 (a)");
  ASSERT_EQ(a->improvement.payloads.size(), 2u);
  EXPECT_EQ(a->improvement.components[0].version, "26.3.1-a");
  EXPECT_EQ(a->improvement.components[0].from_version, "26.3.1");
  EXPECT_EQ(a->improvement.components[0].tree, payload::TreeDigest(fs_, tree_a).value());
  for (const char* file : {"index.html", "notes.md", "csaf.json", "osv/CVE-2026-20643.json"}) {
    EXPECT_TRUE(fs_.Exists(RepoDir() + "/notes/acme-os/26.3.1/a/" + file)) << file;
  }
  EXPECT_FALSE(fs_.Exists(RepoDir() + "/.bsi/staging"));

  clock_.Advance(3600);
  Result<ReleaseResult> b = CreateRelease(fs_, repo, *keys_, Request(base, tree_b), clock_.Now());
  ASSERT_OK(b);
  EXPECT_EQ(b->improvement.Id(), "acme-os 26.3.1 (b)");
  ASSERT_EQ(b->improvement.payloads.size(), 3u);
  EXPECT_EQ(b->improvement.payloads[2].from, "a");
  EXPECT_EQ(b->improvement.payloads[2].path, "acme-os/26.3.1/b/webkit-from-a.bundle");

  // Every payload brings its source to exactly the new tree.
  const std::string digest_b = payload::TreeDigest(fs_, tree_b).value();
  EXPECT_EQ(ApplyPayload(repo, "acme-os/26.3.1/b/webkit-full.bundle", std::nullopt,
                         (work_ / "out-full").string()),
            digest_b);
  EXPECT_EQ(ApplyPayload(repo, "acme-os/26.3.1/b/webkit-from-base.bundle", base,
                         (work_ / "out-base").string()),
            digest_b);
  EXPECT_EQ(ApplyPayload(repo, "acme-os/26.3.1/b/webkit-from-a.bundle", tree_a,
                         (work_ / "out-a").string()),
            digest_b);

  // A TUF client sees the improvement records, signed.
  auto client = NewClient();
  Result<client::TargetInfo> notes = client->GetTargetInfo("acme-os/26.3.1/b/notes.md");
  ASSERT_OK(notes);
  Result<release::Improvement> record = release::ParseImprovement(*notes->file.custom->Find("bsi"));
  ASSERT_OK(record);
  EXPECT_EQ(record->Id(), "acme-os 26.3.1 (b)");
  EXPECT_EQ(record->cves[0].id, "CVE-2026-20643");
  Result<client::TargetInfo> payload =
      client->GetTargetInfo("acme-os/26.3.1/b/webkit-from-a.bundle");
  ASSERT_OK(payload);
  EXPECT_OK(client->DownloadTarget(*payload));
  EXPECT_OK(repo::VerifyRepository(fs_, RepoDir(), clock_.Now()));
  EXPECT_EQ(ListImprovements(repo)->size(), 2u);
}

TEST_F(ReleaseWorkflowTest, BadInputIsRefusedAndChangesNothing) {
  Repository repo = InitRepo();
  const std::string base = Tree("base", "base");
  const std::string tree_a = Tree("a", "fix-a");
  ASSERT_OK(CreateRelease(fs_, repo, *keys_, Request(base, tree_a), clock_.Now()));
  const std::string before = Timestamp();

  // (b) without the component (a) changed.
  ReleaseRequest missing = Request(base, tree_a);
  missing.components = {{"libssl", std::nullopt, Tree("ssl-base", "s"), Tree("ssl-new", "t")}};
  Result<ReleaseResult> refused = CreateRelease(fs_, repo, *keys_, missing, clock_.Now());
  EXPECT_EQ(CodeOf(refused), ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message().find("cumulative"), std::string::npos);

  // An old tree that is not the base (a) started from.
  Result<ReleaseResult> wrong_base = CreateRelease(
      fs_, repo, *keys_, Request(Tree("other", "other"), Tree("b", "b")), clock_.Now());
  EXPECT_EQ(CodeOf(wrong_base), ErrorCode::kInvalidArgument);
  EXPECT_NE(wrong_base.error().message().find("not the base tree"), std::string::npos);

  // Bad CVE, no CVE, same trees, wrong key.
  ReleaseRequest bad_cve = Request(base, Tree("b2", "b2"));
  bad_cve.cves = {{"CVE-26-1", release::Severity::kLow, ""}};
  EXPECT_EQ(CodeOf(CreateRelease(fs_, repo, *keys_, bad_cve, clock_.Now())),
            ErrorCode::kInvalidArgument);
  bad_cve.cves.clear();
  EXPECT_EQ(CodeOf(CreateRelease(fs_, repo, *keys_, bad_cve, clock_.Now())),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(CreateRelease(fs_, repo, *keys_, Request(base, base), clock_.Now())),
            ErrorCode::kInvalidArgument);
  repo::KeyDirectory other(fs_, (work_ / "other").string());
  ASSERT_OK(other.EnsureKey("targets", crypto::KeyType::kEd25519));
  Result<Repository> fresh = Repository::Open(fs_, RepoDir());
  ASSERT_OK(fresh);
  EXPECT_EQ(
      CodeOf(CreateRelease(fs_, *fresh, other, Request(base, Tree("b3", "b3")), clock_.Now())),
      ErrorCode::kInvalidArgument);

  EXPECT_EQ(Timestamp(), before);
  Result<Repository> reopened = Repository::Open(fs_, RepoDir());
  ASSERT_OK(reopened);
  EXPECT_EQ(ListImprovements(*reopened)->size(), 1u);
  EXPECT_OK(repo::VerifyRepository(fs_, RepoDir(), clock_.Now()));
}

TEST_F(ReleaseWorkflowTest, WithdrawRolloutAndSupersede) {
  Repository repo = InitRepo();
  const std::string base = Tree("base", "base");
  ASSERT_OK(CreateRelease(fs_, repo, *keys_, Request(base, Tree("a", "fix-a")), clock_.Now()));
  const auto a = version::ImprovementVersion::Parse("26.3.1 (a)").value();

  Result<release::Improvement> paused =
      ChangeRollout(fs_, repo, *keys_, "", a, true, std::nullopt, clock_.Now());
  ASSERT_OK(paused);
  EXPECT_TRUE(paused->rollout.paused);
  EXPECT_EQ(CodeOf(ChangeRollout(fs_, repo, *keys_, "", a, true, std::nullopt, clock_.Now())),
            ErrorCode::kInvalidArgument);
  Result<release::Improvement> waves =
      ChangeRollout(fs_, repo, *keys_, "acme-os", a, false,
                    release::ParseWaves("0:50,1h:100").value(), clock_.Now());
  ASSERT_OK(waves);
  EXPECT_FALSE(waves->rollout.paused);
  EXPECT_EQ(release::FormatWaves(waves->rollout), "0:50,1h:100");

  clock_.Advance(600);
  Result<release::Improvement> withdrawn =
      Withdraw(fs_, repo, *keys_, "", a, "crashes on some GPUs", clock_.Now());
  ASSERT_OK(withdrawn);
  EXPECT_EQ(withdrawn->withdrawal->reason, "crashes on some GPUs");
  EXPECT_EQ(CodeOf(Withdraw(fs_, repo, *keys_, "", a, "again", clock_.Now())),
            ErrorCode::kInvalidArgument);
  const std::string page =
      fs_.ReadFile(RepoDir() + "/notes/acme-os/26.3.1/a/index.html", 1 << 20).value();
  EXPECT_NE(page.find("crashes on some GPUs"), std::string::npos);

  // A later letter replaces the withdrawn one; it need not carry (a).
  ReleaseRequest b = Request(base, Tree("b", "fix-b"));
  Result<ReleaseResult> replaced = CreateRelease(fs_, repo, *keys_, b, clock_.Now());
  ASSERT_OK(replaced);
  EXPECT_EQ(replaced->improvement.letter.ToString(), "b");

  // Another base of the same product lives beside it.
  ReleaseRequest other_base = Request(Tree("base2", "base2"), Tree("c", "c"));
  other_base.base = version::BaseVersion::Parse("26.3.2").value();
  ASSERT_OK(CreateRelease(fs_, repo, *keys_, other_base, clock_.Now()));

  Result<std::vector<release::Improvement>> superseded =
      Supersede(fs_, repo, *keys_, "", version::BaseVersion::Parse("26.3.1").value(),
                version::BaseVersion::Parse("26.4").value(), clock_.Now());
  ASSERT_OK(superseded);
  EXPECT_EQ(superseded->size(), 2u);
  EXPECT_EQ(CodeOf(Supersede(fs_, repo, *keys_, "", version::BaseVersion::Parse("26.3.1").value(),
                             version::BaseVersion::Parse("26.3").value(), clock_.Now())),
            ErrorCode::kInvalidArgument);
  Result<std::vector<release::Improvement>> all = ListImprovements(repo);
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].superseded_by->ToString(), "26.4");
  EXPECT_FALSE((*all)[2].superseded_by.has_value());
  EXPECT_EQ(
      CodeOf(FindImprovement(repo, "", version::ImprovementVersion::Parse("26.3.1 (z)").value())),
      ErrorCode::kTargetNotFound);

  // Another product with the same base: each is found by name, and a bare
  // version is ambiguous.
  ReleaseRequest kiosk = Request(Tree("kbase", "kbase"), Tree("kfix", "kfix"));
  kiosk.product = "acme-kiosk";
  ASSERT_OK(CreateRelease(fs_, repo, *keys_, kiosk, clock_.Now()));
  EXPECT_EQ(CodeOf(FindImprovement(repo, "", a)), ErrorCode::kInvalidArgument);
  EXPECT_EQ(FindImprovement(repo, "acme-kiosk", a)->product, "acme-kiosk");
  EXPECT_TRUE(FindImprovement(repo, "acme-os", a)->withdrawal.has_value());
  EXPECT_OK(repo::VerifyRepository(fs_, RepoDir(), clock_.Now()));
}

}  // namespace
}  // namespace bsi::publish
