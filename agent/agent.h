// Agent: one pass of bsi-agent's work, and the local control operations.
// A pass: refresh the TUF metadata → read the signed improvement records →
// decide (selection.h) → download and verify the payloads → stage →
// activate → restart the component's units → health check → commit, or
// abort (roll back) and report the failure; or roll back a withdrawn
// letter, or drop the improvements of an old base. The outcome is kept in
// <state_dir>/agent.json for `bsi-agent status`.
//
// With a fleet server (config.fleet), a pass also obeys the server's
// declarations (fleet_client.h: pulled each pass, the last ones kept for
// when the server cannot be reached; with none ever received the pass
// installs nothing and fails, so that an admin's approval requirement is
// never bypassed), and after every pass, `SetAutoInstall` and `Remove` a
// status report is queued durably and the queue is sent. The fleet server
// being down never fails a pass that has declarations: it is logged and
// the reports wait.
//
// Files written: only under state_dir (metadata, downloads, components,
// agent.json, fleet/) and, if configured, the component's install_path
// symlink.
// Programs run: only the restart and health-check commands of the local
// configuration, never anything from the network.
//
// Thread-safety: none; one Agent per process (run or a local command).
#ifndef BSI_AGENT_AGENT_H_
#define BSI_AGENT_AGENT_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bsi/core/clock.h"
#include "bsi/core/file_system.h"
#include "bsi/fetch/api_client.h"
#include "bsi/fetch/transport.h"
#include "bsi/json/json.h"

#include "agent/config.h"
#include "agent/fleet_client.h"
#include "agent/selection.h"

namespace bsi::agent {

// Runs a local command (argv[0] absolute); returns its exit status, or an
// error if it could not run. The seam lets tests count restarts.
using CommandRunner = std::function<Result<int>(const std::vector<std::string>& argv)>;

// fork/exec/wait, stdin from /dev/null, stdout and stderr to the agent's
// stderr; the command runs in its own process group, which is killed
// (SIGKILL) if it has not finished after `timeout_seconds` (kTimeout). The
// command gets SIGKILL if the calling thread ends first (PR_SET_PDEATHSIG:
// a killed agent leaves no command behind).
Result<int> RunCommand(const std::vector<std::string>& argv, std::int64_t timeout_seconds);

struct PassResult {
  Decision decision;
  bool changed = false;  // something was installed or rolled back
  std::string summary;   // one line for the log
};

struct AgentOptions {
  // Runs the restart and health-check commands. Default (nullptr):
  // RunCommand with the configuration's command timeout.
  CommandRunner run_command;
  // The fleet server's client. REQUIRES: set when config.fleet.enabled()
  // (it must outlive the agent); unused otherwise.
  fetch::ApiClient* fleet_api = nullptr;
  // Default (nullptr): nothing is logged.
  Logger log;
};

class Agent {
 public:
  // REQUIRES: fs, transport and clock outlive the agent.
  Agent(AgentConfig config, FileSystem& fs, fetch::Transport& transport, const Clock& clock,
        AgentOptions options = {});

  // One pass (see the file comment). Errors: the refresh's or download's
  // (security errors mean nothing was installed), a failed health check
  // (kInternal is not used: the error names the command), the store's.
  // Every outcome, errors included, is recorded in agent.json.
  Result<PassResult> CheckOnce();

  // The user's toggle. Persisted; the next pass honours it (a lock in the
  // fleet's declarations wins over it).
  Status SetAutoInstall(bool on);

  // Removes the installed improvement (back to the base trees); it is not
  // installed again automatically until a newer letter comes.
  Result<std::string> Remove();

  // agent.json plus each component's store state, for `bsi-agent status`;
  // with a fleet server, "fleet": the server, the enrollment, the
  // declarations in force and the reports queued (no request is made).
  Result<json::Value> StatusReport();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace bsi::agent

#endif  // BSI_AGENT_AGENT_H_
