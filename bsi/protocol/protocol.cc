#include "bsi/protocol/protocol.h"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "bsi/core/time_format.h"
#include "bsi/crypto/random.h"
#include "bsi/json/fields.h"
#include "bsi/release/improvement.h"

namespace bsi::protocol {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Names of an enum's values, in the enum's order.
template <typename Enum, std::size_t N>
std::string_view NameOf(Enum value, const std::array<std::string_view, N>& names) {
  const auto index = static_cast<std::size_t>(value);
  return index < N ? names[index] : "unknown";
}

template <typename Enum, std::size_t N>
Result<Enum> Lookup(std::string_view what, std::string_view name,
                    const std::array<std::string_view, N>& names) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  std::string known;
  for (std::string_view n : names) known += (known.empty() ? "" : ", ") + std::string(n);
  return json::Malformed(std::string(what) + " \"" + std::string(name) + "\" is not one of " +
                         known);
}

constexpr std::array<std::string_view, 3> kAutoInstallModes = {"allowed", "always_on",
                                                               "always_off"};
constexpr std::array<std::string_view, 8> kImprovementStates = {
    "installed",   "available", "pending",    "failed",
    "rolled_back", "withdrawn", "superseded", "removed"};
constexpr std::array<std::string_view, 8> kWaitReasons = {
    "none", "auto_install_off", "deferred",        "awaiting_approval",
    "held", "rollout_paused",   "not_in_wave_yet", "maintenance_window"};
constexpr std::array<std::string_view, 7> kInstallStates = {
    "up_to_date", "installed", "waiting", "failed", "rolled_back", "removed", "error"};

Result<std::string> GetIdentifier(const json::Object& object, std::string_view key,
                                  const std::string& where) {
  BSI_ASSIGN_OR_RETURN(std::string id, json::GetString(object, key, where));
  BSI_TRY(CheckIdentifier(where + "." + std::string(key), id));
  return id;
}

Result<std::string> GetText(const json::Object& object, std::string_view key,
                            const std::string& where, std::size_t max) {
  BSI_ASSIGN_OR_RETURN(std::string text, json::GetString(object, key, where));
  BSI_TRY(CheckText(where + "." + std::string(key), text, max));
  return text;
}

// A product name or a version string, as the release records allow them.
Result<std::string> GetName(const json::Object& object, std::string_view key,
                            const std::string& where) {
  BSI_ASSIGN_OR_RETURN(std::string name, json::GetString(object, key, where));
  Status status =
      key == "product" ? release::CheckName(key, name) : release::CheckComponentVersion(name);
  if (!status.ok()) {
    return json::Malformed(where + "." + std::string(key) + ": " + status.error().message());
  }
  return name;
}

// A member holding one of an enum's names, parsed by `parse`.
template <typename Parse>
auto GetEnum(const json::Object& object, std::string_view key, const std::string& where,
             Parse parse) -> decltype(parse(std::string_view())) {
  BSI_ASSIGN_OR_RETURN(const std::string name, json::GetString(object, key, where));
  auto parsed = parse(name);
  if (!parsed.ok()) return parsed.error().WithContext(where + "." + std::string(key));
  return parsed;
}

Status CheckFormat(const json::Object& object, const std::string& where) {
  BSI_ASSIGN_OR_RETURN(const std::int64_t format, json::GetInt(object, "format", where));
  if (format != kFormat) {
    return json::Malformed(where + ".format " + std::to_string(format) + " is not supported");
  }
  return Ok();
}

// A list of strings, each checked, at most `max`, no duplicates.
template <typename Check>
Result<std::vector<std::string>> GetStringList(const json::Object& object, std::string_view key,
                                               const std::string& where, std::size_t max,
                                               Check check) {
  BSI_ASSIGN_OR_RETURN(const json::Array* array, json::GetArray(object, key, where));
  const std::string field = where + "." + std::string(key);
  if (array->size() > max) {
    return json::Malformed(field + " has more than " + std::to_string(max) + " entries");
  }
  std::vector<std::string> out;
  std::set<std::string_view> seen;
  for (const json::Value& item : *array) {
    if (!item.is_string()) return json::Malformed(field + " must hold strings");
    BSI_TRY(check(field, item.string_value()));
    if (!seen.insert(item.string_value()).second) {
      return json::Malformed(field + " lists \"" + item.string_value() + "\" twice");
    }
    out.push_back(item.string_value());
  }
  return out;
}

