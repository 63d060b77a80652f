#include "agent/scheduler.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <random>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "bsi/core/time_format.h"

extern char** environ;

namespace bsi::agent {
namespace {

void Log(const std::string& line) {
  std::fprintf(stderr, "bsi-agent: %s\n", line.c_str());
  std::fflush(stderr);
}

Error Usage(const std::string& message) { return {ErrorCode::kInvalidArgument, message}; }

// The signals the scheduler waits for: all blocked, read from a signalfd.
constexpr int kWaitedSignals[] = {SIGTERM, SIGINT, SIGUSR1, SIGCHLD};

// What arrived on the signalfd since it was last read.
struct Arrived {
  bool stop = false;       // SIGTERM or SIGINT
  bool check_now = false;  // SIGUSR1
};

// Reads every signal queued on `fd` (non-blocking).
Arrived ReadSignals(int fd) {
  Arrived arrived;
  signalfd_siginfo info{};
  while (::read(fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) arrived.stop = true;
    if (info.ssi_signo == SIGUSR1) arrived.check_now = true;
    // SIGCHLD: the caller reaps its child after every read.
  }
  return arrived;
}

// How a pass ended.
struct PassOutcome {
  bool started = false;  // false: pipe or fork failed (logged)
  int status = 0;        // waitpid's status, when started
  std::string summary;   // SummaryLine of its stdout
};

// The program and arguments of a pass, and its environment: the
// scheduler's without NOTIFY_SOCKET (only the scheduler speaks to systemd).
class PassCommand {
 public:
  explicit PassCommand(const SchedulerArgs& args)
      : strings_{args.agent, "--config", args.config, "run-pass"},
        exec_failed_("bsi-agent: cannot execute " + args.agent + "\n") {
    for (std::string& s : strings_) argv_.push_back(s.data());
    argv_.push_back(nullptr);
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      if (std::strncmp(*e, "NOTIFY_SOCKET=", 14) != 0) envp_.push_back(*e);
    }
    envp_.push_back(nullptr);
  }
  char* const* argv() const { return argv_.data(); }
  char* const* envp() const { return envp_.data(); }
  const std::string& exec_failed() const { return exec_failed_; }

 private:
  std::vector<std::string> strings_;
  std::vector<char*> argv_;
  std::vector<char*> envp_;
  std::string exec_failed_;
};

// The child between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecPass(const PassCommand& command, pid_t parent, int stdout_fd,
                           const sigset_t& child_mask) {
  // Dies with the scheduler; if the scheduler died before this line, the
  // signal would never come: stop here.
  (void)::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  if (::dup2(stdout_fd, STDOUT_FILENO) < 0) ::_exit(127);
  (void)::pthread_sigmask(SIG_SETMASK, &child_mask, nullptr);
  ::execve(command.argv()[0], command.argv(), command.envp());
  const std::string& message = command.exec_failed();
  (void)!::write(STDERR_FILENO, message.data(), message.size());
  ::_exit(127);
}

