#include "agent/agent.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <map>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bsi/client/updater.h"
#include "bsi/core/time_format.h"
#include "bsi/json/fields.h"
#include "bsi/store/component_store.h"

namespace bsi::agent {
namespace {

constexpr std::uint64_t kMaxStateBytes = 1 << 20;

json::Value OptionalString(const std::optional<std::string>& value) {
  return value.has_value() ? json::Value(*value) : json::Value(nullptr);
}

std::optional<std::string> StringOrNull(const json::Object& object, std::string_view key) {
  const json::Value* value = json::Find(object, key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->string_value();
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

Result<int> RunCommand(const std::vector<std::string>& argv, std::int64_t timeout_seconds) {
  if (argv.empty() || !argv[0].starts_with("/")) {
    return Error(ErrorCode::kInvalidArgument, "a command needs an absolute program path");
  }
  const pid_t pid = ::fork();
  if (pid < 0) return Error(ErrorCode::kIo, "fork failed");
  if (pid == 0) {
    ::setpgid(0, 0);
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
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

struct Agent::Impl {
  AgentConfig config;
  FileSystem& fs;
  fetch::Transport& transport;
  const Clock& clock;
  CommandRunner run_command;
  json::Object state;  // agent.json

  std::string StatePath() const { return JoinPath(config.state_dir, "agent.json"); }

  Status LoadState() {
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

  Status SaveState() {
    BSI_TRY(CreateDirs(fs, config.state_dir, DirDurability::kSynced));
    return WriteFileAtomically(fs, StatePath(), json::ToPrettyString(state));
  }

  bool AutoInstall() const {
    const json::Value* setting = json::Find(state, "auto_install");
    return setting != nullptr && setting->is_bool() ? setting->bool_value() : config.auto_install;
  }

  std::vector<std::unique_ptr<store::ComponentStore>> stores;

  Status OpenStores() {
    stores.clear();
    const std::string root = JoinPath(config.state_dir, "components");
    BSI_TRY(CreateDirs(fs, root, DirDurability::kSynced));
    for (const ComponentSetup& setup : config.components) {
      auto component = std::make_unique<store::ComponentStore>(
          fs, root, store::ComponentConfig{setup.name, setup.base_tree});
      BSI_TRY(component->Open());
      if (!setup.install_path.empty()) BSI_TRY(LinkInstallPath(setup, *component));
      stores.push_back(std::move(component));
    }
    return Ok();
  }

  // install_path -> the store's current link, once; anything else there is
  // left alone and reported.
  Status LinkInstallPath(const ComponentSetup& setup, const store::ComponentStore& component) {
    Result<std::string> existing = fs.ReadSymlink(setup.install_path);
    if (existing.ok() && *existing == component.CurrentLink()) return Ok();
    if (fs.Exists(setup.install_path)) {
      return Error(
          ErrorCode::kInvalidArgument,
          setup.install_path + " exists and is not the link to " + component.CurrentLink());
    }
    BSI_TRY(CreateDirs(fs, ParentDir(setup.install_path)));
    BSI_TRY(fs.CreateSymlink(component.CurrentLink(), setup.install_path));
    return fs.SyncDir(ParentDir(setup.install_path));
  }

  client::Updater NewUpdater() {
    client::UpdaterConfig updater{JoinPath(config.state_dir, "metadata"),
                                  config.metadata_url,
                                  JoinPath(config.state_dir, "downloads"),
                                  config.targets_url,
                                  {}};
    updater.options.resume_downloads = true;  // a dropped download continues next pass
    return client::Updater(updater, transport, fs, clock);
  }

  Status EnsureTrustedRoot() {
    const std::string metadata = JoinPath(config.state_dir, "metadata");
    if (fs.Exists(JoinPath(metadata, "root.json"))) return Ok();
    BSI_ASSIGN_OR_RETURN(const std::string root, fs.ReadFile(config.trusted_root, 1 << 20));
    return client::Updater::InitMetadataDir(fs, metadata, root);
  }

  Result<DeviceFacts> Facts() {
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
    for (std::size_t i = 0; i < stores.size(); ++i) {
      if (stores[i]->state().active.has_value()) {
        facts.component_versions[config.components[i].name] = *stores[i]->state().active;
      }
    }
    return facts;
  }

  // Restarts and health checks of every component; the first failure.
  Status RestartAndCheck() {
    for (const ComponentSetup& setup : config.components) {
      for (const auto* argv : {&setup.restart, &setup.health_check}) {
        if (argv->empty()) continue;
        BSI_ASSIGN_OR_RETURN(const int status, run_command(*argv));
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
  Status SwitchTo(const std::map<std::string, std::pair<store::Version, std::string>>& plan) {
    std::vector<store::ComponentStore*> activated;
    for (std::size_t i = 0; i < stores.size(); ++i) {
      const auto step = plan.find(config.components[i].name);
      if (step == plan.end() || stores[i]->state().active == step->second.first) continue;
      store::ComponentStore& component = *stores[i];
      const store::Version& version = step->second.first;
      const bool kept = !version.has_value() ||
                        (component.state().has_previous && component.state().previous == version);
      if (kept) {
        BSI_TRY(component.RollBack(version));
        continue;
      }
      BSI_TRY(component.Stage(step->second.second, *version));
      BSI_TRY(component.Activate());
      activated.push_back(&component);
    }
    Status healthy = RestartAndCheck();
    // The bundles are applied (or refused): give their space back.
    for (const auto& [name, step] : plan) {
      if (!step.second.empty()) (void)fs.RemoveFile(step.second);
    }
    for (store::ComponentStore* component : activated) {
      if (healthy.ok()) {
        BSI_TRY(component->Commit());
      } else {
        BSI_TRY(component->Abort());
      }
    }
    if (!healthy.ok() && !activated.empty()) (void)RestartAndCheck();  // old trees back up
    // The trees switched away from go now (the switch itself did not wait).
    for (const auto& component : stores) BSI_TRY(component->CollectGarbage());
    return healthy;
  }

  Result<std::string> Download(client::Updater& updater, const std::string& path) {
    BSI_ASSIGN_OR_RETURN(const client::TargetInfo info, updater.GetTargetInfo(path));
    return updater.DownloadTarget(info);
  }

  Result<PassResult> Pass();
};

Result<PassResult> Agent::Impl::Pass() {
  BSI_TRY(EnsureTrustedRoot());
  BSI_TRY(OpenStores());
  client::Updater updater = NewUpdater();
  BSI_TRY(updater.Refresh());
  BSI_ASSIGN_OR_RETURN(const metadata::Targets* targets, updater.TopLevelTargets());
  std::vector<release::Improvement> improvements;
  std::map<std::string, std::uint64_t> sizes;
  for (const auto& [path, file] : targets->targets) {
    sizes[path] = static_cast<std::uint64_t>(file.length);
    if (release::RecordType(file.custom) != "improvement") continue;
    Result<release::Improvement> record = release::ParseImprovement(*file.custom->Find("bsi"));
    // Signed but unreadable (a newer format): not for this agent.
    if (record.ok()) improvements.push_back(std::move(*record));
  }
  BSI_ASSIGN_OR_RETURN(const DeviceFacts facts, Facts());
  PolicyInputs policy;
  policy.auto_install_setting = AutoInstall();
  PassResult result;
  result.decision = Decide(facts, improvements, sizes, policy, clock.Now());
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
             CommandRunner run_command)
    : impl_(std::make_shared<Impl>(
          Impl{std::move(config), fs, transport, clock, std::move(run_command), {}, {}})) {
  if (!impl_->run_command) {
    impl_->run_command =
        [timeout = impl_->config.command_timeout_seconds](const std::vector<std::string>& argv) {
          return RunCommand(argv, timeout);
        };
  }
}

Result<PassResult> Agent::CheckOnce() {
  BSI_TRY(impl_->LoadState());
  Result<PassResult> result = impl_->Pass();
  impl_->state["last_check"] = FormatUtcTimestamp(impl_->clock.Now());
  impl_->state["last_result"] = result.ok() ? result->summary : result.error().ToString();
  impl_->state["failure"] =
      result.ok() ? json::Value(nullptr) : json::Value(result.error().ToString());
  BSI_TRY(impl_->SaveState());
  return result;
}

Status Agent::SetAutoInstall(bool on) {
  BSI_TRY(impl_->LoadState());
  impl_->state["auto_install"] = on;
  return impl_->SaveState();
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
  BSI_TRY(impl_->SaveState());
  return "removed " + *installed;
}

Result<json::Value> Agent::StatusReport() {
  BSI_TRY(impl_->LoadState());
  json::Object status = impl_->state;
  // Every key present, so that scripts need not guess.
  for (const char* key :
       {"installed", "pending", "failure", "removed", "superseded", "last_check"}) {
    status.emplace(key, nullptr);
  }
  status.emplace("cves", json::Array{});
  status.emplace("last_result", "");
  status["product"] = impl_->config.product;
  Result<version::BaseVersion> base = ReadBaseVersion(impl_->fs, impl_->config);
  status["base"] = base.ok() ? json::Value(base->ToString()) : nullptr;
  status["auto_install"] = impl_->AutoInstall();
  json::Object components;
  const std::string root = JoinPath(impl_->config.state_dir, "components");
  for (const ComponentSetup& setup : impl_->config.components) {
    const std::string file = JoinPath(JoinPath(root, setup.name), "state.json");
    std::string active = "base";
    if (impl_->fs.Exists(file)) {
      BSI_ASSIGN_OR_RETURN(const std::string bytes, impl_->fs.ReadFile(file, kMaxStateBytes));
      BSI_ASSIGN_OR_RETURN(const store::ComponentState component, store::ParseState(bytes));
      active = store::VersionName(component.active);
    }
    components[setup.name] = active;
  }
  status["components"] = std::move(components);
  return json::Value(std::move(status));
}

}  // namespace bsi::agent
