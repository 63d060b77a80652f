#include "agent/selection.h"

#include <algorithm>
#include <limits>

#include "bsi/release/rollout.h"

namespace bsi::agent {
namespace {

// Whether installing `improvement` switches a component that restarts units.
bool RestartsUnits(const DeviceFacts& device, const release::Improvement& improvement) {
  return std::any_of(improvement.components.begin(), improvement.components.end(),
                     [&](const release::ComponentChange& change) {
                       return device.restart_components.count(change.name) != 0;
                     });
}

// The letter of `improvements` whose record gives `component` the version
// `version`, if any.
std::optional<std::string> LetterRunning(const std::vector<release::Improvement>& improvements,
                                         const std::string& component, const std::string& version) {
  for (const release::Improvement& improvement : improvements) {
    for (const release::ComponentChange& change : improvement.components) {
      if (change.name == component && change.version == version) {
        return improvement.letter.ToString();
      }
    }
  }
  return std::nullopt;
}

std::vector<PayloadChoice> ChoosePayloads(const DeviceFacts& device,
                                          const std::vector<release::Improvement>& candidates,
                                          const release::Improvement& improvement,
                                          const std::map<std::string, std::uint64_t>& sizes) {
  std::vector<PayloadChoice> choices;
  for (const release::ComponentChange& change : improvement.components) {
    // Where this component is on the device: the base tree, or the tree of
    // the letter whose version it runs (unknown version: only full applies).
    std::optional<std::string> origin = "base";
    const auto running = device.component_versions.find(change.name);
    if (running != device.component_versions.end()) {
      origin = LetterRunning(candidates, change.name, running->second);
    }
    std::optional<PayloadChoice> best;
    for (const release::PayloadRef& ref : improvement.payloads) {
      if (ref.component != change.name) continue;
      const bool applies = !ref.from.has_value() || (origin.has_value() && ref.from == origin);
      const auto size = sizes.find(ref.path);
      if (!applies || (size == sizes.end() && ref.from.has_value())) continue;
      const std::uint64_t bytes =
          size == sizes.end() ? std::numeric_limits<std::uint64_t>::max() : size->second;
      if (!best.has_value() || bytes < best->size) {
        best = PayloadChoice{change.name, ref.path, ref.from, bytes};
      }
    }
    if (best.has_value()) choices.push_back(std::move(*best));
  }
  return choices;
}

}  // namespace

std::optional<Hold> HoldFor(const DeviceFacts& device, const release::Improvement& improvement,
                            const PolicyInputs& policy, UnixTime now) {
  if (improvement.rollout.paused) return Hold{Reason::kRolloutPaused, WaitReason::kNone, {}};
  const double place = release::RolloutPlace(device.device_id, improvement.Id());
  if (!release::InRollout(improvement, place, now)) {
    return Hold{Reason::kNotInWaveYet, WaitReason::kNone, release::EligibleAt(improvement, place)};
  }
  PolicyDecision decision = Evaluate(policy, improvement, now);
  if (decision.wait == WaitReason::kNone && RestartsUnits(device, improvement)) {
    decision = EvaluateRestart(policy, now);
  }
  if (decision.wait != WaitReason::kNone) {
    return Hold{Reason::kPolicy, decision.wait, decision.not_before};
  }
  return std::nullopt;
}

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kNothing:
      return "nothing";
    case Action::kInstall:
      return "install";
    case Action::kRollBack:
      return "roll-back";
    case Action::kWait:
      return "wait";
    case Action::kDropSuperseded:
      return "drop-superseded";
  }
  return "nothing";
}

std::string_view ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kUpToDate:
      return "up-to-date";
    case Reason::kNoImprovements:
      return "no-improvements";
    case Reason::kRolloutPaused:
      return "rollout-paused";
    case Reason::kNotInWaveYet:
      return "not-in-wave-yet";
    case Reason::kPolicy:
      return "policy";
    case Reason::kWithdrawn:
      return "withdrawn";
    case Reason::kNewerLetter:
      return "newer-letter";
    case Reason::kBaseChanged:
      return "base-changed";
  }
  return "up-to-date";
}

Decision Decide(const DeviceFacts& device, const std::vector<release::Improvement>& improvements,
                const std::map<std::string, std::uint64_t>& target_sizes,
                const PolicyInputs& policy, UnixTime now) {
  Decision decision;
  if (device.installed.has_value() && device.installed->base() != device.base) {
    decision.action = Action::kDropSuperseded;
    decision.reason = Reason::kBaseChanged;
    return decision;
  }
  std::vector<release::Improvement> candidates;
  for (const release::Improvement& improvement : improvements) {
    if (improvement.product == device.product && improvement.base == device.base) {
      candidates.push_back(improvement);
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const auto& a, const auto& b) { return a.letter < b.letter; });
  if (candidates.empty()) {
    decision.reason = Reason::kNoImprovements;
    return decision;
  }

  const std::optional<version::Letter> running =
      device.installed.has_value() ? std::optional(device.installed->letter()) : std::nullopt;
  if (running.has_value()) {
    const auto record = std::find_if(candidates.begin(), candidates.end(),
                                     [&](const auto& i) { return i.letter == *running; });
    if (record != candidates.end() && record->withdrawal.has_value()) {
      decision.action = Action::kRollBack;
      decision.reason = Reason::kWithdrawn;
      decision.improvement = *record;
      for (auto it = std::make_reverse_iterator(record); it != candidates.rend(); ++it) {
        if (!it->withdrawal.has_value()) {
          decision.rollback_to = it->letter;
          break;
        }
      }
      return decision;
    }
  }

  // Newest first: the highest letter that may install now wins; the
  // highest of all, if it waits, is reported as pending.
  std::optional<release::Improvement> first_blocked;
  std::optional<Hold> first_reason;
  for (auto it = candidates.rbegin(); it != candidates.rend(); ++it) {
    const release::Improvement& improvement = *it;
    if (running.has_value() && improvement.letter <= *running) break;
    if (device.removed.has_value() && improvement.letter <= *device.removed) break;
    if (improvement.withdrawal.has_value()) continue;
    const std::optional<Hold> blocked = HoldFor(device, improvement, policy, now);
    if (blocked.has_value()) {
      if (!first_blocked.has_value()) {
        first_blocked = improvement;
        first_reason = blocked;
      }
      continue;
    }
    decision.action = Action::kInstall;
    decision.reason = Reason::kNewerLetter;
    decision.improvement = improvement;
    decision.payloads = ChoosePayloads(device, candidates, improvement, target_sizes);
    if (first_blocked.has_value()) {
      decision.pending = first_blocked;
      decision.pending_reason = first_reason->reason;
      decision.pending_wait = first_reason->wait;
    }
    return decision;
  }
  if (first_blocked.has_value()) {
    decision.action = Action::kWait;
    decision.improvement = first_blocked;
    decision.reason = first_reason->reason;
    decision.wait = first_reason->wait;
    decision.not_before = first_reason->not_before;
    return decision;
  }
  decision.reason = Reason::kUpToDate;
  return decision;
}

}  // namespace bsi::agent
