// The `bsi` command line, run as a real process on real files.
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "bsi/json/json.h"

#include "tests/subprocess.h"
#include "tests/test_files.h"

namespace bsi::tests {
namespace {

namespace fs = std::filesystem;

std::string RandomBytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

class BsiCli : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/bsi-cli.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    work_ = dir_template;
    // A component tree and its next version: one library patched, one file
    // added, one unchanged, a symlink.
    old_library_ = RandomBytes(300000, 1);
    new_library_ = old_library_;
    new_library_.replace(1000, 64, RandomBytes(64, 2));
    new_library_ += RandomBytes(5000, 3);
    WriteAll(work_ / "old/lib/libwebkit.so", old_library_);
    WriteAll(work_ / "old/share/README", "webkit 621.1.2\n");
    WriteAll(work_ / "new/lib/libwebkit.so", new_library_);
    WriteAll(work_ / "new/share/README", "webkit 621.1.2\n");
    WriteAll(work_ / "new/share/NOTICE", "CVE-2026-20643 fixed\n");
    fs::create_directory_symlink("lib", work_ / "new/current");
    ::chmod((work_ / "new/lib/libwebkit.so").c_str(), 0755);
  }

  void TearDown() override { fs::remove_all(work_); }

  ProcessResult Bsi(std::vector<std::string> args) {
    args.insert(args.begin(), BSI_CLI_PATH);
    return RunProcess(args);
  }

  std::string Path(const std::string& relative) const { return (work_ / relative).string(); }

  fs::path work_;
  std::string old_library_;
  std::string new_library_;
};

TEST_F(BsiCli, DeltaCreateAndApplyRoundTrip) {
  ProcessResult created = Bsi({"delta", "create", Path("old/lib/libwebkit.so"),
                               Path("new/lib/libwebkit.so"), Path("patch"), "--json"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto summary = json::Parse(created.out);
  ASSERT_TRUE(summary.ok()) << created.out;
  EXPECT_EQ(summary->Find("new_size")->int_value(), static_cast<std::int64_t>(new_library_.size()));
  EXPECT_LT(summary->Find("patch_size")->int_value(), 20000);
  ProcessResult applied =
      Bsi({"delta", "apply", Path("old/lib/libwebkit.so"), Path("patch"), Path("out.so")});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_EQ(ReadAll(work_ / "out.so"), new_library_);
}

TEST_F(BsiCli, DeltaApplyToTheWrongFileFailsAndWritesNothing) {
  ASSERT_EQ(Bsi({"delta", "create", Path("old/lib/libwebkit.so"), Path("new/lib/libwebkit.so"),
                 Path("patch")})
                .exit_code,
            0);
  ProcessResult applied =
      Bsi({"delta", "apply", Path("new/lib/libwebkit.so"), Path("patch"), Path("out.so")});
  EXPECT_EQ(applied.exit_code, 1);
  EXPECT_NE(applied.err.find("bsi: delta apply: security error"), std::string::npos) << applied.err;
  EXPECT_FALSE(fs::exists(work_ / "out.so"));
}

TEST_F(BsiCli, BundleCreateInspectApply) {
  ProcessResult created =
      Bsi({"bundle", "create", "--component", "webkit", "--from", Path("old"), "--from-version",
           "621.1.2", "--to", Path("new"), "--to-version", "621.1.3", "--out", Path("b.bundle")});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_NE(created.out.find("delta bundle from 621.1.2 to 621.1.3"), std::string::npos)
      << created.out;

  ProcessResult inspected = Bsi({"bundle", "inspect", Path("b.bundle"), "--json"});
  ASSERT_EQ(inspected.exit_code, 0) << inspected.err;
  auto info = json::Parse(inspected.out);
  ASSERT_TRUE(info.ok()) << inspected.out;
  EXPECT_EQ(info->Find("component")->string_value(), "webkit");
  EXPECT_FALSE(info->Find("full")->bool_value());
  std::map<std::string, std::string> content;
  for (const json::Value& entry : info->Find("entries")->array()) {
    if (const json::Value* kind = entry.Find("content")) {
      content[entry.Find("path")->string_value()] = kind->string_value();
    }
  }
  EXPECT_EQ(content["lib/libwebkit.so"], "delta");
  EXPECT_EQ(content["share/README"], "unchanged");
  EXPECT_EQ(content["share/NOTICE"], "full");

  ProcessResult applied =
      Bsi({"bundle", "apply", Path("b.bundle"), "--source", Path("old"), "--out", Path("out")});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_EQ(ReadAll(work_ / "out/lib/libwebkit.so"), new_library_);
  EXPECT_EQ(ReadAll(work_ / "out/share/NOTICE"), "CVE-2026-20643 fixed\n");
  EXPECT_EQ(fs::read_symlink(work_ / "out/current"), fs::path("lib"));
  EXPECT_EQ(fs::status(work_ / "out/lib/libwebkit.so").permissions() & fs::perms::owner_exec,
            fs::perms::owner_exec);
}

TEST_F(BsiCli, FullBundleNeedsNoSource) {
  ASSERT_EQ(Bsi({"bundle", "create", "--component", "webkit", "--to", Path("new"), "--to-version",
                 "621.1.3", "--out", Path("full.bundle")})
                .exit_code,
            0);
  ProcessResult applied = Bsi({"bundle", "apply", Path("full.bundle"), "--out", Path("out")});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_EQ(ReadAll(work_ / "out/lib/libwebkit.so"), new_library_);
}

TEST_F(BsiCli, BundleApplyOntoTheWrongSourceLeavesNothing) {
  ASSERT_EQ(
      Bsi({"bundle", "create", "--component", "webkit", "--from", Path("old"), "--from-version",
           "621.1.2", "--to", Path("new"), "--to-version", "621.1.3", "--out", Path("b.bundle")})
          .exit_code,
      0);
  ProcessResult applied =
      Bsi({"bundle", "apply", Path("b.bundle"), "--source", Path("new"), "--out", Path("out")});
  EXPECT_EQ(applied.exit_code, 1);
  EXPECT_NE(applied.err.find("source tree does not match"), std::string::npos) << applied.err;
  EXPECT_FALSE(fs::exists(work_ / "out"));
}

TEST_F(BsiCli, TamperedBundleIsRefused) {
  ASSERT_EQ(Bsi({"bundle", "create", "--component", "webkit", "--to", Path("new"), "--to-version",
                 "621.1.3", "--out", Path("full.bundle")})
                .exit_code,
            0);
  std::string bytes = ReadAll(work_ / "full.bundle");
  bytes[bytes.size() - 10] ^= 0x55;
  WriteAll(work_ / "full.bundle", bytes);
  ProcessResult applied = Bsi({"bundle", "apply", Path("full.bundle"), "--out", Path("out")});
  EXPECT_EQ(applied.exit_code, 1);
  EXPECT_FALSE(fs::exists(work_ / "out"));
}

TEST_F(BsiCli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(Bsi({}).exit_code, 2);
  EXPECT_EQ(Bsi({"delta"}).exit_code, 2);
  EXPECT_EQ(Bsi({"delta", "create", "only-one"}).exit_code, 2);
  EXPECT_EQ(Bsi({"bundle", "create", "--component", "x", "--from", Path("old"), "--to", Path("new"),
                 "--to-version", "2", "--out", Path("b")})
                .exit_code,
            2);  // --from without --from-version
  EXPECT_EQ(Bsi({"--help"}).exit_code, 0);
  EXPECT_EQ(Bsi({"bundle", "inspect", Path("missing.bundle")}).exit_code, 1);
}

}  // namespace
}  // namespace bsi::tests
