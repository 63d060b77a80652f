#include "bsi/payload/bundle_writer.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "bsi/core/posix_file_system.h"
#include "bsi/payload/bundle_apply_test_util.h"
#include "bsi/payload/bundle_reader.h"

namespace bsi::payload {
namespace {

using test::FsKind;
using test::NewTree;
using test::OldTree;
using test::Snapshot;
using test::WriteTree;

BundleWriterOptions FastOptions() {
  BundleWriterOptions options;
  options.level = 3;
  options.delta.level = 3;
  return options;
}

class BundleWriterTest : public ::testing::TestWithParam<FsKind> {
 protected:
  void SetUp() override {
    ws_ = test::MakeWorkspace(GetParam());
    WriteTree(fs(), ws_->Path("old"), OldTree());
    WriteTree(fs(), ws_->Path("new"), NewTree());
    ASSERT_TRUE(fs().CreateDir(ws_->Path("out")).ok());
  }

  FileSystem& fs() { return ws_->fs(); }

  BundleSpec DeltaSpec() const {
    BundleSpec spec;
    spec.component = "webkit";
    spec.source_version = "2.44.1";
    spec.old_tree = ws_->Path("old");
    spec.target_version = "2.44.2";
    spec.new_tree = ws_->Path("new");
    return spec;
  }

  BundleSpec FullSpec() const {
    BundleSpec spec = DeltaSpec();
    spec.source_version.reset();
    spec.old_tree.reset();
    return spec;
  }

  Result<BundleInfo> Write(const BundleSpec& spec, const std::string& name) {
    return BundleWriter(fs(), FastOptions()).Write(spec, ws_->Path("out/" + name));
  }

  std::unique_ptr<test::Workspace> ws_;
};

std::map<std::string, const BundleEntryInfo*> ByPath(const BundleInfo& info) {
  std::map<std::string, const BundleEntryInfo*> out;
  for (const BundleEntryInfo& entry : info.entries) out[entry.path] = &entry;
  return out;
}

TEST_P(BundleWriterTest, ChoosesUnchangedDeltaOrFullPerFile) {
  Result<BundleInfo> info = Write(DeltaSpec(), "delta.bsi");
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  auto entries = ByPath(*info);
  auto kind = [&](const std::string& path) { return entries.at(path)->kind; };
  EXPECT_EQ(kind("bin/helper"), ContentKind::kUnchanged);
  EXPECT_EQ(kind("empty"), ContentKind::kUnchanged);
  EXPECT_EQ(kind("etc/config"), ContentKind::kUnchanged);
  EXPECT_EQ(kind("bin/tool"), ContentKind::kDelta);
  EXPECT_EQ(kind("lib/libfoo.so.1"), ContentKind::kDelta);
  EXPECT_TRUE(entries.at("bin/tool")->delta_method.has_value());
  // A rename is a removal and a new file; a new file is always full.
  EXPECT_EQ(kind("lib/new_name.dat"), ContentKind::kFull);
  EXPECT_EQ(kind("new_empty"), ContentKind::kFull);
  EXPECT_EQ(kind("becomes_dir/inside"), ContentKind::kFull);
  // Same bytes, other mode: not "unchanged", and whatever is smaller.
  EXPECT_NE(kind("mode_change"), ContentKind::kUnchanged);
  EXPECT_EQ(entries.count("gone"), 0u);
  EXPECT_EQ(entries.count("lib/old_name.dat"), 0u);
  EXPECT_EQ(entries.at("current")->type, NodeType::kSymlink);
  EXPECT_EQ(entries.at("current")->link_target, "bin/tool");
  EXPECT_FALSE(entries.at("current")->kind.has_value());
  EXPECT_EQ(entries.at("lib")->mode, 0555u);
  EXPECT_EQ(info->manifest.source_version, "2.44.1");
  EXPECT_EQ(info->bundle_size, *fs().FileSize(ws_->Path("out/delta.bsi")));
}

TEST_P(BundleWriterTest, DeltaBundleIsMuchSmallerThanFullBundle) {
  Result<BundleInfo> delta = Write(DeltaSpec(), "delta.bsi");
  Result<BundleInfo> full = Write(FullSpec(), "full.bsi");
  ASSERT_TRUE(delta.ok()) << delta.error().ToString();
  ASSERT_TRUE(full.ok()) << full.error().ToString();
  EXPECT_TRUE(full->manifest.is_full());
  for (const BundleEntryInfo& entry : full->entries) {
    if (entry.type == NodeType::kFile) {
      EXPECT_EQ(entry.kind, ContentKind::kFull) << entry.path;
    }
  }
  EXPECT_LT(delta->bundle_size * 3, full->bundle_size);
}

TEST_P(BundleWriterTest, OutputIsDeterministic) {
  ASSERT_TRUE(Write(DeltaSpec(), "one.bsi").ok());
  ASSERT_TRUE(Write(DeltaSpec(), "two.bsi").ok());
  EXPECT_EQ(*fs().ReadFile(ws_->Path("out/one.bsi"), 1 << 24),
            *fs().ReadFile(ws_->Path("out/two.bsi"), 1 << 24));
}

TEST_P(BundleWriterTest, ReplacesOutputAtomicallyAndLeavesNoTemporaryFiles) {
  ASSERT_TRUE(WriteFileAtomically(fs(), ws_->Path("out/b.bsi"), "previous").ok());
  ASSERT_TRUE(Write(FullSpec(), "b.bsi").ok());
  EXPECT_EQ(*fs().ListDir(ws_->Path("out")), std::vector<std::string>{"b.bsi"});
  EXPECT_TRUE(ReadBundleInfo(fs(), ws_->Path("out/b.bsi")).ok());
}

TEST_P(BundleWriterTest, FailureLeavesOutputUntouched) {
  ASSERT_TRUE(WriteFileAtomically(fs(), ws_->Path("out/b.bsi"), "previous").ok());
  ASSERT_TRUE(fs().CreateSymlink("../../../etc/passwd", ws_->Path("new/bin/escape")).ok());
  Result<BundleInfo> info = Write(DeltaSpec(), "b.bsi");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code(), ErrorCode::kUnsafePath);
  EXPECT_NE(info.error().message().find("bin/escape"), std::string::npos);
  EXPECT_EQ(*fs().ListDir(ws_->Path("out")), std::vector<std::string>{"b.bsi"});
  EXPECT_EQ(*fs().ReadFile(ws_->Path("out/b.bsi"), 100), "previous");
}

TEST_P(BundleWriterTest, RefusesChainedSymlinkEscapeThroughManifestRules) {
  ASSERT_TRUE(fs().CreateSymlink("..", ws_->Path("new/bin/root")).ok());
  ASSERT_TRUE(fs().CreateSymlink("root/..", ws_->Path("new/bin/out")).ok());
  Result<BundleInfo> info = Write(FullSpec(), "b.bsi");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code(), ErrorCode::kUnsafePath) << info.error().ToString();
  EXPECT_TRUE(fs().ListDir(ws_->Path("out"))->empty());
}

