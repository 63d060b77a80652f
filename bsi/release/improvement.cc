#include "bsi/release/improvement.h"

#include <algorithm>
#include <set>
#include <utility>

#include "bsi/core/time_format.h"
#include "bsi/json/fields.h"

namespace bsi::release {
namespace {

constexpr std::size_t kMaxNameLength = 64;
constexpr std::size_t kMaxTextLength = 4096;
constexpr std::size_t kMaxListLength = 1024;  // components, CVEs, payloads, waves

constexpr std::string_view kSeverityNames[] = {"unknown", "low", "medium", "high", "critical"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '.' || c == '_' || c == '-';
}

bool IsSha256Hex(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return IsDigit(c) || (c >= 'a' && c <= 'f');
         });
}

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

// Turns a check's kInvalidArgument into kMalformed for parsed input.
Status AsMalformed(Status status, const std::string& where) {
  if (status.ok()) return status;
  return json::Malformed(where + ": " + status.error().message());
}

Status CheckText(std::string_view what, std::string_view text, bool may_be_empty) {
  if (text.empty() && !may_be_empty) return Invalid(std::string(what) + " is empty");
  if (text.size() > kMaxTextLength) {
    return Invalid(std::string(what) + " is longer than " + std::to_string(kMaxTextLength) +
                   " bytes");
  }
  if (text.find('\0') != std::string_view::npos) {
    return Invalid(std::string(what) + " holds a NUL byte");
  }
  return Ok();
}

Status CheckFrom(const std::optional<std::string>& from) {
  if (!from.has_value() || *from == "base") return Ok();
  Result<version::Letter> letter = version::Letter::Parse(*from);
  if (!letter.ok()) return Invalid("payload origin \"" + *from + "\" is neither base nor a letter");
  return Ok();
}

json::Value TimeJson(UnixTime time) { return FormatUtcTimestamp(time); }

Result<const json::Array*> GetList(const json::Object& object, std::string_view key,
                                   const std::string& where) {
  BSI_ASSIGN_OR_RETURN(const json::Array* list, json::GetArray(object, key, where));
  if (list->size() > kMaxListLength) {
    return json::Malformed(where + "." + std::string(key) + " has more than " +
                           std::to_string(kMaxListLength) + " entries");
  }
  return list;
}

Result<version::BaseVersion> GetBase(const json::Object& object, std::string_view key,
                                     const std::string& where) {
  BSI_ASSIGN_OR_RETURN(const std::string text, json::GetString(object, key, where));
  Result<version::BaseVersion> base = version::BaseVersion::Parse(text);
  if (!base.ok()) {
    return json::Malformed(where + "." + std::string(key) + ": " + base.error().message());
  }
  return *base;
}

Result<version::Letter> GetLetter(const json::Object& object, const std::string& where) {
  BSI_ASSIGN_OR_RETURN(const std::string text, json::GetString(object, "letter", where));
  Result<version::Letter> letter = version::Letter::Parse(text);
  if (!letter.ok()) return json::Malformed(where + ".letter: " + letter.error().message());
  return *letter;
}

Result<std::optional<std::string>> GetFrom(const json::Object& object, const std::string& where) {
  const json::Value* from = json::Find(object, "from");
  if (from == nullptr) return std::optional<std::string>();
  if (!from->is_string()) return json::Malformed(where + ".from must be a string");
  std::optional<std::string> result = from->string_value();
  BSI_TRY(AsMalformed(CheckFrom(result), where));
  return result;
}

