#include "bsi/repo/load.h"

#include "bsi/trust/trusted_metadata.h"

namespace bsi::repo {
namespace {

Result<std::string> ReadMetadataFile(FileSystem& fs, const std::string& dir,
                                     const std::string& name) {
  Result<std::string> bytes = fs.ReadFile(JoinPath(dir, name), kMaxMetadataBytes);
  if (!bytes.ok()) return bytes.error().WithContext(name);
  return bytes;
}

Status InContext(Status status, const std::string& name) {
  if (status.ok()) return status;
  return status.error().WithContext(name);
}

}  // namespace

Result<LoadedMetadata> LoadMetadata(FileSystem& fs, const std::string& metadata_dir,
                                    std::optional<UnixTime> reference_time) {
  // Without a reference time, judge expiry at the epoch: nothing has
  // expired then, and every other check still runs.
  const UnixTime when = reference_time.value_or(UnixTime{0});
  BSI_ASSIGN_OR_RETURN(const std::string first, ReadMetadataFile(fs, metadata_dir, "1.root.json"));
  Result<trust::TrustedMetadata> created = trust::TrustedMetadata::Create(first, when);
  if (!created.ok()) return created.error().WithContext("1.root.json");
  trust::TrustedMetadata trusted = std::move(*created);
  for (std::int64_t version = 2;; ++version) {
    const std::string name = std::to_string(version) + ".root.json";
    if (!fs.Exists(JoinPath(metadata_dir, name))) break;
    BSI_ASSIGN_OR_RETURN(const std::string bytes, ReadMetadataFile(fs, metadata_dir, name));
    BSI_TRY(InContext(trusted.UpdateRoot(bytes), name));
  }
  BSI_ASSIGN_OR_RETURN(const std::string timestamp,
                       ReadMetadataFile(fs, metadata_dir, "timestamp.json"));
  Result<trust::TrustedMetadata::TimestampOutcome> outcome = trusted.UpdateTimestamp(timestamp);
  if (!outcome.ok()) return outcome.error().WithContext("timestamp.json");

  const std::string snapshot_name =
      std::to_string(trusted.timestamp()->signed_part.snapshot_meta.version) + ".snapshot.json";
  BSI_ASSIGN_OR_RETURN(const std::string snapshot,
                       ReadMetadataFile(fs, metadata_dir, snapshot_name));
  BSI_TRY(InContext(trusted.UpdateSnapshot(snapshot, trust::Provenance::kNetwork), snapshot_name));

  const auto& meta = trusted.snapshot()->signed_part.meta;
  const auto targets_meta = meta.find("targets.json");
  if (targets_meta == meta.end()) {
    return Error(ErrorCode::kMalformed, snapshot_name + " does not list targets.json");
  }
  const std::string targets_name = std::to_string(targets_meta->second.version) + ".targets.json";
  BSI_ASSIGN_OR_RETURN(const std::string targets, ReadMetadataFile(fs, metadata_dir, targets_name));
  BSI_TRY(InContext(trusted.UpdateTargets(targets), targets_name));

  return LoadedMetadata{trusted.root(), *trusted.timestamp(), *trusted.snapshot(),
                        *trusted.targets("targets")};
}

}  // namespace bsi::repo
