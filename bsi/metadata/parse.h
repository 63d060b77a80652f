// Strict parsing of TUF metadata and signature threshold checks.
//
// Parse* takes the bytes as received and returns the metadata, or
// kMalformed for anything the specification does not allow: wrong JSON
// types, missing fields, non-integer versions, a spec_version of another
// major version, a `_type` other than the one asked for (kWrongType),
// duplicate signature key IDs (kDuplicateKeyId), duplicate key IDs in a
// role, a threshold below 1, negative lengths, a delegated role named like
// a top-level role or listed twice. Unknown fields are allowed (they are
// covered by the signatures, as the specification requires).
//
// Thread-safety: pure functions.
#ifndef BSI_METADATA_PARSE_H_
#define BSI_METADATA_PARSE_H_

#include <string_view>

#include "bsi/core/result.h"
#include "bsi/metadata/metadata.h"

namespace bsi::metadata {

Result<Metadata<Root>> ParseRoot(std::string_view bytes);
Result<Metadata<Timestamp>> ParseTimestamp(std::string_view bytes);
Result<Metadata<Snapshot>> ParseSnapshot(std::string_view bytes);
Result<Metadata<Targets>> ParseTargets(std::string_view bytes);

// Checks that at least `role.threshold` distinct keys among `role.keyids`
// (looked up in `keys`) made a valid signature over `canonical_signed`.
// Each key counts once: neither a repeated key ID nor the same public key
// listed under two key IDs counts twice. Errors: kBadSignature naming the
// role, the count and the threshold.
Status VerifyThreshold(std::string_view role_name, const RoleKeys& role,
                       const std::map<std::string, Key>& keys,
                       const std::vector<Signature>& signatures, std::string_view canonical_signed);

// Checks data against a length and hashes: the length when given, and
// every hash whose algorithm this client knows (sha256, sha512). Errors:
// kLengthMismatch, kHashMismatch, kMissingHash when `hashes` is non-empty
// but names no known algorithm, or when `require_hash` and it is empty.
Status VerifyLengthAndHashes(std::string_view data, std::optional<std::int64_t> length,
                             const std::map<std::string, std::string>& hashes, bool require_hash);

}  // namespace bsi::metadata

#endif  // BSI_METADATA_PARSE_H_
