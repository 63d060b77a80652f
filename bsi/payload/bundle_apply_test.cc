// Round trips (writer, then apply) over generated trees, on the real and the
// in-memory file system, and what apply refuses about its request and its
// source tree before it writes anything.
#include "bsi/payload/bundle_apply.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/payload/bundle_apply_test_util.h"

namespace bsi::payload {
namespace {

using test::FsKind;
using test::NewTree;
using test::OldTree;
using test::ReadTree;
using test::Snapshot;
using test::WriteTree;

class BundleApplyTest : public ::testing::TestWithParam<FsKind> {
 protected:
  void SetUp() override {
    ws_ = test::MakeWorkspace(GetParam());
    WriteTree(fs(), ws_->Path("old"), OldTree());
    WriteTree(fs(), ws_->Path("new"), NewTree());
    ASSERT_TRUE(fs().CreateDir(ws_->Path("staging_parent")).ok());
    ASSERT_TRUE(WriteFileAtomically(fs(), full_path(), test::FullBundleBytes()).ok());
    ASSERT_TRUE(WriteFileAtomically(fs(), delta_path(), test::DeltaBundleBytes()).ok());
  }

  FileSystem& fs() { return ws_->fs(); }
  std::string full_path() const { return ws_->Path("full.bsi"); }
  std::string delta_path() const { return ws_->Path("delta.bsi"); }
  std::string staging() const { return ws_->Path("staging_parent/staging"); }

  ApplyRequest Request(const std::string& bundle) const {
    ApplyRequest request;
    request.bundle_path = bundle;
    request.source_dir = ws_->Path("old");
    request.staging_dir = staging();
    return request;
  }

  // Applies and expects a refusal that left the whole workspace as it was.
  void ExpectRefusedUntouched(const ApplyRequest& request, ErrorCode code, std::string_view why,
                              const BundleApplyOptions& options = {}) {
    const std::vector<std::string> before = Snapshot(fs(), ws_->root());
    Result<Manifest> applied = ApplyBundle(fs(), request, options);
    ASSERT_FALSE(applied.ok());
    EXPECT_EQ(applied.error().code(), code) << applied.error().ToString();
    EXPECT_NE(applied.error().message().find(why), std::string::npos)
        << applied.error().message() << " (wanted " << why << ")";
    EXPECT_EQ(Snapshot(fs(), ws_->root()), before);
  }

