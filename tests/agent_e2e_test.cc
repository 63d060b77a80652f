// bsi-agent end to end, as real processes on loopback: a repository
// published with `bsi`, served by a real HTTP server on 127.0.0.1, and an
// agent on a sample device tree in a temp directory (unprivileged paths;
// the fixture is tests/agent_fixture.h).
#include <chrono>
#include <filesystem>

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bsi/json/json.h"

#include "tests/agent_fixture.h"

namespace bsi::tests {
namespace {

namespace fs = std::filesystem;

class AgentEndToEnd : public AgentFixture {};

TEST_F(AgentEndToEnd, InstallsByDeltaRollsBackAWithdrawalAndDropsASupersededBase) {
  Publish("a", "CVE-2026-20643:high");
  ProcessResult first = Agent({"check-now"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, "installed acme-os 26.3.1 (a)\n");
  EXPECT_EQ(Running(), Library("fix-a"));
  ProcessResult human = Agent({"status"});
  EXPECT_NE(human.out.find("acme-os 26.3.1 (a)"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("fixes CVE-2026-20643"), std::string::npos) << human.out;

  Publish("b", "CVE-2026-20700:critical");
  ProcessResult second = Agent({"check-now"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, "installed acme-os 26.3.1 (b)\n");
  EXPECT_EQ(Running(), Library("fix-a+b"));
  // By delta from (a): the server was asked for the from-a bundle only.
  bool from_a = false, full = false;
  for (const auto& request : server_.RequestLog()) {
    from_a |= request.find("webkit-from-a.bundle") != std::string::npos;
    full |= request.find("/b/") != std::string::npos &&
            request.find("full.bundle") != std::string::npos;
  }
  EXPECT_TRUE(from_a);
  EXPECT_FALSE(full);

  ASSERT_EQ(Bsi({"release", "withdraw", "26.3.1 (b)", "--reason", "crashes", "--repo", Path("repo"),
                 "--keys", Path("keys")})
                .exit_code,
            0);
  ProcessResult back = Agent({"check-now"});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_NE(back.out.find("rolled back"), std::string::npos) << back.out;
  EXPECT_EQ(Running(), Library("fix-a"));
  json::Value status = Status();
  EXPECT_EQ(status.Find("installed")->string_value(), "26.3.1 (a)");
  EXPECT_EQ(status.Find("cves")->array().at(0).string_value(), "CVE-2026-20643");

  // A full OS update to 26.4: the 26.3.1 improvement is dropped, superseded.
  WriteAll(work_ / "os-release", "VERSION_ID=26.4\n");
  ProcessResult update = Agent({"check-now"});
  ASSERT_EQ(update.exit_code, 0) << update.err;
  EXPECT_NE(update.out.find("superseded"), std::string::npos) << update.out;
  status = Status();
  EXPECT_TRUE(status.Find("installed")->is_null());
  EXPECT_EQ(status.Find("superseded")->string_value(), "26.3.1 (a)");
  EXPECT_EQ(Running(), Library("base"));
}

TEST_F(AgentEndToEnd, AutoInstallOffReportsWhatIsAvailableAndInstallsNothing) {
  Publish("a", "CVE-2026-20643:high");
  ASSERT_EQ(Agent({"settings", "auto-install", "off"}).exit_code, 0);
  ProcessResult check = Agent({"check-now"});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.out.find("available, waiting"), std::string::npos) << check.out;
  EXPECT_EQ(Running(), Library("base"));
  ProcessResult human = Agent({"status"});
  EXPECT_NE(human.out.find("available: acme-os 26.3.1 (a)"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("auto-install-off"), std::string::npos) << human.out;
  ASSERT_EQ(Agent({"settings", "auto-install", "on"}).exit_code, 0);
  ASSERT_EQ(Agent({"check-now"}).exit_code, 0);
  EXPECT_EQ(Running(), Library("fix-a"));
  // Removed by the user: not reinstalled until a newer letter comes.
  ProcessResult removed = Agent({"remove"});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(Running(), Library("base"));
  ASSERT_EQ(Agent({"check-now"}).exit_code, 0);
  EXPECT_EQ(Running(), Library("base"));
  Publish("b", "CVE-2026-20700:critical");
  ASSERT_EQ(Agent({"check-now"}).exit_code, 0);
  EXPECT_EQ(Running(), Library("fix-a+b"));
}

TEST_F(AgentEndToEnd, AFailingHealthCheckRollsBackAndIsReported) {
  Publish("a", "CVE-2026-20643:high");
  WriteConfig("\"/usr/bin/false\"");
  ProcessResult check = Agent({"check-now"});
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.err.find("/usr/bin/false exited with 1"), std::string::npos) << check.err;
  EXPECT_EQ(Running(), Library("base"));
  json::Value status = Status();
  EXPECT_TRUE(status.Find("installed")->is_null());
  EXPECT_NE(status.Find("failure")->string_value().find("exited with 1"), std::string::npos);
  EXPECT_EQ(status.Find("components")->Find("webkit")->string_value(), "base");
}

TEST_F(AgentEndToEnd, AHangingHealthCheckIsKilledAndTheInstallRolledBack) {
  Publish("a", "CVE-2026-20643:high");
  WriteConfig("\"/usr/bin/sleep\", \"60\"", "command_timeout = \"1s\"\n");
  const auto start = std::chrono::steady_clock::now();
  ProcessResult check = Agent({"check-now"});
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.err.find("did not finish within 1 s"), std::string::npos) << check.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_EQ(Running(), Library("base"));
}

TEST_F(AgentEndToEnd, TamperedPayloadsAndMetadataAreRefusedAndNothingIsInstalled) {
  Publish("a", "CVE-2026-20643:high");
  // Corrupt the payload on the server (the from-base bundle the agent picks).
  for (const auto& entry : fs::recursive_directory_iterator(work_ / "repo/targets")) {
    if (entry.path().string().find("webkit-from-base.bundle") != std::string::npos) {
      std::string bytes = ReadAll(entry.path());
      bytes[bytes.size() / 2] ^= 0x55;
      WriteAll(entry.path(), bytes);
    }
  }
  ProcessResult check = Agent({"check-now"});
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.err.find("hash"), std::string::npos) << check.err;
  EXPECT_EQ(Running(), Library("base"));
  EXPECT_NE(Status().Find("failure")->string_value().find("security error"), std::string::npos);

  // Tampered metadata: a signature no longer verifies.
  const fs::path timestamp = work_ / "repo/metadata/timestamp.json";
  std::string bytes = ReadAll(timestamp);
  bytes.replace(bytes.find("\"version\":"), 10, "\"version\" :");
  WriteAll(timestamp, bytes);
  ProcessResult tampered = Agent({"check-now"});
  EXPECT_EQ(tampered.exit_code, 1);
  EXPECT_EQ(Running(), Library("base"));
}

// Every path a traced process changed (created, wrote, renamed, removed,
// linked, chmod-ed), from strace's output.
std::vector<std::string> ChangedPaths(const std::string& trace) {
  std::vector<std::string> paths;
  std::size_t start = 0;
  while (start < trace.size()) {
    std::size_t end = trace.find('\n', start);
    if (end == std::string::npos) end = trace.size();
    const std::string line = trace.substr(start, end - start);
    start = end + 1;
    const bool open = line.find("open") != std::string::npos;
    if (open && line.find("O_WRONLY") == std::string::npos &&
        line.find("O_RDWR") == std::string::npos && line.find("O_CREAT") == std::string::npos &&
        line.find("O_TRUNC") == std::string::npos) {
      continue;  // opened for reading only
    }
    if (line.find(" = -1 ") != std::string::npos) continue;  // failed: changed nothing
    std::vector<std::string> quoted;
    for (std::size_t q = line.find('"'); q != std::string::npos; q = line.find('"', q + 1)) {
      const std::size_t close = line.find('"', q + 1);
      if (close == std::string::npos) break;
      quoted.push_back(line.substr(q + 1, close - q - 1));
      q = close;
    }
    // symlink(TARGET, LINK): only LINK is written.
    if (line.find("symlink") != std::string::npos && !quoted.empty()) {
      quoted.erase(quoted.begin());
    }
    paths.insert(paths.end(), quoted.begin(), quoted.end());
  }
  return paths;
}

TEST_F(AgentEndToEnd, WritesNothingOutsideItsStateDirectoryAndInstallPath) {
  Publish("a", "CVE-2026-20643:high");
  std::string trace;
  const auto traced = [&](const std::vector<std::string>& args) {
    // LeakSanitizer cannot run under ptrace: leaks are checked by the other
    // tests, not this one.
    const char* asan = std::getenv("ASAN_OPTIONS");
    std::vector<std::string> argv = {
        "/usr/bin/env",
        std::string("ASAN_OPTIONS=") + (asan != nullptr ? asan : "") + ":detect_leaks=0",
        "/usr/bin/strace",
        "-f",
        "-qq",
        "-o",
        Path("trace.txt"),
        "-e",
        "trace=open,openat,creat,rename,renameat,renameat2,mkdir,"
        "mkdirat,unlink,unlinkat,rmdir,symlink,symlinkat,link,"
        "linkat,chmod,fchmodat,truncate",
        BSI_AGENT_PATH,
        "--config",
        Path("agent.toml")};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessResult result = RunProcess(argv);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    trace += ReadAll(work_ / "trace.txt");
  };
  traced({"check-now"});  // install (a)
  Publish("b", "CVE-2026-20700:critical");
  traced({"check-now"});  // (b) by delta
  ASSERT_EQ(Bsi({"release", "withdraw", "26.3.1 (b)", "--reason", "x", "--repo", Path("repo"),
                 "--keys", Path("keys")})
                .exit_code,
            0);
  traced({"check-now"});  // roll back
  traced({"settings", "auto-install", "off"});
  traced({"remove"});
  traced({"status"});
  EXPECT_EQ(Running(), Library("base"));
  const std::vector<std::string> changed = ChangedPaths(trace);
  EXPECT_GT(changed.size(), 20u) << "the trace saw too little to prove anything";
  const std::string state = Path("state") + "/";
  for (const std::string& path : changed) {
    const bool allowed = path.starts_with(state) || path == Path("state") ||
                         path == Path("opt/webkit") || path == Path("opt");
    EXPECT_TRUE(allowed) << "the agent changed " << path;
  }
}

// A read-only /usr: the component is activated as a systemd system
// extension. The real agent and the real systemd-sysext run inside a mount
// namespace made for each pass (a private tmpfs on /run, the fake root
// bind-mounted onto itself with shared propagation; see agent/sysext.h),
// so the machine's own /usr is never touched.
TEST_F(AgentEndToEnd, SysextActivationOverlaysTheImprovementOnUsrAndRollsItBack) {
  if (::geteuid() != 0) GTEST_SKIP() << "a mount namespace needs root (CAP_SYS_ADMIN)";
  const std::string root = Path("root");
  fs::create_directories(root + "/usr/lib");
  fs::copy(Path("base"), root + "/usr/lib/webkit", fs::copy_options::recursive);
  WriteAll(root + "/usr/lib/os-release", "ID=acme-os\nVERSION_ID=26.3.1\n");
  std::string toml = "[device]\nid = \"device-17\"\nproduct = \"acme-os\"\nos_id = \"acme-os\"\n";
  toml += "base_version_file = \"" + Path("os-release") + "\"\n";
  toml += "[repository]\nmetadata_url = \"" + server_.BaseUrl() + "metadata/\"\n";
  toml += "targets_url = \"" + server_.BaseUrl() + "targets/\"\n";
  toml += "trusted_root = \"" + Path("repo/metadata/1.root.json") + "\"\n";
  toml += "[agent]\nstate_dir = \"" + root + "/var/lib/bsi\"\n";
  toml += "sysext_dir = \"" + root + "/var/lib/extensions\"\n";
  toml += "sysext_refresh = [\"/usr/bin/systemd-sysext\", \"--root=" + root + "\", \"refresh\"]\n";
  toml += "[[component]]\nname = \"webkit\"\nbase_tree = \"" + root + "/usr/lib/webkit\"\n";
  toml += "activation = \"sysext\"\nsysext_path = \"/usr/lib/webkit\"\n";
  toml += "health_check = [\"/usr/bin/test\", \"-r\", \"/usr/lib/os-release\"]\n";
  WriteAll(work_ / "agent.toml", toml);
  // One pass in a fresh namespace; then /usr's library compared with `expected`.
  const auto pass_and_compare = [&](const std::string& expected) {
    const std::string script =
        "set -e; mount -t tmpfs tmpfs /run; mount --make-shared /run; "
        "mount --bind " +
        root + " " + root + "; mount --make-shared " + root + "; " + BSI_AGENT_PATH + " --config " +
        Path("agent.toml") + " check-now; " + "cmp " + root +
        "/usr/lib/webkit/lib/libwebkit.so.6 " + expected;
    return RunProcess(
        {"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script});
  };
  Publish("a", "CVE-2026-20643:high");
  ProcessResult installed = pass_and_compare(Path("a/lib/libwebkit.so.6"));
  EXPECT_EQ(installed.exit_code, 0) << installed.out << installed.err;
  EXPECT_TRUE(
      fs::exists(root + "/var/lib/extensions/bsi-webkit/usr/lib/webkit/lib/libwebkit.so.6"));
  // Outside the namespace the image's /usr is unchanged.
  EXPECT_EQ(ReadAll(root + "/usr/lib/webkit/lib/libwebkit.so.6"), Library("base"));

  ASSERT_EQ(Bsi({"release", "withdraw", "26.3.1 (a)", "--reason", "x", "--repo", Path("repo"),
                 "--keys", Path("keys")})
                .exit_code,
            0);
  ProcessResult rolled_back = pass_and_compare(Path("base/lib/libwebkit.so.6"));
  EXPECT_EQ(rolled_back.exit_code, 0) << rolled_back.out << rolled_back.err;
  EXPECT_FALSE(fs::exists(root + "/var/lib/extensions/bsi-webkit"));
}

TEST_F(AgentEndToEnd, BadConfigurationIsAClearError) {
  WriteAll(work_ / "agent.toml", "[device]\nproduct = \"Acme OS\"\n");
  ProcessResult check = Agent({"check-now"});
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.err.find("agent.toml"), std::string::npos) << check.err;
  EXPECT_EQ(Agent({"settings", "auto-install", "maybe"}).exit_code, 2);
}

}  // namespace
}  // namespace bsi::tests
