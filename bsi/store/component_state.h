// The durable state of one component in the store (state.json): which tree
// is active, which was active before (kept for rollback), and the step in
// progress. Written atomically (WriteFileAtomically) before each step acts,
// so that after a crash the store knows what to finish or undo.
//
// Versions are component versions (release/improvement.h rules: safe as
// directory names); nullopt means the base tree, the one the OS image
// ships.
//
// Thread-safety: value types and pure functions.
#ifndef BSI_STORE_COMPONENT_STATE_H_
#define BSI_STORE_COMPONENT_STATE_H_

#include <optional>
#include <string>
#include <string_view>

#include "bsi/core/result.h"

namespace bsi::store {

// The steps, in the order an install takes them (see component_store.h).
enum class Step {
  kIdle,         // nothing in progress
  kStaging,      // building target's tree in `staging`
  kStaged,       // target's tree is complete under versions/, not active
  kActivating,   // switching the current link to target
  kActivated,    // target is active, not yet committed (health unknown)
  kRollingBack,  // switching the current link back to target
};

std::string_view StepName(Step step);

using Version = std::optional<std::string>;  // nullopt: the base tree

struct ComponentState {
  Version active;    // what the current link names when idle
  Version previous;  // the tree kept for rollback; nullopt: the base
  bool has_previous = false;
  Step step = Step::kIdle;
  Version target;            // the version the step moves to
  std::string staging;       // kStaging: the staging directory's name
  std::string operation_id;  // names the operation for logs and reports

  friend bool operator==(const ComponentState&, const ComponentState&) = default;
};

std::string SerializeState(const ComponentState& state);
// Errors: kCorruptState for anything out of shape.
Result<ComponentState> ParseState(std::string_view bytes);

// "base" or the version, for messages.
std::string VersionName(const Version& version);

}  // namespace bsi::store

#endif  // BSI_STORE_COMPONENT_STATE_H_
