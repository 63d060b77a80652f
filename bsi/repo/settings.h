// The repository writer's settings, kept in DIR/.bsi/settings.json: how
// long each role's signatures last, how long superseded files stay for
// clients in flight, and who publishes (for the security notes). Written by
// `bsi repo init`; edit the file to change them.
//
// Thread-safety: value type and pure functions.
#ifndef BSI_REPO_SETTINGS_H_
#define BSI_REPO_SETTINGS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "bsi/core/file_system.h"
#include "bsi/core/result.h"
#include "bsi/json/json.h"

namespace bsi::repo {

inline constexpr std::int64_t kDay = 86400;

struct RepoSettings {
  // Lifetimes of new signatures, in seconds. Defaults: root 365 days,
  // targets 90, snapshot 7, timestamp 1.
  std::int64_t root_expiry = 365 * kDay;
  std::int64_t targets_expiry = 90 * kDay;
  std::int64_t snapshot_expiry = 7 * kDay;
  std::int64_t timestamp_expiry = kDay;
  // How long files a publication supersedes stay. Default: 1 day.
  std::int64_t retention_seconds = kDay;
  // The vendor, for the security notes (CSAF publisher).
  std::string publisher_name = "Example Vendor";
  std::string publisher_url = "https://vendor.example";

  // The lifetime for a top-level role name; 0 for another name.
  std::int64_t ExpiryOf(std::string_view role) const;
};

json::Value ToJson(const RepoSettings& settings);
// Errors: kCorruptState (the file is ours) for a value out of shape.
Result<RepoSettings> ParseSettings(std::string_view bytes);

// The settings of the repository in dir (DIR/.bsi/settings.json), or the
// defaults if it has none (a repository another tool wrote). Errors: those
// of ParseSettings and of reading the file.
Result<RepoSettings> LoadSettings(FileSystem& fs, const std::string& dir);

}  // namespace bsi::repo

#endif  // BSI_REPO_SETTINGS_H_
