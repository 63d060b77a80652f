// RepositorySimulator: a whole signed TUF repository in memory, served
// through the Transport seam, for tests of the trust core and the updater
// (after go-tuf's and python-tuf's simulators). Tests edit the metadata
// structs and the signers directly, then publish; metadata is signed when
// it is fetched, with the signers of that moment, so a test can make any
// attack the specification names: stale or rolled-back versions, missing or
// wrong signatures, mixed snapshots, oversized or endless responses, wrong
// artifacts.
//
// URLs: metadata at kMetadataUrl ("http://repo.test/metadata/"), artifacts
// at kTargetsUrl ("http://repo.test/targets/"). A request for a versioned
// file "N.role.json" whose N is not the role's current version (or, for
// root, a published version) answers kNotFound, like a static server;
// unversioned names ("snapshot.json", "root.json": the latest) are served
// too, as WriteTo writes them, but timestamp is never versioned. Role names
// in URLs are percent-decoded. Artifacts are served under "<hash>.<name>"
// (<hash>: the content's sha256 or any digest targets metadata lists for
// the path) when consistent snapshots are on, else under their plain path.
//
// WriteTo() writes the same repository as static files (metadata/ and
// targets/) for a real HTTP server.
//
// Thread-safety: none.
#ifndef BSI_TESTING_REPOSITORY_SIMULATOR_H_
#define BSI_TESTING_REPOSITORY_SIMULATOR_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bsi/core/clock.h"
#include "bsi/crypto/private_key.h"
#include "bsi/fetch/transport.h"
#include "bsi/metadata/metadata.h"

namespace bsi::testing {

class RepositorySimulator final : public fetch::Transport {
 public:
  static constexpr const char* kMetadataUrl = "http://repo.test/metadata/";
  static constexpr const char* kTargetsUrl = "http://repo.test/targets/";

  // A repository at version 1 of every role, one fresh Ed25519 key per
  // top-level role, thresholds 1, consistent snapshots on, every role
  // expiring one year after `now`; root v1 is published.
  explicit RepositorySimulator(UnixTime now);

  // --- What the repository holds (edit freely, then publish) ---
  metadata::Root root;
  metadata::Timestamp timestamp;
  metadata::Snapshot snapshot;
  metadata::Targets targets;
  std::map<std::string, metadata::Targets> delegated;  // role name -> signed part
  // Keys that sign each role (top-level or delegated), by role name.
  std::map<std::string, std::vector<crypto::PrivateKey>> signers;
  // Artifact contents by target path.
  std::map<std::string, std::string> artifacts;

  // --- Keys ---
  // Generates an Ed25519 key, lists it in root for a top-level role, and
  // signs that role with it. Returns its key ID.
  std::string AddKey(const std::string& role);
  // Replaces all of a top-level role's keys with one new key, threshold 1
  // (root.keys is pruned of keys no role uses). Returns the new key ID. The
  // old signers are dropped: move them out of `signers` first to keep them.
  std::string RotateKeys(const std::string& role);

  // --- Content ---
  // Adds an artifact to a targets role ("targets" or delegated) with its
  // length and sha256 (and sha512 when both_hashes).
  void AddTarget(const std::string& role, const std::string& path, const std::string& content,
                 bool both_hashes = false);
  // Adds a delegated role under `delegator` with one new Ed25519 key,
  // threshold 1, the given paths (or hash prefixes), an empty targets
  // metadata at version 1 and an entry in snapshot.
  void AddDelegation(const std::string& delegator, metadata::DelegatedRole role);

  // --- Publishing ---
  // Bumps root's version and publishes it signed by root's signers (plus
  // `extra_signers`, e.g. the old keys during a rotation).
  void PublishRoot(const std::vector<const crypto::PrivateKey*>& extra_signers = {});
  // Bumps snapshot (refreshing every targets role's entry) and then
  // timestamp, as a repository does after any change.
  void UpdateSnapshot();
  void UpdateTimestamp();
  // Bumps a targets role's version (the caller then calls UpdateSnapshot).
  void BumpTargets(const std::string& role);

  // Signed bytes of the current metadata of a role (root: the latest
  // published), as they would be served.
  std::string SignedBytes(const std::string& role);
  // Published root of a given version (1-based). REQUIRES: published.
  // Versions are the roots' own: a test that skips one leaves a gap.
  const std::string& PublishedRoot(std::int64_t version) const;
  // The first published root, to initialise a client.
  const std::string& TrustedRoot() const { return PublishedRoot(1); }

  // --- Attacks ---
  // Serves these bytes for a file name ("timestamp.json", "3.snapshot.json",
  // or an artifact's served name) instead of the real content.
  std::map<std::string, std::string> overrides;
  // When true, UpdateSnapshot, UpdateTimestamp and AddDelegation record the
  // length and sha256 of the metadata they describe, as signed at that
  // moment; when false (the default) only its version (hashes and lengths
  // are optional for metadata).
  bool compute_metafile_hashes_and_length = false;
  // Answers a request for these file names with an error of this code
  // instead (kNetwork, kTimeout, kHttpStatus, ...), before any override.
  std::map<std::string, ErrorCode> failures;

  // --- Observation ---
  // File names requested, in order ("1.root.json", "timestamp.json", ...;
  // artifacts as their served name; a URL under neither base URL whole).
  std::vector<std::string> requests;

  // --- Transport ---
  Result<std::string> Fetch(const fetch::FetchRequest& request) override;
  Status FetchTo(const fetch::FetchRequest& request, fetch::ByteSink& sink) override;

  // Writes the repository as static files under dir/metadata and
  // dir/targets (every published root, current versions of the others,
  // versioned and unversioned names, artifacts under both names). An
  // override replaces the file of its name; one that names no file is
  // written under metadata/ if it ends in ".json", else under targets/.
  // Errors: kUnsafePath for a name that would leave dir; file system errors.
  Status WriteTo(const std::string& dir);

 private:
  // The file name a URL asks for (relative to its base URL), recorded.
  Result<std::string> Serve(const std::string& url);
  Result<std::string> ServeMetadata(const std::string& name);
  Result<std::string> ServeArtifact(const std::string& name);
  // The signed bytes of a non-root role, or nullopt if there is no such role.
  std::optional<std::string> SignRole(const std::string& role);
  // Signs the current root (without bumping) and publishes it.
  void PublishCurrentRoot(const std::vector<const crypto::PrivateKey*>& extra_signers);
  metadata::MetaFile MetaFileFor(const std::string& role, std::int64_t version);
  metadata::Targets& TargetsOf(const std::string& role);
  // An artifact's name as served with consistent snapshots.
  std::string HashPrefixedName(const std::string& path, const std::string& content) const;

  std::map<std::int64_t, std::string> published_roots_;  // by version
  std::int64_t latest_root_ = 0;                         // last published
  UnixTime now_;
};

}  // namespace bsi::testing

#endif  // BSI_TESTING_REPOSITORY_SIMULATOR_H_
