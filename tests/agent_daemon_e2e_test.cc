// The daemon's process model end to end, as real processes on loopback
// (the fixture is tests/agent_fixture.h): `bsi-agent run` checks its
// configuration and becomes bsi-agent-scheduler, which maps neither
// libcurl nor libcrypto, notifies systemd through NOTIFY_SOCKET (a datagram
// socket the test binds), runs each pass as a child process of bsi-agent,
// checks now on SIGUSR1 and stops on SIGTERM; killed, it takes its pass
// and the pass's commands with it, and the next pass finds the store
// consistent.
#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/agent_fixture.h"

namespace bsi::tests {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

// Generous limits for events that come in well under a second; they only
// keep a broken daemon from hanging the test.
constexpr seconds kEventTimeout{120};

// What systemd would receive: an AF_UNIX datagram socket bound at `path`.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path.copy(address.sun_path, sizeof address.sun_path - 1);
    bound_ = fd_ >= 0 && path.size() < sizeof address.sun_path &&
             ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  }
  ~NotifySocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  bool bound() const { return bound_; }

  // The next message, or nullopt if none comes within `timeout`.
  std::optional<std::string> Next(seconds timeout) {
    pollfd fd{fd_, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(timeout.count() * 1000)) != 1) return std::nullopt;
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0) return std::nullopt;
    return std::string(buffer, static_cast<std::size_t>(n));
  }

 private:
  int fd_ = -1;
  bool bound_ = false;
};

// waitpid's status once `pid` ends, or nullopt if it still runs after
// `timeout`. REQUIRES: pid is a child (or, for a subreaper, an orphaned
// descendant) of this process.
std::optional<int> WaitExit(pid_t pid, seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return std::nullopt;
}

// The parent of `pid` (/proc/PID/stat), or -1.
pid_t ParentOf(pid_t pid) {
  const std::string stat = ReadAll("/proc/" + std::to_string(pid) + "/stat");
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 4 >= stat.size()) return -1;
  return static_cast<pid_t>(std::stol(stat.substr(close + 4)));
}

