#include "agent/agent.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <map>
#include <set>
#include <thread>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bsi/client/updater.h"
#include "bsi/core/time_format.h"
#include "bsi/json/fields.h"
#include "bsi/store/component_store.h"

#include "agent/agent_impl.h"
#include "agent/fleet_report.h"
#include "agent/sysext.h"

namespace bsi::agent {
namespace {

using internal::kMaxStateBytes;
using internal::StringOrNull;

json::Value OptionalString(const std::optional<std::string>& value) {
  return value.has_value() ? json::Value(*value) : json::Value(nullptr);
}

// The CVE ids an improvement fixes (none for the base).
json::Value CveIds(const release::Improvement* improvement) {
  json::Array ids;
  if (improvement != nullptr) {
    for (const release::Cve& cve : improvement->cves) ids.push_back(cve.id);
  }
  return ids;
}

}  // namespace

namespace internal {

std::optional<std::string> StringOrNull(const json::Object& object, std::string_view key) {
  const json::Value* value = json::Find(object, key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->string_value();
}

std::vector<release::Improvement> ImprovementsOf(const metadata::Targets& targets,
                                                 std::map<std::string, std::uint64_t>* sizes) {
  std::vector<release::Improvement> improvements;
  for (const auto& [path, file] : targets.targets) {
    if (sizes != nullptr) (*sizes)[path] = static_cast<std::uint64_t>(file.length);
    if (release::RecordType(file.custom) != "improvement") continue;
    Result<release::Improvement> record = release::ParseImprovement(*file.custom->Find("bsi"));
    if (record.ok()) improvements.push_back(std::move(*record));
  }
  return improvements;
}

}  // namespace internal

Result<int> RunCommand(const std::vector<std::string>& argv, std::int64_t timeout_seconds) {
  if (argv.empty() || !argv[0].starts_with("/")) {
    return Error(ErrorCode::kInvalidArgument, "a command needs an absolute program path");
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return Error(ErrorCode::kIo, "fork failed");
  if (pid == 0) {
    // Killed with the agent (its process group is its own, so nothing else
    // would end it); if the agent died before this line, stop here.
    (void)::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::setpgid(0, 0);
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    // Its output goes to the agent's stderr (the journal): the agent's
    // stdout carries only the pass's summary.
    ::dup2(2, 1);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::seconds(std::max<std::int64_t>(timeout_seconds, 1));
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return Error(ErrorCode::kIo, "waitpid failed");
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return Error(ErrorCode::kTimeout,
                   argv[0] + " did not finish within " + std::to_string(timeout_seconds) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

Agent::Impl::Impl(AgentConfig config_in, FileSystem& fs_in, fetch::Transport& transport_in,
                  const Clock& clock_in, AgentOptions options_in)
    : config(std::move(config_in)),
      fs(fs_in),
      transport(transport_in),
      clock(clock_in),
      options(std::move(options_in)) {
  if (!options.run_command) {
    options.run_command =
        [timeout = config.command_timeout_seconds](const std::vector<std::string>& argv) {
          return RunCommand(argv, timeout);
        };
  }
  if (config.fleet.enabled() && options.fleet_api != nullptr) {
    fleet = std::make_unique<FleetClient>(config.fleet, config.state_dir,
                                          FleetDevice{config.device_id, config.product}, fs,
                                          *options.fleet_api, clock, options.log);
  }
}

void Agent::Impl::Log(const std::string& line) const {
  if (options.log) options.log(line);
}

Status Agent::Impl::LoadState() {
  state = json::Object{{"format", 1}};
  if (!fs.Exists(StatePath())) return Ok();
  BSI_ASSIGN_OR_RETURN(const std::string bytes, fs.ReadFile(StatePath(), kMaxStateBytes));
  Result<json::Value> value = json::Parse(bytes);
  if (!value.ok() || !value->is_object()) {
    return Error(ErrorCode::kCorruptState, StatePath() + " does not parse");
  }
  state = value->object();
  return Ok();
}

Status Agent::Impl::SaveState() {
  BSI_TRY(CreateDirs(fs, config.state_dir, DirDurability::kSynced));
  return WriteFileAtomically(fs, StatePath(), json::ToPrettyString(state));
}

bool Agent::Impl::AutoInstall() const {
  const json::Value* setting = json::Find(state, "auto_install");
  return setting != nullptr && setting->is_bool() ? setting->bool_value() : config.auto_install;
}

Status Agent::Impl::OpenStores() {
  stores.clear();
  const std::string root = JoinPath(config.state_dir, "components");
  BSI_TRY(CreateDirs(fs, root, DirDurability::kSynced));
  for (const ComponentSetup& setup : config.components) {
    auto component = std::make_unique<store::ComponentStore>(
        fs, root, store::ComponentConfig{setup.name, setup.base_tree});
    BSI_TRY(component->Open());
    if (!setup.install_path.empty()) BSI_TRY(LinkInstallPath(setup, *component));
    // After a crash between the store's switch and the extension's.
    BSI_TRY(SyncExtension(setup, *component));
    stores.push_back(std::move(component));
  }
  return Ok();
}

Status Agent::Impl::SyncExtension(const ComponentSetup& setup,
                                  const store::ComponentStore& component) {
  if (setup.activation != ComponentSetup::Activation::kSysext) return Ok();
  const store::ComponentState& stored = component.state();
  const store::Version linked =
      stored.step == store::Step::kActivated ? stored.target : stored.active;
  SysextSetup sysext;
  sysext.extensions_dir = config.sysext_dir;
  sysext.mount_path = setup.sysext_path;
  sysext.os_id = config.os_id;
  BSI_ASSIGN_OR_RETURN(const version::BaseVersion base, ReadBaseVersion(fs, config));
  sysext.os_version_id = base.ToString();
  sysext.refresh = config.sysext_refresh;
  return PublishExtension(sysext, setup.name, linked, component.TreePath(linked),
                          options.run_command);
}

// install_path -> the store's current link, once; anything else there is
// left alone and reported.
Status Agent::Impl::LinkInstallPath(const ComponentSetup& setup,
                                    const store::ComponentStore& component) {
  Result<std::string> existing = fs.ReadSymlink(setup.install_path);
  if (existing.ok() && *existing == component.CurrentLink()) return Ok();
  if (fs.Exists(setup.install_path)) {
    return Error(ErrorCode::kInvalidArgument,
                 setup.install_path + " exists and is not the link to " + component.CurrentLink());
  }
  BSI_TRY(CreateDirs(fs, ParentDir(setup.install_path)));
  BSI_TRY(fs.CreateSymlink(component.CurrentLink(), setup.install_path));
  return fs.SyncDir(ParentDir(setup.install_path));
}

client::Updater Agent::Impl::NewUpdater() {
  client::UpdaterConfig updater{JoinPath(config.state_dir, "metadata"),
                                config.metadata_url,
                                JoinPath(config.state_dir, "downloads"),
                                config.targets_url,
                                {}};
  updater.options.resume_downloads = true;  // a dropped download continues next pass
  return client::Updater(updater, transport, fs, clock);
}

Status Agent::Impl::EnsureTrustedRoot() {
  const std::string metadata = JoinPath(config.state_dir, "metadata");
  if (fs.Exists(JoinPath(metadata, "root.json"))) return Ok();
  BSI_ASSIGN_OR_RETURN(const std::string root, fs.ReadFile(config.trusted_root, 1 << 20));
  return client::Updater::InitMetadataDir(fs, metadata, root);
}

// What the device is, from the configuration and agent.json (component
// versions: Facts adds them from the open stores, MakeReport from their
// state files).
Result<DeviceFacts> Agent::Impl::StateFacts() {
  DeviceFacts facts;
  facts.device_id = config.device_id;
  facts.product = config.product;
  BSI_ASSIGN_OR_RETURN(facts.base, ReadBaseVersion(fs, config));
  if (const auto installed = StringOrNull(state, "installed"); installed.has_value()) {
    BSI_ASSIGN_OR_RETURN(facts.installed, version::ImprovementVersion::Parse(*installed));
  }
  if (const auto removed = StringOrNull(state, "removed"); removed.has_value()) {
    BSI_ASSIGN_OR_RETURN(facts.removed, version::Letter::Parse(*removed));
  }
  for (const ComponentSetup& setup : config.components) {
    if (!setup.restart.empty()) facts.restart_components.insert(setup.name);
  }
  return facts;
}

Result<DeviceFacts> Agent::Impl::Facts() {
  BSI_ASSIGN_OR_RETURN(DeviceFacts facts, StateFacts());
  for (std::size_t i = 0; i < stores.size(); ++i) {
    if (stores[i]->state().active.has_value()) {
      facts.component_versions[config.components[i].name] = *stores[i]->state().active;
    }
  }
  return facts;
}

// Restarts and health checks of the components that switched (only
// they: the maintenance window is decided by which components an
// install changes); the first failure.
Status Agent::Impl::RestartAndCheck(const std::set<std::string>& switched) {
  for (const ComponentSetup& setup : config.components) {
    if (switched.count(setup.name) == 0) continue;
    for (const auto* argv : {&setup.restart, &setup.health_check}) {
      if (argv->empty()) continue;
      BSI_ASSIGN_OR_RETURN(const int status, options.run_command(*argv));
      if (status != 0) {
        return Error(ErrorCode::kInvalidArgument,
                     setup.name + ": " + (*argv)[0] + " exited with " + std::to_string(status));
      }
    }
  }
  return Ok();
}

// Brings every component to the versions `target` names (nullopt: the
// base trees), through `bundles` (component -> downloaded bundle) where
// a tree must be built; health-checked, committed or aborted.
Status Agent::Impl::SwitchTo(
    const std::map<std::string, std::pair<store::Version, std::string>>& plan) {
  std::vector<store::ComponentStore*> activated;
  std::set<std::string> switched;
  for (std::size_t i = 0; i < stores.size(); ++i) {
    const auto step = plan.find(config.components[i].name);
    if (step == plan.end() || stores[i]->state().active == step->second.first) continue;
    switched.insert(config.components[i].name);
    store::ComponentStore& component = *stores[i];
    const store::Version& version = step->second.first;
    const bool kept = !version.has_value() ||
                      (component.state().has_previous && component.state().previous == version);
    if (kept) {
      BSI_TRY(component.RollBack(version));
      BSI_TRY(SyncExtension(config.components[i], component));
      continue;
    }
    BSI_TRY(component.Stage(step->second.second, *version));
    BSI_TRY(component.Activate());
    activated.push_back(&component);
    BSI_TRY(SyncExtension(config.components[i], component));
  }
  Status healthy = RestartAndCheck(switched);
  // The bundles are applied (or refused): give their space back.
  for (const auto& [name, step] : plan) {
    if (!step.second.empty()) (void)fs.RemoveFile(step.second);
  }
  for (std::size_t i = 0; i < stores.size(); ++i) {
    store::ComponentStore* component = stores[i].get();
    if (std::find(activated.begin(), activated.end(), component) == activated.end()) continue;
    if (healthy.ok()) {
      BSI_TRY(component->Commit());
    } else {
      BSI_TRY(component->Abort());
      BSI_TRY(SyncExtension(config.components[i], *component));
    }
  }
  if (!healthy.ok() && !activated.empty()) (void)RestartAndCheck(switched);  // old trees back up
  // The trees switched away from go now (the switch itself did not wait).
  for (const auto& component : stores) BSI_TRY(component->CollectGarbage());
  return healthy;
}

Result<std::string> Agent::Impl::Download(client::Updater& updater, const std::string& path) {
  BSI_ASSIGN_OR_RETURN(const client::TargetInfo info, updater.GetTargetInfo(path));
  return updater.DownloadTarget(info);
}

Result<PassResult> Agent::Impl::Pass() {
  BSI_TRY(EnsureTrustedRoot());
  BSI_TRY(OpenStores());
  client::Updater updater = NewUpdater();
  BSI_TRY(updater.Refresh());
  BSI_ASSIGN_OR_RETURN(const metadata::Targets* targets, updater.TopLevelTargets());
  std::map<std::string, std::uint64_t> sizes;
  const std::vector<release::Improvement> improvements = internal::ImprovementsOf(*targets, &sizes);
  BSI_ASSIGN_OR_RETURN(const DeviceFacts facts, Facts());
  PolicyInputs policy;
  policy.auto_install_setting = AutoInstall();
  if (fleet != nullptr) {
    // With none ever received, nothing is installed: a device that cannot
    // reach its server must not bypass the admin's approval requirement.
    Result<protocol::Declarations> declarations = fleet->PullDeclarations(facts.base.ToString());
    if (!declarations.ok()) return declarations.error();
    policy.declarations = ToPolicy(*declarations);
  } else if (config.fleet.enabled()) {
    return Error(ErrorCode::kInternal, "a fleet server is configured but no ApiClient was given");
  }
  PassResult result;
  result.decision = Decide(facts, improvements, sizes, policy, clock.Now());
  decision = result.decision;
  const Decision& d = result.decision;
  state["pending"] = nullptr;
  switch (d.action) {
    case Action::kInstall: {
      std::map<std::string, std::pair<store::Version, std::string>> plan;
      for (const PayloadChoice& payload : d.payloads) {
        BSI_ASSIGN_OR_RETURN(const std::string local, Download(updater, payload.path));
        for (const release::ComponentChange& change : d.improvement->components) {
          if (change.name == payload.component) plan[change.name] = {change.version, local};
        }
      }
      BSI_TRY(SwitchTo(plan));
      state["installed"] = d.improvement->version().ToString();
      state["cves"] = CveIds(&*d.improvement);
      result.changed = true;
      result.summary = "installed " + d.improvement->Id();
      break;
    }
    case Action::kRollBack:
    case Action::kDropSuperseded: {
      // To the base trees, or to the letter below (its full bundles where
      // the device no longer keeps its tree).
      std::map<std::string, std::pair<store::Version, std::string>> plan;
      const release::Improvement* to = nullptr;
      for (const release::Improvement& i : improvements) {
        if (d.rollback_to.has_value() && i.product == facts.product && i.base == facts.base &&
            i.letter == *d.rollback_to) {
          to = &i;
        }
      }
      for (const ComponentSetup& setup : config.components) plan[setup.name] = {std::nullopt, ""};
      if (to != nullptr) {
        for (const release::ComponentChange& change : to->components) {
          std::string local;
          for (const release::PayloadRef& ref : to->payloads) {
            if (ref.component == change.name && !ref.from.has_value()) {
              BSI_ASSIGN_OR_RETURN(local, Download(updater, ref.path));
            }
          }
          plan[change.name] = {change.version, local};
        }
      }
      BSI_TRY(SwitchTo(plan));
      if (d.action == Action::kDropSuperseded) {
        state["superseded"] = OptionalString(StringOrNull(state, "installed"));
      }
      state["installed"] = to != nullptr ? json::Value(to->version().ToString()) : nullptr;
      state["cves"] = CveIds(to);
      result.changed = true;
      result.summary = d.action == Action::kDropSuperseded
                           ? "base changed: improvements of the old base dropped (superseded)"
                           : "rolled back from withdrawn " + d.improvement->Id() + " to " +
                                 (to != nullptr ? to->Id() : "the base");
      break;
    }
    case Action::kWait:
      state["pending"] = json::Object{
          {"improvement", d.improvement->Id()},
          {"reason", ReasonName(d.reason)},
          {"wait", WaitReasonName(d.wait)},
          {"not_before", d.not_before.has_value() ? json::Value(FormatUtcTimestamp(*d.not_before))
                                                  : json::Value(nullptr)}};
      result.summary =
          d.improvement->Id() + " available, waiting (" + std::string(ReasonName(d.reason)) +
          (d.wait != WaitReason::kNone ? ": " + std::string(WaitReasonName(d.wait)) : "") + ")";
      break;
    case Action::kNothing:
      result.summary = std::string(ReasonName(d.reason));
      break;
  }
  return result;
}

Agent::Agent(AgentConfig config, FileSystem& fs, fetch::Transport& transport, const Clock& clock,
             AgentOptions options)
    : impl_(std::make_shared<Impl>(std::move(config), fs, transport, clock, std::move(options))) {}

Result<PassResult> Agent::CheckOnce() {
  BSI_TRY(impl_->LoadState());
  impl_->decision.reset();
  Result<PassResult> result = impl_->Pass();
  impl_->state["last_check"] = FormatUtcTimestamp(impl_->clock.Now());
  impl_->state["last_result"] = result.ok() ? result->summary : result.error().ToString();
  impl_->state["failure"] =
      result.ok() ? json::Value(nullptr) : json::Value(result.error().ToString());
  impl_->RecordOutcome(result);
  BSI_TRY(impl_->SaveState());
  impl_->Report();
  return result;
}

Status Agent::SetAutoInstall(bool on) {
  BSI_TRY(impl_->LoadState());
  impl_->state["auto_install"] = on;
  BSI_TRY(impl_->SaveState());
  impl_->Report();
  return Ok();
}

Result<std::string> Agent::Remove() {
  BSI_TRY(impl_->LoadState());
  BSI_TRY(impl_->OpenStores());
  const std::optional<std::string> installed = StringOrNull(impl_->state, "installed");
  if (!installed.has_value()) return Error(ErrorCode::kInvalidArgument, "no improvement installed");
  BSI_ASSIGN_OR_RETURN(const version::ImprovementVersion version,
                       version::ImprovementVersion::Parse(*installed));
  std::map<std::string, std::pair<store::Version, std::string>> plan;
  for (const ComponentSetup& setup : impl_->config.components) {
    plan[setup.name] = {std::nullopt, ""};
  }
  BSI_TRY(impl_->SwitchTo(plan));
  impl_->state["installed"] = nullptr;
  impl_->state["removed"] = version.letter().ToString();
  impl_->state["cves"] = json::Array{};
  impl_->state["last_result"] = "removed " + *installed;
  impl_->state["install_state"] = protocol::InstallStateName(protocol::InstallState::kRemoved);
  impl_->state["install_reason"] = "removed by the user: " + *installed;
  BSI_TRY(impl_->SaveState());
  impl_->Report();
  return "removed " + *installed;
}

}  // namespace bsi::agent
