// Target search through delegations (TUF §5.6.7): pre-order depth-first in
// listed order, terminating roles, path patterns and hash prefixes, the
// max_delegations bound, cycles, and what is fetched and stored on the way.
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/client/updater.h"
#include "bsi/client/updater_test_fixture.h"
#include "bsi/crypto/hash.h"
#include "bsi/metadata/serialize.h"

namespace bsi::client {
namespace {

class DelegationTest : public UpdaterTest {
 protected:
  // Delegates `name` from `delegator` for `paths`.
  void Delegate(const std::string& delegator, const std::string& name,
                std::vector<std::string> paths, bool terminating = false) {
    metadata::DelegatedRole role;
    role.name = name;
    role.paths = std::move(paths);
    role.terminating = terminating;
    sim_.AddDelegation(delegator, std::move(role));
  }

  // A refreshed Updater, with the requests of the refresh forgotten.
  void Start() {
    updater_ = MakeUpdater();
    ASSERT_OK(updater_->Refresh());
    sim_.requests.clear();
  }

  // The role that lists target_path, or the error code as a string.
  std::string Find(const std::string& target_path) {
    auto info = updater_->GetTargetInfo(target_path);
    if (!info.ok()) return std::string(CodeName(info.error().code()));
    return info->role;
  }

  std::unique_ptr<Updater> updater_;
};

TEST_F(DelegationTest, SearchIsPreorderDepthFirstInListedOrder) {
  Delegate("targets", "A", {"*"});
  Delegate("targets", "B", {"*"});
  Delegate("A", "C", {"*"});
  sim_.AddTarget("C", "shared", "from C");
  sim_.AddTarget("B", "shared", "from B");
  sim_.AddTarget("B", "only-b", "from B");
  ASSERT_NO_FATAL_FAILURE(Start());

  EXPECT_EQ(Find("shared"), "C");
  EXPECT_EQ(sim_.requests, (Requests{"1.A.json", "1.C.json"}));
  sim_.requests.clear();
  EXPECT_EQ(Find("only-b"), "B");
  EXPECT_EQ(sim_.requests, (Requests{"1.B.json"}));  // A and C are loaded once
  EXPECT_EQ(MetadataFiles(), Served({"root", "timestamp", "snapshot", "targets", "A", "B", "C"}));
}

TEST_F(DelegationTest, TopLevelTargetsComeFirst) {
  Delegate("targets", "A", {"*"});
  sim_.AddTarget("A", "file", "from A");
  sim_.AddTarget("targets", "file", "from targets");
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Find("file"), "targets");
  EXPECT_TRUE(sim_.requests.empty());
}

TEST_F(DelegationTest, TerminatingRoleEndsTheSearch) {
  Delegate("targets", "A", {"*"}, /*terminating=*/true);
  Delegate("targets", "B", {"*"});
  Delegate("A", "C", {"*"});
  sim_.AddTarget("B", "in-b", "from B");
  sim_.AddTarget("C", "in-c", "from C");
  ASSERT_NO_FATAL_FAILURE(Start());
  // A's own delegations are still searched ...
  EXPECT_EQ(Find("in-c"), "C");
  // ... but not A's siblings.
  sim_.requests.clear();
  EXPECT_EQ(Find("in-b"), "target_not_found");
  EXPECT_TRUE(sim_.requests.empty());
  EXPECT_EQ(Local("B"), "");
}

TEST_F(DelegationTest, TerminatingRoleThatDoesNotMatchIsSkipped) {
  Delegate("targets", "A", {"other/*"}, /*terminating=*/true);
  Delegate("targets", "B", {"*"});
  sim_.AddTarget("B", "file", "from B");
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Find("file"), "B");
  EXPECT_EQ(sim_.requests, (Requests{"1.B.json"}));
}

TEST_F(DelegationTest, PathPatternWildcardStaysWithinOnePart) {
  Delegate("targets", "A", {"a/*"});
  Delegate("targets", "T", {"*.txt"});
  sim_.AddTarget("A", "a/b", "one level");
  sim_.AddTarget("A", "a/b/c", "two levels");
  sim_.AddTarget("T", "dir/x.txt", "nested");
  ASSERT_NO_FATAL_FAILURE(Start());
  // A lists "a/b/c", but is not trusted for it.
  EXPECT_EQ(Find("a/b/c"), "target_not_found");
  EXPECT_TRUE(sim_.requests.empty());
  EXPECT_EQ(Find("dir/x.txt"), "target_not_found");
  EXPECT_TRUE(sim_.requests.empty());
  EXPECT_EQ(Find("a/b"), "A");
  EXPECT_EQ(sim_.requests, (Requests{"1.A.json"}));
}

TEST_F(DelegationTest, PathHashPrefixesSelectRoles) {
  const std::string digest = crypto::Sha256Hex("file.bin");
  std::string other = digest.substr(0, 2);
  other[0] = other[0] == '0' ? '1' : '0';
  for (const auto& [name, prefix] :
       std::vector<std::pair<std::string, std::string>>{{"X", other}, {"H", digest.substr(0, 2)}}) {
    metadata::DelegatedRole role;
    role.name = name;
    role.path_hash_prefixes = std::vector<std::string>{prefix};
    sim_.AddDelegation("targets", role);
  }
  sim_.AddTarget("X", "file.bin", "from X");
  sim_.AddTarget("H", "file.bin", "from H");
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Find("file.bin"), "H");
  EXPECT_EQ(sim_.requests, (Requests{"1.H.json"}));
}

