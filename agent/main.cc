// bsi-agent: keeps a device's components patched in the background.
//
//   bsi-agent [--config FILE] run                 the daemon: exec's bsi-agent-scheduler
//   bsi-agent [--config FILE] check-now           one pass now
//   bsi-agent [--config FILE] status [--json]     what runs, what is pending
//   bsi-agent [--config FILE] settings auto-install on|off
//   bsi-agent [--config FILE] remove              remove the installed improvement
//
// `run` checks the configuration, lowers its priority and exec's the
// scheduler installed next to this program (agent/scheduler.h), which runs
// each pass as a child process: `bsi-agent --config FILE run-pass` (hidden
// from --help), one pass like check-now with the daemon's timeouts for the
// fleet server.
//
// Every command takes the state directory's lock (<state_dir>/lock, flock)
// for its work, so a command and the daemon never change state at once.
// Logs go to stderr (the journal under systemd). Exit status: 0 success, 1
// failure, 2 usage.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bsi/core/posix_file_system.h"
#include "bsi/fetch/curl_api_client.h"
#include "bsi/fetch/curl_transport.h"

#include "agent/agent.h"

namespace {

using bsi::agent::Agent;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

void Log(const std::string& line) {
  std::fprintf(stderr, "bsi-agent: %s\n", line.c_str());
  std::fflush(stderr);
}

int Fail(const std::string& what, const bsi::Error& error) {
  Log(what + ": " + error.ToString());
  return kExitFailed;
}

// Holds <state_dir>/lock while alive.
class StateLock {
 public:
  explicit StateLock(const std::string& state_dir) {
    bsi::PosixFileSystem fs;
    (void)bsi::CreateDirs(fs, state_dir);
    fd_ = ::open((state_dir + "/lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~StateLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Background work: the lowest CPU priority and the idle I/O class.
void LowerPriority() {
  (void)::setpriority(PRIO_PROCESS, 0, 19);
  constexpr int kIoprioClassIdle = 3;
  constexpr int kIoprioWhoProcess = 1;
  (void)::syscall(SYS_ioprio_set, kIoprioWhoProcess, 0, kIoprioClassIdle << 13);
}

// One pass under the state lock, its summary on stdout: check-now and the
// scheduler's run-pass.
int OnePass(Agent& agent, const std::string& state_dir) {
  StateLock lock(state_dir);
  bsi::Result<bsi::agent::PassResult> pass = agent.CheckOnce();
  if (!pass.ok()) return Fail("check", pass.error());
  std::printf("%s\n", pass->summary.c_str());
  return kExitOk;
}

// `run`: becomes bsi-agent-scheduler, found next to this program, which
// runs each pass as `<this program> --config <config> run-pass`. Returns
// only if that fails.
int ExecScheduler(const std::string& config_path, std::int64_t interval) {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::canonical("/proc/self/exe", error);
  if (error) {
    Log("run: cannot find this program (/proc/self/exe): " + error.message());
    return kExitFailed;
  }
  const std::filesystem::path config = std::filesystem::absolute(config_path, error);
  if (error) {
    Log("run: " + config_path + ": " + error.message());
    return kExitFailed;
  }
  const std::string scheduler = (self.parent_path() / "bsi-agent-scheduler").string();
  std::vector<std::string> args = {
      scheduler,       "--agent",    self.string(),           "--config",
      config.string(), "--interval", std::to_string(interval)};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  ::execv(argv[0], argv.data());
  Log("run: cannot execute the scheduler " + scheduler + ": " + bsi::ErrnoText(errno) +
      " (it is installed next to bsi-agent)");
  return kExitFailed;
}

std::string Text(const bsi::json::Value* object, const char* key) {
  const bsi::json::Value* value = object != nullptr ? object->Find(key) : nullptr;
  return value != nullptr && value->is_string() ? value->string_value() : "";
}

std::string Join(const bsi::json::Value* list) {
  std::string out;
  if (list == nullptr || !list->is_array()) return out;
  for (const auto& item : list->array()) {
    if (item.is_string()) out += (out.empty() ? "" : ", ") + item.string_value();
  }
  return out;
}

// The fleet server, the enrollment and what the organization declares.
void PrintFleet(const bsi::json::Value& fleet) {
  const auto* enrolled = fleet.Find("enrolled");
  if (enrolled != nullptr && enrolled->is_bool() && enrolled->bool_value()) {
    std::printf("  fleet server: %s (device %s, group %s)\n", Text(&fleet, "server").c_str(),
                Text(&fleet, "device_id").c_str(), Text(&fleet, "group").c_str());
  } else {
    std::printf("  fleet server: %s (not enrolled yet)\n", Text(&fleet, "server").c_str());
  }
  const auto* d = fleet.Find("declarations");
  if (d == nullptr || !d->is_object()) {
    std::printf(
        "  no declarations from the fleet server yet: nothing is installed until they come\n");
  } else {
    const std::string lock = Text(d, "auto_install");
    if (lock == "always_on") std::printf("  auto-install locked on by your organization\n");
    if (lock == "always_off") std::printf("  auto-install locked off by your organization\n");
    const auto* days = d->Find("deferral_days");
    if (days != nullptr && days->is_int() && days->int_value() > 0) {
      std::printf("  improvements deferred %lld days by your organization\n",
                  static_cast<long long>(days->int_value()));  // NOLINT(google-runtime-int)
    }
    const auto* approval = d->Find("approval_required");
    if (approval != nullptr && approval->is_bool() && approval->bool_value()) {
      const std::string approved = Join(d->Find("approved"));
      std::printf("  approval required by your organization (approved: %s)\n",
                  approved.empty() ? "none yet" : approved.c_str());
    }
    if (const std::string held = Join(d->Find("held")); !held.empty()) {
      std::printf("  held back by your organization: %s\n", held.c_str());
    }
    const auto* window = d->Find("maintenance_window");
    if (window != nullptr && window->is_object()) {
      const auto* length = window->Find("length_minutes");
      std::printf("  restarts only in the maintenance window: %s UTC for %lld min\n",
                  Text(window, "start").c_str(),
                  static_cast<long long>(  // NOLINT(google-runtime-int)
                      length != nullptr && length->is_int() ? length->int_value() : 0));
    }
    std::printf("  declarations received %s\n", Text(d, "received").c_str());
  }
  const auto* queued = fleet.Find("queued_reports");
  if (queued != nullptr && queued->is_int() && queued->int_value() > 0) {
    std::printf("  reports waiting for the fleet server: %lld\n",
                static_cast<long long>(queued->int_value()));  // NOLINT(google-runtime-int)
  }
}

void PrintStatus(const bsi::json::Value& status, bool json) {
  if (json) {
    std::fputs(bsi::json::ToPrettyString(status).c_str(), stdout);
    return;
  }
  const std::string installed = Text(&status, "installed");
  std::printf("%s %s\n", Text(&status, "product").c_str(),
              installed.empty() ? Text(&status, "base").c_str() : installed.c_str());
  if (const auto* cves = status.Find("cves"); cves != nullptr && cves->is_array()) {
    for (const auto& cve : cves->array()) std::printf("  fixes %s\n", cve.string_value().c_str());
  }
  if (const auto* pending = status.Find("pending"); pending != nullptr && pending->is_object()) {
    const std::string wait = Text(pending, "wait");
    const std::string until = Text(pending, "not_before");
    std::printf("  available: %s (waiting: %s%s%s)\n", Text(pending, "improvement").c_str(),
                Text(pending, "reason").c_str(), wait != "none" ? (", " + wait).c_str() : "",
                until.empty() ? "" : (", until " + until).c_str());
  }
  const auto* setting = status.Find("auto_install");
  const auto* effective = status.Find("auto_install_effective");
  const bool on = effective != nullptr && effective->is_bool()
                      ? effective->bool_value()
                      : setting != nullptr && setting->bool_value();
  std::printf("  automatically install: %s\n", on ? "on" : "off");
  if (const auto* fleet = status.Find("fleet"); fleet != nullptr && fleet->is_object()) {
    PrintFleet(*fleet);
  }
  if (!Text(&status, "last_check").empty()) {
    std::printf("  last check: %s, %s\n", Text(&status, "last_check").c_str(),
                Text(&status, "last_result").c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    CLI::App app{"bsi-agent: installs Background Security Improvements, quietly", "bsi-agent"};
    app.set_version_flag("--version", "bsi-agent 0.1.0");
    std::string config_path = bsi::agent::kDefaultConfigPath;
    bool json = false;
    std::string auto_install;
    app.add_option("--config", config_path, "Configuration file (TOML)");
    app.require_subcommand(1);
    CLI::App* run = app.add_subcommand(
        "run", "The daemon: check, install, report, forever (each pass a child process)");
    CLI::App* check = app.add_subcommand("check-now", "One check (and install) now");
    // The scheduler's pass (bsi-agent-scheduler runs it); not listed.
    CLI::App* run_pass =
        app.add_subcommand("run-pass", "One pass of the daemon, its summary on stdout")->group("");
    CLI::App* status = app.add_subcommand("status", "What the device runs and what is pending");
    status->add_flag("--json", json, "Print JSON");
    CLI::App* settings = app.add_subcommand("settings", "Local settings");
    settings->require_subcommand(1);
    CLI::App* auto_cmd = settings->add_subcommand("auto-install", "Automatically Install");
    auto_cmd->add_option("VALUE", auto_install, "on or off")
        ->required()
        ->check(CLI::IsMember({"on", "off"}));
    CLI::App* remove = app.add_subcommand("remove", "Remove the installed improvement");
    try {
      app.parse(argc, argv);
    } catch (const CLI::Success& e) {
      return app.exit(e);
    } catch (const CLI::ParseError& e) {
      app.exit(e);
      return kExitUsage;
    }

    bsi::PosixFileSystem fs;
    bsi::Result<bsi::agent::AgentConfig> config = bsi::agent::LoadConfig(fs, config_path);
    if (!config.ok()) return Fail("configuration", config.error());
    if (*run) {
      // Lowest priority first: the scheduler and its passes inherit it.
      LowerPriority();
      return ExecScheduler(config_path, config->poll_interval_seconds);
    }
    bsi::fetch::CurlTransportOptions transport_options;
    transport_options.max_recv_speed_bytes_per_s = config->bandwidth_limit;
    bsi::fetch::CurlTransport transport(transport_options);
    bsi::SystemClock clock;
    const std::string state_dir = config->state_dir;
    bsi::agent::AgentOptions options;
    std::unique_ptr<bsi::fetch::CurlApiClient> fleet_api;
    if (config->fleet.enabled()) {
      bsi::fetch::CurlApiClientOptions api_options;
      if (!*run_pass) {
        // A local command waits for the fleet server only briefly; what it
        // could not send stays queued for the daemon.
        api_options.connect_timeout = std::chrono::seconds(5);
        api_options.total_timeout = std::chrono::seconds(15);
      }
      fleet_api = std::make_unique<bsi::fetch::CurlApiClient>(api_options);
      options.fleet_api = fleet_api.get();
    }
    options.log = [](const std::string& line) { Log(line); };
    Agent agent(std::move(*config), fs, transport, clock, std::move(options));

    if (*status) {
      StateLock lock(state_dir);
      bsi::Result<bsi::json::Value> value = agent.StatusReport();
      if (!value.ok()) return Fail("status", value.error());
      PrintStatus(*value, json);
      return kExitOk;
    }
    if (*auto_cmd) {
      StateLock lock(state_dir);
      bsi::Status set = agent.SetAutoInstall(auto_install == "on");
      if (!set.ok()) return Fail("settings", set.error());
      std::printf("automatically install: %s\n", auto_install.c_str());
      return kExitOk;
    }
    if (*remove) {
      StateLock lock(state_dir);
      bsi::Result<std::string> removed = agent.Remove();
      if (!removed.ok()) return Fail("remove", removed.error());
      std::printf("%s\n", removed->c_str());
      return kExitOk;
    }
    if (*check || *run_pass) return OnePass(agent, state_dir);
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bsi-agent: internal error: %s\n", e.what());
  }
  return kExitFailed;
}