Result<Rollout> ParseRolloutJson(const json::Object& object, const std::string& where) {
  BSI_TRY(json::OnlyKnownFields(object, {"paused", "waves"}, where));
  Rollout rollout;
  BSI_ASSIGN_OR_RETURN(rollout.paused, json::GetBool(object, "paused", where));
  BSI_ASSIGN_OR_RETURN(const json::Array* waves, GetList(object, "waves", where));
  for (std::size_t i = 0; i < waves->size(); ++i) {
    const std::string at = where + ".waves[" + std::to_string(i) + "]";
    BSI_ASSIGN_OR_RETURN(const json::Object* wave, json::AsObject((*waves)[i], at));
    BSI_TRY(json::OnlyKnownFields(*wave, {"after", "percent"}, at));
    Wave parsed;
    BSI_ASSIGN_OR_RETURN(parsed.after_seconds, json::GetInt(*wave, "after", at));
    BSI_ASSIGN_OR_RETURN(parsed.percent, json::GetInt(*wave, "percent", at));
    rollout.waves.push_back(parsed);
  }
  BSI_TRY(AsMalformed(CheckRollout(rollout), where));
  return rollout;
}

}  // namespace

std::string_view SeverityName(Severity severity) {
  return kSeverityNames[static_cast<int>(severity)];
}

Result<Severity> ParseSeverity(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kSeverityNames); ++i) {
    if (kSeverityNames[i] == name) return static_cast<Severity>(i);
  }
  return Invalid("severity \"" + std::string(name) +
                 "\" is not one of critical, high, medium, low, unknown");
}

Status CheckCveId(std::string_view id) {
  const auto bad = [&] {
    return Invalid("\"" + std::string(id) + "\" is not a CVE id (CVE-YYYY-NNNN)");
  };
  if (id.size() < 13 || id.size() > 28 || !id.starts_with("CVE-") || id[8] != '-') return bad();
  for (std::size_t i = 4; i < id.size(); ++i) {
    if (i != 8 && !IsDigit(id[i])) return bad();
  }
  return Ok();
}

Status CheckName(std::string_view what, std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength ||
      !(IsDigit(name[0]) || (name[0] >= 'a' && name[0] <= 'z')) ||
      !std::all_of(name.begin(), name.end(), IsNameChar)) {
    return Invalid(std::string(what) + " \"" + std::string(name) +
                   "\" must be 1 to 64 characters of a-z, 0-9, '.', '_', '-', starting with a "
                   "letter or digit");
  }
  return Ok();
}

Status CheckComponentVersion(std::string_view version) {
  // The bundle manifest's rule, so that every version here can be a
  // bundle's source or target version.
  const auto allowed = [](char c) {
    return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' ||
           c == '+' || c == '~' || c == '-';
  };
  const bool starts_well =
      !version.empty() && (IsDigit(version[0]) || (version[0] >= 'a' && version[0] <= 'z') ||
                           (version[0] >= 'A' && version[0] <= 'Z'));
  if (!starts_well || version.size() > kMaxNameLength ||
      !std::all_of(version.begin(), version.end(), allowed)) {
    return Invalid("component version \"" + std::string(version) +
                   "\" must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_', '+', '~', '-', "
                   "starting with a letter or digit");
  }
  return Ok();
}

Rollout DefaultRollout() {
  constexpr std::int64_t kHour = 3600;
  return Rollout{{{0, 1}, {6 * kHour, 10}, {24 * kHour, 100}}, false};
}

Status CheckRollout(const Rollout& rollout) {
  if (rollout.waves.empty()) return Invalid("a rollout needs at least one wave");
  if (rollout.waves.size() > kMaxListLength) return Invalid("too many waves");
  for (std::size_t i = 0; i < rollout.waves.size(); ++i) {
    const Wave& wave = rollout.waves[i];
    if (wave.after_seconds < 0) return Invalid("a wave starts before publication");
    if (wave.percent < 0 || wave.percent > 100) return Invalid("a wave's percentage is not 0..100");
    if (i > 0 && (wave.after_seconds <= rollout.waves[i - 1].after_seconds ||
                  wave.percent < rollout.waves[i - 1].percent)) {
      return Invalid("waves must come later in time and never shrink");
    }
  }
  return Ok();
}

