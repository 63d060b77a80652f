// The install policy: whether the device may install an improvement now,
// as a pure function of the user's setting, the fleet server's
// declarations (when a server is configured), the improvement and the
// time. The vendor's signed rollout is checked separately (selection.h);
// the fleet server can only delay or hold back what the vendor signed —
// at most 90 days — never add anything.
//
// Thread-safety: value types and pure functions.
#ifndef BSI_AGENT_POLICY_H_
#define BSI_AGENT_POLICY_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "bsi/core/clock.h"
#include "bsi/release/improvement.h"

namespace bsi::agent {

inline constexpr std::int64_t kMaxDeferralDays = 90;

// The fleet admin's lock on the user's "Automatically Install" toggle.
enum class AutoInstallLock { kNone, kAlwaysOn, kAlwaysOff };

// Restarts happen only inside this daily window (UTC), if set: from
// start_minute for length_minutes (which may run past midnight). An install
// that restarts units waits for it; a rollback of a withdrawn letter does
// not (selection.h).
struct MaintenanceWindow {
  int start_minute = 0;     // 0..1439
  int length_minutes = 60;  // 1..1440
};

// What the fleet server declares for the device's group.
struct Declarations {
  AutoInstallLock auto_install = AutoInstallLock::kNone;
  std::int64_t deferral_days = 0;  // 0..kMaxDeferralDays (clamped)
  bool approval_required = false;
  std::set<std::string> approved;  // improvement ids ("acme-os 26.3.1 (a)")
  std::set<std::string> held;      // improvement ids held back (safe mode)
  std::optional<MaintenanceWindow> window;
};

struct PolicyInputs {
  bool auto_install_setting = true;          // the user's toggle
  std::optional<Declarations> declarations;  // nullopt: no fleet server
};

// Why an improvement waits; kNone when it may install now.
enum class WaitReason {
  kNone,
  kAutoInstallOff,     // the user's toggle (or the admin's lock) says no
  kDeferred,           // the admin's deferral has not passed
  kAwaitingApproval,   // approval required and not given
  kHeld,               // the fleet server holds it (too many failures)
  kMaintenanceWindow,  // the install restarts units: it waits for the window
};

std::string_view WaitReasonName(WaitReason reason);

struct PolicyDecision {
  WaitReason wait = WaitReason::kNone;
  // kDeferred: when the deferral ends; kMaintenanceWindow: when the next
  // window opens.
  std::optional<UnixTime> not_before;
};

// Whether auto-install is on, after the admin's lock.
bool AutoInstallEffective(const PolicyInputs& inputs);

// May `improvement` be installed at `now`?
PolicyDecision Evaluate(const PolicyInputs& inputs, const release::Improvement& improvement,
                        UnixTime now);

// Whether units may be restarted at `now` (always, without a window).
bool InMaintenanceWindow(const PolicyInputs& inputs, UnixTime now);

// When units may next be restarted: `now` inside the window (or without
// one), else the start of the next window.
UnixTime NextMaintenanceWindow(const PolicyInputs& inputs, UnixTime now);

// May an install that restarts units happen at `now`? Outside the declared
// window: kMaintenanceWindow, not_before the next window's start.
PolicyDecision EvaluateRestart(const PolicyInputs& inputs, UnixTime now);

}  // namespace bsi::agent

#endif  // BSI_AGENT_POLICY_H_