Status CheckCve(const std::string& field, std::string_view id) {
  Status status = release::CheckCveId(id);
  if (!status.ok()) return json::Malformed(field + ": " + status.error().message());
  return Ok();
}

Status CheckImprovementIdIn(const std::string& field, std::string_view id) {
  Status status = CheckImprovementId(id);
  if (!status.ok()) return json::Malformed(field + ": " + status.error().message());
  return Ok();
}

json::Array StringArray(const std::vector<std::string>& items) {
  return json::Array(items.begin(), items.end());
}

std::string FormatWindowStart(int minute) {
  std::string out(5, ':');
  out[0] = static_cast<char>('0' + minute / 600);
  out[1] = static_cast<char>('0' + minute / 60 % 10);
  out[3] = static_cast<char>('0' + minute % 60 / 10);
  out[4] = static_cast<char>('0' + minute % 10);
  return out;
}

Result<int> ParseWindowStart(std::string_view text, const std::string& field) {
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (text.size() != 5 || text[2] != ':' || !digit(text[0]) || !digit(text[1]) || !digit(text[3]) ||
      !digit(text[4])) {
    return json::Malformed(field + " must be HH:MM");
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23 || minutes > 59) return json::Malformed(field + " is not a time of day");
  return hours * 60 + minutes;
}

}  // namespace

Status CheckIdentifier(std::string_view what, std::string_view id) {
  if (id.empty() || id.size() > 128 || !IsAlnum(id.front()) ||
      !std::all_of(id.begin(), id.end(), [](char c) {
        return IsAlnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
      })) {
    return json::Malformed(std::string(what) +
                           " must be 1 to 128 characters of A-Z a-z 0-9 . _ : -, starting "
                           "with a letter or digit");
  }
  return Ok();
}

Status CheckText(std::string_view what, std::string_view text, std::size_t max) {
  if (text.size() > max) {
    return json::Malformed(std::string(what) + " is longer than " + std::to_string(max) + " bytes");
  }
  // Valid UTF-8 is already guaranteed by json::Parse for parsed input;
  // control characters are refused so logs and pages show what was meant.
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return json::Malformed(std::string(what) + " holds a control character");
    }
  }
  return Ok();
}

Status CheckImprovementId(std::string_view id) {
  if (id.empty() || id.size() > 200 ||
      !std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x20 && c < 0x7f; })) {
    return json::Malformed("an improvement id must be 1 to 200 printable ASCII characters");
  }
  return Ok();
}

// ---- Enrollment

json::Value ToJson(const EnrollRequest& request) {
  return json::Object{{"format", kFormat},
                      {"device_id", request.device_id},
                      {"product", request.product},
                      {"base_version", request.base_version},
                      {"hostname", request.hostname}};
}

Result<EnrollRequest> ParseEnrollRequest(const json::Value& value) {
  const std::string where = "enrollment";
  BSI_ASSIGN_OR_RETURN(const json::Object* object, json::AsObject(value, where));
  BSI_TRY(json::OnlyKnownFields(
      *object, {"format", "device_id", "product", "base_version", "hostname"}, where));
  BSI_TRY(CheckFormat(*object, where));
  EnrollRequest out;
  BSI_ASSIGN_OR_RETURN(out.device_id, GetIdentifier(*object, "device_id", where));
  BSI_ASSIGN_OR_RETURN(out.product, GetName(*object, "product", where));
  BSI_ASSIGN_OR_RETURN(out.base_version, GetName(*object, "base_version", where));
  BSI_ASSIGN_OR_RETURN(out.hostname, GetText(*object, "hostname", where, 255));
  return out;
}

json::Value ToJson(const EnrollResponse& response) {
  return json::Object{{"format", kFormat},
                      {"device_id", response.device_id},
                      {"device_token", response.device_token},
                      {"group", response.group}};
}