  std::unique_ptr<test::Workspace> ws_;
};

TEST_P(BundleApplyTest, FullBundleBuildsTheNewTree) {
  ApplyRequest request = Request(full_path());
  request.source_dir.reset();  // a full bundle needs none
  Result<Manifest> manifest = ApplyBundle(fs(), request);
  ASSERT_TRUE(manifest.ok()) << manifest.error().ToString();
  EXPECT_EQ(ReadTree(fs(), staging()), ReadTree(fs(), ws_->Path("new")));
  EXPECT_EQ(fs().GetInfo(staging())->mode, 0755u);
  EXPECT_EQ(manifest->target_version, "2.44.2");
}

TEST_P(BundleApplyTest, DeltaBundleBuildsTheNewTreeFromTheOld) {
  const std::vector<test::TreeNode> old_before = ReadTree(fs(), ws_->Path("old"));
  Result<Manifest> manifest = ApplyBundle(fs(), Request(delta_path()));
  ASSERT_TRUE(manifest.ok()) << manifest.error().ToString();
  EXPECT_EQ(ReadTree(fs(), staging()), ReadTree(fs(), ws_->Path("new")));
  EXPECT_EQ(ReadTree(fs(), ws_->Path("old")), old_before);  // only read
}

TEST_P(BundleApplyTest, ChecksExpectations) {
  ApplyRequest request = Request(delta_path());
  request.expected_component = "libssl";
  ExpectRefusedUntouched(request, ErrorCode::kInvalidArgument, "component");
  request = Request(delta_path());
  request.expected_source_version = "2.44.0";
  ExpectRefusedUntouched(request, ErrorCode::kInvalidArgument, "source version");
  request = Request(delta_path());
  request.expected_target_version = "2.44.3";
  ExpectRefusedUntouched(request, ErrorCode::kInvalidArgument, "target version");
  request = Request(delta_path());
  request.source_dir.reset();
  ExpectRefusedUntouched(request, ErrorCode::kInvalidArgument, "needs a source tree");

  request = Request(full_path());
  request.expected_component = "webkit";
  request.expected_source_version = "0.1";  // a full bundle applies from anything
  request.expected_target_version = "2.44.2";
  EXPECT_TRUE(ApplyBundle(fs(), request).ok());
}

TEST_P(BundleApplyTest, RefusesAnExistingStagingDirectory) {
  ASSERT_TRUE(fs().CreateDir(staging()).ok());
  ASSERT_TRUE(WriteFileAtomically(fs(), staging() + "/keep", "mine").ok());
  ExpectRefusedUntouched(Request(full_path()), ErrorCode::kInvalidArgument, "already exists");
  EXPECT_EQ(*fs().ReadFile(staging() + "/keep", 10), "mine");
}

TEST_P(BundleApplyTest, RefusesAModifiedSourceFileBeforeWriting) {
  // Same size, other bytes.
  std::string tool = *fs().ReadFile(ws_->Path("old/bin/tool"), 1 << 20);
  tool[100] ^= 1;
  ASSERT_TRUE(WriteFileAtomically(fs(), ws_->Path("old/bin/tool"), tool, 0755).ok());
  ExpectRefusedUntouched(Request(delta_path()), ErrorCode::kHashMismatch,
                         "source tree does not match the bundle: bin/tool has SHA-256");
}

TEST_P(BundleApplyTest, RefusesAnUnchangedSourceFileOfAnotherSize) {
  ASSERT_TRUE(WriteFileAtomically(fs(), ws_->Path("old/empty"), "not empty").ok());
  ExpectRefusedUntouched(Request(delta_path()), ErrorCode::kLengthMismatch, "empty has 9 bytes");
}

TEST_P(BundleApplyTest, RefusesAMissingSourceFile) {
  ASSERT_TRUE(fs().RemoveFile(ws_->Path("old/bin/helper")).ok());
  ExpectRefusedUntouched(Request(delta_path()), ErrorCode::kFileNotFound, "bin/helper");
}

TEST_P(BundleApplyTest, RefusesASymlinkInPlaceOfASourceFile) {
  ASSERT_TRUE(fs().RemoveFile(ws_->Path("old/bin/helper")).ok());
  ASSERT_TRUE(fs().CreateSymlink("tool", ws_->Path("old/bin/helper")).ok());
  ExpectRefusedUntouched(Request(delta_path()), ErrorCode::kHashMismatch,
                         "bin/helper is not a regular file");
}

TEST_P(BundleApplyTest, RefusesADeltaBundleOnAnotherTree) {
  ApplyRequest request = Request(delta_path());
  request.source_dir = ws_->Path("new");
  ExpectRefusedUntouched(request, ErrorCode::kHashMismatch, "source tree does not match");
}

TEST_P(BundleApplyTest, EnforcesCaps) {
  BundleApplyOptions few_files;
  few_files.max_files = 5;
  ExpectRefusedUntouched(Request(full_path()), ErrorCode::kTooLarge, "entry count", few_files);
  BundleApplyOptions small_files;
  small_files.max_file_bytes = std::uint64_t{64} * 1024;
  ExpectRefusedUntouched(Request(full_path()), ErrorCode::kTooLarge, "the size of lib/libfoo.so.1",
                         small_files);
  BundleApplyOptions small_total;
  small_total.max_total_bytes = std::uint64_t{100} * 1024;
  ExpectRefusedUntouched(Request(full_path()), ErrorCode::kTooLarge, "total file size",
                         small_total);
  BundleApplyOptions small_window;
  small_window.delta.max_window_log = 10;
  ExpectRefusedUntouched(Request(full_path()), ErrorCode::kTooLarge, "zstd window", small_window);
}

TEST_P(BundleApplyTest, RefusesAMissingBundle) {
  ExpectRefusedUntouched(Request(ws_->Path("nope.bsi")), ErrorCode::kFileNotFound, "nope.bsi");
}

INSTANTIATE_TEST_SUITE_P(Fs, BundleApplyTest, ::testing::Values(FsKind::kPosix, FsKind::kMemory),
                         test::FsKindName);

}  // namespace
}  // namespace bsi::payload
