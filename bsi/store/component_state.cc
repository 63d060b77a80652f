#include "bsi/store/component_state.h"

#include "bsi/json/fields.h"
#include "bsi/json/json.h"
#include "bsi/release/improvement.h"

namespace bsi::store {
namespace {

constexpr std::string_view kStepNames[] = {"idle",       "staging",   "staged",
                                           "activating", "activated", "rolling-back"};

json::Value VersionJson(const Version& version) {
  return version.has_value() ? json::Value(*version) : json::Value(nullptr);
}

Result<Version> ParseVersion(const json::Object& object, std::string_view key) {
  const json::Value* value = json::Find(object, key);
  if (value == nullptr || value->is_null()) return Version();
  if (!value->is_string() || !release::CheckComponentVersion(value->string_value()).ok()) {
    return json::Malformed("state." + std::string(key) + " is not a component version");
  }
  return Version(value->string_value());
}

Result<ComponentState> ParseStateJson(std::string_view bytes) {
  BSI_ASSIGN_OR_RETURN(const json::Value value, json::Parse(bytes));
  BSI_ASSIGN_OR_RETURN(const json::Object* object, json::AsObject(value, "state"));
  BSI_ASSIGN_OR_RETURN(const std::int64_t format, json::GetInt(*object, "format", "state"));
  if (format != 1) return json::Malformed("state format " + std::to_string(format));
  ComponentState state;
  BSI_ASSIGN_OR_RETURN(state.active, ParseVersion(*object, "active"));
  BSI_ASSIGN_OR_RETURN(state.has_previous, json::GetBool(*object, "has_previous", "state"));
  BSI_ASSIGN_OR_RETURN(state.previous, ParseVersion(*object, "previous"));
  BSI_ASSIGN_OR_RETURN(const std::string step, json::GetString(*object, "step", "state"));
  bool known = false;
  for (std::size_t i = 0; i < std::size(kStepNames); ++i) {
    if (kStepNames[i] == step) {
      state.step = static_cast<Step>(i);
      known = true;
    }
  }
  if (!known) return json::Malformed("state.step \"" + step + "\" is unknown");
  BSI_ASSIGN_OR_RETURN(state.target, ParseVersion(*object, "target"));
  BSI_ASSIGN_OR_RETURN(state.staging, json::GetString(*object, "staging", "state"));
  if (!state.staging.empty() && !state.staging.starts_with("staging-")) {
    return json::Malformed("state.staging is not a staging directory name");
  }
  if (state.staging.find('/') != std::string::npos) {
    return json::Malformed("state.staging holds a '/'");
  }
  BSI_ASSIGN_OR_RETURN(state.operation_id, json::GetString(*object, "operation", "state"));
  return state;
}

}  // namespace

std::string_view StepName(Step step) { return kStepNames[static_cast<int>(step)]; }

std::string VersionName(const Version& version) { return version.value_or("base"); }

std::string SerializeState(const ComponentState& state) {
  return json::ToPrettyString(json::Object{{"format", 1},
                                           {"active", VersionJson(state.active)},
                                           {"has_previous", state.has_previous},
                                           {"previous", VersionJson(state.previous)},
                                           {"step", StepName(state.step)},
                                           {"target", VersionJson(state.target)},
                                           {"staging", state.staging},
                                           {"operation", state.operation_id}});
}

Result<ComponentState> ParseState(std::string_view bytes) {
  Result<ComponentState> state = ParseStateJson(bytes);
  if (!state.ok()) {
    return Error(ErrorCode::kCorruptState, "component state: " + state.error().message());
  }
  return state;
}

}  // namespace bsi::store