Result<EnrollResponse> ParseEnrollResponse(const json::Value& value) {
  const std::string where = "enrollment response";
  BSI_ASSIGN_OR_RETURN(const json::Object* object, json::AsObject(value, where));
  BSI_TRY(json::OnlyKnownFields(*object, {"format", "device_id", "device_token", "group"}, where));
  BSI_TRY(CheckFormat(*object, where));
  EnrollResponse out;
  BSI_ASSIGN_OR_RETURN(out.device_id, GetIdentifier(*object, "device_id", where));
  BSI_ASSIGN_OR_RETURN(out.device_token, GetIdentifier(*object, "device_token", where));
  BSI_ASSIGN_OR_RETURN(out.group, GetIdentifier(*object, "group", where));
  return out;
}

// ---- Declarations

std::string_view AutoInstallModeName(AutoInstallMode mode) {
  return NameOf(mode, kAutoInstallModes);
}
Result<AutoInstallMode> ParseAutoInstallMode(std::string_view name) {
  return Lookup<AutoInstallMode>("auto_install", name, kAutoInstallModes);
}

json::Value ToJson(const Declarations& declarations) {
  json::Object out{{"format", kFormat},
                   {"group", declarations.group},
                   {"auto_install", AutoInstallModeName(declarations.auto_install)},
                   {"deferral_days", declarations.deferral_days},
                   {"approval_required", declarations.approval_required},
                   {"approved", StringArray(declarations.approved)},
                   {"held", StringArray(declarations.held)},
                   {"maintenance_window", nullptr}};
  if (declarations.maintenance_window.has_value()) {
    out["maintenance_window"] =
        json::Object{{"start", FormatWindowStart(declarations.maintenance_window->start_minute)},
                     {"length_minutes", declarations.maintenance_window->length_minutes}};
  }
  return out;
}

Result<Declarations> ParseDeclarations(const json::Value& value) {
  const std::string where = "declarations";
  BSI_ASSIGN_OR_RETURN(const json::Object* object, json::AsObject(value, where));
  BSI_TRY(json::OnlyKnownFields(*object,
                                {"format", "group", "auto_install", "deferral_days",
                                 "approval_required", "approved", "held", "maintenance_window"},
                                where));
  BSI_TRY(CheckFormat(*object, where));
  Declarations out;
  BSI_ASSIGN_OR_RETURN(out.group, GetIdentifier(*object, "group", where));
  BSI_ASSIGN_OR_RETURN(out.auto_install,
                       GetEnum(*object, "auto_install", where, ParseAutoInstallMode));
  BSI_ASSIGN_OR_RETURN(out.deferral_days, json::GetInt(*object, "deferral_days", where));
  if (out.deferral_days < 0 || out.deferral_days > kMaxDeferralDays) {
    return json::Malformed(where + ".deferral_days must be 0 to " +
                           std::to_string(kMaxDeferralDays));
  }
  BSI_ASSIGN_OR_RETURN(out.approval_required, json::GetBool(*object, "approval_required", where));
  BSI_ASSIGN_OR_RETURN(out.approved,
                       GetStringList(*object, "approved", where, 4096, CheckImprovementIdIn));
  BSI_ASSIGN_OR_RETURN(out.held, GetStringList(*object, "held", where, 4096, CheckImprovementIdIn));
  std::sort(out.approved.begin(), out.approved.end());
  std::sort(out.held.begin(), out.held.end());
  const json::Value* window = json::Find(*object, "maintenance_window");
  if (window == nullptr) return json::Malformed(where + ".maintenance_window is missing");
  if (!window->is_null()) {
    const std::string field = where + ".maintenance_window";
    BSI_ASSIGN_OR_RETURN(const json::Object* w, json::AsObject(*window, field));
    BSI_TRY(json::OnlyKnownFields(*w, {"start", "length_minutes"}, field));
    BSI_ASSIGN_OR_RETURN(const std::string start, json::GetString(*w, "start", field));
    MaintenanceWindow parsed;
    BSI_ASSIGN_OR_RETURN(parsed.start_minute, ParseWindowStart(start, field + ".start"));
    BSI_ASSIGN_OR_RETURN(const std::int64_t length, json::GetInt(*w, "length_minutes", field));
    if (length < 1 || length > 1440) {
      return json::Malformed(field + ".length_minutes must be 1 to 1440");
    }
    parsed.length_minutes = static_cast<int>(length);
    out.maintenance_window = parsed;
  }
  return out;
}

