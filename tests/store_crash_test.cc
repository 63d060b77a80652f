// The component store survives SIGKILL at any instant: a real process
// (store_crash_worker) installs and rolls back over and over on a real file
// system and is killed at random moments, many times. After each kill the
// store is opened again (recovery) and must link exactly the base tree,
// (a) or (b) — hash-compared — with the state naming the same tree.
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bsi/core/posix_file_system.h"
#include "bsi/payload/bundle_apply_test_util.h"
#include "bsi/payload/bundle_writer.h"
#include "bsi/payload/tree_digest.h"
#include "bsi/store/component_store.h"

#include "testing/status_matchers.h"
#include "tests/subprocess.h"

namespace bsi::tests {
namespace {

using store::ComponentStore;

TEST(StoreCrashTest, KilledAtRandomInstantsTheStoreIsAlwaysOldOrNew) {
  payload::test::TempDir dir;
  PosixFileSystem fs;
  const std::string base = dir.path() + "/os/webkit";
  payload::test::WriteTree(fs, base, payload::test::OldTree());
  payload::test::WriteTree(fs, dir.path() + "/trees/a", payload::test::NewTree());
  std::vector<payload::test::TreeNode> b = payload::test::NewTree();
  b.push_back(payload::test::File("b-only", std::string(200'000, 'b')));
  payload::test::WriteTree(fs, dir.path() + "/trees/b", b);
  payload::BundleWriter writer(fs);
  const std::string a_full = dir.path() + "/a-full.bundle";
  const std::string b_from_a = dir.path() + "/b-from-a.bundle";
  ASSERT_OK(
      writer.Write({"webkit", std::nullopt, std::nullopt, "a", dir.path() + "/trees/a"}, a_full));
  ASSERT_OK(writer.Write({"webkit", "a", dir.path() + "/trees/a", "b", dir.path() + "/trees/b"},
                         b_from_a));
  std::map<std::string, std::string> digests = {
      {"base", payload::TreeDigest(fs, base).value()},
      {"a", payload::TreeDigest(fs, dir.path() + "/trees/a").value()},
      {"b", payload::TreeDigest(fs, dir.path() + "/trees/b").value()}};
  const std::string root = dir.path() + "/state";

  std::mt19937 rng(20261122);
  std::uniform_int_distribution<int> delay_us(0, 400'000);
  std::set<std::string> interrupted;  // steps the kills landed in
  std::set<std::string> outcomes;
  constexpr int kKills = 60;
  for (int i = 0; i < kKills; ++i) {
    SCOPED_TRACE(i);
    const pid_t pid = Spawn({STORE_CRASH_WORKER_PATH, root, base, a_full, b_from_a});
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::microseconds(5'000 + delay_us(rng)));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the worker stopped by itself: " << status;

    ComponentStore store(fs, root, {"webkit", base});
    Result<store::Recovery> recovery = store.Open();
    ASSERT_OK(recovery);
    interrupted.insert(std::string(store::StepName(recovery->interrupted)));
    const std::string link = fs.ReadSymlink(store.CurrentLink()).value();
    const std::string tree = link.starts_with("/") ? link : root + "/webkit/" + link;
    const std::string linked = payload::TreeDigest(fs, tree).value();
    const std::string stated = digests[store::VersionName(store.state().active)];
    ASSERT_EQ(linked, stated) << "link " << link << ", state "
                              << store::VersionName(store.state().active);
    outcomes.insert(store::VersionName(store.state().active));
    // Nothing but the named trees is left.
    std::set<std::string> kept;
    const std::vector<std::string> names = fs.ListDir(root + "/webkit/versions").value();
    kept.insert(names.begin(), names.end());
    std::set<std::string> expected;
    if (store.state().active.has_value()) expected.insert(*store.state().active);
    if (store.state().has_previous && store.state().previous.has_value()) {
      expected.insert(*store.state().previous);
    }
    EXPECT_EQ(kept, expected);
  }
  // The kills landed inside operations, not only between them.
  interrupted.erase("idle");
  EXPECT_GE(interrupted.size(), 2u) << "kills hit too few steps to prove anything";
  EXPECT_GE(outcomes.size(), 2u);
}

}  // namespace
}  // namespace bsi::tests
