// Keeping a repository alive and changing its keys: the operations behind
// `bsi repo verify`, `bsi repo refresh` and `bsi repo rotate`. Each works on
// an open Repository and publishes through it (so the same atomic order
// holds).
//
// Thread-safety: as Repository.
#ifndef BSI_REPO_MAINTENANCE_H_
#define BSI_REPO_MAINTENANCE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bsi/core/clock.h"
#include "bsi/core/file_system.h"
#include "bsi/core/result.h"
#include "bsi/metadata/metadata.h"
#include "bsi/repo/key_source.h"
#include "bsi/repo/repository.h"

namespace bsi::repo {

struct RoleStatus {
  std::string role;
  std::int64_t version = 0;
  UnixTime expires;
  bool expiring_soon = false;  // less than half its configured lifetime left
};

struct VerifyReport {
  std::vector<RoleStatus> roles;  // root, targets, snapshot, timestamp
  std::size_t target_count = 0;
  std::uint64_t target_bytes = 0;
};

// Checks the repository in dir as a client would at `now`: the root chain
// from 1.root.json, timestamp, snapshot and targets (signatures,
// thresholds, versions, lengths and hashes, expiry), then every target
// file under its consistent-snapshot name, streamed and hashed. Errors: the
// first problem, with the file it is in (kExpired, kHashMismatch, ...).
Result<VerifyReport> VerifyRepository(FileSystem& fs, const std::string& dir, UnixTime now);

struct RefreshResult {
  std::vector<std::string> resigned;  // roles given new signatures, in order
  std::optional<PublishResult> published;
  std::vector<std::string> warnings;  // e.g. root due but no root key in the source
};

// Re-signs the roles whose signatures have less than half of their
// configured lifetime left (all four with force): timestamp, snapshot and
// targets with the source's keys, root when its keys are there (a new root
// version with the same keys), else a warning. Nothing is written when
// nothing is due. The command a timer runs.
Result<RefreshResult> RefreshRepository(Repository& repo, KeySource& keys, UnixTime now,
                                        bool force);

struct RotateRequest {
  std::string role;  // "root", "targets", "snapshot" or "timestamp"
  std::vector<metadata::Key> add;
  std::vector<std::string> remove;  // key IDs, or unique prefixes of at least 8 hex digits
  bool remove_all_others = false;   // keep only the keys in `add`
  std::optional<std::int64_t> threshold;
};

// Changes a role's keys and/or threshold in a new root version, signed by
// a threshold of the old root keys and of the new ones, and re-signs
// targets, snapshot and timestamp under the new root. Errors:
// kInvalidArgument (unknown role or key, a threshold above the key count,
// no key left, not enough keys in the source to sign).
Result<PublishResult> RotateKeys(Repository& repo, KeySource& keys, const RotateRequest& request,
                                 UnixTime now);

}  // namespace bsi::repo

#endif  // BSI_REPO_MAINTENANCE_H_
