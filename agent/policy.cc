#include "agent/policy.h"

#include <algorithm>

namespace bsi::agent {

std::string_view WaitReasonName(WaitReason reason) {
  switch (reason) {
    case WaitReason::kNone:
      return "none";
    case WaitReason::kAutoInstallOff:
      return "auto-install-off";
    case WaitReason::kDeferred:
      return "deferred";
    case WaitReason::kAwaitingApproval:
      return "awaiting-approval";
    case WaitReason::kHeld:
      return "held";
    case WaitReason::kMaintenanceWindow:
      return "maintenance-window";
  }
  return "none";
}

bool AutoInstallEffective(const PolicyInputs& inputs) {
  if (inputs.declarations.has_value()) {
    switch (inputs.declarations->auto_install) {
      case AutoInstallLock::kAlwaysOn:
        return true;
      case AutoInstallLock::kAlwaysOff:
        return false;
      case AutoInstallLock::kNone:
        break;
    }
  }
  return inputs.auto_install_setting;
}

PolicyDecision Evaluate(const PolicyInputs& inputs, const release::Improvement& improvement,
                        UnixTime now) {
  PolicyDecision decision;
  if (!AutoInstallEffective(inputs)) {
    decision.wait = WaitReason::kAutoInstallOff;
    return decision;
  }
  if (!inputs.declarations.has_value()) return decision;
  const Declarations& d = *inputs.declarations;
  const std::string id = improvement.Id();
  if (d.held.count(id) != 0) {
    decision.wait = WaitReason::kHeld;
    return decision;
  }
  if (d.approval_required && d.approved.count(id) == 0) {
    decision.wait = WaitReason::kAwaitingApproval;
    return decision;
  }
  const std::int64_t days = std::clamp<std::int64_t>(d.deferral_days, 0, kMaxDeferralDays);
  const UnixTime until{improvement.published.seconds + days * 86400};
  if (now < until) {
    decision.wait = WaitReason::kDeferred;
    decision.not_before = until;
  }
  return decision;
}

bool InMaintenanceWindow(const PolicyInputs& inputs, UnixTime now) {
  if (!inputs.declarations.has_value() || !inputs.declarations->window.has_value()) return true;
  const MaintenanceWindow& w = *inputs.declarations->window;
  const std::int64_t minute = ((now.seconds % 86400) + 86400) % 86400 / 60;
  const std::int64_t start = std::clamp(w.start_minute, 0, 1439);
  const std::int64_t length = std::clamp(w.length_minutes, 1, 1440);
  const std::int64_t since_start = (minute - start + 1440) % 1440;
  return since_start < length;
}

UnixTime NextMaintenanceWindow(const PolicyInputs& inputs, UnixTime now) {
  if (InMaintenanceWindow(inputs, now)) return now;
  const MaintenanceWindow& w = *inputs.declarations->window;
  const std::int64_t day_start = now.seconds - (((now.seconds % 86400) + 86400) % 86400);
  const std::int64_t start = day_start + std::int64_t{std::clamp(w.start_minute, 0, 1439)} * 60;
  return UnixTime{start > now.seconds ? start : start + 86400};
}

PolicyDecision EvaluateRestart(const PolicyInputs& inputs, UnixTime now) {
  PolicyDecision decision;
  if (!InMaintenanceWindow(inputs, now)) {
    decision.wait = WaitReason::kMaintenanceWindow;
    decision.not_before = NextMaintenanceWindow(inputs, now);
  }
  return decision;
}

}  // namespace bsi::agent
