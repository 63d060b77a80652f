#include "agent/fleet_report.h"

#include <algorithm>
#include <utility>

#include "bsi/json/json.h"

namespace bsi::agent {
namespace {

using protocol::ImprovementState;
using protocol::ImprovementStatus;

std::vector<std::string> CveIds(const release::Improvement& improvement) {
  std::vector<std::string> ids;
  for (const release::Cve& cve : improvement.cves) ids.push_back(cve.id);
  return ids;
}

// The entry of one improvement of the device's product and base.
ImprovementStatus StatusOf(const ReportInputs& in, const release::Improvement& improvement,
                           const std::optional<version::Letter>& running,
                           const std::string& running_id, UnixTime now) {
  ImprovementStatus status;
  status.id = improvement.Id();
  status.letter = improvement.letter.ToString();
  status.cves = CveIds(improvement);
  if (status.cves.size() > protocol::kMaxCves) status.cves.resize(protocol::kMaxCves);
  const version::Letter& letter = improvement.letter;
  const DeviceFacts& device = in.device;
  if (running.has_value() && letter == *running) {
    status.state = ImprovementState::kInstalled;
    if (improvement.withdrawal.has_value()) {
      status.detail = "withdrawn, to be rolled back: " + improvement.withdrawal->reason;
    }
  } else if (improvement.withdrawal.has_value()) {
    status.state = in.rolled_back.count(status.letter) != 0 ? ImprovementState::kRolledBack
                                                            : ImprovementState::kWithdrawn;
    status.detail = improvement.withdrawal->reason;
  } else if (running.has_value() && letter < *running) {
    status.state = ImprovementState::kInstalled;
    status.detail = "included in " + running_id;
  } else if (device.removed.has_value() && letter <= *device.removed) {
    status.state = ImprovementState::kRemoved;
  } else if (in.failed_letter == status.letter) {
    status.state = ImprovementState::kFailed;
    status.detail = in.failed_detail;
  } else if (in.declarations_missing) {
    status.state = ImprovementState::kPending;
    status.detail = "waiting for the fleet server's declarations";
  } else if (const std::optional<Hold> hold = HoldFor(device, improvement, in.policy, now);
             !hold.has_value()) {
    status.state = ImprovementState::kPending;  // the next pass installs it
  } else {
    status.reason = ToProtocol(*hold);
    status.not_before = hold->not_before;
    status.state = status.reason == protocol::WaitReason::kAutoInstallOff
                       ? ImprovementState::kAvailable
                       : ImprovementState::kPending;
  }
  status.detail = ProtocolText(status.detail, 1024);
  return status;
}

// The improvement of an earlier base that an OS update dropped.
void AddSuperseded(const ReportInputs& in, protocol::StatusReport& report) {
  if (!in.superseded.has_value()) return;
  Result<version::ImprovementVersion> old = version::ImprovementVersion::Parse(*in.superseded);
  if (!old.ok() || old->base() == in.device.base) return;
  ImprovementStatus status;
  status.id = in.device.product + " " + old->ToString();
  status.letter = old->letter().ToString();
  status.state = ImprovementState::kSuperseded;
  status.detail = "the base changed to " + in.device.base.ToString();
  report.improvements.push_back(std::move(status));
}

// Within protocol::kMaxBodyBytes once serialized: first without the CVE
// lists of the entries (cves_fixed stays), then without the lowest letters.
void FitBody(protocol::StatusReport& report) {
  const auto size = [&] { return json::ToCompactString(protocol::ToJson(report)).size(); };
  if (size() <= protocol::kMaxBodyBytes) return;
  for (ImprovementStatus& status : report.improvements) status.cves.clear();
  while (size() > protocol::kMaxBodyBytes && !report.improvements.empty()) {
    report.improvements.erase(report.improvements.begin());
  }
  while (size() > protocol::kMaxBodyBytes && !report.cves_fixed.empty()) {
    report.cves_fixed.resize(report.cves_fixed.size() / 2);
  }
}

}  // namespace

Declarations ToPolicy(const protocol::Declarations& declarations) {
  Declarations out;
  switch (declarations.auto_install) {
    case protocol::AutoInstallMode::kAllowed:
      out.auto_install = AutoInstallLock::kNone;
      break;
    case protocol::AutoInstallMode::kAlwaysOn:
      out.auto_install = AutoInstallLock::kAlwaysOn;
      break;
    case protocol::AutoInstallMode::kAlwaysOff:
      out.auto_install = AutoInstallLock::kAlwaysOff;
      break;
  }
  out.deferral_days = declarations.deferral_days;
  out.approval_required = declarations.approval_required;
  out.approved.insert(declarations.approved.begin(), declarations.approved.end());
  out.held.insert(declarations.held.begin(), declarations.held.end());
  if (declarations.maintenance_window.has_value()) {
    out.window = MaintenanceWindow{declarations.maintenance_window->start_minute,
                                   declarations.maintenance_window->length_minutes};
  }
  return out;
}

protocol::WaitReason ToProtocol(const Hold& hold) {
  switch (hold.reason) {
    case Reason::kRolloutPaused:
      return protocol::WaitReason::kRolloutPaused;
    case Reason::kNotInWaveYet:
      return protocol::WaitReason::kNotInWaveYet;
    default:
      break;
  }
  switch (hold.wait) {
    case WaitReason::kNone:
      return protocol::WaitReason::kNone;
    case WaitReason::kAutoInstallOff:
      return protocol::WaitReason::kAutoInstallOff;
    case WaitReason::kDeferred:
      return protocol::WaitReason::kDeferred;
    case WaitReason::kAwaitingApproval:
      return protocol::WaitReason::kAwaitingApproval;
    case WaitReason::kHeld:
      return protocol::WaitReason::kHeld;
    case WaitReason::kMaintenanceWindow:
      return protocol::WaitReason::kMaintenanceWindow;
  }
  return protocol::WaitReason::kNone;
}

std::string ProtocolText(std::string_view text, std::size_t max) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80                   ? 1
                         : lead >= 0xF0 && lead < 0xF5 ? 4
                         : lead >= 0xE0                ? 3
                         : lead >= 0xC2                ? 2
                                                       : 0;
    for (std::size_t k = 1; k < length; ++k) {
      if (i + k >= text.size() || (static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
        length = 0;  // a truncated sequence
      }
    }
    if (length > 2) {  // no overlong forms, surrogates or code points past U+10FFFF
      const auto second = static_cast<unsigned char>(text[i + 1]);
      if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second >= 0xA0) ||
          (lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second >= 0x90)) {
        length = 0;
      }
    }
    if (length == 0) {  // not UTF-8: one replacement byte per bad byte
      if (out.size() + 1 > max) break;
      out += '?';
      ++i;
      continue;
    }
    if (out.size() + length > max) break;
    if (length == 1 && (lead < 0x20 || lead == 0x7f)) {
      out += ' ';
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

protocol::StatusReport BuildStatusReport(const ReportInputs& in, UnixTime now,
                                         std::string report_id, std::string_view agent_version) {
  const DeviceFacts& device = in.device;
  protocol::StatusReport report;
  report.report_id = std::move(report_id);
  report.time = now;
  report.product = device.product;
  report.base_version = device.base.ToString();
  report.auto_install = AutoInstallEffective(in.policy);
  report.install_state = in.install_state;
  report.install_reason = ProtocolText(in.install_reason, 256);
  report.failure = ProtocolText(in.failure, 1024);
  report.agent_version = ProtocolText(agent_version, 64);

  std::vector<const release::Improvement*> candidates;
  for (const release::Improvement& improvement : in.improvements) {
    if (improvement.product == device.product && improvement.base == device.base) {
      candidates.push_back(&improvement);
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const auto* a, const auto* b) { return a->letter < b->letter; });
  std::optional<version::Letter> running;
  std::string running_id;
  if (device.installed.has_value() && device.installed->base() == device.base) {
    running = device.installed->letter();
    running_id = device.product + " " + device.installed->ToString();
    report.running = running_id;
  }

  // The CVEs fixed: those of the running letter and of every standing
  // letter below it (improvements are cumulative).
  std::set<std::string> fixed;
  for (const release::Improvement* improvement : candidates) {
    if (running.has_value() && improvement->letter <= *running &&
        (!improvement->withdrawal.has_value() || improvement->letter == *running)) {
      for (const release::Cve& cve : improvement->cves) fixed.insert(cve.id);
    }
  }
  report.cves_fixed.assign(fixed.begin(), fixed.end());
  if (report.cves_fixed.size() > protocol::kMaxCves) report.cves_fixed.resize(protocol::kMaxCves);

  for (const std::string& name : in.components) {
    if (report.components.size() == protocol::kMaxComponents) break;
    std::string version = device.base.ToString();
    if (const auto active = device.component_versions.find(name);
        active != device.component_versions.end()) {
      version = active->second;
    } else {
      for (const release::Improvement* improvement : candidates) {
        for (const release::ComponentChange& change : improvement->components) {
          if (change.name == name) version = change.from_version;
        }
      }
    }
    report.components.push_back({name, version});
  }

  std::size_t first = 0;
  const std::size_t room = protocol::kMaxImprovements - (in.superseded.has_value() ? 1 : 0);
  if (candidates.size() > room) first = candidates.size() - room;  // the highest letters
  for (std::size_t i = first; i < candidates.size(); ++i) {
    report.improvements.push_back(StatusOf(in, *candidates[i], running, running_id, now));
  }
  AddSuperseded(in, report);
  FitBody(report);
  return report;
}

}  // namespace bsi::agent