// Appends what the pipe holds (non-blocking) to `out`, at most
// kMaxSummaryBytes in all; more is read and dropped, so the pass never
// blocks on a full pipe. Returns false at the end of the stream or on an
// error other than EAGAIN/EINTR.
bool ReadPipe(int fd, std::string& out) {
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      const std::size_t room = kMaxSummaryBytes - std::min(out.size(), kMaxSummaryBytes);
      out.append(buffer, std::min(room, static_cast<std::size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;
  }
}

// Runs one pass to its end. A stop signal during the pass sends it SIGTERM
// and sets `stop`; SIGUSR1 sets `check_again`.
PassOutcome RunPass(const PassCommand& command, int signal_fd, const sigset_t& child_mask,
                    bool& stop, bool& check_again) {
  PassOutcome outcome;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    Log("cannot start a pass: pipe: " + ErrnoText(errno));
    return outcome;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) ExecPass(command, parent, pipe_fds[1], child_mask);
  const int fork_error = errno;
  ::close(pipe_fds[1]);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    Log("cannot start a pass: fork: " + ErrnoText(fork_error));
    return outcome;
  }
  outcome.started = true;
  int out_fd = pipe_fds[0];
  (void)::fcntl(out_fd, F_SETFL, O_NONBLOCK);
  std::string output;
  bool term_sent = false;
  while (true) {
    // The child's exit, not the pipe's end, ends the pass: a process the
    // pass left behind could hold the pipe open.
    const pid_t done = ::waitpid(pid, &outcome.status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      Log("waitpid: " + ErrnoText(errno));
      outcome.status = 0xff00;  // as if it exited with 255
      break;
    }
    pollfd fds[2] = {{signal_fd, POLLIN, 0}, {out_fd, POLLIN, 0}};
    if (::poll(fds, out_fd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR) {
      Log("poll: " + ErrnoText(errno));
      ::kill(pid, SIGKILL);
      continue;
    }
    if (out_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
        !ReadPipe(out_fd, output)) {
      ::close(out_fd);
      out_fd = -1;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      const Arrived arrived = ReadSignals(signal_fd);
      check_again |= arrived.check_now;
      if (arrived.stop && !term_sent) {
        stop = true;
        term_sent = true;
        Log("stopping: ending the running pass");
        ::kill(pid, SIGTERM);
      }
    }
  }
  if (out_fd >= 0) {
    (void)ReadPipe(out_fd, output);
    ::close(out_fd);
  }
  outcome.summary = SummaryLine(output);
  return outcome;
}

// Waits up to `wait` for a signal. Returns what arrived (nothing: the wait
// is over).
Arrived Idle(int signal_fd, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {};
    // poll takes an int of milliseconds: wait an hour at most at a time.
    const int timeout = static_cast<int>(std::min<std::int64_t>(left.count(), 3'600'000));
    pollfd fd{signal_fd, POLLIN, 0};
    const int ready = ::poll(&fd, 1, timeout);
    if (ready < 0 && errno != EINTR) {
      Log("poll: " + ErrnoText(errno));
      return {};
    }
    if (ready > 0) {
      const Arrived arrived = ReadSignals(signal_fd);
      // Reap anything that is not a pass (there is none; a stray child
      // must not stay a zombie).
      while (::waitpid(-1, nullptr, WNOHANG) > 0) {
      }
      if (arrived.stop || arrived.check_now) return arrived;
    }
  }
}

void Notify(const std::string& state) { (void)sd_notify(0, state.c_str()); }

}  // namespace

Result<SchedulerArgs> ParseSchedulerArgs(const std::vector<std::string>& args) {
  SchedulerArgs parsed;
  if (args.size() == 1 && args[0] == "--help") {
    parsed.help = true;
    return parsed;
  }
  bool have_agent = false;
  bool have_config = false;
  bool have_interval = false;
  for (std::size_t i = 0; i < args.size(); i += 2) {
    const std::string& name = args[i];
    bool* seen = nullptr;
    if (name == "--agent") seen = &have_agent;
    if (name == "--config") seen = &have_config;
    if (name == "--interval") seen = &have_interval;
    if (seen == nullptr) return Usage("unknown argument '" + name + "'");
    if (*seen) return Usage(name + " given twice");
    if (i + 1 >= args.size()) return Usage(name + " needs a value");
    const std::string& value = args[i + 1];
    *seen = true;
    if (name == "--interval") {
      std::int64_t seconds = 0;
      const char* end = value.data() + value.size();
      const auto [ptr, ec] = std::from_chars(value.data(), end, seconds);
      if (value.empty() || ec != std::errc() || ptr != end || seconds < 1 ||
          seconds > kMaxSchedulerInterval) {
        return Usage("--interval: '" + value + "' is not a number of seconds from 1 to " +
                     std::to_string(kMaxSchedulerInterval));
      }
      parsed.interval_seconds = seconds;
      continue;
    }
    if (!value.starts_with("/")) return Usage(name + ": '" + value + "' is not an absolute path");
    (name == "--agent" ? parsed.agent : parsed.config) = value;
  }
  if (!have_agent) return Usage("--agent is required");
  if (!have_config) return Usage("--config is required");
  if (!have_interval) return Usage("--interval is required");
  return parsed;
}

