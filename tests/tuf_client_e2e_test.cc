// bsi-tuf-client, run as a real process, against a repository written by
// the RepositorySimulator and served by a real HTTP server on 127.0.0.1.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <stdlib.h>

#include "bsi/core/clock.h"
#include "bsi/core/time_format.h"

#include "testing/http_test_server.h"
#include "testing/repository_simulator.h"
#include "tests/subprocess.h"
#include "tests/test_files.h"

namespace bsi::tests {
namespace {

namespace fs = std::filesystem;
using testing::HttpTestServer;
using testing::RepositorySimulator;

std::vector<std::string> Listing(const fs::path& dir) {
  std::vector<std::string> names;
  if (!fs::exists(dir)) return names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class TufClientEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/bsi-e2e.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    work_ = dir_template;
    sim_ = std::make_unique<RepositorySimulator>(SystemClock().Now());
    sim_->AddTarget("targets", "files/hello.txt", "hello, world\n");
    sim_->UpdateSnapshot();
    Publish();
    server_.ServeDirectory((work_ / "repo").string());
    ASSERT_TRUE(server_.Start().ok());
    ASSERT_EQ(Client({"--metadata-dir", MetadataDir(), "init", TrustedRootFile()}).exit_code, 0);
  }

  void TearDown() override {
    server_.Stop();
    fs::remove_all(work_);
  }

  void Publish() { ASSERT_TRUE(sim_->WriteTo((work_ / "repo").string()).ok()); }

  std::string TrustedRootFile() {
    const fs::path path = work_ / "trusted-root.json";
    if (!fs::exists(path)) WriteAll(path, sim_->TrustedRoot());
    return path.string();
  }
  std::string MetadataDir() const { return (work_ / "client" / "metadata").string(); }
  std::string TargetDir() const { return (work_ / "client" / "targets").string(); }
  std::string MetadataUrl() const { return server_.BaseUrl() + "metadata/"; }
  std::string TargetsUrl() const { return server_.BaseUrl() + "targets/"; }

  ProcessResult Client(std::vector<std::string> args, std::vector<std::string> prefix = {}) {
    std::vector<std::string> argv = std::move(prefix);
    argv.push_back(BSI_TUF_CLIENT_PATH);
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv);
  }
  ProcessResult Refresh(std::vector<std::string> prefix = {}) {
    return Client({"--metadata-url", MetadataUrl(), "--metadata-dir", MetadataDir(), "refresh"},
                  std::move(prefix));
  }
  ProcessResult Download(const std::string& name) {
    return Client({"--metadata-url", MetadataUrl(), "--metadata-dir", MetadataDir(),
                   "--target-name", name, "--target-dir", TargetDir(), "--target-base-url",
                   TargetsUrl(), "download"});
  }

  fs::path work_;
  std::unique_ptr<RepositorySimulator> sim_;
  HttpTestServer server_;
};

TEST_F(TufClientEndToEnd, InitInstallsTheRootWithoutAnyRequest) {
  EXPECT_EQ(ReadAll(fs::path(MetadataDir()) / "root.json"), sim_->TrustedRoot());
  EXPECT_TRUE(server_.RequestLog().empty());
}

TEST_F(TufClientEndToEnd, FirstRefreshMakesTheSpecifiedRequestsAndKeepsExactBytes) {
  ProcessResult result = Refresh();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string snapshot_name = std::to_string(sim_->snapshot.version) + ".snapshot.json";
  const std::string targets_name = std::to_string(sim_->targets.version) + ".targets.json";
  EXPECT_EQ(server_.RequestLog(),
            (std::vector<std::string>{"GET /metadata/2.root.json", "GET /metadata/timestamp.json",
                                      "GET /metadata/" + snapshot_name,
                                      "GET /metadata/" + targets_name}));
  EXPECT_EQ(Listing(MetadataDir()), (std::vector<std::string>{"root.json", "snapshot.json",
                                                              "targets.json", "timestamp.json"}));
  const fs::path served = work_ / "repo" / "metadata";
  EXPECT_EQ(ReadAll(fs::path(MetadataDir()) / "timestamp.json"),
            ReadAll(served / "timestamp.json"));
  EXPECT_EQ(ReadAll(fs::path(MetadataDir()) / "snapshot.json"), ReadAll(served / snapshot_name));
  EXPECT_EQ(ReadAll(fs::path(MetadataDir()) / "targets.json"), ReadAll(served / targets_name));
}

