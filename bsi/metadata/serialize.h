// Writing TUF metadata: the `signed` part of each role as JSON, and the
// signed envelope {"signatures": [...], "signed": {...}} as compact JSON
// (json::ToCompactString: sorted keys, no whitespace; the same bytes as the
// canonical form unless a string holds a control character, such as the
// newlines of a PEM key, which canonical JSON would leave raw and invalid).
// Used by repository writers and by the repository simulator in tests; the
// bytes written are what Parse* (parse.h) reads back.
//
// Thread-safety: pure functions.
#ifndef BSI_METADATA_SERIALIZE_H_
#define BSI_METADATA_SERIALIZE_H_

#include <string>
#include <vector>

#include "bsi/core/result.h"
#include "bsi/crypto/private_key.h"
#include "bsi/json/json.h"
#include "bsi/metadata/metadata.h"

namespace bsi::metadata {

json::Value KeyToJson(const Key& key);
json::Value ToJson(const Root& root);
json::Value ToJson(const Timestamp& timestamp);
json::Value ToJson(const Snapshot& snapshot);
json::Value ToJson(const Targets& targets);
json::Value MetaFileToJson(const MetaFile& meta);
json::Value TargetFileToJson(const TargetFile& file);

// The metadata key for a private key (its public half).
Key PublicKeyOf(const crypto::PrivateKey& key);

// Signs canonical(signed_part) with each key (key ID from ComputeKeyId) and
// returns the envelope as compact JSON bytes. Errors: from signing, or
// kMalformed if signed_part holds a non-integer number.
Result<std::string> SignEnvelope(const json::Value& signed_part,
                                 const std::vector<const crypto::PrivateKey*>& keys);

// The envelope with the given signatures, as compact JSON bytes. Errors:
// kMalformed if signed_part holds a non-integer number.
Result<std::string> EnvelopeBytes(const json::Value& signed_part,
                                  const std::vector<Signature>& signatures);

// The same for a signed part already known to canonicalize (its
// signatures were made over json::Canonicalize of it): no second check.
std::string EnvelopeBytesOfCanonical(const json::Value& signed_part,
                                     const std::vector<Signature>& signatures);

}  // namespace bsi::metadata

#endif  // BSI_METADATA_SERIALIZE_H_
