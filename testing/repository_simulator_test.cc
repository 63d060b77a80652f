#include "testing/repository_simulator.h"

#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "bsi/core/posix_file_system.h"
#include "bsi/crypto/hash.h"
#include "bsi/metadata/parse.h"

namespace bsi {

// So that failed expectations print "not_found", not a raw number.
static void PrintTo(ErrorCode code, std::ostream* os) { *os << CodeName(code); }

namespace testing {
namespace {

constexpr UnixTime kNow{1'700'000'000};

template <typename T>
std::optional<ErrorCode> CodeOf(const Result<T>& result) {
  if (result.ok()) return std::nullopt;
  return result.error().code();
}

class CollectingSink final : public fetch::ByteSink {
 public:
  Status Write(std::string_view chunk) override {
    data += chunk;
    ++chunks;
    return Ok();
  }
  std::string data;
  int chunks = 0;
};

class RepositorySimulatorTest : public ::testing::Test {
 protected:
  RepositorySimulatorTest() : sim_(kNow) {}

  Result<std::string> Get(const std::string& name, std::uint64_t max_bytes = 1 << 20) {
    return sim_.Fetch(
        fetch::FetchRequest{RepositorySimulator::kMetadataUrl + name, max_bytes, std::nullopt});
  }
  Result<std::string> GetArtifact(const std::string& name) {
    return sim_.Fetch(
        fetch::FetchRequest{RepositorySimulator::kTargetsUrl + name, 1 << 20, std::nullopt});
  }

  RepositorySimulator sim_;
};

TEST_F(RepositorySimulatorTest, ServesEachRoleUnderItsNamesLikeAStaticServer) {
  EXPECT_EQ(*Get("1.root.json"), sim_.PublishedRoot(1));
  EXPECT_EQ(*Get("root.json"), sim_.PublishedRoot(1));
  EXPECT_EQ(CodeOf(Get("2.root.json")), ErrorCode::kNotFound);
  EXPECT_EQ(*Get("timestamp.json"), sim_.SignedBytes("timestamp"));
  EXPECT_EQ(CodeOf(Get("1.timestamp.json")), ErrorCode::kNotFound);
  EXPECT_EQ(*Get("1.snapshot.json"), sim_.SignedBytes("snapshot"));
  EXPECT_EQ(*Get("snapshot.json"), sim_.SignedBytes("snapshot"));
  EXPECT_EQ(CodeOf(Get("2.snapshot.json")), ErrorCode::kNotFound);
  EXPECT_EQ(*Get("1.targets.json"), sim_.SignedBytes("targets"));
  EXPECT_EQ(CodeOf(Get("1.nobody.json")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(sim_.Fetch(fetch::FetchRequest{"http://elsewhere/x", 100, std::nullopt})),
            ErrorCode::kNotFound);
  EXPECT_EQ(sim_.requests.size(), 11u);
  EXPECT_EQ(sim_.requests.front(), "1.root.json");
}

TEST_F(RepositorySimulatorTest, ServedMetadataVerifiesAgainstRoot) {
  auto root = metadata::ParseRoot(sim_.TrustedRoot());
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->signed_part.keys.size(), 4u);
  EXPECT_TRUE(root->signed_part.consistent_snapshot);
  auto timestamp = metadata::ParseTimestamp(sim_.SignedBytes("timestamp"));
  ASSERT_TRUE(timestamp.ok());
  EXPECT_TRUE(metadata::VerifyThreshold("timestamp", root->signed_part.roles.at("timestamp"),
                                        root->signed_part.keys, timestamp->signatures,
                                        timestamp->canonical_signed)
                  .ok());
  EXPECT_EQ(timestamp->signed_part.expires.seconds, kNow.seconds + 365 * 24 * 60 * 60);
}

TEST_F(RepositorySimulatorTest, FetchRespectsMaxBytes) {
  const std::string timestamp = sim_.SignedBytes("timestamp");
  EXPECT_EQ(CodeOf(Get("timestamp.json", timestamp.size() - 1)), ErrorCode::kTooLarge);
  EXPECT_EQ(*Get("timestamp.json", timestamp.size()), timestamp);

  sim_.overrides["timestamp.json"] = std::string(10000, 'x');
  CollectingSink sink;
  fetch::FetchRequest request{std::string(RepositorySimulator::kMetadataUrl) + "timestamp.json",
                              9999, std::nullopt};
  EXPECT_EQ(CodeOf(sim_.FetchTo(request, sink)), ErrorCode::kTooLarge);
  request.max_bytes = 10000;
  ASSERT_TRUE(sim_.FetchTo(request, sink).ok());
  EXPECT_EQ(sink.data, std::string(10000, 'x'));
  EXPECT_GT(sink.chunks, 1);
}

TEST_F(RepositorySimulatorTest, FailuresComeBeforeOverrides) {
  sim_.overrides["timestamp.json"] = "attack";
  EXPECT_EQ(*Get("timestamp.json"), "attack");
  sim_.failures["timestamp.json"] = ErrorCode::kTimeout;
  EXPECT_EQ(CodeOf(Get("timestamp.json")), ErrorCode::kTimeout);
}

TEST_F(RepositorySimulatorTest, UpdatesKeepMetaFilesInStep) {
  sim_.compute_metafile_hashes_and_length = true;
  sim_.BumpTargets("targets");
  sim_.UpdateSnapshot();
  EXPECT_EQ(sim_.snapshot.version, 2);
  EXPECT_EQ(sim_.timestamp.version, 2);
  EXPECT_EQ(sim_.snapshot.meta["targets.json"].version, 2);
  const std::string snapshot = sim_.SignedBytes("snapshot");
  EXPECT_EQ(sim_.timestamp.snapshot_meta.version, 2);
  EXPECT_EQ(sim_.timestamp.snapshot_meta.length, static_cast<std::int64_t>(snapshot.size()));
  EXPECT_EQ(sim_.timestamp.snapshot_meta.hashes["sha256"], crypto::Sha256Hex(snapshot));
  EXPECT_EQ(sim_.snapshot.meta["targets.json"].hashes["sha256"],
            crypto::Sha256Hex(sim_.SignedBytes("targets")));
}

TEST_F(RepositorySimulatorTest, KeysAreAddedAndRotated) {
  const std::string old_id = sim_.root.roles["timestamp"].keyids[0];
  const std::string added = sim_.AddKey("timestamp");
  EXPECT_EQ(sim_.root.roles["timestamp"].keyids.size(), 2u);
  EXPECT_EQ(sim_.signers["timestamp"].size(), 2u);
  const std::string rotated = sim_.RotateKeys("timestamp");
  EXPECT_EQ(sim_.root.roles["timestamp"].keyids, std::vector<std::string>{rotated});
  EXPECT_EQ(sim_.root.keys.count(old_id), 0u);
  EXPECT_EQ(sim_.root.keys.count(added), 0u);
  EXPECT_EQ(sim_.root.keys.size(), 4u);
  sim_.PublishRoot();
  EXPECT_EQ(sim_.root.version, 2);
  EXPECT_EQ(sim_.SignedBytes("root"), sim_.PublishedRoot(2));
  EXPECT_EQ(*Get("2.root.json"), sim_.PublishedRoot(2));
}

TEST_F(RepositorySimulatorTest, DelegatedRolesAreServedUnderEncodedNames) {
  metadata::DelegatedRole role;
  role.name = "team/a b";
  role.paths = std::vector<std::string>{"*"};
  sim_.AddDelegation("targets", role);
  EXPECT_EQ(sim_.snapshot.meta.count("team/a b.json"), 1u);
  ASSERT_TRUE(sim_.targets.delegations.has_value());
  EXPECT_EQ(sim_.targets.delegations->roles[0].keys.keyids.size(), 1u);
  EXPECT_EQ(*Get("1.team%2Fa%20b.json"), sim_.SignedBytes("team/a b"));
}

TEST_F(RepositorySimulatorTest, ArtifactsAreServedByHashPrefixOrPath) {
  sim_.AddTarget("targets", "dir/file.txt", "content", /*both_hashes=*/true);
  const std::string prefixed = "dir/" + crypto::Sha256Hex("content") + ".file.txt";
  EXPECT_EQ(*GetArtifact(prefixed), "content");
  EXPECT_EQ(CodeOf(GetArtifact("dir/file.txt")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(GetArtifact("dir/0000.file.txt")), ErrorCode::kNotFound);
  sim_.root.consistent_snapshot = false;
  EXPECT_EQ(*GetArtifact("dir/file.txt"), "content");
  EXPECT_EQ(sim_.requests.back(), "dir/file.txt");
}

TEST_F(RepositorySimulatorTest, WriteToWritesAStaticRepository) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string dir = std::string(tmpdir != nullptr ? tmpdir : "/tmp") + "/bsi_repo_XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  sim_.AddTarget("targets", "dir/file.txt", "content");
  sim_.PublishRoot();
  ASSERT_TRUE(sim_.WriteTo(dir).ok());

  PosixFileSystem fs;
  auto read = [&](const std::string& path) {
    auto bytes = fs.ReadFile(dir + "/" + path, 1 << 20);
    return bytes.ok() ? *bytes : "<missing " + path + ">";
  };
  EXPECT_EQ(read("metadata/1.root.json"), sim_.PublishedRoot(1));
  EXPECT_EQ(read("metadata/2.root.json"), sim_.PublishedRoot(2));
  EXPECT_EQ(read("metadata/root.json"), sim_.PublishedRoot(2));
  EXPECT_EQ(read("metadata/timestamp.json"), sim_.SignedBytes("timestamp"));
  EXPECT_EQ(read("metadata/1.snapshot.json"), sim_.SignedBytes("snapshot"));
  EXPECT_EQ(read("metadata/snapshot.json"), sim_.SignedBytes("snapshot"));
  EXPECT_EQ(read("metadata/1.targets.json"), sim_.SignedBytes("targets"));
  EXPECT_EQ(read("metadata/targets.json"), sim_.SignedBytes("targets"));
  EXPECT_EQ(read("targets/dir/file.txt"), "content");
  EXPECT_EQ(read("targets/dir/" + crypto::Sha256Hex("content") + ".file.txt"), "content");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace testing
}  // namespace bsi
