#include "bsi/payload/tree_scan.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bsi/core/posix_file_system.h"
#include "bsi/payload/bundle_apply_test_util.h"

#include "testing/memory_file_system.h"

namespace bsi::payload {
namespace {

using test::Dir;
using test::File;
using test::Link;
using test::TempDir;
using test::WriteTree;

std::vector<std::string> Paths(const std::vector<TreeEntry>& entries) {
  std::vector<std::string> out;
  out.reserve(entries.size());
  for (const TreeEntry& entry : entries) out.push_back(entry.path.str());
  return out;
}

TEST(TreeScanTest, ListsEntriesInManifestOrderWithoutFollowingLinks) {
  testing::MemoryFileSystem fs;
  WriteTree(fs, "/t",
            {Dir("a"), File("a/x", "xx", 0600), Dir("a-b"), File("a-b/y", ""), Link("a/up", ".."),
             Dir("a/sub", 0700), File("z", "zzz", 0755)});
  Result<std::vector<TreeEntry>> entries = ScanTree(fs, "/t", ScanPolicy::kRefuseUnsafe);
  ASSERT_TRUE(entries.ok()) << entries.error().ToString();
  EXPECT_EQ(Paths(*entries),
            (std::vector<std::string>{"a", "a-b", "a-b/y", "a/sub", "a/up", "a/x", "z"}));
  const TreeEntry& x = (*entries)[5];
  EXPECT_EQ(x.type, NodeType::kFile);
  EXPECT_EQ(x.mode, 0600u);
  EXPECT_EQ(x.size, 2u);
  const TreeEntry& up = (*entries)[4];
  EXPECT_EQ(up.type, NodeType::kSymlink);
  EXPECT_EQ(up.link_target, "..");
  EXPECT_EQ((*entries)[3].mode, 0700u);
}

TEST(TreeScanTest, RootMustBeADirectory) {
  testing::MemoryFileSystem fs;
  WriteTree(fs, "/t", {File("f", "x")});
  Result<std::vector<TreeEntry>> entries = ScanTree(fs, "/t/f", ScanPolicy::kRefuseUnsafe);
  ASSERT_FALSE(entries.ok());
  EXPECT_EQ(entries.error().code(), ErrorCode::kInvalidArgument);
}

// Each case: a tree with one thing a bundle cannot carry.
class TreeScanRefusalTest : public ::testing::Test {
 protected:
  void ExpectRefused(ErrorCode code, std::string_view why) {
    Result<std::vector<TreeEntry>> entries = ScanTree(fs_, dir_.path(), ScanPolicy::kRefuseUnsafe);
    ASSERT_FALSE(entries.ok());
    EXPECT_EQ(entries.error().code(), code) << entries.error().ToString();
    EXPECT_NE(entries.error().message().find(why), std::string::npos)
        << entries.error().message() << " (wanted " << why << ")";
    // The lenient scan of an old tree leaves the entry out instead.
    Result<std::vector<TreeEntry>> lenient = ScanTree(fs_, dir_.path(), ScanPolicy::kSkipUnsafe);
    ASSERT_TRUE(lenient.ok()) << lenient.error().ToString();
  }

  std::string Path(const std::string& relative) const { return dir_.path() + "/" + relative; }

  TempDir dir_;
  PosixFileSystem fs_;
};

TEST_F(TreeScanRefusalTest, Fifo) {
  ASSERT_EQ(::mkfifo(Path("pipe").c_str(), 0644), 0);
  ExpectRefused(ErrorCode::kInvalidArgument, "device, FIFO or socket");
}

TEST_F(TreeScanRefusalTest, SetuidFile) {
  WriteTree(fs_, dir_.path(), {File("su", "x", 04755)});
  ExpectRefused(ErrorCode::kInvalidArgument, "setuid, setgid or sticky");
}

TEST_F(TreeScanRefusalTest, StickyDirectory) {
  WriteTree(fs_, dir_.path(), {Dir("tmp", 01777)});
  ExpectRefused(ErrorCode::kInvalidArgument, "setuid, setgid or sticky");
}

TEST_F(TreeScanRefusalTest, HardLink) {
  WriteTree(fs_, dir_.path(), {File("one", "x")});
  ASSERT_EQ(::link(Path("one").c_str(), Path("two").c_str()), 0);
  ExpectRefused(ErrorCode::kInvalidArgument, "hard link");
}

TEST_F(TreeScanRefusalTest, AbsoluteSymlink) {
  WriteTree(fs_, dir_.path(), {Link("passwd", "/etc/passwd")});
  ExpectRefused(ErrorCode::kUnsafePath, "absolute");
}

TEST_F(TreeScanRefusalTest, EscapingSymlink) {
  WriteTree(fs_, dir_.path(), {Dir("a"), Link("a/out", "../../etc")});
  ExpectRefused(ErrorCode::kUnsafePath, "outside the tree");
}

TEST_F(TreeScanRefusalTest, NameWithNewline) {
  WriteTree(fs_, dir_.path(), {File("bad\nname", "x")});
  ExpectRefused(ErrorCode::kUnsafePath, "control character");
}

TEST(TreeScanTest, LenientScanKeepsSafeRegularFilesOnly) {
  TempDir dir;
  PosixFileSystem fs;
  WriteTree(fs, dir.path(), {File("ok", "x"), File("su", "y", 04755), Link("abs", "/etc")});
  ASSERT_EQ(::mkfifo((dir.path() + "/pipe").c_str(), 0644), 0);
  Result<std::vector<TreeEntry>> entries = ScanTree(fs, dir.path(), ScanPolicy::kSkipUnsafe);
  ASSERT_TRUE(entries.ok()) << entries.error().ToString();
  // The setuid file is still a usable delta source.
  EXPECT_EQ(Paths(*entries), (std::vector<std::string>{"ok", "su"}));
}

}  // namespace
}  // namespace bsi::payload