// ---- Status reports

std::string_view ImprovementStateName(ImprovementState state) {
  return NameOf(state, kImprovementStates);
}
Result<ImprovementState> ParseImprovementState(std::string_view name) {
  return Lookup<ImprovementState>("improvement state", name, kImprovementStates);
}
std::string_view WaitReasonName(WaitReason reason) { return NameOf(reason, kWaitReasons); }
Result<WaitReason> ParseWaitReason(std::string_view name) {
  return Lookup<WaitReason>("wait reason", name, kWaitReasons);
}
std::string_view InstallStateName(InstallState state) { return NameOf(state, kInstallStates); }
Result<InstallState> ParseInstallState(std::string_view name) {
  return Lookup<InstallState>("install state", name, kInstallStates);
}

namespace {

json::Value ToJson(const ImprovementStatus& status) {
  return json::Object{{"id", status.id},
                      {"letter", status.letter},
                      {"state", ImprovementStateName(status.state)},
                      {"reason", WaitReasonName(status.reason)},
                      {"not_before", status.not_before.has_value()
                                         ? json::Value(FormatUtcTimestamp(*status.not_before))
                                         : json::Value()},
                      {"detail", status.detail},
                      {"cves", StringArray(status.cves)}};
}

Result<ImprovementStatus> ParseImprovementStatus(const json::Value& value,
                                                 const std::string& where) {
  BSI_ASSIGN_OR_RETURN(const json::Object* object, json::AsObject(value, where));
  BSI_TRY(json::OnlyKnownFields(
      *object, {"id", "letter", "state", "reason", "not_before", "detail", "cves"}, where));
  ImprovementStatus out;
  BSI_ASSIGN_OR_RETURN(out.id, json::GetString(*object, "id", where));
  BSI_TRY(CheckImprovementIdIn(where + ".id", out.id));
  BSI_ASSIGN_OR_RETURN(out.letter, json::GetString(*object, "letter", where));
  if (out.letter.empty() || out.letter.size() > 8 ||
      !std::all_of(out.letter.begin(), out.letter.end(),
                   [](char c) { return c >= 'a' && c <= 'z'; })) {
    return json::Malformed(where + ".letter must be 1 to 8 lowercase letters");
  }
  BSI_ASSIGN_OR_RETURN(out.state, GetEnum(*object, "state", where, ParseImprovementState));
  BSI_ASSIGN_OR_RETURN(out.reason, GetEnum(*object, "reason", where, ParseWaitReason));
  const json::Value* not_before = json::Find(*object, "not_before");
  if (not_before == nullptr) return json::Malformed(where + ".not_before is missing");
  if (!not_before->is_null()) {
    BSI_ASSIGN_OR_RETURN(out.not_before, json::GetUtcTime(*object, "not_before", where));
  }
  BSI_ASSIGN_OR_RETURN(out.detail, GetText(*object, "detail", where, 1024));
  BSI_ASSIGN_OR_RETURN(out.cves, GetStringList(*object, "cves", where, kMaxCves, CheckCve));
  return out;
}

}  // namespace

json::Value ToJson(const StatusReport& report) {
  json::Array components;
  for (const ComponentVersion& c : report.components) {
    components.push_back(json::Object{{"name", c.name}, {"version", c.version}});
  }
  json::Array improvements;
  for (const ImprovementStatus& s : report.improvements) improvements.push_back(ToJson(s));
  return json::Object{
      {"format", kFormat},
      {"report_id", report.report_id},
      {"time", FormatUtcTimestamp(report.time)},
      {"product", report.product},
      {"base_version", report.base_version},
      {"running", report.running.has_value() ? json::Value(*report.running) : json::Value()},
      {"components", std::move(components)},
      {"cves_fixed", StringArray(report.cves_fixed)},
      {"auto_install", report.auto_install},
      {"install_state", InstallStateName(report.install_state)},
      {"install_reason", report.install_reason},
      {"failure", report.failure},
      {"improvements", std::move(improvements)},
      {"agent_version", report.agent_version}};
}

