// Test support for the repo module: a repository in a fresh temporary
// directory with a key directory beside it, and a real TUF client (Updater
// over curl) reading it through a real HTTP server on 127.0.0.1.
#ifndef BSI_REPO_REPO_TEST_UTIL_H_
#define BSI_REPO_REPO_TEST_UTIL_H_

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <stdlib.h>

#include "bsi/client/updater.h"
#include "bsi/core/posix_file_system.h"
#include "bsi/fetch/curl_transport.h"
#include "bsi/repo/repository.h"

#include "testing/fake_clock.h"
#include "testing/http_test_server.h"
#include "testing/status_matchers.h"

namespace bsi::repo {

class RepoTest : public ::testing::Test {
 protected:
  static constexpr UnixTime kStart{1'800'000'000};

  void SetUp() override {
    char dir_template[] = "/tmp/bsi-repo-test.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    work_ = dir_template;
    keys_ = std::make_unique<KeyDirectory>(fs_, (work_ / "keys").string());
    for (const char* role : {"root", "targets", "snapshot", "timestamp"}) {
      ASSERT_OK(keys_->EnsureKey(role, crypto::KeyType::kEd25519));
    }
  }
  void TearDown() override {
    server_.Stop();
    std::filesystem::remove_all(work_);
  }

  std::string RepoDir() const { return (work_ / "repo").string(); }

  Repository InitRepo() {
    InitOptions options;
    options.now = clock_.Now();
    Result<Repository> repo = Repository::Init(fs_, RepoDir(), *keys_, options);
    EXPECT_OK(repo);
    return std::move(repo).value();
  }

  // A client that trusts root version 1 of the repository.
  std::unique_ptr<client::Updater> NewClient(const std::string& name = "client") {
    if (!started_) {
      server_.ServeDirectory(RepoDir());
      EXPECT_OK(server_.Start());
      started_ = true;
    }
    const std::string client_dir = (work_ / name).string();
    Result<std::string> root = fs_.ReadFile(RepoDir() + "/metadata/1.root.json", 1 << 20);
    EXPECT_OK(root);
    EXPECT_OK(client::Updater::InitMetadataDir(fs_, client_dir + "/metadata", *root));
    client::UpdaterConfig config{client_dir + "/metadata",
                                 server_.BaseUrl() + "metadata/",
                                 client_dir + "/targets",
                                 server_.BaseUrl() + "targets/",
                                 {}};
    return std::make_unique<client::Updater>(config, transport_, fs_, clock_);
  }

  std::filesystem::path work_;
  PosixFileSystem fs_;
  testing::FakeClock clock_{kStart};
  std::unique_ptr<KeyDirectory> keys_;
  testing::HttpTestServer server_;
  fetch::CurlTransport transport_{fetch::CurlTransportOptions{}};
  bool started_ = false;
};

}  // namespace bsi::repo

#endif  // BSI_REPO_REPO_TEST_UTIL_H_
