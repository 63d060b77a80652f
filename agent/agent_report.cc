// The agent's reporting side: what each pass and local command leaves for
// the fleet's status report (kept in agent.json), the report itself (a pure
// function of that state: fleet_report.h), its queueing and delivery
// (fleet_client.h), and `bsi-agent status`.
#include <set>
#include <string>
#include <utility>

#include "bsi/core/time_format.h"
#include "bsi/json/fields.h"
#include "bsi/metadata/parse.h"

#include "agent/agent_impl.h"
#include "agent/fleet_report.h"

#ifndef BSI_AGENT_VERSION
#define BSI_AGENT_VERSION "unknown"
#endif

namespace bsi::agent {
namespace {

using internal::kMaxStateBytes;
using internal::StringOrNull;

constexpr std::uint64_t kMaxTargetsBytes = 16 << 20;

json::Array Letters(const std::set<std::string>& letters) {
  return json::Array(letters.begin(), letters.end());
}

// The letters of this base rolled back after their withdrawal.
std::set<std::string> RolledBack(const json::Object& state) {
  std::set<std::string> letters;
  if (const json::Value* list = json::Find(state, "rolled_back");
      list != nullptr && list->is_array()) {
    for (const json::Value& letter : list->array()) {
      if (letter.is_string()) letters.insert(letter.string_value());
    }
  }
  return letters;
}

}  // namespace

// The last verified targets' improvement records (none before the first
// refresh): what local commands report without a request.
std::vector<release::Improvement> Agent::Impl::LocalImprovements() {
  const std::string path = JoinPath(JoinPath(config.state_dir, "metadata"), "targets.json");
  Result<std::string> bytes = fs.ReadFile(path, kMaxTargetsBytes);
  if (!bytes.ok()) return {};
  Result<metadata::Metadata<metadata::Targets>> targets = metadata::ParseTargets(*bytes);
  return targets.ok() ? internal::ImprovementsOf(targets->signed_part, nullptr)
                      : std::vector<release::Improvement>{};
}

// Each component's active version, from the store state files (without
// opening the stores, so `status` and the report change nothing).
Result<std::map<std::string, std::string>> Agent::Impl::ComponentVersions() {
  std::map<std::string, std::string> versions;
  const std::string root = JoinPath(config.state_dir, "components");
  for (const ComponentSetup& setup : config.components) {
    const std::string file = JoinPath(JoinPath(root, setup.name), "state.json");
    if (!fs.Exists(file)) continue;
    BSI_ASSIGN_OR_RETURN(const std::string bytes, fs.ReadFile(file, kMaxStateBytes));
    BSI_ASSIGN_OR_RETURN(const store::ComponentState component, store::ParseState(bytes));
    if (component.active.has_value()) versions[setup.name] = *component.active;
  }
  return versions;
}

// Keeps in agent.json what the status report says about the pass: the
// install state, why the last change happened, the letter whose install
// failed, the letters rolled back after withdrawal.
void Agent::Impl::RecordOutcome(const Result<PassResult>& result) {
  using protocol::InstallState;
  InstallState outcome = InstallState::kError;  // failed before deciding
  std::optional<std::string> reason;
  std::set<std::string> rolled_back = RolledBack(state);
  if (result.ok()) {
    const Decision& d = result->decision;
    outcome = InstallState::kUpToDate;
    state["failed"] = nullptr;
    if (d.action == Action::kInstall) {
      outcome = InstallState::kInstalled;
      reason = "installed " + d.improvement->Id();
    } else if (d.action == Action::kRollBack) {
      outcome = InstallState::kRolledBack;
      reason = d.improvement->Id() + " withdrawn: " + d.improvement->withdrawal->reason;
      rolled_back.insert(d.improvement->letter.ToString());
    } else if (d.action == Action::kDropSuperseded) {
      reason = result->summary;
      rolled_back.clear();
    } else if (d.action == Action::kWait) {
      outcome = InstallState::kWaiting;
    }
  } else if (decision.has_value() && decision->action != Action::kNothing &&
             decision->action != Action::kWait) {
    outcome = InstallState::kFailed;
    if (decision->action == Action::kInstall) {
      reason = "installing " + decision->improvement->Id() + " failed";
      state["failed"] = json::Object{{"letter", decision->improvement->letter.ToString()},
                                     {"detail", result.error().ToString()}};
    }
  }
  state["install_state"] = protocol::InstallStateName(outcome);
  if (reason.has_value()) state["install_reason"] = *reason;
  state["rolled_back"] = Letters(rolled_back);
}

Result<protocol::StatusReport> Agent::Impl::MakeReport() {
  ReportInputs in;
  BSI_ASSIGN_OR_RETURN(in.device, StateFacts());
  BSI_ASSIGN_OR_RETURN(in.device.component_versions, ComponentVersions());
  for (const ComponentSetup& setup : config.components) in.components.push_back(setup.name);
  in.improvements = LocalImprovements();
  in.policy.auto_install_setting = AutoInstall();
  Result<std::optional<protocol::Declarations>> declarations = fleet->CachedDeclarations();
  if (declarations.ok() && declarations->has_value()) {
    in.policy.declarations = ToPolicy(**declarations);
  } else {
    in.declarations_missing = true;
  }
  in.rolled_back = RolledBack(state);
  if (const json::Value* failed = json::Find(state, "failed");
      failed != nullptr && failed->is_object()) {
    in.failed_letter = StringOrNull(failed->object(), "letter");
    in.failed_detail = StringOrNull(failed->object(), "detail").value_or("");
  }
  in.superseded = StringOrNull(state, "superseded");
  if (const auto name = StringOrNull(state, "install_state"); name.has_value()) {
    Result<protocol::InstallState> parsed = protocol::ParseInstallState(*name);
    if (parsed.ok()) in.install_state = *parsed;
  }
  in.install_reason = StringOrNull(state, "install_reason").value_or("");
  in.failure = StringOrNull(state, "failure").value_or("");
  BSI_ASSIGN_OR_RETURN(std::string report_id, protocol::NewReportId());
  return BuildStatusReport(in, clock.Now(), std::move(report_id), BSI_AGENT_VERSION);
}

// Queues a report of the state just saved and sends the queue. Never
// fails the operation that called it: the fleet server being down, or the
// report not being made, is logged.
void Agent::Impl::Report() {
  if (fleet == nullptr) return;
  Result<protocol::StatusReport> report = MakeReport();
  if (!report.ok()) {
    Log("fleet: no status report made: " + report.error().ToString());
    return;
  }
  if (Status queued = fleet->Enqueue(*report); !queued.ok()) {
    Log("fleet: the status report could not be queued: " + queued.error().ToString());
    return;
  }
  Result<std::size_t> sent = fleet->SendQueued(report->base_version);
  if (!sent.ok()) {
    Result<std::vector<std::string>> queued = fleet->QueuedReports();
    Log("fleet: reports not delivered (" +
        (queued.ok() ? std::to_string(queued->size()) : std::string("some")) +
        " queued, sent on a later pass): " + sent.error().ToString());
  }
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
  BSI_ASSIGN_OR_RETURN(const auto versions, impl_->ComponentVersions());
  json::Object components;
  for (const ComponentSetup& setup : impl_->config.components) {
    const auto active = versions.find(setup.name);
    components[setup.name] = active == versions.end() ? "base" : active->second;
  }
  status["components"] = std::move(components);
  PolicyInputs policy;
  policy.auto_install_setting = impl_->AutoInstall();
  status["fleet"] = nullptr;
  if (impl_->fleet != nullptr) {
    BSI_ASSIGN_OR_RETURN(const FleetStatus fleet, impl_->fleet->ReadStatus());
    json::Object declarations;
    if (fleet.declarations.has_value()) {
      policy.declarations = ToPolicy(*fleet.declarations);
      declarations = protocol::ToJson(*fleet.declarations).object();
      declarations.erase("format");
      declarations["received"] = FormatUtcTimestamp(*fleet.declarations_received);
    }
    status["fleet"] = json::Object{
        {"server", fleet.server_url},
        {"enrolled", fleet.enrolled},
        {"device_id", fleet.enrolled ? json::Value(fleet.device_id) : json::Value(nullptr)},
        {"group", fleet.enrolled ? json::Value(fleet.group) : json::Value(nullptr)},
        {"declarations", fleet.declarations.has_value() ? json::Value(std::move(declarations))
                                                        : json::Value(nullptr)},
        {"queued_reports", static_cast<std::int64_t>(fleet.queued_reports)}};
  }
  status["auto_install_effective"] = AutoInstallEffective(policy);
  return json::Value(std::move(status));
}

}  // namespace bsi::agent