TEST_F(TufClientEndToEnd, RefreshWithNothingNewFetchesOnlyRootAndTimestamp) {
  ASSERT_EQ(Refresh().exit_code, 0);
  server_.ClearRequestLog();
  ASSERT_EQ(Refresh().exit_code, 0);
  EXPECT_EQ(server_.RequestLog(), (std::vector<std::string>{"GET /metadata/2.root.json",
                                                            "GET /metadata/timestamp.json"}));
}

TEST_F(TufClientEndToEnd, DownloadVerifiesAndDoesNotFetchTwice) {
  ProcessResult first = Download("files/hello.txt");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(Listing(TargetDir()), std::vector<std::string>{"files%2Fhello.txt"});
  EXPECT_EQ(ReadAll(fs::path(TargetDir()) / "files%2Fhello.txt"), "hello, world\n");
  const std::string digest = sim_->targets.targets.at("files/hello.txt").hashes.at("sha256");
  EXPECT_EQ(server_.RequestLog().back(), "GET /targets/files/" + digest + ".hello.txt");
  server_.ClearRequestLog();
  ASSERT_EQ(Download("files/hello.txt").exit_code, 0);
  for (const std::string& request : server_.RequestLog()) {
    EXPECT_EQ(request.find("/targets/"), std::string::npos) << request;
  }
}

TEST_F(TufClientEndToEnd, TamperedArtifactIsRefusedAndNothingIsKept) {
  const std::string digest = sim_->targets.targets.at("files/hello.txt").hashes.at("sha256");
  WriteAll(work_ / "repo" / "targets" / "files" / (digest + ".hello.txt"), "HELLO, WORLD\n");
  ProcessResult result = Download("files/hello.txt");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("hash_mismatch"), std::string::npos) << result.err;
  EXPECT_TRUE(Listing(TargetDir()).empty());
}

TEST_F(TufClientEndToEnd, UnknownTargetFailsWithExitOne) {
  ProcessResult result = Download("files/absent.txt");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("target_not_found"), std::string::npos) << result.err;
}

TEST_F(TufClientEndToEnd, InvalidLocalRootMakesNoRequest) {
  std::string root = ReadAll(fs::path(MetadataDir()) / "root.json");
  const auto pos = root.find("\"version\":1");
  ASSERT_NE(pos, std::string::npos);
  root.replace(pos, 11, "\"version\":7");  // breaks the self-signature
  WriteAll(fs::path(MetadataDir()) / "root.json", root);
  ProcessResult result = Refresh();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("bad_signature"), std::string::npos) << result.err;
  EXPECT_TRUE(server_.RequestLog().empty());
}

TEST_F(TufClientEndToEnd, FollowsRootRotationAndKeepsOnlyTheFinalRoot) {
  ASSERT_EQ(Refresh().exit_code, 0);
  // Rotate the root key (the new root is signed by the old key and the new)
  // and the timestamp key.
  auto old_root_key = crypto::PrivateKey::FromPem(sim_->signers.at("root").front().ToPem());
  ASSERT_TRUE(old_root_key.ok());
  sim_->RotateKeys("root");
  sim_->RotateKeys("timestamp");
  sim_->PublishRoot({&*old_root_key});
  sim_->UpdateSnapshot();
  Publish();
  server_.ClearRequestLog();
  ProcessResult result = Refresh();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(server_.RequestLog().front(), "GET /metadata/2.root.json");
  EXPECT_EQ(server_.RequestLog().at(1), "GET /metadata/3.root.json");
  EXPECT_EQ(ReadAll(fs::path(MetadataDir()) / "root.json"), sim_->PublishedRoot(2));
  EXPECT_EQ(Listing(MetadataDir()).size(), 4u);
}

