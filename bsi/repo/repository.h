// Repository: the vendor's TUF repository on disk, read and written the way
// clients need it to be (docs/repository.md). Layout under the repository
// directory DIR:
//
//   DIR/metadata/   1.root.json … N.root.json, timestamp.json,
//                   V.snapshot.json, V.targets.json (consistent snapshots)
//   DIR/targets/    every target file as <dir>/<sha256>.<name>
//   DIR/notes/      security notes beside the repository (advisory module)
//   DIR/.bsi/       the writer's own state: settings.json, superseded.json
//
// Open() loads the current metadata and verifies it as a client would
// (root chain, signatures, thresholds, versions, hashes), except expiry, so
// that an expired repository can be refreshed. Changes are staged on the
// object (AddTarget, SetCustom, mutable_root) and written by Publish(),
// which signs with a KeySource and writes in the order that keeps every
// client consistent: target files, then new root, targets and snapshot
// versions, each before the file that names it, and timestamp.json last,
// by an atomic rename. A client polling at any instant sees either the old
// or the new repository. Files that a publication makes unreachable are
// recorded and removed by Prune() once settings().retention_seconds have
// passed, for clients still in flight.
//
// One writer at a time: nothing locks the directory.
//
// Thread-safety: none.
#ifndef BSI_REPO_REPOSITORY_H_
#define BSI_REPO_REPOSITORY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bsi/core/clock.h"
#include "bsi/core/file_system.h"
#include "bsi/core/result.h"
#include "bsi/json/json.h"
#include "bsi/metadata/metadata.h"
#include "bsi/repo/key_source.h"
#include "bsi/repo/settings.h"

namespace bsi::repo {

inline constexpr const char* kMetadataDir = "metadata";
inline constexpr const char* kTargetsDir = "targets";
inline constexpr const char* kNotesDir = "notes";
inline constexpr const char* kStateDir = ".bsi";

struct InitOptions {
  UnixTime now;
  RepoSettings settings;
  // Signature thresholds per top-level role; 1 for a role not named. The
  // key source must hold at least this many keys for the role.
  std::map<std::string, std::int64_t> thresholds;
};

// What Publish re-signs beyond what staged changes require.
struct PublishOptions {
  bool targets = false;   // a new targets version even if no target changed
  bool snapshot = false;  // a new snapshot version even if targets did not change
};

// What one publication wrote.
struct PublishResult {
  std::optional<std::int64_t> root_version;  // set if a new root was written
  std::optional<std::int64_t> targets_version;
  std::optional<std::int64_t> snapshot_version;
  std::int64_t timestamp_version = 0;
  std::vector<std::string> pruned;  // files Prune removed (repository-relative)
};

class Repository {
 public:
  // Creates DIR with root, targets, snapshot and timestamp at version 1,
  // signed by the key source's keys for each role (each role lists every
  // key the source has for it). Errors: kInvalidArgument if DIR/metadata
  // already holds files or a role has fewer keys than its threshold.
  static Result<Repository> Init(FileSystem& fs, const std::string& dir, KeySource& keys,
                                 const InitOptions& options);

  // Loads the repository in DIR. Errors: kFileNotFound if DIR is not a
  // repository; the security codes of the TUF checks if its metadata is
  // inconsistent; kCorruptState for unreadable writer state.
  static Result<Repository> Open(FileSystem& fs, const std::string& dir);

  const std::string& dir() const { return dir_; }
  const RepoSettings& settings() const { return settings_; }
  const metadata::Root& root() const { return root_; }
  const metadata::Targets& targets() const { return targets_; }
  const metadata::Snapshot& snapshot() const { return snapshot_; }
  const metadata::Timestamp& timestamp() const { return timestamp_; }

  // --- Staged changes ---

  // Lists a target with the content of source_file (read through a
  // temporary copy under DIR/targets, hashed, then renamed to its
  // consistent-snapshot name) and custom. Replaces a target of the same
  // path. Errors: kUnsafePath for a path that is absolute, has empty, "."
  // or ".." parts, or control characters; those of the file system.
  Result<metadata::TargetFile> AddTargetFile(const std::string& target_path,
                                             const std::string& source_file,
                                             std::optional<json::Value> custom);
  // The same from bytes in memory.
  Result<metadata::TargetFile> AddTargetBytes(const std::string& target_path,
                                              std::string_view content,
                                              std::optional<json::Value> custom);
  // Replaces a listed target's custom. Errors: kTargetNotFound.
  Status SetCustom(const std::string& target_path, std::optional<json::Value> custom);

  // Root to edit (keys, roles, thresholds); Publish then writes version
  // N+1, signed by the keys of both the old and the new root.
  metadata::Root& mutable_root();

  // --- Writing ---

  // Signs and writes what changed (see the file comment), then prunes.
  // Each role is signed by every key the source has that the role lists,
  // and must reach its threshold (kInvalidArgument naming the role and the
  // key IDs needed otherwise). kExpired if root has expired and is not
  // being replaced. On error before timestamp.json is replaced, every file
  // written since the last publication (target files included) is removed
  // again, so the directory is as it was; the object should be discarded.
  Result<PublishResult> Publish(KeySource& keys, UnixTime now, const PublishOptions& options = {});

  // Removes files superseded more than retention_seconds before now.
  Result<std::vector<std::string>> Prune(UnixTime now);

  // Where a target's content lives: DIR/targets/<dir>/<sha256>.<name>.
  std::string TargetFilePath(const std::string& target_path,
                             const metadata::TargetFile& file) const;

 private:
  Repository(FileSystem& fs, std::string dir) : fs_(&fs), dir_(std::move(dir)) {}

  std::string Path(std::string_view relative) const { return JoinPath(dir_, relative); }
  Result<PublishResult> PublishStaged(KeySource& keys, UnixTime now, const PublishOptions& options);
  Status WriteNew(const std::string& relative, std::string_view bytes);
  Result<std::string> Sign(const json::Value& signed_part,
                           const std::vector<const metadata::RoleKeys*>& roles,
                           const std::string& role_name, KeySource& keys);
  // Signs and writes the next version of targets or snapshot (version and
  // expiry set on `common`, then to_json() is signed), and supersedes the
  // previous file. Returns what the next role up lists about it.
  Result<metadata::MetaFile> WriteNextVersion(const std::string& role, metadata::Common& common,
                                              const std::function<json::Value()>& to_json,
                                              KeySource& keys, UnixTime now);
  void Supersede(const std::string& relative, UnixTime now);
  Status SaveSuperseded();

  FileSystem* fs_;
  std::string dir_;
  RepoSettings settings_;
  metadata::Root root_;
  metadata::Root published_root_;
  metadata::Targets targets_;
  metadata::Snapshot snapshot_;
  metadata::Timestamp timestamp_;
  bool root_changed_ = false;
  bool targets_changed_ = false;
  std::map<std::string, std::int64_t> superseded_;  // repository-relative path -> since
  std::set<std::string> replaced_targets_;          // target files no longer listed
  std::vector<std::string> created_;  // files written since the last publication (paths)
};

// A repository-relative path is safe (no absolute path, no empty, "." or
// ".." part, no control character). Errors: kUnsafePath.
Status CheckTargetPath(const std::string& target_path);

}  // namespace bsi::repo

#endif  // BSI_REPO_REPOSITORY_H_