// Processes whose command line mentions `text` (zombies have none).
std::vector<pid_t> ProcessesMentioning(const std::string& text) {
  std::vector<pid_t> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (ReadAll(entry.path() / "cmdline").find(text) != std::string::npos) {
      found.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  return found;
}

class AgentDaemonTest : public AgentFixture {
 protected:
  void TearDown() override {
    // Whatever a failed test left running (the pass is this process's
    // child only once orphaned: it is killed, not awaited).
    for (const pid_t pid : {daemon_, pass_, command_}) {
      if (pid > 0 && ::kill(pid, SIGKILL) == 0) (void)WaitExit(pid, seconds(10));
    }
    AgentFixture::TearDown();
  }

  // `bsi-agent run` in the background, its output in run.log; with
  // NOTIFY_SOCKET set when `notify` is not empty.
  pid_t StartDaemon(const std::string& notify = "") {
    std::vector<std::string> argv = {"/usr/bin/env"};
    if (!notify.empty()) argv.push_back("NOTIFY_SOCKET=" + notify);
    argv.insert(argv.end(), {BSI_AGENT_PATH, "--config", Path("agent.toml"), "run"});
    daemon_ = Spawn(argv, Path("run.log"));
    return daemon_;
  }

  // A daemon whose first pass installs (a) and then hangs in its health
  // check (a shell that writes its pid and becomes `sleep 600`). Sets
  // daemon_, pass_ (the run-pass process) and command_ (the health check).
  void StartDaemonInASlowPass() {
    Publish("a", "CVE-2026-20643:high");
    WriteConfig(
        "\"/bin/sh\", \"-c\", \"echo $$ >" + Path("command.pid") + "; exec /usr/bin/sleep 600\"",
        "command_timeout = \"1h\"\n");
    // Orphans come to this process, so that their end can be awaited.
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    ASSERT_GT(StartDaemon(), 0);
    const auto deadline = std::chrono::steady_clock::now() + kEventTimeout;
    std::string pid_text;
    while ((pid_text = ReadAll(Path("command.pid"))).empty() || pid_text.back() != '\n') {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << ReadAll(Path("run.log"));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    command_ = static_cast<pid_t>(std::stol(pid_text));
    pass_ = ParentOf(command_);
    ASSERT_GT(pass_, 0);
    EXPECT_EQ(ParentOf(pass_), daemon_);
    const std::string pass_cmdline = ReadAll("/proc/" + std::to_string(pass_) + "/cmdline");
    EXPECT_NE(pass_cmdline.find("run-pass"), std::string::npos) << pass_cmdline;
  }

  // After an interrupted pass: the next check-now (with a health check
  // that passes) installs (a), and status, store and install path agree.
  void ExpectTheNextPassConsistent() {
    WriteConfig("\"/usr/bin/true\"");
    ProcessResult check = Agent({"check-now"});
    ASSERT_EQ(check.exit_code, 0) << check.err;
    EXPECT_EQ(Running(), Library("fix-a"));
    json::Value status = Status();
    EXPECT_EQ(status.Find("installed")->string_value(), "26.3.1 (a)");
    const std::string active = status.Find("components")->Find("webkit")->string_value();
    EXPECT_TRUE(active.ends_with("a")) << active;
    EXPECT_TRUE(status.Find("failure") == nullptr || status.Find("failure")->is_null())
        << json::ToPrettyString(status);
  }

  pid_t daemon_ = -1;
  pid_t pass_ = -1;
  pid_t command_ = -1;
};

TEST_F(AgentDaemonTest, RunBecomesTheSchedulerNotifiesSystemdAndChecksNowOnSigusr1) {
  Publish("a", "CVE-2026-20643:high");
  NotifySocket notify(Path("notify"));
  ASSERT_TRUE(notify.bound());
  const pid_t pid = StartDaemon(Path("notify"));
  ASSERT_GT(pid, 0);
  EXPECT_EQ(notify.Next(kEventTimeout), "READY=1") << ReadAll(Path("run.log"));
  EXPECT_EQ(notify.Next(kEventTimeout), "STATUS=installed acme-os 26.3.1 (a)")
      << ReadAll(Path("run.log"));
  EXPECT_EQ(Running(), Library("fix-a"));
  EXPECT_EQ(Status().Find("installed")->string_value(), "26.3.1 (a)");

  // The daemon's process is the scheduler, and it maps none of the
  // libraries of a pass.
  const std::string proc = "/proc/" + std::to_string(pid);
  EXPECT_EQ(fs::read_symlink(proc + "/exe"), fs::canonical(BSI_AGENT_SCHEDULER_PATH));
  const std::string maps = ReadAll(proc + "/maps");
  EXPECT_NE(maps.find("bsi-agent-scheduler"), std::string::npos) << maps;
  for (const char* library : {"libcurl", "libcrypto", "libssl", "libgnutls"}) {
    EXPECT_EQ(maps.find(library), std::string::npos) << library << " is mapped:\n" << maps;
  }
  // Idle: no pass runs.
  EXPECT_TRUE(ReadAll(proc + "/task/" + std::to_string(pid) + "/children").empty());

  // SIGUSR1: a pass now, which finds (b).
  Publish("b", "CVE-2026-20700:critical");
  ASSERT_EQ(::kill(pid, SIGUSR1), 0);
  EXPECT_EQ(notify.Next(kEventTimeout), "STATUS=installed acme-os 26.3.1 (b)")
      << ReadAll(Path("run.log"));
  EXPECT_EQ(Running(), Library("fix-a+b"));

  // SIGTERM while idle (the next pass is an hour away): a clean stop.
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  const std::optional<int> status = WaitExit(pid, kEventTimeout);
  ASSERT_TRUE(status.has_value()) << "still running after SIGTERM";
  daemon_ = -1;
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
  EXPECT_EQ(notify.Next(kEventTimeout), "STOPPING=1");
  const std::string log = ReadAll(Path("run.log"));
  EXPECT_NE(log.find("bsi-agent: started; checking every 1h\n"), std::string::npos) << log;
  EXPECT_NE(log.find("bsi-agent: installed acme-os 26.3.1 (a)\n"), std::string::npos) << log;
  EXPECT_NE(log.find("bsi-agent: installed acme-os 26.3.1 (b)\n"), std::string::npos) << log;
  EXPECT_TRUE(log.ends_with("bsi-agent: stopping\n")) << log;
}

TEST_F(AgentDaemonTest, AFailedPassIsLoggedWithItsExitStatus) {
  Publish("a", "CVE-2026-20643:high");
  WriteConfig("\"/usr/bin/false\"");
  NotifySocket notify(Path("notify"));
  ASSERT_TRUE(notify.bound());
  const pid_t pid = StartDaemon(Path("notify"));
  ASSERT_GT(pid, 0);
  EXPECT_EQ(notify.Next(kEventTimeout), "READY=1");
  EXPECT_EQ(notify.Next(kEventTimeout), "STATUS=check failed (exit 1)") << ReadAll(Path("run.log"));
  EXPECT_EQ(Running(), Library("base"));
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  const std::optional<int> status = WaitExit(pid, kEventTimeout);
  ASSERT_TRUE(status.has_value());
  daemon_ = -1;
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
  // The pass logs its reason itself (stderr is shared), the scheduler how it ended.
  const std::string log = ReadAll(Path("run.log"));
  EXPECT_NE(log.find("/usr/bin/false exited with 1"), std::string::npos) << log;
  EXPECT_NE(log.find("bsi-agent: check failed (exit 1)\n"), std::string::npos) << log;
}

TEST_F(AgentDaemonTest, SigtermDuringAPassEndsThePassAndItsCommandThenTheDaemon) {
  StartDaemonInASlowPass();
  if (HasFatalFailure()) return;
  ASSERT_EQ(::kill(daemon_, SIGTERM), 0);
  const std::optional<int> status = WaitExit(daemon_, kEventTimeout);
  ASSERT_TRUE(status.has_value()) << "still running after SIGTERM";
  daemon_ = -1;
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
  // The scheduler waited for its pass; the health check, orphaned, was
  // killed with it and came to this process (the subreaper).
  EXPECT_NE(::kill(pass_, 0), 0) << "the pass survived";
  const std::optional<int> command = WaitExit(command_, kEventTimeout);
  ASSERT_TRUE(command.has_value()) << "the health check survived the pass";
  command_ = -1;
  EXPECT_TRUE(WIFSIGNALED(*command) && WTERMSIG(*command) == SIGKILL) << *command;
  EXPECT_TRUE(ProcessesMentioning(work_.string()).empty());
  EXPECT_TRUE(ReadAll(Path("run.log")).ends_with("bsi-agent: stopping\n"))
      << ReadAll(Path("run.log"));
  ExpectTheNextPassConsistent();
}

TEST_F(AgentDaemonTest, KillingTheSchedulerKillsItsPassAndThePassesCommand) {
  StartDaemonInASlowPass();
  if (HasFatalFailure()) return;
  ASSERT_EQ(::kill(daemon_, SIGKILL), 0);
  const std::optional<int> status = WaitExit(daemon_, kEventTimeout);
  ASSERT_TRUE(status.has_value());
  daemon_ = -1;
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << *status;
  // The pass and its health check, orphaned, come to this process (the
  // subreaper), each killed by its parent's death signal.
  const std::optional<int> pass = WaitExit(pass_, kEventTimeout);
  ASSERT_TRUE(pass.has_value()) << "the pass survived its scheduler";
  EXPECT_TRUE(WIFSIGNALED(*pass) && WTERMSIG(*pass) == SIGKILL) << *pass;
  const std::optional<int> command = WaitExit(command_, kEventTimeout);
  ASSERT_TRUE(command.has_value()) << "the health check survived its pass";
  command_ = -1;
  EXPECT_TRUE(WIFSIGNALED(*command) && WTERMSIG(*command) == SIGKILL) << *command;
  EXPECT_TRUE(ProcessesMentioning(work_.string()).empty());
  ExpectTheNextPassConsistent();
}

TEST_F(AgentDaemonTest, ABadConfigurationFailsRunBeforeTheScheduler) {
  WriteAll(work_ / "agent.toml", "[device]\nproduct = \"Acme OS\"\n");
  ASSERT_GT(StartDaemon(), 0);
  const std::optional<int> status = WaitExit(daemon_, kEventTimeout);
  ASSERT_TRUE(status.has_value()) << "run started with a bad configuration";
  daemon_ = -1;
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1) << *status;
  const std::string log = ReadAll(Path("run.log"));
  EXPECT_NE(log.find("bsi-agent: configuration: "), std::string::npos) << log;
  EXPECT_NE(log.find("agent.toml"), std::string::npos) << log;
  EXPECT_EQ(log.find("started"), std::string::npos) << log;
}

TEST_F(AgentDaemonTest, WithoutItsSchedulerRunIsAClearError) {
  fs::create_directories(work_ / "bin");
  fs::copy_file(BSI_AGENT_PATH, work_ / "bin/bsi-agent");
  ProcessResult run = RunProcess({Path("bin/bsi-agent"), "--config", Path("agent.toml"), "run"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("bsi-agent: run: cannot execute the scheduler " +
                         Path("bin/bsi-agent-scheduler") + ": No such file or directory"),
            std::string::npos)
      << run.err;
}

TEST_F(AgentDaemonTest, RunPassIsOnePassItsSummaryAloneOnStdoutAndHidden) {
  Publish("a", "CVE-2026-20643:high");
  // A command's output goes to stderr, never into the summary.
  WriteConfig("\"/bin/echo\", \"health check output\"");
  ProcessResult pass = Agent({"run-pass"});
  ASSERT_EQ(pass.exit_code, 0) << pass.err;
  EXPECT_EQ(pass.out, "installed acme-os 26.3.1 (a)\n");
  EXPECT_NE(pass.err.find("health check output"), std::string::npos) << pass.err;
  EXPECT_EQ(Running(), Library("fix-a"));
  ProcessResult help = Agent({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("check-now"), std::string::npos) << help.out;
  EXPECT_EQ(help.out.find("run-pass"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace bsi::tests
