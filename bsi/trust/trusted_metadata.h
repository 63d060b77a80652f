// TrustedMetadata: the pure core of the TUF client (specification 1.0.x,
// §5.3–5.6). It holds the metadata this client trusts and accepts new
// metadata only as the client workflow allows. It does no I/O and reads no
// clock: bytes and the reference time come in, decisions come out. The
// Updater (bsi/client) fetches, persists and calls these in order.
//
//   Create(root) ──► UpdateRoot(N+1)* ──► UpdateTimestamp ──► UpdateSnapshot
//                                          (local, then        (local, then
//                                           remote)             remote)
//                 ──► UpdateTargets("targets") ──► UpdateDelegated(role)*
//
// Each Update* verifies the bytes fully (type, signatures against the
// delegating role's keys and threshold, versions, expiry, hashes) before it
// replaces anything; on error the trusted set is unchanged, except where
// noted: an expired timestamp or a snapshot whose version differs from the
// one timestamp names is kept as the intermediate reference for rollback
// checks (as the reference implementation does), yet the call fails, and
// later steps refuse to build on it.
//
// Thread-safety: none; one updater owns one TrustedMetadata.
#ifndef BSI_TRUST_TRUSTED_METADATA_H_
#define BSI_TRUST_TRUSTED_METADATA_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "bsi/core/clock.h"
#include "bsi/core/result.h"
#include "bsi/metadata/metadata.h"

namespace bsi::trust {

// Whether snapshot bytes come from the local cache (already verified once,
// so their hashes are not checked against timestamp) or from the network.
enum class Provenance { kNetwork, kLocalCache };

class TrustedMetadata {
 public:
  // Starts from a trusted root, which must be signed by a threshold of its
  // own root keys. Its expiry is not checked here (a newer root may follow).
  static Result<TrustedMetadata> Create(std::string_view root_bytes, UnixTime reference_time);

  // §5.3: accepts root version N+1, signed by a threshold of the trusted
  // root's keys and of its own. REQUIRES: no timestamp loaded yet.
  Status UpdateRoot(std::string_view bytes);

  // §5.4: checks that the final root has not expired, then accepts a
  // timestamp signed by the root's timestamp keys whose version and whose
  // snapshot version do not go back. One of the same version as the trusted
  // timestamp is no error: the trusted one stays and kUnchanged is
  // returned. A new timestamp is kept even if expired (it still guards
  // against rollback), but then kExpired is returned. Errors: kExpired (root
  // or timestamp), kRollback, kBadSignature, kWrongType, kMalformed.
  // REQUIRES: no snapshot loaded yet.
  enum class TimestampOutcome { kUpdated, kUnchanged };
  Result<TimestampOutcome> UpdateTimestamp(std::string_view bytes);

  // §5.5: accepts a snapshot matching timestamp's length and hashes (unless
  // from the local cache), signed by the root's snapshot keys, that removes
  // no role and lowers no role's version. Then requires it to be the
  // version timestamp names and unexpired. REQUIRES: a timestamp, no
  // targets loaded.
  Status UpdateSnapshot(std::string_view bytes, Provenance provenance);

  // §5.6: accepts top-level targets ("targets", delegated by root) or a
  // delegated role (delegated by `delegator`, which must be loaded): listed
  // in snapshot, matching its length and hashes, signed by the delegating
  // keys, of the version snapshot names, unexpired. Errors also
  // kUntrustedRole when snapshot does not list the role.
  Status UpdateTargets(std::string_view bytes);
  Status UpdateDelegated(std::string_view bytes, const std::string& role_name,
                         const std::string& delegator);

  const metadata::Metadata<metadata::Root>& root() const { return root_; }
  const metadata::Metadata<metadata::Timestamp>* timestamp() const {
    return timestamp_ ? &*timestamp_ : nullptr;
  }
  const metadata::Metadata<metadata::Snapshot>* snapshot() const {
    return snapshot_ ? &*snapshot_ : nullptr;
  }
  // "targets" or a delegated role name; nullptr when not loaded.
  const metadata::Metadata<metadata::Targets>* targets(const std::string& role_name) const;

  UnixTime reference_time() const { return reference_time_; }

 private:
  TrustedMetadata(metadata::Metadata<metadata::Root> root, UnixTime reference_time)
      : root_(std::move(root)), reference_time_(reference_time) {}

  Status CheckFinalTimestamp() const;
  Status CheckFinalSnapshot() const;
  Status UpdateTargetsRole(std::string_view bytes, const std::string& role_name,
                           const metadata::RoleKeys& role_keys,
                           const std::map<std::string, metadata::Key>& keys);

  metadata::Metadata<metadata::Root> root_;
  std::optional<metadata::Metadata<metadata::Timestamp>> timestamp_;
  std::optional<metadata::Metadata<metadata::Snapshot>> snapshot_;
  std::map<std::string, metadata::Metadata<metadata::Targets>> targets_;
  UnixTime reference_time_;
};

}  // namespace bsi::trust

#endif  // BSI_TRUST_TRUSTED_METADATA_H_
