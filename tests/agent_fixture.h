// The fixture of bsi-agent's end-to-end tests (agent_e2e_test.cc,
// agent_fleet_test.cc), as real processes on loopback: a repository
// published with `bsi`, served by a real HTTP server on 127.0.0.1, and an
// agent on a sample device tree in a temp directory (unprivileged paths).
// Header-only: each test program includes it once.
//
// REQUIRES: the test target defines BSI_CLI_PATH and BSI_AGENT_PATH.
#ifndef BSI_TESTS_AGENT_FIXTURE_H_
#define BSI_TESTS_AGENT_FIXTURE_H_

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <stdlib.h>

#include "bsi/json/json.h"

#include "testing/http_test_server.h"
#include "tests/subprocess.h"
#include "tests/test_files.h"

namespace bsi::tests {

// A 300 kB library file whose bytes at 7000 say which fix it carries.
inline std::string Library(const std::string& fix) {
  std::string bytes(300'000, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>((i * 131 + i / 5) % 251);
  }
  bytes.replace(7000, fix.size(), fix);
  return bytes;
}

class AgentFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/bsi-agent-e2e.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    work_ = dir_template;
    for (const auto& [tree, fix] : std::vector<std::pair<std::string, std::string>>{
             {"base", "base"}, {"a", "fix-a"}, {"b", "fix-a+b"}}) {
      WriteAll(work_ / tree / "lib/libwebkit.so.6", Library(fix));
    }
    WriteAll(work_ / "os-release", "NAME=\"Acme OS\"\nVERSION_ID=\"26.3.1\"\n");
    ASSERT_EQ(Bsi({"repo", "init", "--repo", Path("repo"), "--keys", Path("keys")}).exit_code, 0);
    server_.ServeDirectory(Path("repo"));
    ASSERT_TRUE(server_.Start().ok());
    WriteConfig("\"/usr/bin/true\"");
  }
  void TearDown() override {
    server_.Stop();
    std::filesystem::remove_all(work_);
  }

  // health: the health-check argv as TOML strings ("\"/usr/bin/true\"");
  // agent_extra: more lines for the [agent] section. component_extra_ and
  // extra_sections_ are appended to the [[component]] table and after it.
  void WriteConfig(const std::string& health, const std::string& agent_extra = "") {
    std::string toml = "[device]\nid = \"device-17\"\nproduct = \"acme-os\"\n";
    toml += "base_version_file = \"" + Path("os-release") + "\"\n";
    toml += "[repository]\n";
    toml += "metadata_url = \"" + server_.BaseUrl() + "metadata/\"\n";
    toml += "targets_url = \"" + server_.BaseUrl() + "targets/\"\n";
    toml += "trusted_root = \"" + Path("repo/metadata/1.root.json") + "\"\n";
    toml += "[agent]\nstate_dir = \"" + Path("state") + "\"\n" + agent_extra;
    toml += "[[component]]\nname = \"webkit\"\nbase_tree = \"" + Path("base") + "\"\n";
    toml += "install_path = \"" + Path("opt/webkit") + "\"\n";
    toml += "health_check = [" + health + "]\n" + component_extra_;
    toml += extra_sections_;
    WriteAll(work_ / "agent.toml", toml);
  }

  ProcessResult Bsi(std::vector<std::string> args) {
    args.insert(args.begin(), BSI_CLI_PATH);
    return RunProcess(args);
  }
  ProcessResult Agent(std::vector<std::string> args) {
    args.insert(args.begin(), {BSI_AGENT_PATH, "--config", Path("agent.toml")});
    return RunProcess(args);
  }
  std::string Path(const std::string& relative) const { return (work_ / relative).string(); }

  // Publishes an improvement of webkit from the base tree to `tree`, rolled
  // out to every device at once.
  void Publish(const std::string& tree, const std::string& cve) {
    ProcessResult created =
        Bsi({"release", "create", "--repo", Path("repo"), "--keys", Path("keys"), "--product",
             "acme-os", "--base", "26.3.1", "--component",
             "webkit=" + Path("base") + ":" + Path(tree), "--cve", cve, "--waves", "now"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
  }

  // What the device's install path shows.
  std::string Running() { return ReadAll(work_ / "opt/webkit/lib/libwebkit.so.6"); }

  json::Value Status() {
    ProcessResult status = Agent({"status", "--json"});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    Result<json::Value> value = json::Parse(status.out);
    EXPECT_TRUE(value.ok()) << status.out;
    return value.ok() ? *value : json::Value();
  }

  std::filesystem::path work_;
  testing::HttpTestServer server_;
  std::string component_extra_;
  std::string extra_sections_;
};

}  // namespace bsi::tests

#endif  // BSI_TESTS_AGENT_FIXTURE_H_
