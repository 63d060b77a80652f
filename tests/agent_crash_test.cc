// bsi-agent under SIGKILL: a real agent process is killed at random
// instants while it installs an improvement or removes one, many times.
// Right after each kill, whatever the device's install path shows is
// exactly one complete tree (the base or one published letter), compared
// by hash; and the next run of the agent finishes or undoes the interrupted
// step and ends consistent (install path, store state and status agree).
#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bsi/core/posix_file_system.h"
#include "bsi/json/json.h"
#include "bsi/payload/tree_digest.h"

#include "testing/http_test_server.h"
#include "tests/subprocess.h"
#include "tests/test_files.h"

namespace bsi::tests {
namespace {

namespace fs = std::filesystem;

std::string Library(const std::string& fix) {
  std::string bytes(400'000, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<char>((i * 37 + i / 3) % 249);
  bytes.replace(9000, fix.size(), fix);
  return bytes;
}

TEST(AgentCrashTest, KilledWhileInstallingOrRemovingTheDeviceIsAlwaysOneWholeTree) {
  char dir_template[] = "/tmp/bsi-agent-crash.XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const fs::path work = dir_template;
  const auto path = [&](const std::string& relative) { return (work / relative).string(); };
  const auto run = [](std::vector<std::string> args) { return RunProcess(args); };
  PosixFileSystem files;

  WriteAll(work / "base/lib/libwebkit.so.6", Library("base"));
  WriteAll(work / "base/share/VERSION", "base\n");
  ASSERT_EQ(
      run({BSI_CLI_PATH, "repo", "init", "--repo", path("repo"), "--keys", path("keys")}).exit_code,
      0);
  testing::HttpTestServer server;
  server.ServeDirectory(path("repo"));
  ASSERT_TRUE(server.Start().ok());
  WriteAll(work / "agent.toml",
           "[device]\nid = \"device-1\"\nproduct = \"acme-os\"\nbase_version = \"26.3.1\"\n"
           "[repository]\nmetadata_url = \"" +
               server.BaseUrl() +
               "metadata/\"\n"
               "targets_url = \"" +
               server.BaseUrl() +
               "targets/\"\n"
               "trusted_root = \"" +
               path("repo/metadata/1.root.json") +
               "\"\n"
               "[agent]\nstate_dir = \"" +
               path("state") +
               "\"\n"
               "[[component]]\nname = \"webkit\"\nbase_tree = \"" +
               path("base") +
               "\"\n"
               "install_path = \"" +
               path("opt/webkit") +
               "\"\n"
               "restart = [\"/usr/bin/sleep\", \"0.1\"]\n"
               "health_check = [\"/usr/bin/test\", \"-f\", \"" +
               path("opt/webkit/share/VERSION") + "\"]\n");
  const std::vector<std::string> agent = {BSI_AGENT_PATH, "--config", path("agent.toml")};
  std::map<std::string, std::string> trees = {
      {payload::TreeDigest(files, path("base")).value(), "base"}};

  // A first pass (nothing published yet) links the install path, as a
  // device's image would have it.
  std::vector<std::string> first = agent;
  first.push_back("check-now");
  ASSERT_EQ(run(first).exit_code, 0);

  std::mt19937 rng(7);
  std::uniform_int_distribution<int> delay_us(0, 150'000);
  std::string letters = "abcdefghijklmnop";
  constexpr int kRounds = 16;
  int killed = 0;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(round);
    // A new letter each round (each (x) also carries a delta from every earlier one).
    const std::string letter(1, letters[static_cast<std::size_t>(round)]);
    WriteAll(work / letter / "lib/libwebkit.so.6", Library("fix-" + letter));
    WriteAll(work / letter / "share/VERSION", letter + "\n");
    trees[payload::TreeDigest(files, path(letter)).value()] = letter;
    ProcessResult published =
        run({BSI_CLI_PATH, "release", "create", "--repo", path("repo"), "--keys", path("keys"),
             "--product", "acme-os", "--base", "26.3.1", "--component",
             "webkit=" + path("base") + ":" + path(letter), "--cve",
             "CVE-2026-1000" + std::to_string(round), "--waves", "now"});
    ASSERT_EQ(published.exit_code, 0) << published.err;

    // Even rounds interrupt an install; odd rounds install to the end, then
    // interrupt a removal.
    std::vector<std::string> check = agent;
    check.push_back("check-now");
    std::vector<std::string> command = check;
    if (round % 2 == 1) {
      ProcessResult installed = run(check);
      ASSERT_EQ(installed.exit_code, 0) << installed.err;
      command = agent;
      command.push_back("remove");
    }
    const pid_t pid = Spawn(command);
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status)) ++killed;

    // Right after the kill: one whole known tree.
    Result<std::string> now = payload::TreeDigest(files, path("opt/webkit") + "/.");
    ASSERT_TRUE(now.ok()) << now.error().ToString();
    EXPECT_EQ(trees.count(*now), 1u) << "a tree that is neither old nor new";

    // The next run recovers and ends consistent.
    ProcessResult recovered = run(check);
    ASSERT_EQ(recovered.exit_code, 0) << recovered.err;
    std::vector<std::string> query = agent;
    query.insert(query.end(), {"status", "--json"});
    ProcessResult shown = run(query);
    Result<json::Value> value = json::Parse(shown.out);
    ASSERT_TRUE(value.ok()) << shown.out;
    const std::string active = value->Find("components")->Find("webkit")->string_value();
    const std::string running =
        trees[payload::TreeDigest(files, path("opt/webkit") + "/.").value()];
    EXPECT_EQ(active == "base" ? "base" : active.substr(active.size() - 1), running);
  }
  EXPECT_GE(killed, kRounds / 2);
  server.Stop();
  fs::remove_all(work);
}

}  // namespace
}  // namespace bsi::tests
