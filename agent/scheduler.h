// The scheduler of `bsi-agent run`: the long-lived process of the daemon.
// `bsi-agent run` loads and checks its configuration, lowers its priority
// and exec's bsi-agent-scheduler, which then runs each pass as a
// short-lived child process, `<agent> --config <config> run-pass`, and
// sleeps between passes. The scheduler links none of the libraries a pass
// needs (libcurl, libcrypto, the TOML and JSON parsers): idle, the daemon
// holds only what this file needs, and a pass gives all its memory back
// when it exits. A leak or a crash in a pass cannot hurt the daemon.
//
// The pass's stdout is a pipe: its first line (read up to 4 KiB, control
// bytes replaced) is the summary, used only for the log and the systemd
// status; its stderr is the scheduler's (the journal). The pass gets
// SIGKILL if the scheduler dies (PR_SET_PDEATHSIG).
//
// Signals: SIGTERM or SIGINT stops the scheduler (a running pass is sent
// SIGTERM and waited for; the component store finishes or undoes an
// interrupted pass on the next one), exit status 0. SIGUSR1 starts a pass
// at once when idle, or another one right after the running pass.
//
// Programs run: only the `agent` path of the command line (bsi-agent run
// passes its own realpath), never anything from elsewhere.
//
// Thread-safety: RunScheduler blocks signals for the whole process;
// call it from a single-threaded program (bsi-agent-scheduler's main).
#ifndef BSI_AGENT_SCHEDULER_H_
#define BSI_AGENT_SCHEDULER_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/result.h"

namespace bsi::agent {

// The longest --interval: 100 years (keeps every wait within the clocks'
// range).
inline constexpr std::int64_t kMaxSchedulerInterval = std::int64_t{100} * 365 * 24 * 3600;

// The first backoff after a failed pass, in seconds.
inline constexpr std::int64_t kFirstBackoffSeconds = 60;

// The longest summary read from a pass's stdout, in bytes.
inline constexpr std::size_t kMaxSummaryBytes = 4096;

struct SchedulerArgs {
  bool help = false;                // --help: print SchedulerUsage(), nothing else
  std::string agent;                // --agent: absolute path of the full bsi-agent
  std::string config;               // --config: absolute path of its configuration
  std::int64_t interval_seconds{};  // --interval: seconds between passes
};

// The command line after the program name. Strict: either `--help` alone,
// or each of `--agent PATH`, `--config PATH` and `--interval SECONDS`
// exactly once, in any order, each value as the next argument; PATHs
// absolute, SECONDS a decimal integer in 1..kMaxSchedulerInterval.
// Errors: kInvalidArgument naming what is wrong.
Result<SchedulerArgs> ParseSchedulerArgs(const std::vector<std::string>& args);

// The --help text (ends with a newline).
std::string SchedulerUsage();

// The wait before the next pass: the interval, or after `failures`
// consecutive failed passes (> 0) kFirstBackoffSeconds doubled for each
// failure after the first, never beyond the interval; times a jitter factor
// of 0.9 + 0.2 * jitter_unit (±10%). jitter_unit is clamped into [0, 1].
// REQUIRES: 1 <= interval_s <= kMaxSchedulerInterval, failures >= 0.
std::chrono::milliseconds NextWait(std::int64_t interval_s, int failures, double jitter_unit);

// What a pass printed, made safe for a log line and an sd_notify STATUS=:
// the first line of at most kMaxSummaryBytes bytes, every control byte
// (below 0x20, and 0x7f) replaced by '?'.
std::string SummaryLine(std::string_view output);

// Runs passes until SIGTERM or SIGINT (see the file comment); notifies
// systemd (READY=1 at start, STATUS= after each pass, STOPPING=1).
// Returns the exit status: 0 when stopped by a signal, 1 if the scheduler
// could not set itself up.
// REQUIRES: args parsed by ParseSchedulerArgs, not help; no other threads.
int RunScheduler(const SchedulerArgs& args);

}  // namespace bsi::agent

#endif  // BSI_AGENT_SCHEDULER_H_
