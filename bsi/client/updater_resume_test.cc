// Resumable artifact downloads (UpdaterOptions::resume_downloads) over real
// HTTP on 127.0.0.1: a server that drops the connection half-way, then a
// Range request that continues where the first attempt stopped.
#include <atomic>
#include <filesystem>

#include <gtest/gtest.h>
#include <stdlib.h>

#include "bsi/client/updater.h"
#include "bsi/core/posix_file_system.h"
#include "bsi/crypto/hash.h"
#include "bsi/fetch/curl_transport.h"

#include "testing/http_test_server.h"
#include "testing/repository_simulator.h"
#include "testing/status_matchers.h"

namespace bsi::client {
namespace {

using testing::CodeOf;

class ResumeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/bsi-resume.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    work_ = dir_template;
    artifact_.resize(1 << 20);
    for (std::size_t i = 0; i < artifact_.size(); ++i) {
      artifact_[i] = static_cast<char>((i * 7 + i / 1000) % 256);
    }
    sim_.AddTarget("targets", "big/payload.bin", artifact_);
    sim_.UpdateSnapshot();
    ASSERT_OK(sim_.WriteTo(work_ + "/repo"));
    server_.ServeDirectory(work_ + "/repo");
    ASSERT_OK(server_.Start());
    url_path_ = "/targets/big/" + crypto::Sha256Hex(artifact_) + ".payload.bin";
  }
  void TearDown() override {
    server_.Stop();
    std::filesystem::remove_all(work_);
  }

  std::unique_ptr<Updater> NewUpdater(bool resume) {
    EXPECT_OK(Updater::InitMetadataDir(fs_, work_ + "/client/metadata", sim_.TrustedRoot()));
    UpdaterConfig config{work_ + "/client/metadata",
                         server_.BaseUrl() + "metadata/",
                         work_ + "/client/targets",
                         server_.BaseUrl() + "targets/",
                         {}};
    config.options.resume_downloads = resume;
    return std::make_unique<Updater>(config, transport_, fs_, clock_);
  }

  // The first request for the artifact gets 300 KB of it, then the
  // connection closes; later requests reach the directory (with Range).
  void DropFirstAttempt() {
    server_.SetHandler(url_path_, [this](const testing::HttpTestServer::Request&) {
      testing::HttpTestServer::Response response;
      response.body = artifact_.substr(0, 300'000);
      response.declared_content_length = artifact_.size();
      server_.RemoveHandler(url_path_);
      return response;
    });
  }

  std::string work_;
  std::string artifact_;
  std::string url_path_;
  PosixFileSystem fs_;
  SystemClock clock_;
  testing::RepositorySimulator sim_{SystemClock().Now()};
  testing::HttpTestServer server_;
  fetch::CurlTransport transport_{fetch::CurlTransportOptions{}};
};

TEST_F(ResumeTest, ADroppedDownloadContinuesWithARangeRequest) {
  auto updater = NewUpdater(true);
  Result<TargetInfo> info = updater->GetTargetInfo("big/payload.bin");
  ASSERT_OK(info);
  DropFirstAttempt();
  Result<std::string> first = updater->DownloadTarget(*info);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().category(), ErrorCategory::kTransient) << first.error().ToString();

  // The second attempt asks only for the rest.
  std::string range;
  server_.SetHandler(url_path_, [this, &range](const testing::HttpTestServer::Request& request) {
    const auto header = request.headers.find("range");
    range = header == request.headers.end() ? "" : header->second;
    testing::HttpTestServer::Response response;
    response.status = 206;
    response.body = artifact_.substr(300'000);
    response.headers["Content-Range"] = "bytes 300000-" + std::to_string(artifact_.size() - 1) +
                                        "/" + std::to_string(artifact_.size());
    return response;
  });
  Result<std::string> second = updater->DownloadTarget(*info);
  ASSERT_OK(second);
  EXPECT_EQ(range, "bytes=300000-");
  EXPECT_EQ(fs_.ReadFile(*second, 2 << 20).value(), artifact_);
  // Nothing partial is left.
  for (const auto& entry : std::filesystem::directory_iterator(work_ + "/client/targets")) {
    EXPECT_EQ(entry.path().filename().string().find("#partial"), std::string::npos);
  }
}

TEST_F(ResumeTest, WithoutResumeTheDownloadStartsOverAndLeavesNothing) {
  auto updater = NewUpdater(false);
  Result<TargetInfo> info = updater->GetTargetInfo("big/payload.bin");
  ASSERT_OK(info);
  DropFirstAttempt();
  EXPECT_FALSE(updater->DownloadTarget(*info).ok());
  EXPECT_TRUE(std::filesystem::is_empty(work_ + "/client/targets"));
  ASSERT_OK(updater->DownloadTarget(*info));
}

TEST_F(ResumeTest, ATamperedPartialFileIsDiscardedAfterTheHashCheck) {
  auto updater = NewUpdater(true);
  Result<TargetInfo> info = updater->GetTargetInfo("big/payload.bin");
  ASSERT_OK(info);
  // The first attempt gets 300 KB of wrong bytes before the drop.
  server_.SetHandler(url_path_, [this](const testing::HttpTestServer::Request&) {
    testing::HttpTestServer::Response response;
    response.body = std::string(300'000, 'X');
    response.declared_content_length = artifact_.size();
    server_.RemoveHandler(url_path_);
    return response;
  });
  EXPECT_FALSE(updater->DownloadTarget(*info).ok());
  Result<std::string> resumed = updater->DownloadTarget(*info);
  EXPECT_EQ(CodeOf(resumed), ErrorCode::kHashMismatch);
  EXPECT_TRUE(std::filesystem::is_empty(work_ + "/client/targets"));
  // The next attempt starts over and succeeds.
  ASSERT_OK(updater->DownloadTarget(*info));
}

}  // namespace
}  // namespace bsi::client