TEST_P(BundleWriterTest, RefusesInconsistentSpec) {
  BundleSpec spec = DeltaSpec();
  spec.old_tree.reset();
  Result<BundleInfo> info = Write(spec, "b.bsi");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code(), ErrorCode::kInvalidArgument);
  spec = FullSpec();
  spec.component = "Not A Name";
  info = Write(spec, "b.bsi");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code(), ErrorCode::kMalformed);
  EXPECT_TRUE(fs().ListDir(ws_->Path("out"))->empty());
}

TEST_P(BundleWriterTest, OnlyZstdFullAllowedMeansNoDeltas) {
  BundleWriterOptions options = FastOptions();
  options.delta.methods = {DeltaMethod::kZstdFull};
  Result<BundleInfo> info = BundleWriter(fs(), options).Write(DeltaSpec(), ws_->Path("out/b"));
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  for (const BundleEntryInfo& entry : info->entries) EXPECT_NE(entry.kind, ContentKind::kDelta);
}

INSTANTIATE_TEST_SUITE_P(Fs, BundleWriterTest, ::testing::Values(FsKind::kPosix, FsKind::kMemory),
                         test::FsKindName);

TEST(BundleWriterPosixTest, RefusesHardLinksAndFifosInTheNewTree) {
  test::TempDir dir;
  PosixFileSystem fs;
  WriteTree(fs, dir.path() + "/new", {test::File("a", "x")});
  ASSERT_EQ(::mkfifo((dir.path() + "/new/pipe").c_str(), 0644), 0);
  BundleSpec spec;
  spec.component = "c";
  spec.target_version = "1";
  spec.new_tree = dir.path() + "/new";
  const std::vector<std::string> before = Snapshot(fs, dir.path());
  Result<BundleInfo> info = BundleWriter(fs).Write(spec, dir.path() + "/b.bsi");
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.error().message().find("pipe: is a device, FIFO or socket"), std::string::npos)
      << info.error().message();
  EXPECT_EQ(Snapshot(fs, dir.path()), before);
}

TEST(BundleHeaderTest, EncodesTheDocumentedLayout) {
  EXPECT_EQ(EncodeBundleHeader(1, 0x01020304),
            std::string("BSIBUNDL\x01\0\0\0\x04\x03\x02\x01", 16));
  EXPECT_EQ(EncodeRecordHeader(ContentKind::kDelta, 7, 0x0102),
            std::string("\x02\0\0\0\x07\0\0\0\x02\x01\0\0\0\0\0\0", 16));
}

}  // namespace
}  // namespace bsi::payload
