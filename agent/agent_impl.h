// Agent::Impl: the agent's state and steps, shared by agent.cc (the pass,
// the switch of component trees, the local commands) and agent_report.cc
// (the outcome kept for the fleet report, the report itself, `status`).
// Internal to agent_daemon: include it only from those two files.
//
// Thread-safety: none (as Agent).
#ifndef BSI_AGENT_AGENT_IMPL_H_
#define BSI_AGENT_AGENT_IMPL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bsi/client/updater.h"
#include "bsi/json/json.h"
#include "bsi/metadata/metadata.h"
#include "bsi/protocol/protocol.h"
#include "bsi/release/improvement.h"
#include "bsi/store/component_store.h"

#include "agent/agent.h"
#include "agent/fleet_client.h"
#include "agent/selection.h"

namespace bsi::agent {
namespace internal {

inline constexpr std::uint64_t kMaxStateBytes = 1 << 20;

// The string member `key` of `object`, or nullopt (absent, null, not a string).
std::optional<std::string> StringOrNull(const json::Object& object, std::string_view key);

// The improvement records a targets role carries (a signed record this
// agent cannot read, of a newer format, is not for it), and every target's
// length into `sizes` if given.
std::vector<release::Improvement> ImprovementsOf(const metadata::Targets& targets,
                                                 std::map<std::string, std::uint64_t>* sizes);

}  // namespace internal

struct Agent::Impl {
  // REQUIRES: as Agent's constructor.
  Impl(AgentConfig config_in, FileSystem& fs_in, fetch::Transport& transport_in,
       const Clock& clock_in, AgentOptions options_in);

  AgentConfig config;
  FileSystem& fs;
  fetch::Transport& transport;
  const Clock& clock;
  AgentOptions options;
  json::Object state;                                          // agent.json
  std::unique_ptr<FleetClient> fleet;                          // with a fleet server
  std::optional<Decision> decision;                            // the pass's, once made
  std::vector<std::unique_ptr<store::ComponentStore>> stores;  // open during a pass

  void Log(const std::string& line) const;

  std::string StatePath() const { return JoinPath(config.state_dir, "agent.json"); }

  Status LoadState();
  Status SaveState();
  // The user's toggle, or the configuration's default.
  bool AutoInstall() const;

  Status OpenStores();

  // install_path -> the store's current link, once; anything else there is
  // left alone and reported.
  Status LinkInstallPath(const ComponentSetup& setup, const store::ComponentStore& component);

  // For a sysext component, makes its system extension carry the tree the
  // store links now (none for the base) and merges it (agent/sysext.h);
  // nothing for a linked component.
  Status SyncExtension(const ComponentSetup& setup, const store::ComponentStore& component);

  client::Updater NewUpdater();
  Status EnsureTrustedRoot();

  // What the device is, from the configuration and agent.json (component
  // versions: Facts adds them from the open stores, MakeReport from their
  // state files).
  Result<DeviceFacts> StateFacts();

  Result<DeviceFacts> Facts();

  // Restarts and health checks of the components that switched (only
  // they: the maintenance window is decided by which components an
  // install changes); the first failure.
  Status RestartAndCheck(const std::set<std::string>& switched);

  // Brings every component to the versions `target` names (nullopt: the
  // base trees), through `bundles` (component -> downloaded bundle) where
  // a tree must be built; health-checked, committed or aborted.
  Status SwitchTo(const std::map<std::string, std::pair<store::Version, std::string>>& plan);

  Result<std::string> Download(client::Updater& updater, const std::string& path);

  // One pass (Agent::CheckOnce without the bookkeeping).
  Result<PassResult> Pass();

  // The last verified targets' improvement records (none before the first
  // refresh): what local commands report without a request.
  std::vector<release::Improvement> LocalImprovements();

  // Each component's active version, from the store state files (without
  // opening the stores, so `status` and the report change nothing).
  Result<std::map<std::string, std::string>> ComponentVersions();

  // agent_report.cc: what the status report says about the pass, kept in
  // agent.json; the report of the state just saved, queued and sent.
  void RecordOutcome(const Result<PassResult>& result);
  Result<protocol::StatusReport> MakeReport();
  void Report();
};

}  // namespace bsi::agent

#endif  // BSI_AGENT_AGENT_IMPL_H_