TEST_F(TufClientEndToEnd, ExpiredMetadataIsRefusedUnderFakedTime) {
  ASSERT_EQ(Refresh().exit_code, 0);
  const UnixTime later{SystemClock().Now().seconds + 800 * 86400};
  std::string when = FormatUtcTimestamp(later);  // YYYY-MM-DDTHH:MM:SSZ
  when[10] = ' ';
  when.pop_back();
  // libfaketime is preloaded ahead of the sanitizer runtime in sanitizer builds.
  ProcessResult result =
      Refresh({"/usr/bin/env", "ASAN_OPTIONS=verify_asan_link_order=0", "/usr/bin/faketime", when});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("expired"), std::string::npos) << result.err;
}

TEST_F(TufClientEndToEnd, EndlessTimestampIsCutOff) {
  server_.SetHandler("/metadata/timestamp.json", [](const HttpTestServer::Request&) {
    HttpTestServer::Response response;
    response.body = std::string(1 << 20, ' ');
    response.chunked = true;
    return response;
  });
  ProcessResult result = Refresh();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("too_large"), std::string::npos) << result.err;
  EXPECT_EQ(Listing(MetadataDir()), std::vector<std::string>{"root.json"});
}

TEST_F(TufClientEndToEnd, DelegatedRoleNamesStayInsideTheMetadataDirectory) {
  metadata::DelegatedRole role;
  role.name = "../escape";
  role.terminating = false;
  role.paths = std::vector<std::string>{"deep/*"};
  sim_->AddDelegation("targets", role);
  sim_->AddTarget("../escape", "deep/file.txt", "delegated\n");
  sim_->BumpTargets("targets");
  sim_->UpdateSnapshot();
  Publish();
  // A static server decodes %2F into a directory separator; serve the role
  // under the exact name the client asks for.
  const std::string role_bytes = sim_->SignedBytes("../escape");
  server_.SetHandler("/metadata/1...%2Fescape.json", [role_bytes](const HttpTestServer::Request&) {
    HttpTestServer::Response response;
    response.body = role_bytes;
    return response;
  });
  ProcessResult result = Download("deep/file.txt");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Listing(MetadataDir()),
            (std::vector<std::string>{"..%2Fescape.json", "root.json", "snapshot.json",
                                      "targets.json", "timestamp.json"}));
  EXPECT_FALSE(fs::exists(work_ / "client" / "escape.json"));
  EXPECT_EQ(Listing(TargetDir()), std::vector<std::string>{"deep%2Ffile.txt"});
}

TEST_F(TufClientEndToEnd, OptionsInAnyOrderBeforeTheVerb) {
  ProcessResult result = Client({"--target-base-url", TargetsUrl(), "--target-dir", TargetDir(),
                                 "--target-name", "files/hello.txt", "--metadata-dir",
                                 MetadataDir(), "--metadata-url", MetadataUrl(), "download"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
}

TEST_F(TufClientEndToEnd, EveryFailureExitsWithOne) {
  EXPECT_EQ(Client({}).exit_code, 1);                                            // no verb
  EXPECT_EQ(Client({"--metadata-dir", MetadataDir(), "refresh"}).exit_code, 1);  // no URL
  EXPECT_EQ(Client({"--bogus", "refresh"}).exit_code, 1);
  EXPECT_EQ(Client({"--metadata-dir", MetadataDir(), "init", "/nonexistent/root.json"}).exit_code,
            1);
  EXPECT_EQ(
      Client({"--metadata-url", "http://127.0.0.1:1/", "--metadata-dir", MetadataDir(), "refresh"})
          .exit_code,
      1);
  EXPECT_EQ(Client({"--help"}).exit_code, 0);
}

}  // namespace
}  // namespace bsi::tests
