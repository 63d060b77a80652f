// Crash safety of the component store, proven by fault injection: every
// mutating file operation of an install and of a rollback is made to fail
// in turn (and every one after it: the machine is going down), then the
// power is cut (MemoryFileSystem::SimulateCrash drops everything not yet
// durable) and the store is opened again. Each time the current link must
// lead to exactly the old or exactly the new tree, and the state must name
// that same tree.
#include <set>

#include "bsi/store/component_store.h"
#include "bsi/store/store_test_util.h"

#include "testing/fault_injection_file_system.h"

namespace bsi::store {
namespace {

// Opens a store, runs `prepare` (no faults), then runs `operation` on a
// file system that fails from its n-th operation on, cuts the power,
// reopens, and checks that the outcome is one of `allowed` (digests).
// Returns false once the operation ran with no fault (n past its end).
template <typename Prepare, typename Operation>
bool CrashAt(test::Fixture& f, std::uint64_t n, Prepare prepare, Operation operation,
             const std::set<std::string>& allowed, std::set<std::string>& seen) {
  testing::FaultInjectionFileSystem faulty(f.fs);
  {
    ComponentStore store(faulty, test::kRoot, f.Config());
    EXPECT_OK(store.Open());
    prepare(store);
    faulty.FailAt(n, testing::FaultScope::kFromThenOn);
    operation(store);
  }
  const bool faulted = faulty.InjectedFaultCount() > 0;
  f.fs.SimulateCrash();
  const auto [linked, stated] = f.LinkedAndStated(f.fs);
  EXPECT_EQ(linked, stated) << "the link and the state disagree";
  EXPECT_EQ(allowed.count(linked), 1u)
      << "neither the old nor the new tree: " << linked << " " << stated;
  seen.insert(linked);
  // Opening again is a no-op: recovery is idempotent.
  ComponentStore again(f.fs, test::kRoot, f.Config());
  EXPECT_OK(again.Open());
  EXPECT_EQ(again.state().step, Step::kIdle);
  return faulted;
}

TEST(ComponentStoreFaultTest, AnInstallCutAtAnyPointLeavesTheOldOrTheNewTree) {
  std::set<std::string> seen;
  std::uint64_t n = 1;
  for (;; ++n) {
    SCOPED_TRACE(n);
    test::Fixture f;
    const bool faulted = CrashAt(
        f, n, [](ComponentStore&) {},
        [](ComponentStore& store) {
          if (!store.Stage("/b/a-from-base", "a").ok()) return;
          if (!store.Activate().ok()) return;
          (void)store.Commit();
        },
        {f.digests["base"], f.digests["a"]}, seen);
    if (!faulted) {
      EXPECT_EQ(f.LinkedAndStated(f.fs).first, f.digests["a"]);  // ran to the end
      break;
    }
  }
  EXPECT_GT(n, 20u);           // every step of a real install was cut
  EXPECT_EQ(seen.size(), 2u);  // and both outcomes occurred
}

TEST(ComponentStoreFaultTest, ARollbackCutAtAnyPointLeavesTheOldOrTheNewTree) {
  std::set<std::string> seen;
  std::uint64_t n = 1;
  for (;; ++n) {
    SCOPED_TRACE(n);
    test::Fixture f;
    {
      ComponentStore store(f.fs, test::kRoot, f.Config());
      ASSERT_OK(store.Open());
      ASSERT_OK(store.Stage("/b/a-full", "a"));
      ASSERT_OK(store.Activate());
      ASSERT_OK(store.Commit());
      ASSERT_OK(store.Stage("/b/b-from-a", "b"));
      ASSERT_OK(store.Activate());
      ASSERT_OK(store.Commit());
    }
    const bool faulted = CrashAt(
        f, n, [](ComponentStore&) {}, [](ComponentStore& store) { (void)store.RollBack("a"); },
        {f.digests["a"], f.digests["b"]}, seen);
    if (!faulted) break;
  }
  EXPECT_GT(n, 4u);
  EXPECT_EQ(seen.size(), 2u);
}

TEST(ComponentStoreFaultTest, AnAbortCutAtAnyPointLeavesTheOldTree) {
  std::set<std::string> seen;
  for (std::uint64_t n = 1;; ++n) {
    SCOPED_TRACE(n);
    test::Fixture f;
    // The health check failed: abort. Whatever is cut, (a) was never
    // committed, so the base comes back.
    const bool faulted = CrashAt(
        f, n,
        [](ComponentStore& store) {
          ASSERT_OK(store.Stage("/b/a-full", "a"));
          ASSERT_OK(store.Activate());
        },
        [](ComponentStore& store) { (void)store.Abort(); }, {f.digests["base"]}, seen);
    if (!faulted) break;
  }
}

}  // namespace
}  // namespace bsi::store
