// TUF metadata (The Update Framework specification 1.0.x, §4) as plain
// structs: root, timestamp, snapshot, targets (with delegations), and the
// signed envelope around each. Parsing and verification are in parse.h,
// writing and signing in serialize.h, target path matching in
// path_pattern.h.
//
// Every struct is a value type. A Metadata<T> keeps, beside the parsed
// `signed` part, its canonical bytes: the exact bytes signatures cover.
#ifndef BSI_METADATA_METADATA_H_
#define BSI_METADATA_METADATA_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/clock.h"
#include "bsi/json/json.h"

namespace bsi::metadata {

// The four top-level roles. Delegated targets roles are kTargets with
// another name.
enum class RoleType { kRoot, kTimestamp, kSnapshot, kTargets };

// "root", "timestamp", "snapshot", "targets" (also the `_type` values).
std::string_view RoleTypeName(RoleType type);
bool IsTopLevelRoleName(std::string_view name);

// The specification version this client implements; metadata whose
// spec_version has another major version is refused.
inline constexpr std::string_view kSpecVersion = "1.0.31";

// A public key as metadata lists it. `public_value` is keyval["public"]
// (empty when absent, as for key types this client does not know; such a
// key never verifies a signature but does not make the metadata invalid).
struct Key {
  std::string keytype;
  std::string scheme;
  std::string public_value;
  json::Value keyval;  // the whole keyval object, kept for writing
};

// A key ID as TUF defines it: the hex SHA-256 of the canonical JSON of the
// key object {"keytype", "scheme", "keyval"}.
std::string ComputeKeyId(const Key& key);

// The keys and threshold of one role.
struct RoleKeys {
  std::vector<std::string> keyids;  // no duplicates
  std::int64_t threshold = 1;       // >= 1
};

struct Signature {
  std::string keyid;
  std::string sig;  // hex
};

// What one role's metadata says about another file: timestamp about
// snapshot, snapshot about each targets role.
struct MetaFile {
  std::int64_t version = 1;
  std::optional<std::int64_t> length;
  std::map<std::string, std::string> hashes;  // algorithm -> hex digest
};

struct TargetFile {
  std::int64_t length = 0;
  std::map<std::string, std::string> hashes;  // at least one
  std::optional<json::Value> custom;
};

struct DelegatedRole {
  std::string name;
  RoleKeys keys;
  bool terminating = false;
  // Exactly one of these two is set.
  std::optional<std::vector<std::string>> paths;
  std::optional<std::vector<std::string>> path_hash_prefixes;
};

struct Delegations {
  std::map<std::string, Key> keys;   // key ID -> key
  std::vector<DelegatedRole> roles;  // in listed order; names unique
};

// Fields every role's `signed` part has.
struct Common {
  std::string spec_version{kSpecVersion};
  std::int64_t version = 1;
  UnixTime expires;

  bool IsExpired(UnixTime now) const { return now >= expires; }
};

struct Root : Common {
  bool consistent_snapshot = true;
  std::map<std::string, Key> keys;        // key ID -> key
  std::map<std::string, RoleKeys> roles;  // all four top-level roles
};

struct Timestamp : Common {
  MetaFile snapshot_meta;  // meta["snapshot.json"]
};

struct Snapshot : Common {
  std::map<std::string, MetaFile> meta;  // "targets.json", "<role>.json"
};

struct Targets : Common {
  std::map<std::string, TargetFile> targets;  // target path -> file
  std::optional<Delegations> delegations;
};

template <typename T>
struct Metadata {
  T signed_part;
  std::vector<Signature> signatures;  // key IDs unique
  std::string canonical_signed;       // canonical JSON of `signed`
};

}  // namespace bsi::metadata

#endif  // BSI_METADATA_METADATA_H_
