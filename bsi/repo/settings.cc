#include "bsi/repo/settings.h"

#include "bsi/json/fields.h"

namespace bsi::repo {

std::int64_t RepoSettings::ExpiryOf(std::string_view role) const {
  if (role == "root") return root_expiry;
  if (role == "targets") return targets_expiry;
  if (role == "snapshot") return snapshot_expiry;
  if (role == "timestamp") return timestamp_expiry;
  return 0;
}

json::Value ToJson(const RepoSettings& settings) {
  return json::Object{
      {"format", 1},
      {"expiry_seconds", json::Object{{"root", settings.root_expiry},
                                      {"targets", settings.targets_expiry},
                                      {"snapshot", settings.snapshot_expiry},
                                      {"timestamp", settings.timestamp_expiry}}},
      {"retention_seconds", settings.retention_seconds},
      {"publisher",
       json::Object{{"name", settings.publisher_name}, {"url", settings.publisher_url}}},
  };
}

namespace {

Result<RepoSettings> ParseSettingsValue(std::string_view bytes) {
  BSI_ASSIGN_OR_RETURN(const json::Value value, json::Parse(bytes));
  BSI_ASSIGN_OR_RETURN(const json::Object* object, json::AsObject(value, "settings"));
  BSI_ASSIGN_OR_RETURN(const std::int64_t format, json::GetInt(*object, "format", "settings"));
  if (format != 1) return json::Malformed("settings format " + std::to_string(format));
  BSI_ASSIGN_OR_RETURN(const json::Object* expiry,
                       json::GetObject(*object, "expiry_seconds", "settings"));
  RepoSettings settings;
  const std::string where = "settings.expiry_seconds";
  BSI_ASSIGN_OR_RETURN(settings.root_expiry, json::GetInt(*expiry, "root", where));
  BSI_ASSIGN_OR_RETURN(settings.targets_expiry, json::GetInt(*expiry, "targets", where));
  BSI_ASSIGN_OR_RETURN(settings.snapshot_expiry, json::GetInt(*expiry, "snapshot", where));
  BSI_ASSIGN_OR_RETURN(settings.timestamp_expiry, json::GetInt(*expiry, "timestamp", where));
  for (const std::int64_t seconds : {settings.root_expiry, settings.targets_expiry,
                                     settings.snapshot_expiry, settings.timestamp_expiry}) {
    if (seconds < 60 || seconds > std::int64_t{100} * 365 * kDay) {
      return json::Malformed(where + " holds a lifetime outside 1 minute .. 100 years");
    }
  }
  BSI_ASSIGN_OR_RETURN(settings.retention_seconds,
                       json::GetInt(*object, "retention_seconds", "settings"));
  if (settings.retention_seconds < 0) return json::Malformed("settings.retention_seconds < 0");
  BSI_ASSIGN_OR_RETURN(const json::Object* publisher,
                       json::GetObject(*object, "publisher", "settings"));
  BSI_ASSIGN_OR_RETURN(settings.publisher_name,
                       json::GetString(*publisher, "name", "settings.publisher"));
  BSI_ASSIGN_OR_RETURN(settings.publisher_url,
                       json::GetString(*publisher, "url", "settings.publisher"));
  return settings;
}

}  // namespace

Result<RepoSettings> LoadSettings(FileSystem& fs, const std::string& dir) {
  const std::string path = JoinPath(dir, ".bsi/settings.json");
  if (!fs.Exists(path)) return RepoSettings{};
  BSI_ASSIGN_OR_RETURN(const std::string bytes, fs.ReadFile(path, std::uint64_t{1} << 20));
  return ParseSettings(bytes);
}

Result<RepoSettings> ParseSettings(std::string_view bytes) {
  Result<RepoSettings> settings = ParseSettingsValue(bytes);
  if (!settings.ok()) {
    return Error(ErrorCode::kCorruptState, "repository settings: " + settings.error().message());
  }
  return settings;
}

}  // namespace bsi::repo
