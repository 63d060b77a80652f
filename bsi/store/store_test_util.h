// Test support for the component store: a base tree, the trees of
// versions "a" and "b", and their bundles, in a MemoryFileSystem, all
// durable (synced) so that a simulated crash keeps them.
#ifndef BSI_STORE_STORE_TEST_UTIL_H_
#define BSI_STORE_STORE_TEST_UTIL_H_

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "bsi/payload/bundle_apply_test_util.h"
#include "bsi/payload/bundle_writer.h"
#include "bsi/payload/tree_digest.h"
#include "bsi/store/component_store.h"

#include "testing/memory_file_system.h"
#include "testing/status_matchers.h"

namespace bsi::store::test {

inline constexpr const char* kRoot = "/state/components";
inline constexpr const char* kBase = "/os/webkit";

struct Fixture {
  testing::MemoryFileSystem fs;
  std::map<std::string, std::string> digests;  // "base", "a", "b" -> tree digest

  Fixture() {
    payload::test::WriteTree(fs, kBase, payload::test::OldTree());
    payload::test::WriteTree(fs, "/trees/a", payload::test::NewTree());
    std::vector<payload::test::TreeNode> b = payload::test::NewTree();
    b.push_back(payload::test::File("b-only", "added in b\n"));
    payload::test::WriteTree(fs, "/trees/b", b);
    EXPECT_OK(fs.CreateDir("/b"));
    payload::BundleWriter writer(fs);
    EXPECT_OK(writer.Write({"webkit", std::nullopt, std::nullopt, "a", "/trees/a"}, "/b/a-full"));
    EXPECT_OK(
        writer.Write({"webkit", "26.3.1", std::string(kBase), "a", "/trees/a"}, "/b/a-from-base"));
    EXPECT_OK(
        writer.Write({"webkit", "a", std::string("/trees/a"), "b", "/trees/b"}, "/b/b-from-a"));
    for (const char* dir : {kBase, "/trees", "/b", "/os", "/"}) payload::test::SyncTree(fs, dir);
    digests["base"] = payload::TreeDigest(fs, kBase).value();
    digests["a"] = payload::TreeDigest(fs, "/trees/a").value();
    digests["b"] = payload::TreeDigest(fs, "/trees/b").value();
  }

  ComponentConfig Config() const { return {"webkit", kBase}; }

  // The digest of the tree the current link leads to, and the digest the
  // state says is active: a consistent store has both equal.
  std::pair<std::string, std::string> LinkedAndStated(FileSystem& on) {
    ComponentStore store(on, kRoot, Config());
    EXPECT_OK(store.Open());
    const std::string dir = std::string(kRoot) + "/webkit";
    Result<std::string> target = on.ReadSymlink(dir + "/current");
    if (!target.ok()) return {"no link", ""};
    const std::string tree = target->starts_with("/") ? *target : dir + "/" + *target;
    Result<std::string> digest = payload::TreeDigest(on, tree);
    const std::string linked = digest.ok() ? *digest : "unreadable";
    const std::string stated = digests[VersionName(store.state().active)];
    return {linked, stated};
  }
};

}  // namespace bsi::store::test

#endif  // BSI_STORE_STORE_TEST_UTIL_H_