std::string Improvement::Id() const { return product + " " + version().ToString(); }

std::string ImprovementTargetPath(std::string_view product, const version::BaseVersion& base,
                                  const version::Letter& letter) {
  return std::string(product) + "/" + base.ToString() + "/" + letter.ToString() + "/notes.md";
}

std::string PayloadTargetPath(std::string_view product, const version::BaseVersion& base,
                              const version::Letter& letter, std::string_view component,
                              const std::optional<std::string>& from) {
  return std::string(product) + "/" + base.ToString() + "/" + letter.ToString() + "/" +
         std::string(component) + (from.has_value() ? "-from-" + *from : std::string("-full")) +
         ".bundle";
}

json::Value ToJson(const Improvement& improvement) {
  json::Array components;
  for (const ComponentChange& c : improvement.components) {
    components.push_back(json::Object{{"name", c.name},
                                      {"from_version", c.from_version},
                                      {"version", c.version},
                                      {"from_tree", c.from_tree},
                                      {"tree", c.tree}});
  }
  json::Array cves;
  for (const Cve& cve : improvement.cves) {
    cves.push_back(json::Object{{"id", cve.id},
                                {"severity", SeverityName(cve.severity)},
                                {"description", cve.description}});
  }
  json::Array payloads;
  for (const PayloadRef& p : improvement.payloads) {
    json::Object payload{{"component", p.component}, {"path", p.path}};
    if (p.from.has_value()) payload["from"] = *p.from;
    payloads.push_back(std::move(payload));
  }
  json::Array waves;
  for (const Wave& wave : improvement.rollout.waves) {
    waves.push_back(json::Object{{"after", wave.after_seconds}, {"percent", wave.percent}});
  }
  json::Object record{
      {"format", kImprovementFormat},
      {"type", "improvement"},
      {"product", improvement.product},
      {"base", improvement.base.ToString()},
      {"letter", improvement.letter.ToString()},
      {"published", TimeJson(improvement.published)},
      {"components", std::move(components)},
      {"cves", std::move(cves)},
      {"payloads", std::move(payloads)},
      {"rollout",
       json::Object{{"waves", std::move(waves)}, {"paused", improvement.rollout.paused}}},
  };
  if (improvement.withdrawal.has_value()) {
    record["withdrawal"] = json::Object{{"reason", improvement.withdrawal->reason},
                                        {"time", TimeJson(improvement.withdrawal->time)}};
  }
  if (improvement.superseded_by.has_value()) {
    record["superseded_by"] = improvement.superseded_by->ToString();
  }
  return record;
}

json::Value ToJson(const PayloadRecord& payload) {
  json::Object record{
      {"format", kImprovementFormat},        {"type", "payload"},
      {"product", payload.product},          {"base", payload.base.ToString()},
      {"letter", payload.letter.ToString()}, {"component", payload.component},
      {"version", payload.version},
  };
  if (payload.from.has_value()) record["from"] = *payload.from;
  return record;
}

std::optional<std::string> RecordType(const std::optional<json::Value>& custom) {
  if (!custom.has_value()) return std::nullopt;
  const json::Value* bsi = custom->Find("bsi");
  if (bsi == nullptr) return std::nullopt;
  const json::Value* type = bsi->Find("type");
  if (type == nullptr || !type->is_string()) return std::nullopt;
  return type->string_value();
}

namespace {

// The fields every record has: format, type, product, base, letter.
Status ParseHeader(const json::Object& object, std::string_view type, const std::string& where,
                   std::string& product, version::BaseVersion& base, version::Letter& letter) {
  BSI_ASSIGN_OR_RETURN(const std::int64_t format, json::GetInt(object, "format", where));
  if (format != kImprovementFormat) {
    return json::Malformed(where + " has format " + std::to_string(format) + ", this build reads " +
                           std::to_string(kImprovementFormat));
  }
  BSI_ASSIGN_OR_RETURN(const std::string actual_type, json::GetString(object, "type", where));
  if (actual_type != type) {
    return json::Malformed(where + " is a " + actual_type + " record, not " + std::string(type));
  }
  BSI_ASSIGN_OR_RETURN(product, json::GetString(object, "product", where));
  BSI_TRY(AsMalformed(CheckName("product", product), where));
  BSI_ASSIGN_OR_RETURN(base, GetBase(object, "base", where));
  BSI_ASSIGN_OR_RETURN(letter, GetLetter(object, where));
  return Ok();
}

}  // namespace

