#include "bsi/trust/trusted_metadata.h"

#include "bsi/core/time_format.h"
#include "bsi/metadata/parse.h"

namespace bsi::trust {
namespace {

using metadata::Metadata;
using metadata::Root;
using metadata::Snapshot;
using metadata::Targets;
using metadata::Timestamp;

Error Expired(std::string_view what, UnixTime expires) {
  return Error(ErrorCode::kExpired,
               std::string(what) + " expired at " + FormatUtcTimestamp(expires));
}

// The root's keys and threshold for a top-level role.
const metadata::RoleKeys& RoleOf(const Root& root, const char* name) {
  // Parsing guarantees that all four top-level roles are present.
  return root.roles.at(name);
}

template <typename T>
Status VerifyByRoot(const Root& root, const char* role, const Metadata<T>& md) {
  return metadata::VerifyThreshold(role, RoleOf(root, role), root.keys, md.signatures,
                                   md.canonical_signed);
}

}  // namespace

Result<TrustedMetadata> TrustedMetadata::Create(std::string_view root_bytes,
                                                UnixTime reference_time) {
  auto root = metadata::ParseRoot(root_bytes);
  if (!root.ok()) return root.error().WithContext("trusted root");
  Status self_signed = VerifyByRoot(root->signed_part, "root", *root);
  if (!self_signed.ok()) return self_signed.error().WithContext("trusted root");
  return TrustedMetadata(std::move(*root), reference_time);
}

Status TrustedMetadata::UpdateRoot(std::string_view bytes) {
  if (timestamp_) return Error(ErrorCode::kInternal, "root update after timestamp");
  BSI_ASSIGN_OR_RETURN(Metadata<Root> new_root, metadata::ParseRoot(bytes));
  const std::int64_t expected = root_.signed_part.version + 1;
  // Signed by a threshold of the keys we trust now (§5.3.5) ...
  Status by_old = VerifyByRoot(root_.signed_part, "root", new_root);
  if (!by_old.ok()) {
    return by_old.error().WithContext("root v" + std::to_string(expected) + " (old keys)");
  }
  if (new_root.signed_part.version != expected) {
    return Error(ErrorCode::kRollback, "expected root v" + std::to_string(expected) + ", got v" +
                                           std::to_string(new_root.signed_part.version));
  }
  // ... and by a threshold of its own keys.
  Status by_new = VerifyByRoot(new_root.signed_part, "root", new_root);
  if (!by_new.ok()) {
    return by_new.error().WithContext("root v" + std::to_string(expected) + " (new keys)");
  }
  root_ = std::move(new_root);
  return Ok();
}

Result<TrustedMetadata::TimestampOutcome> TrustedMetadata::UpdateTimestamp(std::string_view bytes) {
  if (snapshot_) return Error(ErrorCode::kInternal, "timestamp update after snapshot");
  // §5.3.10: the final root must not have expired.
  if (root_.signed_part.IsExpired(reference_time_)) {
    return Expired("root v" + std::to_string(root_.signed_part.version), root_.signed_part.expires);
  }
  BSI_ASSIGN_OR_RETURN(Metadata<Timestamp> next, metadata::ParseTimestamp(bytes));
  BSI_TRY(VerifyByRoot(root_.signed_part, "timestamp", next));
  if (timestamp_) {
    const std::int64_t trusted = timestamp_->signed_part.version;
    const std::int64_t offered = next.signed_part.version;
    if (offered < trusted) {
      return Error(ErrorCode::kRollback, "timestamp v" + std::to_string(offered) +
                                             " is older than trusted v" + std::to_string(trusted));
    }
    if (offered == trusted) return TimestampOutcome::kUnchanged;
    const std::int64_t trusted_snapshot = timestamp_->signed_part.snapshot_meta.version;
    const std::int64_t offered_snapshot = next.signed_part.snapshot_meta.version;
    if (offered_snapshot < trusted_snapshot) {
      return Error(ErrorCode::kRollback,
                   "timestamp names snapshot v" + std::to_string(offered_snapshot) +
                       ", older than trusted v" + std::to_string(trusted_snapshot));
    }
  }
  timestamp_ = std::move(next);
  BSI_TRY(CheckFinalTimestamp());
  return TimestampOutcome::kUpdated;
}

Status TrustedMetadata::CheckFinalTimestamp() const {
  if (timestamp_->signed_part.IsExpired(reference_time_)) {
    return Expired("timestamp v" + std::to_string(timestamp_->signed_part.version),
                   timestamp_->signed_part.expires);
  }
  return Ok();
}

Status TrustedMetadata::UpdateSnapshot(std::string_view bytes, Provenance provenance) {
  if (!timestamp_) return Error(ErrorCode::kInternal, "snapshot update before timestamp");
  if (!targets_.empty()) return Error(ErrorCode::kInternal, "snapshot update after targets");
  BSI_TRY(CheckFinalTimestamp());
  const metadata::MetaFile& expected = timestamp_->signed_part.snapshot_meta;
  if (provenance == Provenance::kNetwork) {
    Status matches =
        metadata::VerifyLengthAndHashes(bytes, expected.length, expected.hashes, false);
    if (!matches.ok()) return matches.error().WithContext("snapshot");
  }
  BSI_ASSIGN_OR_RETURN(Metadata<Snapshot> next, metadata::ParseSnapshot(bytes));
  BSI_TRY(VerifyByRoot(root_.signed_part, "snapshot", next));
  if (snapshot_) {
    // §5.5.5: no role may disappear or go back.
    for (const auto& [name, trusted] : snapshot_->signed_part.meta) {
      auto offered = next.signed_part.meta.find(name);
      if (offered == next.signed_part.meta.end()) {
        return Error(ErrorCode::kRollback, "new snapshot no longer lists " + name);
      }
      if (offered->second.version < trusted.version) {
        return Error(ErrorCode::kRollback,
                     "new snapshot lists " + name + " v" + std::to_string(offered->second.version) +
                         ", older than trusted v" + std::to_string(trusted.version));
      }
    }
  }
  snapshot_ = std::move(next);
  return CheckFinalSnapshot();
}

Status TrustedMetadata::CheckFinalSnapshot() const {
  const auto& snapshot = snapshot_->signed_part;
  if (snapshot.IsExpired(reference_time_)) {
    return Expired("snapshot v" + std::to_string(snapshot.version), snapshot.expires);
  }
  const std::int64_t expected = timestamp_->signed_part.snapshot_meta.version;
  if (snapshot.version != expected) {
    return Error(ErrorCode::kVersionMismatch, "timestamp names snapshot v" +
                                                  std::to_string(expected) + ", got v" +
                                                  std::to_string(snapshot.version));
  }
  return Ok();
}

Status TrustedMetadata::UpdateTargets(std::string_view bytes) {
  return UpdateTargetsRole(bytes, "targets", RoleOf(root_.signed_part, "targets"),
                           root_.signed_part.keys);
}

Status TrustedMetadata::UpdateDelegated(std::string_view bytes, const std::string& role_name,
                                        const std::string& delegator) {
  const Metadata<Targets>* parent = targets(delegator);
  if (parent == nullptr) {
    return Error(ErrorCode::kInternal, "delegator " + delegator + " not loaded");
  }
  const auto& delegations = parent->signed_part.delegations;
  if (delegations) {
    for (const metadata::DelegatedRole& role : delegations->roles) {
      if (role.name == role_name) {
        return UpdateTargetsRole(bytes, role_name, role.keys, delegations->keys);
      }
    }
  }
  return Error(ErrorCode::kUntrustedRole, delegator + " does not delegate to " + role_name);
}

Status TrustedMetadata::UpdateTargetsRole(std::string_view bytes, const std::string& role_name,
                                          const metadata::RoleKeys& role_keys,
                                          const std::map<std::string, metadata::Key>& keys) {
  if (!snapshot_) return Error(ErrorCode::kInternal, "targets update before snapshot");
  BSI_TRY(CheckFinalSnapshot());
  const auto& meta = snapshot_->signed_part.meta;
  auto listed = meta.find(role_name + ".json");
  if (listed == meta.end()) {
    return Error(ErrorCode::kUntrustedRole, "snapshot does not list " + role_name + ".json");
  }
  Status matches =
      metadata::VerifyLengthAndHashes(bytes, listed->second.length, listed->second.hashes, false);
  if (!matches.ok()) return matches.error().WithContext(role_name);
  auto next = metadata::ParseTargets(bytes);
  if (!next.ok()) return next.error().WithContext(role_name);
  BSI_TRY(metadata::VerifyThreshold(role_name, role_keys, keys, next->signatures,
                                    next->canonical_signed));
  const std::int64_t version = next->signed_part.version;
  if (version != listed->second.version) {
    return Error(ErrorCode::kVersionMismatch, "snapshot names " + role_name + " v" +
                                                  std::to_string(listed->second.version) +
                                                  ", got v" + std::to_string(version));
  }
  if (next->signed_part.IsExpired(reference_time_)) {
    return Expired(role_name + " v" + std::to_string(version), next->signed_part.expires);
  }
  targets_.insert_or_assign(role_name, std::move(*next));
  return Ok();
}

const metadata::Metadata<metadata::Targets>* TrustedMetadata::targets(
    const std::string& role_name) const {
  auto it = targets_.find(role_name);
  return it == targets_.end() ? nullptr : &it->second;
}

}  // namespace bsi::trust
