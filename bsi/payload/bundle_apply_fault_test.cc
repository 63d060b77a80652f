// Fault injection: every file system operation that apply (and the writer)
// makes is failed in turn. Each time the call must fail cleanly and leave
// nothing behind; and when the disk is gone from that operation on and the
// machine then crashes, nothing half-made may survive either.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/payload/bundle_apply.h"
#include "bsi/payload/bundle_apply_test_util.h"
#include "bsi/payload/bundle_writer.h"

#include "testing/fault_injection_file_system.h"
#include "testing/memory_file_system.h"

namespace bsi::payload {
namespace {

using testing::FaultInjectionFileSystem;
using testing::FaultScope;
using testing::MemoryFileSystem;

BundleWriterOptions FastOptions() {
  BundleWriterOptions options;
  options.level = 3;
  options.delta.level = 3;
  return options;
}

// A durable starting point: the source tree, the bundle, the staging
// directory's parent.
void SetUpApply(MemoryFileSystem& memory) {
  test::WriteTree(memory, "/w/old", test::OldTree());
  ASSERT_TRUE(WriteFileAtomically(memory, "/w/b.bsi", test::DeltaBundleBytes()).ok());
  ASSERT_TRUE(memory.CreateDir("/w/parent").ok());
  test::SyncTree(memory, "/");
}

ApplyRequest Request() {
  return ApplyRequest{.bundle_path = "/w/b.bsi",
                      .source_dir = "/w/old",
                      .staging_dir = "/w/parent/staging",
                      .expected_component = std::nullopt,
                      .expected_target_version = std::nullopt,
                      .expected_source_version = std::nullopt};
}

// The operations a successful apply makes.
std::uint64_t ApplyOperationCount() {
  MemoryFileSystem memory;
  SetUpApply(memory);
  FaultInjectionFileSystem fs(memory);
  Result<Manifest> applied = ApplyBundle(fs, Request());
  EXPECT_TRUE(applied.ok()) << applied.error().ToString();
  const std::uint64_t count = fs.OperationCount();
  test::WriteTree(memory, "/expected", test::NewTree());
  EXPECT_EQ(test::ReadTree(memory, "/w/parent/staging"), test::ReadTree(memory, "/expected"));
  return count;
}

TEST(BundleApplyFaultTest, EveryFailedOperationLeavesNothingBehind) {
  const std::uint64_t operations = ApplyOperationCount();
  ASSERT_GT(operations, 50u);
  for (std::uint64_t n = 1; n <= operations; ++n) {
    SCOPED_TRACE("failing operation " + std::to_string(n) + " of " + std::to_string(operations));
    MemoryFileSystem memory;
    SetUpApply(memory);
    const std::vector<std::string> before = test::Snapshot(memory, "/");
    FaultInjectionFileSystem fs(memory);
    fs.FailAt(n, FaultScope::kOnce);
    Result<Manifest> applied = ApplyBundle(fs, Request());
    ASSERT_FALSE(applied.ok());
    EXPECT_NE(applied.error().message().find("injected fault"), std::string::npos)
        << applied.error().message();
    EXPECT_EQ(applied.error().message().find("removing"), std::string::npos)
        << applied.error().message();
    EXPECT_EQ(fs.InjectedFaultCount(), 1u);
    EXPECT_EQ(test::Snapshot(memory, "/"), before);
  }
}

TEST(BundleApplyFaultTest, DiskGoneThenCrashLeavesNothingBehind) {
  const std::uint64_t operations = ApplyOperationCount();
  for (std::uint64_t n = 1; n <= operations; ++n) {
    SCOPED_TRACE("disk gone at operation " + std::to_string(n));
    MemoryFileSystem memory;
    SetUpApply(memory);
    const std::vector<std::string> before = test::Snapshot(memory, "/");
    FaultInjectionFileSystem fs(memory);
    fs.FailAt(n, FaultScope::kFromThenOn);
    ASSERT_FALSE(ApplyBundle(fs, Request()).ok());
    memory.SimulateCrash();
    EXPECT_EQ(test::Snapshot(memory, "/"), before);
  }
}

TEST(BundleApplyFaultTest, SucceedsAfterACrashWithoutFaults) {
  MemoryFileSystem memory;
  SetUpApply(memory);
  ASSERT_TRUE(ApplyBundle(memory, Request()).ok());
  memory.SimulateCrash();  // apply synced everything it made
  test::WriteTree(memory, "/expected", test::NewTree());
  EXPECT_EQ(test::ReadTree(memory, "/w/parent/staging"), test::ReadTree(memory, "/expected"));
}

// The writer over small trees (it compresses and diffs on every run).
void SetUpWrite(MemoryFileSystem& memory) {
  test::WriteTree(
      memory, "/w/old",
      {test::Dir("d"), test::File("d/a", test::RandomBytes(8000, 1)), test::File("same", "same")});
  std::string changed = test::RandomBytes(8000, 1);
  changed[4000] ^= 1;
  test::WriteTree(memory, "/w/new",
                  {test::Dir("d"), test::File("d/a", changed), test::File("d/new", "new"),
                   test::Link("l", "d/a"), test::File("same", "same")});
  ASSERT_TRUE(memory.CreateDir("/w/out").ok());
  ASSERT_TRUE(WriteFileAtomically(memory, "/w/out/b.bsi", "previous").ok());
  test::SyncTree(memory, "/");
}

const BundleSpec kSmallSpec{.component = "c",
                            .source_version = "1",
                            .old_tree = "/w/old",
                            .target_version = "2",
                            .new_tree = "/w/new"};

TEST(BundleWriterFaultTest, EveryFailedOperationLeavesOldOrNewBundleOnly) {
  std::uint64_t operations = 0;
  {
    MemoryFileSystem memory;
    SetUpWrite(memory);
    FaultInjectionFileSystem fs(memory);
    ASSERT_TRUE(BundleWriter(fs, FastOptions()).Write(kSmallSpec, "/w/out/b.bsi").ok());
    operations = fs.OperationCount();
  }
  ASSERT_GT(operations, 10u);
  for (FaultScope scope : {FaultScope::kOnce, FaultScope::kFromThenOn}) {
    for (std::uint64_t n = 1; n <= operations; ++n) {
      SCOPED_TRACE("failing operation " + std::to_string(n));
      MemoryFileSystem memory;
      SetUpWrite(memory);
      FaultInjectionFileSystem fs(memory);
      fs.FailAt(n, scope);
      ASSERT_FALSE(BundleWriter(fs, FastOptions()).Write(kSmallSpec, "/w/out/b.bsi").ok());
      if (scope == FaultScope::kFromThenOn) memory.SimulateCrash();
      EXPECT_EQ(*memory.ListDir("/w/out"), std::vector<std::string>{"b.bsi"});
      // The final directory sync failing may leave the new bundle in place.
      Result<std::string> content = memory.ReadFile("/w/out/b.bsi", 1 << 20);
      ASSERT_TRUE(content.ok());
      if (*content != "previous") {
        EXPECT_TRUE(ReadBundleInfo(memory, "/w/out/b.bsi").ok());
      }
    }
  }
}

}  // namespace
}  // namespace bsi::payload
