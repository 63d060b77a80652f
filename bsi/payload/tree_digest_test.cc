#include "bsi/payload/tree_digest.h"

#include <set>

#include <gtest/gtest.h>

#include "bsi/payload/bundle_apply_test_util.h"
#include "bsi/payload/bundle_writer.h"

#include "testing/memory_file_system.h"
#include "testing/status_matchers.h"

namespace bsi::payload {
namespace {

using test::WriteTree;

TEST(TreeDigestTest, NamesATreeExactlyAndAgreesWithItsManifest) {
  testing::MemoryFileSystem fs;
  WriteTree(fs, "/new", test::NewTree());
  Result<std::string> digest = TreeDigest(fs, "/new");
  ASSERT_OK(digest);
  EXPECT_EQ(digest->size(), 64u);

  // The manifest of a full bundle of the tree gives the same digest.
  BundleWriter writer(fs);
  Result<BundleInfo> info =
      writer.Write({"webkit", std::nullopt, std::nullopt, "2", "/new"}, "/full.bundle");
  ASSERT_OK(info);
  EXPECT_EQ(TreeDigest(info->manifest), *digest);

  // Any change of content, mode, name or link target changes it.
  WriteTree(fs, "/same", test::NewTree());
  EXPECT_EQ(TreeDigest(fs, "/same").value(), *digest);
  WriteTree(fs, "/old", test::OldTree());
  EXPECT_NE(TreeDigest(fs, "/old").value(), *digest);
  WriteTree(fs, "/a", {test::File("f", "x", 0644)});
  WriteTree(fs, "/b", {test::File("f", "x", 0755)});
  WriteTree(fs, "/c", {test::File("g", "x", 0644)});
  WriteTree(fs, "/d", {test::File("f", "y", 0644)});
  WriteTree(fs, "/e", {test::Link("f", "x")});
  WriteTree(fs, "/g", {test::Link("f", "y")});
  std::set<std::string> digests;
  for (const char* root : {"/a", "/b", "/c", "/d", "/e", "/g"})
    digests.insert(TreeDigest(fs, root).value());
  EXPECT_EQ(digests.size(), 6u);
}

}  // namespace
}  // namespace bsi::payload