std::string SchedulerUsage() {
  return "Usage: bsi-agent-scheduler --agent PATH --config PATH --interval SECONDS\n"
         "\n"
         "The long-lived process of `bsi-agent run`, which starts it (do not start it\n"
         "by hand). Each pass runs as a child process, `PATH --config CONFIG run-pass`;\n"
         "between passes it waits SECONDS, +-10%, and after failed passes backs off\n"
         "from a minute, doubling, never beyond SECONDS.\n"
         "\n"
         "  --agent PATH         the bsi-agent to run for each pass (absolute)\n"
         "  --config PATH        its configuration file (absolute)\n"
         "  --interval SECONDS   the time between passes\n"
         "  --help               this text\n"
         "\n"
         "Signals: SIGTERM or SIGINT stops it (a running pass is ended first), exit\n"
         "status 0; SIGUSR1 checks now (systemctl kill -s USR1 bsi-agent).\n"
         "Exit status 2 for a wrong command line.\n";
}

std::chrono::milliseconds NextWait(std::int64_t interval_s, int failures, double jitter_unit) {
  std::int64_t wait = interval_s;
  if (failures > 0) {
    wait = std::min<std::int64_t>(interval_s, kFirstBackoffSeconds << std::min(failures - 1, 10));
  }
  const double unit = std::clamp(jitter_unit, 0.0, 1.0);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(static_cast<double>(wait) * 1000.0 * (0.9 + 0.2 * unit)));
}

std::string SummaryLine(std::string_view output) {
  output = output.substr(0, std::min(output.size(), kMaxSummaryBytes));
  output = output.substr(0, output.find('\n'));
  std::string line(output);
  for (char& c : line) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) c = '?';
  }
  return line;
}

int RunScheduler(const SchedulerArgs& args) {
  // The signals it waits for: default dispositions (an inherited "ignore"
  // would discard them), blocked, read from a signalfd. The children get
  // the inherited mask back, without these signals (SIGTERM must end a pass).
  sigset_t waited;
  sigemptyset(&waited);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (const int signal : kWaitedSignals) {
    sigaddset(&waited, signal);
    (void)::sigaction(signal, &default_action, nullptr);
  }
  sigset_t child_mask;
  if (const int err = ::pthread_sigmask(SIG_BLOCK, &waited, &child_mask); err != 0) {
    Log("pthread_sigmask: " + ErrnoText(err));
    return 1;
  }
  for (const int signal : kWaitedSignals) sigdelset(&child_mask, signal);
  const int signal_fd = ::signalfd(-1, &waited, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd < 0) {
    Log("signalfd: " + ErrnoText(errno));
    return 1;
  }
  // A pass's stdout is a pipe: fds 0-2 must be taken, or the pipe could
  // become one of them.
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) < 0) (void)::open("/dev/null", O_RDWR);
  }

  const PassCommand command(args);
  Log("started; checking every " + FormatDuration(args.interval_seconds));
  // Type=notify: ready once `bsi-agent run` has checked the configuration
  // (a no-op when not started by systemd).
  Notify("READY=1");
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  int failures = 0;
  bool stop = false;
  while (!stop) {
    bool check_again = false;
    const PassOutcome pass = RunPass(command, signal_fd, child_mask, stop, check_again);
    if (stop) break;
    std::string status;
    if (pass.started && WIFEXITED(pass.status) && WEXITSTATUS(pass.status) == 0) {
      failures = 0;
      status = pass.summary.empty() ? "pass finished" : pass.summary;
    } else {
      ++failures;
      if (!pass.started) {
        status = "check failed (the pass did not start)";
      } else if (WIFSIGNALED(pass.status)) {
        status = "check failed (killed by signal " + std::to_string(WTERMSIG(pass.status)) + ")";
      } else {
        status = "check failed (exit " + std::to_string(WEXITSTATUS(pass.status)) + ")";
      }
    }
    Log(status);
    Notify("STATUS=" + status);
    if (check_again) continue;
    const Arrived arrived = Idle(signal_fd, NextWait(args.interval_seconds, failures, jitter(rng)));
    stop = arrived.stop;
  }
  Log("stopping");
  Notify("STOPPING=1");
  ::close(signal_fd);
  return 0;
}

}  // namespace bsi::agent