Result<StatusReport> ParseStatusReport(const json::Value& value) {
  const std::string where = "report";
  BSI_ASSIGN_OR_RETURN(const json::Object* object, json::AsObject(value, where));
  BSI_TRY(
      json::OnlyKnownFields(*object,
                            {"format", "report_id", "time", "product", "base_version", "running",
                             "components", "cves_fixed", "auto_install", "install_state",
                             "install_reason", "failure", "improvements", "agent_version"},
                            where));
  BSI_TRY(CheckFormat(*object, where));
  StatusReport out;
  BSI_ASSIGN_OR_RETURN(out.report_id, json::GetString(*object, "report_id", where));
  if (out.report_id.size() < 16 || out.report_id.size() > 64 ||
      !std::all_of(out.report_id.begin(), out.report_id.end(),
                   [](char c) { return IsAlnum(c) || c == '_' || c == '-'; })) {
    return json::Malformed(where + ".report_id must be 16 to 64 characters of A-Z a-z 0-9 _ -");
  }
  BSI_ASSIGN_OR_RETURN(out.time, json::GetUtcTime(*object, "time", where));
  BSI_ASSIGN_OR_RETURN(out.product, GetName(*object, "product", where));
  BSI_ASSIGN_OR_RETURN(out.base_version, GetName(*object, "base_version", where));
  const json::Value* running = json::Find(*object, "running");
  if (running == nullptr) return json::Malformed(where + ".running is missing");
  if (!running->is_null()) {
    if (!running->is_string()) return json::Malformed(where + ".running must be a string or null");
    BSI_TRY(CheckImprovementIdIn(where + ".running", running->string_value()));
    out.running = running->string_value();
  }
  BSI_ASSIGN_OR_RETURN(const json::Array* components, json::GetArray(*object, "components", where));
  if (components->size() > kMaxComponents) {
    return json::Malformed(where + ".components has more than " + std::to_string(kMaxComponents) +
                           " entries");
  }
  std::set<std::string> names;
  for (const json::Value& item : *components) {
    const std::string field = where + ".components[]";
    BSI_ASSIGN_OR_RETURN(const json::Object* c, json::AsObject(item, field));
    BSI_TRY(json::OnlyKnownFields(*c, {"name", "version"}, field));
    ComponentVersion component;
    BSI_ASSIGN_OR_RETURN(component.name, json::GetString(*c, "name", field));
    if (Status s = release::CheckName("component", component.name); !s.ok()) {
      return json::Malformed(field + ": " + s.error().message());
    }
    BSI_ASSIGN_OR_RETURN(component.version, GetName(*c, "version", field));
    if (!names.insert(component.name).second) {
      return json::Malformed(where + ".components names \"" + component.name + "\" twice");
    }
    out.components.push_back(std::move(component));
  }
  BSI_ASSIGN_OR_RETURN(out.cves_fixed,
                       GetStringList(*object, "cves_fixed", where, kMaxCves, CheckCve));
  BSI_ASSIGN_OR_RETURN(out.auto_install, json::GetBool(*object, "auto_install", where));
  BSI_ASSIGN_OR_RETURN(out.install_state,
                       GetEnum(*object, "install_state", where, ParseInstallState));
  BSI_ASSIGN_OR_RETURN(out.install_reason, GetText(*object, "install_reason", where, 256));
  BSI_ASSIGN_OR_RETURN(out.failure, GetText(*object, "failure", where, 1024));
  BSI_ASSIGN_OR_RETURN(const json::Array* improvements,
                       json::GetArray(*object, "improvements", where));
  if (improvements->size() > kMaxImprovements) {
    return json::Malformed(where + ".improvements has more than " +
                           std::to_string(kMaxImprovements) + " entries");
  }
  std::set<std::string> ids;
  for (const json::Value& item : *improvements) {
    BSI_ASSIGN_OR_RETURN(ImprovementStatus status,
                         ParseImprovementStatus(item, where + ".improvements[]"));
    if (!ids.insert(status.id).second) {
      return json::Malformed(where + ".improvements names \"" + status.id + "\" twice");
    }
    out.improvements.push_back(std::move(status));
  }
  BSI_ASSIGN_OR_RETURN(out.agent_version, GetText(*object, "agent_version", where, 64));
  return out;
}

Result<std::string> NewReportId() { return crypto::RandomHex(16); }

}  // namespace bsi::protocol
