#include "bsi/store/component_store.h"

#include "bsi/store/store_test_util.h"

#include "testing/fault_injection_file_system.h"

namespace bsi::store {
namespace {

using testing::CodeOf;

class ComponentStoreTest : public ::testing::Test {
 protected:
  test::Fixture f_;
  std::string Dir() const { return std::string(test::kRoot) + "/webkit"; }
};

TEST_F(ComponentStoreTest, FirstOpenLinksTheBaseTree) {
  ComponentStore store(f_.fs, test::kRoot, f_.Config());
  Result<Recovery> recovery = store.Open();
  ASSERT_OK(recovery);
  EXPECT_EQ(recovery->interrupted, Step::kIdle);
  EXPECT_EQ(store.state().active, std::nullopt);
  EXPECT_EQ(f_.fs.ReadSymlink(Dir() + "/current").value(), test::kBase);
  EXPECT_TRUE(f_.fs.Exists(Dir() + "/state.json"));
  const auto [linked, stated] = f_.LinkedAndStated(f_.fs);
  EXPECT_EQ(linked, f_.digests["base"]);
  EXPECT_EQ(stated, f_.digests["base"]);
}

TEST_F(ComponentStoreTest, InstallCommitThenDeltaThenRollBack) {
  ComponentStore store(f_.fs, test::kRoot, f_.Config());
  ASSERT_OK(store.Open());
  ASSERT_OK(store.Stage("/b/a-from-base", "a"));
  EXPECT_EQ(store.state().step, Step::kStaged);
  EXPECT_EQ(f_.fs.ReadSymlink(Dir() + "/current").value(), test::kBase);  // not yet
  ASSERT_OK(store.Activate());
  EXPECT_EQ(f_.fs.ReadSymlink(Dir() + "/current").value(), "versions/a");
  ASSERT_OK(store.Commit());
  EXPECT_EQ(store.state().active, "a");
  EXPECT_TRUE(store.state().has_previous);
  EXPECT_EQ(store.state().previous, std::nullopt);
  EXPECT_EQ(payload::TreeDigest(f_.fs, store.TreePath("a")).value(), f_.digests["a"]);

  // (b) by delta from the active (a).
  ASSERT_OK(store.Stage("/b/b-from-a", "b"));
  ASSERT_OK(store.Activate());
  ASSERT_OK(store.Commit());
  EXPECT_EQ(store.state().previous, "a");
  EXPECT_EQ(f_.LinkedAndStated(f_.fs).first, f_.digests["b"]);

  // Withdrawal of (b): back to (a), kept as previous; (b)'s tree goes.
  ASSERT_OK(store.RollBack("a"));
  EXPECT_EQ(store.state().active, "a");
  EXPECT_FALSE(store.state().has_previous);
  EXPECT_TRUE(f_.fs.Exists(store.TreePath("b")));  // until collected
  ASSERT_OK(store.CollectGarbage());
  EXPECT_FALSE(f_.fs.Exists(store.TreePath("b")));
  EXPECT_EQ(f_.LinkedAndStated(f_.fs).first, f_.digests["a"]);
  // And to the base, which is always there.
  ASSERT_OK(store.RollBack(std::nullopt));
  EXPECT_EQ(f_.fs.ReadSymlink(Dir() + "/current").value(), test::kBase);
  ASSERT_OK(store.CollectGarbage());
  EXPECT_EQ(f_.fs.ListDir(Dir() + "/versions").value(), std::vector<std::string>{});
}

TEST_F(ComponentStoreTest, AbortAfterAFailedHealthCheckRestoresTheOldTree) {
  ComponentStore store(f_.fs, test::kRoot, f_.Config());
  ASSERT_OK(store.Open());
  ASSERT_OK(store.Stage("/b/a-full", "a"));
  ASSERT_OK(store.Activate());
  ASSERT_OK(store.Abort());
  EXPECT_EQ(store.state().step, Step::kIdle);
  EXPECT_EQ(store.state().active, std::nullopt);
  EXPECT_FALSE(f_.fs.Exists(store.TreePath("a")));
  const auto [linked, stated] = f_.LinkedAndStated(f_.fs);
  EXPECT_EQ(linked, f_.digests["base"]);
  EXPECT_EQ(stated, f_.digests["base"]);
}

TEST_F(ComponentStoreTest, StepsOutOfOrderAreRefused) {
  ComponentStore store(f_.fs, test::kRoot, f_.Config());
  ASSERT_OK(store.Open());
  EXPECT_EQ(CodeOf(store.Activate()), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(store.Commit()), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(store.Abort()), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(store.RollBack(std::nullopt)), ErrorCode::kInvalidArgument);  // active
  EXPECT_EQ(CodeOf(store.RollBack("z")), ErrorCode::kInvalidArgument);           // not kept
  EXPECT_EQ(CodeOf(store.Stage("/b/a-full", "../x")), ErrorCode::kInvalidArgument);
  ASSERT_OK(store.Stage("/b/a-full", "a"));
  EXPECT_EQ(CodeOf(store.Stage("/b/a-full", "a")), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(store.Commit()), ErrorCode::kInvalidArgument);
  // A bundle for another version than announced is refused, nothing kept.
  ComponentStore other(f_.fs, "/state/other", f_.Config());
  ASSERT_OK(other.Open());
  EXPECT_EQ(CodeOf(other.Stage("/b/a-full", "b")), ErrorCode::kInvalidArgument);
  EXPECT_EQ(other.state().step, Step::kIdle);
}

TEST_F(ComponentStoreTest, DiskFullWhileStagingAbortsCleanlyAndGivesTheSpaceBack) {
  {
    ComponentStore store(f_.fs, test::kRoot, f_.Config());
    ASSERT_OK(store.Open());
  }
  const std::vector<std::string> before = f_.fs.AllFiles();
  for (std::uint64_t n = 3; n < 40; n += 4) {
    SCOPED_TRACE(n);
    testing::FaultInjectionFileSystem full(f_.fs);
    ComponentStore store(full, test::kRoot, f_.Config());
    ASSERT_OK(store.Open());
    full.FailAt(n, testing::FaultScope::kOnce, testing::FaultKind::kNoSpace);
    Status staged = store.Stage("/b/a-full", "a");
    if (full.InjectedFaultCount() == 0) break;
    // A failure of the staging itself is the disk-full error; a failure of
    // the journal write before it is refused just the same.
    EXPECT_FALSE(staged.ok());
    EXPECT_EQ(store.state().step, Step::kIdle);
    EXPECT_EQ(f_.fs.AllFiles(), before);
    const auto [linked, stated] = f_.LinkedAndStated(f_.fs);
    EXPECT_EQ(linked, f_.digests["base"]);
    EXPECT_EQ(stated, f_.digests["base"]);
  }
}

}  // namespace
}  // namespace bsi::store
