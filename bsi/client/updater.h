// Updater: the TUF client workflow (specification 1.0.x, §5) around the
// pure TrustedMetadata (bsi/trust): it reads the trusted local metadata,
// fetches new metadata through a Transport, persists each role as soon as
// it is verified, finds targets through delegations, and downloads and
// verifies artifacts.
//
// Metadata directory layout: root.json, timestamp.json, snapshot.json,
// targets.json and "<role>.json" per delegated role, role names
// percent-encoded (RFC 3986 unreserved characters kept, everything else
// %XX, '/' included) so that none escapes the directory. Files hold the
// exact bytes received. Nothing is written for metadata that failed.
//
// Requests, in order (as the reference implementation makes them):
//   1. "<N>.root.json" for N = trusted+1, +2, … until 404 (at most
//      max_root_rotations),
//   2. "timestamp.json",
//   3. "<V>.snapshot.json" ("snapshot.json" without consistent snapshots),
//      unless the local snapshot already is the version timestamp names,
//   4. "<V>.targets.json", then delegated roles as a target search reaches
//      them, each unless the local copy already is the version snapshot
//      names, and each at most once per Updater.
// No request is retried or redirected. Every response is capped
// (UpdaterOptions), and artifacts at the length targets metadata gives.
//
// Artifacts are stored in the target directory under the percent-encoded
// target path; only verified files are left there.
//
// Thread-safety: none; use one Updater per thread.
#ifndef BSI_CLIENT_UPDATER_H_
#define BSI_CLIENT_UPDATER_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "bsi/core/clock.h"
#include "bsi/core/file_system.h"
#include "bsi/core/result.h"
#include "bsi/fetch/transport.h"
#include "bsi/metadata/metadata.h"
#include "bsi/trust/trusted_metadata.h"

namespace bsi::client {

struct UpdaterOptions {
  // Byte caps per role (Default: as the reference implementation).
  std::uint64_t root_max_bytes = 512000;
  std::uint64_t timestamp_max_bytes = 16384;
  std::uint64_t snapshot_max_bytes = 2000000;  // when timestamp gives no length
  std::uint64_t targets_max_bytes = 5000000;   // when snapshot gives no length
  int max_root_rotations = 256;
  int max_delegations = 32;  // roles visited per target search
  // With consistent snapshots, fetch artifacts as "dir/<hash>.name".
  bool prefix_targets_with_hash = true;
  // After a transient error (network, timeout, HTTP status), keep what was
  // downloaded of an artifact, and continue it on the next DownloadTarget
  // of the same target with an HTTP Range request. The whole file is still
  // verified against the metadata's length and hashes at the end; a
  // security error discards the partial file. Default: off (as the
  // reference implementation, which does not resume).
  bool resume_downloads = false;
};

// A target as trusted metadata describes it.
struct TargetInfo {
  std::string path;
  metadata::TargetFile file;
  std::string role;  // the targets role that listed it
};

struct UpdaterConfig {
  std::string metadata_dir;
  std::string metadata_base_url;  // ends with '/'
  std::string target_dir;         // may be empty when no artifact is downloaded
  std::string target_base_url;    // ends with '/'; may be empty likewise
  UpdaterOptions options;
};

class Updater {
 public:
  // REQUIRES: transport, fs and clock outlive the Updater.
  Updater(UpdaterConfig config, fetch::Transport& transport, FileSystem& fs, const Clock& clock);

  // Installs a trusted root into metadata_dir (created if needed), without
  // any request or check: the first Refresh verifies it.
  static Status InitMetadataDir(FileSystem& fs, const std::string& metadata_dir,
                                std::string_view root_bytes);

  // Runs the workflow up to top-level targets. The local root.json is
  // verified against its own keys first; if it is invalid no request is
  // made. Errors: see bsi/core/error.h; security errors name the role.
  Status Refresh();

  // Finds a target by pre-order depth-first search of the delegations (in
  // listed order, honouring `terminating` and at most max_delegations
  // roles), loading delegated roles as needed. Refreshes first if Refresh
  // has not run. Errors: kTargetNotFound, or a metadata error.
  Result<TargetInfo> GetTargetInfo(const std::string& target_path);

  // The targets the top-level targets role lists (not those of delegated
  // roles), verified. Refreshes first if Refresh has not run. The pointer
  // is valid until the next Refresh.
  Result<const metadata::Targets*> TopLevelTargets();

  // Where the artifact is stored: target_dir + "/" + percent-encoded path.
  std::string LocalPathFor(const TargetInfo& target) const;

  // The local path if the artifact is already there with the right length
  // and hashes, else nullopt.
  Result<std::optional<std::string>> FindCachedTarget(const TargetInfo& target);

  // Downloads the artifact (unless cached), verifying its length and every
  // known hash; returns the local path. On error nothing is left in
  // target_dir. Errors: kLengthMismatch, kHashMismatch, kMissingHash,
  // kTooLarge, transient errors.
  Result<std::string> DownloadTarget(const TargetInfo& target);

 private:
  Status LoadRoot();
  Status LoadTimestamp();
  Status LoadSnapshot();
  Status LoadTargets(const std::string& role, const std::string& delegator);
  Result<std::string> FetchMetadata(const std::string& role, std::optional<std::int64_t> version,
                                    std::uint64_t max_bytes);
  Status Persist(const std::string& role, std::string_view bytes);
  std::optional<std::string> ReadLocal(const std::string& role, std::uint64_t max_bytes);
  void RemoveLeftovers(const std::string& dir, std::string_view marker, std::string_view keep = {});

  UpdaterConfig config_;
  fetch::Transport& transport_;
  FileSystem& fs_;
  const Clock& clock_;
  std::optional<trust::TrustedMetadata> trusted_;
};

// RFC 3986 percent-encoding of everything but unreserved characters
// (python's urllib.parse.quote(s, safe="")).
std::string PercentEncode(std::string_view text);

}  // namespace bsi::client

#endif  // BSI_CLIENT_UPDATER_H_