Result<Improvement> ParseImprovement(const json::Value& value) {
  const std::string where = "improvement";
  BSI_ASSIGN_OR_RETURN(const json::Object* object, json::AsObject(value, where));
  BSI_TRY(json::OnlyKnownFields(
      *object,
      {"format", "type", "product", "base", "letter", "published", "components", "cves", "payloads",
       "rollout", "withdrawal", "superseded_by"},
      where));
  Improvement improvement;
  BSI_TRY(ParseHeader(*object, "improvement", where, improvement.product, improvement.base,
                      improvement.letter));
  BSI_ASSIGN_OR_RETURN(improvement.published, json::GetUtcTime(*object, "published", where));

  BSI_ASSIGN_OR_RETURN(const json::Array* components, GetList(*object, "components", where));
  if (components->empty()) return json::Malformed(where + ".components is empty");
  std::set<std::string> names;
  for (std::size_t i = 0; i < components->size(); ++i) {
    const std::string at = where + ".components[" + std::to_string(i) + "]";
    BSI_ASSIGN_OR_RETURN(const json::Object* c, json::AsObject((*components)[i], at));
    BSI_TRY(
        json::OnlyKnownFields(*c, {"name", "from_version", "version", "from_tree", "tree"}, at));
    ComponentChange change;
    BSI_ASSIGN_OR_RETURN(change.name, json::GetString(*c, "name", at));
    BSI_ASSIGN_OR_RETURN(change.from_version, json::GetString(*c, "from_version", at));
    BSI_ASSIGN_OR_RETURN(change.version, json::GetString(*c, "version", at));
    BSI_TRY(AsMalformed(CheckName("component", change.name), at));
    BSI_TRY(AsMalformed(CheckComponentVersion(change.from_version), at));
    BSI_TRY(AsMalformed(CheckComponentVersion(change.version), at));
    BSI_ASSIGN_OR_RETURN(change.from_tree, json::GetString(*c, "from_tree", at));
    BSI_ASSIGN_OR_RETURN(change.tree, json::GetString(*c, "tree", at));
    if (!IsSha256Hex(change.from_tree) || !IsSha256Hex(change.tree)) {
      return json::Malformed(at + " tree digests must be 64 lowercase hex digits");
    }
    if (!names.insert(change.name).second) {
      return json::Malformed(at + " names component " + change.name + " twice");
    }
    improvement.components.push_back(std::move(change));
  }

  BSI_ASSIGN_OR_RETURN(const json::Array* cves, GetList(*object, "cves", where));
  std::set<std::string> ids;
  for (std::size_t i = 0; i < cves->size(); ++i) {
    const std::string at = where + ".cves[" + std::to_string(i) + "]";
    BSI_ASSIGN_OR_RETURN(const json::Object* c, json::AsObject((*cves)[i], at));
    BSI_TRY(json::OnlyKnownFields(*c, {"id", "severity", "description"}, at));
    Cve cve;
    BSI_ASSIGN_OR_RETURN(cve.id, json::GetString(*c, "id", at));
    BSI_TRY(AsMalformed(CheckCveId(cve.id), at));
    BSI_ASSIGN_OR_RETURN(const std::string severity, json::GetString(*c, "severity", at));
    Result<Severity> parsed = ParseSeverity(severity);
    if (!parsed.ok()) return json::Malformed(at + ": " + parsed.error().message());
    cve.severity = *parsed;
    BSI_ASSIGN_OR_RETURN(cve.description, json::GetString(*c, "description", at));
    BSI_TRY(AsMalformed(CheckText("description", cve.description, true), at));
    if (!ids.insert(cve.id).second) return json::Malformed(at + " lists " + cve.id + " twice");
    improvement.cves.push_back(std::move(cve));
  }

  BSI_ASSIGN_OR_RETURN(const json::Array* payloads, GetList(*object, "payloads", where));
  for (std::size_t i = 0; i < payloads->size(); ++i) {
    const std::string at = where + ".payloads[" + std::to_string(i) + "]";
    BSI_ASSIGN_OR_RETURN(const json::Object* p, json::AsObject((*payloads)[i], at));
    BSI_TRY(json::OnlyKnownFields(*p, {"component", "from", "path"}, at));
    PayloadRef ref;
    BSI_ASSIGN_OR_RETURN(ref.component, json::GetString(*p, "component", at));
    if (names.count(ref.component) == 0) {
      return json::Malformed(at + " is for component " + ref.component +
                             ", which the improvement does not change");
    }
    BSI_ASSIGN_OR_RETURN(ref.from, GetFrom(*p, at));
    BSI_ASSIGN_OR_RETURN(ref.path, json::GetString(*p, "path", at));
    if (ref.path != PayloadTargetPath(improvement.product, improvement.base, improvement.letter,
                                      ref.component, ref.from)) {
      return json::Malformed(at + ".path \"" + ref.path + "\" is not where this payload belongs");
    }
    improvement.payloads.push_back(std::move(ref));
  }

  BSI_ASSIGN_OR_RETURN(const json::Object* rollout, json::GetObject(*object, "rollout", where));
  BSI_ASSIGN_OR_RETURN(improvement.rollout, ParseRolloutJson(*rollout, where + ".rollout"));

  if (const json::Value* w = json::Find(*object, "withdrawal"); w != nullptr) {
    const std::string at = where + ".withdrawal";
    BSI_ASSIGN_OR_RETURN(const json::Object* withdrawal, json::AsObject(*w, at));
    BSI_TRY(json::OnlyKnownFields(*withdrawal, {"reason", "time"}, at));
    Withdrawal parsed;
    BSI_ASSIGN_OR_RETURN(parsed.reason, json::GetString(*withdrawal, "reason", at));
    BSI_TRY(AsMalformed(CheckText("reason", parsed.reason, false), at));
    BSI_ASSIGN_OR_RETURN(parsed.time, json::GetUtcTime(*withdrawal, "time", at));
    improvement.withdrawal = std::move(parsed);
  }
  if (json::Find(*object, "superseded_by") != nullptr) {
    BSI_ASSIGN_OR_RETURN(improvement.superseded_by, GetBase(*object, "superseded_by", where));
  }
  return improvement;
}

Result<PayloadRecord> ParsePayloadRecord(const json::Value& value) {
  const std::string where = "payload";
  BSI_ASSIGN_OR_RETURN(const json::Object* object, json::AsObject(value, where));
  BSI_TRY(json::OnlyKnownFields(
      *object, {"format", "type", "product", "base", "letter", "component", "from", "version"},
      where));
  PayloadRecord record;
  BSI_TRY(ParseHeader(*object, "payload", where, record.product, record.base, record.letter));
  BSI_ASSIGN_OR_RETURN(record.component, json::GetString(*object, "component", where));
  BSI_TRY(AsMalformed(CheckName("component", record.component), where));
  BSI_ASSIGN_OR_RETURN(record.from, GetFrom(*object, where));
  BSI_ASSIGN_OR_RETURN(record.version, json::GetString(*object, "version", where));
  BSI_TRY(AsMalformed(CheckComponentVersion(record.version), where));
  return record;
}

}  // namespace bsi::release
