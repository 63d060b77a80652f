// Selection: what the device should do next, as a pure function of what it
// runs, the improvements the repository signs (already verified by the TUF
// client), the policy and the time (docs/agent.md).
//
//  - The improvements of the device's product and base version are the
//    candidates; one installed for another base means a full OS update
//    happened: drop it and report it superseded.
//  - If the running letter is withdrawn, roll back to the highest letter
//    below it that is not withdrawn, or to the base.
//  - Otherwise install the highest letter above the running one that is
//    not withdrawn, not removed by the user, inside the device's rollout
//    wave and allowed by policy; when the highest waits (and why), a lower
//    one that may install now is installed meanwhile. An install that
//    changes a component whose switch restarts units waits for the fleet's
//    maintenance window, if one is declared; a rollback of a withdrawn
//    letter never waits for it (security first), nor does dropping an old
//    base's improvement.
//  - Per component, the smallest payload that applies: a delta from the
//    letter whose tree the device runs, a delta from the base when it runs
//    the base tree, else the full bundle.
//
// Thread-safety: value types and pure functions.
#ifndef BSI_AGENT_SELECTION_H_
#define BSI_AGENT_SELECTION_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bsi/core/clock.h"
#include "bsi/release/improvement.h"
#include "bsi/version/version.h"

#include "agent/policy.h"

namespace bsi::agent {

struct DeviceFacts {
  std::string device_id;
  std::string product;
  version::BaseVersion base;  // the OS's base version, read now
  // The improvement installed, as recorded when it was committed.
  std::optional<version::ImprovementVersion> installed;
  // The active version of each component the agent manages (store state);
  // a component absent here runs its base tree.
  std::map<std::string, std::string> component_versions;
  // The user removed this letter: neither it nor a lower one is installed
  // again automatically.
  std::optional<version::Letter> removed;
  // Components whose switch restarts units (the configuration gives them a
  // restart command): installs that change them wait for the maintenance
  // window.
  std::set<std::string> restart_components;
};

enum class Action {
  kNothing,         // up to date, or nothing for this product and base
  kInstall,         // install `improvement` with `payloads`
  kRollBack,        // the running letter is withdrawn: go back to `rollback_to`
  kWait,            // `improvement` is available but waits (`reason`)
  kDropSuperseded,  // `installed` is for another base: drop it, report it superseded
};

std::string_view ActionName(Action action);

enum class Reason {
  kUpToDate,
  kNoImprovements,
  kRolloutPaused,
  kNotInWaveYet,  // `not_before`: when the device's wave opens (if it will)
  kPolicy,        // see `wait`
  kWithdrawn,     // rollback because the running letter is withdrawn
  kNewerLetter,   // install
  kBaseChanged,   // drop
};

std::string_view ReasonName(Reason reason);

struct PayloadChoice {
  std::string component;
  std::string path;                 // target path
  std::optional<std::string> from;  // as release::PayloadRef::from
  std::uint64_t size = 0;
};

struct Decision {
  Action action = Action::kNothing;
  Reason reason = Reason::kUpToDate;
  WaitReason wait = WaitReason::kNone;              // kWait with kPolicy
  std::optional<UnixTime> not_before;               // kWait: when it may go on, if known
  std::optional<release::Improvement> improvement;  // install / wait: the one meant
  std::optional<version::Letter> rollback_to;       // kRollBack; nullopt: the base
  std::vector<PayloadChoice> payloads;              // kInstall
  // kInstall of a lower letter while a higher one waits: the higher one.
  std::optional<release::Improvement> pending;
  Reason pending_reason = Reason::kUpToDate;
  WaitReason pending_wait = WaitReason::kNone;
};

// Why an improvement cannot be installed now.
struct Hold {
  Reason reason = Reason::kPolicy;      // kRolloutPaused, kNotInWaveYet or kPolicy
  WaitReason wait = WaitReason::kNone;  // with kPolicy
  std::optional<UnixTime> not_before;   // when the wait ends, if known
};

// What holds `improvement` back at `now` (the vendor's rollout, then the
// policy, then the maintenance window), or nullopt if it may install. It
// does not look at letters, withdrawal or removal: Decide does.
std::optional<Hold> HoldFor(const DeviceFacts& device, const release::Improvement& improvement,
                            const PolicyInputs& policy, UnixTime now);

// target_sizes: length of each target path (from targets metadata); a
// payload whose size is unknown is not chosen unless it is the full bundle.
Decision Decide(const DeviceFacts& device, const std::vector<release::Improvement>& improvements,
                const std::map<std::string, std::uint64_t>& target_sizes,
                const PolicyInputs& policy, UnixTime now);

}  // namespace bsi::agent

#endif  // BSI_AGENT_SELECTION_H_