TEST_F(DelegationTest, EachRoleIsFetchedAtMostOncePerUpdater) {
  Delegate("targets", "A", {"*"});
  sim_.AddTarget("A", "file", "from A");
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Find("missing"), "target_not_found");
  EXPECT_EQ(Find("file"), "A");
  EXPECT_EQ(Find("missing"), "target_not_found");
  EXPECT_EQ(sim_.requests, (Requests{"1.A.json"}));

  // A later run uses the stored copy while snapshot names its version ...
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Find("file"), "A");
  EXPECT_TRUE(sim_.requests.empty());
  // ... and fetches the new one when it changes.
  sim_.BumpTargets("A");
  sim_.UpdateSnapshot();
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Find("file"), "A");
  EXPECT_EQ(sim_.requests, (Requests{"2.A.json"}));
  EXPECT_EQ(Local("A"), sim_.SignedBytes("A"));
}

TEST_F(DelegationTest, MaxDelegationsBoundsTheSearch) {
  Delegate("targets", "r1", {"*"});
  Delegate("r1", "r2", {"*"});
  Delegate("r2", "r3", {"*"});
  sim_.AddTarget("r2", "in-r2", "x");
  sim_.AddTarget("r3", "in-r3", "x");
  options_.max_delegations = 2;
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Find("in-r3"), "target_not_found");
  EXPECT_EQ(sim_.requests, (Requests{"1.r1.json", "1.r2.json"}));
  EXPECT_EQ(Find("in-r2"), "r2");

  options_.max_delegations = 3;
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Find("in-r3"), "r3");
  EXPECT_EQ(sim_.requests, (Requests{"1.r3.json"}));
}

TEST_F(DelegationTest, CyclesEndTheSearch) {
  Delegate("targets", "A", {"*"});
  Delegate("A", "B", {"*"});
  // B delegates back to A, with A's key.
  const crypto::PrivateKey& a_key = sim_.signers["A"][0];
  const std::string keyid = metadata::ComputeKeyId(metadata::PublicKeyOf(a_key));
  metadata::DelegatedRole back;
  back.name = "A";
  back.paths = std::vector<std::string>{"*"};
  back.keys = metadata::RoleKeys{{keyid}, 1};
  auto& delegations = sim_.delegated["B"].delegations.emplace();
  delegations.keys[keyid] = metadata::PublicKeyOf(a_key);
  delegations.roles.push_back(back);
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Find("nowhere"), "target_not_found");
  EXPECT_EQ(sim_.requests, (Requests{"1.A.json", "1.B.json"}));
}

TEST_F(DelegationTest, RoleMissingFromSnapshotIsUntrusted) {
  Delegate("targets", "A", {"*"});
  sim_.AddTarget("A", "file", "from A");
  sim_.snapshot.meta.erase("A.json");
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Find("file"), "untrusted_role");
  EXPECT_TRUE(sim_.requests.empty());
  EXPECT_EQ(Local("A"), "");
}

TEST_F(DelegationTest, RoleSignedByAnotherKeyIsRefused) {
  Delegate("targets", "A", {"*"});
  sim_.AddTarget("A", "file", "from A");
  sim_.signers["A"].clear();
  sim_.signers["A"].push_back(
      std::move(crypto::PrivateKey::Generate(crypto::KeyType::kEd25519)).value());
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Find("file"), "bad_signature");
  EXPECT_EQ(Local("A"), "");
}

TEST_F(DelegationTest, ExpiredOrMismatchedRoleIsRefused) {
  Delegate("targets", "A", {"*"});
  Delegate("targets", "B", {"*"});
  sim_.delegated["A"].expires = UnixTime{kNow.seconds - 1};
  sim_.delegated["B"].version = 2;  // snapshot still names v1
  sim_.AddTarget("B", "file", "from B");
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Find("file"), "expired");
  EXPECT_EQ(Local("A"), "");
  sim_.delegated["A"].expires = UnixTime{kNow.seconds + kDay};
  ASSERT_NO_FATAL_FAILURE(Start());
  sim_.overrides["1.B.json"] = sim_.SignedBytes("B");
  EXPECT_EQ(Find("file"), "version_mismatch");
  EXPECT_EQ(Local("B"), "");
}

TEST_F(DelegationTest, RoleNamesArePercentEncoded) {
  Delegate("targets", "team/a b", {"*"});
  sim_.AddTarget("team/a b", "file", "from the team");
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Find("file"), "team/a b");
  EXPECT_EQ(sim_.requests, (Requests{"1.team%2Fa%20b.json"}));
  EXPECT_EQ(MetadataFiles()["team%2Fa%20b.json"], sim_.SignedBytes("team/a b"));
}

}  // namespace
}  // namespace bsi::client
