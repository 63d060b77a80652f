#include "bsi/metadata/parse.h"

#include <algorithm>
#include <set>

#include "bsi/core/time_format.h"
#include "bsi/crypto/hash.h"
#include "bsi/crypto/public_key.h"
#include "bsi/json/fields.h"

namespace bsi::metadata {
namespace {

using json::AsObject;
using json::Find;
using json::GetArray;
using json::GetBool;
using json::GetInt;
using json::GetObject;
using json::GetString;
using json::Malformed;

Result<Key> ParseKey(const json::Value& value, const std::string& where) {
  BSI_ASSIGN_OR_RETURN(const json::Object* object, AsObject(value, where));
  Key key;
  BSI_ASSIGN_OR_RETURN(key.keytype, GetString(*object, "keytype", where));
  BSI_ASSIGN_OR_RETURN(key.scheme, GetString(*object, "scheme", where));
  BSI_ASSIGN_OR_RETURN(const json::Object* keyval, GetObject(*object, "keyval", where));
  key.keyval = json::Value(*keyval);
  if (const json::Value* pub = Find(*keyval, "public")) {
    if (!pub->is_string()) return Malformed(where + ".keyval.public must be a string");
    key.public_value = pub->string_value();
  }
  return key;
}

Result<std::map<std::string, Key>> ParseKeys(const json::Object& object, const std::string& where) {
  std::map<std::string, Key> keys;
  for (const auto& [keyid, value] : object) {
    BSI_ASSIGN_OR_RETURN(Key key, ParseKey(value, where + "." + keyid));
    keys.emplace(keyid, std::move(key));
  }
  return keys;
}

Result<std::vector<std::string>> ParseStringList(const json::Object& object, std::string_view name,
                                                 const std::string& where) {
  BSI_ASSIGN_OR_RETURN(const json::Array* array, GetArray(object, name, where));
  std::vector<std::string> out;
  out.reserve(array->size());
  for (const json::Value& item : *array) {
    if (!item.is_string()) {
      return Malformed(where + "." + std::string(name) + " must hold strings");
    }
    out.push_back(item.string_value());
  }
  return out;
}

Result<RoleKeys> ParseRoleKeys(const json::Object& object, const std::string& where) {
  RoleKeys role;
  BSI_ASSIGN_OR_RETURN(role.keyids, ParseStringList(object, "keyids", where));
  BSI_ASSIGN_OR_RETURN(role.threshold, GetInt(object, "threshold", where));
  if (role.threshold < 1) return Malformed(where + ".threshold must be at least 1");
  std::set<std::string> unique(role.keyids.begin(), role.keyids.end());
  if (unique.size() != role.keyids.size()) {
    return Malformed(where + ".keyids lists a key ID twice");
  }
  return role;
}

Result<std::map<std::string, std::string>> ParseHashes(const json::Object& object,
                                                       const std::string& where) {
  std::map<std::string, std::string> hashes;
  if (object.empty()) return Malformed(where + " must name at least one hash");
  for (const auto& [algorithm, digest] : object) {
    if (!digest.is_string()) return Malformed(where + "." + algorithm + " must be a string");
    hashes.emplace(algorithm, digest.string_value());
  }
  return hashes;
}

Result<MetaFile> ParseMetaFile(const json::Value& value, const std::string& where) {
  BSI_ASSIGN_OR_RETURN(const json::Object* object, AsObject(value, where));
  MetaFile meta;
  BSI_ASSIGN_OR_RETURN(meta.version, GetInt(*object, "version", where));
  if (meta.version < 1) return Malformed(where + ".version must be at least 1");
  if (Find(*object, "length") != nullptr) {
    BSI_ASSIGN_OR_RETURN(std::int64_t length, GetInt(*object, "length", where));
    if (length < 0) return Malformed(where + ".length must not be negative");
    meta.length = length;
  }
  if (Find(*object, "hashes") != nullptr) {
    BSI_ASSIGN_OR_RETURN(const json::Object* hashes, GetObject(*object, "hashes", where));
    BSI_ASSIGN_OR_RETURN(meta.hashes, ParseHashes(*hashes, where + ".hashes"));
  }
  return meta;
}

Result<TargetFile> ParseTargetFile(const json::Value& value, const std::string& where) {
  BSI_ASSIGN_OR_RETURN(const json::Object* object, AsObject(value, where));
  TargetFile file;
  BSI_ASSIGN_OR_RETURN(file.length, GetInt(*object, "length", where));
  if (file.length < 0) return Malformed(where + ".length must not be negative");
  BSI_ASSIGN_OR_RETURN(const json::Object* hashes, GetObject(*object, "hashes", where));
  BSI_ASSIGN_OR_RETURN(file.hashes, ParseHashes(*hashes, where + ".hashes"));
  if (const json::Value* custom = Find(*object, "custom")) file.custom = *custom;
  return file;
}

Result<DelegatedRole> ParseDelegatedRole(const json::Value& value, const std::string& where) {
  BSI_ASSIGN_OR_RETURN(const json::Object* object, AsObject(value, where));
  DelegatedRole role;
  BSI_ASSIGN_OR_RETURN(role.name, GetString(*object, "name", where));
  const std::string here = where + "(" + role.name + ")";
  if (role.name.empty()) return Malformed(where + ".name must not be empty");
  if (IsTopLevelRoleName(role.name)) {
    return Malformed(here + ": a delegated role cannot take a top-level role's name");
  }
  BSI_ASSIGN_OR_RETURN(role.keys, ParseRoleKeys(*object, here));
  BSI_ASSIGN_OR_RETURN(role.terminating, GetBool(*object, "terminating", here));
  const bool has_paths = Find(*object, "paths") != nullptr;
  const bool has_prefixes = Find(*object, "path_hash_prefixes") != nullptr;
  if (has_paths == has_prefixes) {
    return Malformed(here + " must have exactly one of paths and path_hash_prefixes");
  }
  if (has_paths) {
    BSI_ASSIGN_OR_RETURN(role.paths, ParseStringList(*object, "paths", here));
  } else {
    BSI_ASSIGN_OR_RETURN(role.path_hash_prefixes,
                         ParseStringList(*object, "path_hash_prefixes", here));
  }
  return role;
}

Result<Delegations> ParseDelegations(const json::Value& value) {
  const std::string where = "signed.delegations";
  BSI_ASSIGN_OR_RETURN(const json::Object* object, AsObject(value, where));
  if (Find(*object, "succinct_roles") != nullptr) {
    return Error(ErrorCode::kUnsupported,
                 "succinct_roles delegations (TAP 15) are not supported by this client");
  }
  Delegations delegations;
  BSI_ASSIGN_OR_RETURN(const json::Object* keys, GetObject(*object, "keys", where));
  BSI_ASSIGN_OR_RETURN(delegations.keys, ParseKeys(*keys, where + ".keys"));
  BSI_ASSIGN_OR_RETURN(const json::Array* roles, GetArray(*object, "roles", where));
  std::set<std::string> names;
  for (const json::Value& item : *roles) {
    BSI_ASSIGN_OR_RETURN(DelegatedRole role, ParseDelegatedRole(item, where + ".roles"));
    if (!names.insert(role.name).second) {
      return Malformed(where + ".roles lists role '" + role.name + "' twice");
    }
    delegations.roles.push_back(std::move(role));
  }
  return delegations;
}

Status ParseCommon(const json::Object& object, Common& common) {
  const std::string where = "signed";
  BSI_ASSIGN_OR_RETURN(common.spec_version, GetString(object, "spec_version", where));
  // As the reference implementation: two or three dot-separated numbers,
  // and the major version must be ours.
  std::vector<std::string> parts{""};
  for (char c : common.spec_version) {
    if (c == '.') {
      parts.emplace_back();
    } else if (c >= '0' && c <= '9') {
      parts.back().push_back(c);
    } else {
      parts.clear();
      break;
    }
  }
  bool well_formed = parts.size() == 2 || parts.size() == 3;
  for (const auto& part : parts) well_formed = well_formed && !part.empty();
  if (!well_formed || parts[0] != kSpecVersion.substr(0, kSpecVersion.find('.'))) {
    return Malformed("unsupported spec_version '" + common.spec_version + "'");
  }
  BSI_ASSIGN_OR_RETURN(common.version, GetInt(object, "version", where));
  if (common.version < 1) return Malformed("signed.version must be at least 1");
  BSI_ASSIGN_OR_RETURN(std::string expires, GetString(object, "expires", where));
  BSI_ASSIGN_OR_RETURN(common.expires, ParseUtcTimestamp(expires));
  return Ok();
}

// Parses the envelope and checks `_type`; returns the `signed` object.
template <typename T>
Result<const json::Object*> ParseEnvelope(const json::Value& document, RoleType type,
                                          Metadata<T>& out) {
  BSI_ASSIGN_OR_RETURN(const json::Object* top, AsObject(document, "metadata"));
  BSI_ASSIGN_OR_RETURN(const json::Object* signed_part, GetObject(*top, "signed", "metadata"));
  BSI_ASSIGN_OR_RETURN(const json::Array* signatures, GetArray(*top, "signatures", "metadata"));
  std::set<std::string> seen;
  for (const json::Value& item : *signatures) {
    BSI_ASSIGN_OR_RETURN(const json::Object* object, AsObject(item, "signatures[]"));
    Signature signature;
    BSI_ASSIGN_OR_RETURN(signature.keyid, GetString(*object, "keyid", "signatures[]"));
    BSI_ASSIGN_OR_RETURN(signature.sig, GetString(*object, "sig", "signatures[]"));
    if (!seen.insert(signature.keyid).second) {
      return Error(ErrorCode::kDuplicateKeyId,
                   "metadata has two signatures by key ID " + signature.keyid);
    }
    out.signatures.push_back(std::move(signature));
  }
  BSI_ASSIGN_OR_RETURN(std::string type_name, GetString(*signed_part, "_type", "signed"));
  if (type_name != RoleTypeName(type)) {
    return Error(ErrorCode::kWrongType, "expected " + std::string(RoleTypeName(type)) +
                                            " metadata, got '" + type_name + "'");
  }
  BSI_ASSIGN_OR_RETURN(out.canonical_signed, json::Canonicalize(*signed_part));
  BSI_TRY(ParseCommon(*signed_part, out.signed_part));
  return signed_part;
}

template <typename T>
Result<Metadata<T>> ParseWith(std::string_view bytes, RoleType type,
                              Status (*parse_body)(const json::Object&, T&)) {
  BSI_ASSIGN_OR_RETURN(json::Value document, json::Parse(bytes));
  Metadata<T> out;
  BSI_ASSIGN_OR_RETURN(const json::Object* signed_part, ParseEnvelope(document, type, out));
  Status body = parse_body(*signed_part, out.signed_part);
  if (!body.ok()) {
    return body.error().WithContext(std::string(RoleTypeName(type)) + " metadata");
  }
  return out;
}

Status ParseRootBody(const json::Object& object, Root& root) {
  if (const json::Value* cs = Find(object, "consistent_snapshot")) {
    if (!cs->is_bool()) return Malformed("signed.consistent_snapshot must be a boolean");
    root.consistent_snapshot = cs->bool_value();
  } else {
    root.consistent_snapshot = false;
  }
  BSI_ASSIGN_OR_RETURN(const json::Object* keys, GetObject(object, "keys", "signed"));
  BSI_ASSIGN_OR_RETURN(root.keys, ParseKeys(*keys, "signed.keys"));
  BSI_ASSIGN_OR_RETURN(const json::Object* roles, GetObject(object, "roles", "signed"));
  for (const auto& [name, value] : *roles) {
    if (!IsTopLevelRoleName(name)) return Malformed("signed.roles has unknown role '" + name + "'");
    BSI_ASSIGN_OR_RETURN(const json::Object* role, AsObject(value, "signed.roles." + name));
    BSI_ASSIGN_OR_RETURN(RoleKeys keys_of_role, ParseRoleKeys(*role, "signed.roles." + name));
    root.roles.emplace(name, std::move(keys_of_role));
  }
  if (root.roles.size() != 4) return Malformed("signed.roles must name all four top-level roles");
  return Ok();
}

Status ParseTimestampBody(const json::Object& object, Timestamp& timestamp) {
  BSI_ASSIGN_OR_RETURN(const json::Object* meta, GetObject(object, "meta", "signed"));
  const json::Value* snapshot = Find(*meta, "snapshot.json");
  if (snapshot == nullptr) return Malformed("signed.meta must describe snapshot.json");
  BSI_ASSIGN_OR_RETURN(timestamp.snapshot_meta,
                       ParseMetaFile(*snapshot, "signed.meta.snapshot.json"));
  return Ok();
}

Status ParseSnapshotBody(const json::Object& object, Snapshot& snapshot) {
  BSI_ASSIGN_OR_RETURN(const json::Object* meta, GetObject(object, "meta", "signed"));
  for (const auto& [name, value] : *meta) {
    BSI_ASSIGN_OR_RETURN(MetaFile file, ParseMetaFile(value, "signed.meta." + name));
    snapshot.meta.emplace(name, std::move(file));
  }
  return Ok();
}

Status ParseTargetsBody(const json::Object& object, Targets& targets) {
  BSI_ASSIGN_OR_RETURN(const json::Object* files, GetObject(object, "targets", "signed"));
  for (const auto& [path, value] : *files) {
    BSI_ASSIGN_OR_RETURN(TargetFile file, ParseTargetFile(value, "signed.targets." + path));
    targets.targets.emplace(path, std::move(file));
  }
  if (const json::Value* delegations = Find(object, "delegations")) {
    BSI_ASSIGN_OR_RETURN(targets.delegations, ParseDelegations(*delegations));
  }
  return Ok();
}

}  // namespace

Result<Metadata<Root>> ParseRoot(std::string_view bytes) {
  return ParseWith<Root>(bytes, RoleType::kRoot, &ParseRootBody);
}
Result<Metadata<Timestamp>> ParseTimestamp(std::string_view bytes) {
  return ParseWith<Timestamp>(bytes, RoleType::kTimestamp, &ParseTimestampBody);
}
Result<Metadata<Snapshot>> ParseSnapshot(std::string_view bytes) {
  return ParseWith<Snapshot>(bytes, RoleType::kSnapshot, &ParseSnapshotBody);
}
Result<Metadata<Targets>> ParseTargets(std::string_view bytes) {
  return ParseWith<Targets>(bytes, RoleType::kTargets, &ParseTargetsBody);
}

Status VerifyThreshold(std::string_view role_name, const RoleKeys& role,
                       const std::map<std::string, Key>& keys,
                       const std::vector<Signature>& signatures,
                       std::string_view canonical_signed) {
  std::set<std::string> counted_keyids;
  // The signatures counted so far. The same key listed under a second key
  // ID, even written differently (upper-case hex, the legacy ECDSA keytype
  // name, other PEM line breaks, PKCS#1 instead of SPKI), verifies one of
  // them, and so does not count again. Counting stops at the threshold,
  // which bounds these extra verifications.
  std::vector<const Signature*> counted;
  for (const std::string& keyid : role.keyids) {
    if (static_cast<std::int64_t>(counted.size()) >= role.threshold) break;
    auto key = keys.find(keyid);
    if (key == keys.end() || counted_keyids.count(keyid) != 0) continue;
    for (const Signature& signature : signatures) {
      if (signature.keyid != keyid) continue;
      auto public_key = crypto::PublicKey::FromTuf(key->second.keytype, key->second.scheme,
                                                   key->second.public_value);
      if (!public_key.ok() || !public_key->Verify(canonical_signed, signature.sig)) continue;
      const bool same_key_counted = std::any_of(
          counted.begin(), counted.end(),
          [&](const Signature* other) { return public_key->Verify(canonical_signed, other->sig); });
      if (same_key_counted) continue;
      counted_keyids.insert(keyid);
      counted.push_back(&signature);
      break;
    }
  }
  const auto valid = static_cast<std::int64_t>(counted_keyids.size());
  if (valid < role.threshold) {
    return Error(ErrorCode::kBadSignature,
                 std::string(role_name) + " has " + std::to_string(valid) +
                     " valid signature(s), threshold is " + std::to_string(role.threshold));
  }
  return Ok();
}

Status VerifyLengthAndHashes(std::string_view data, std::optional<std::int64_t> length,
                             const std::map<std::string, std::string>& hashes, bool require_hash) {
  if (length && static_cast<std::uint64_t>(*length) != data.size()) {
    return Error(ErrorCode::kLengthMismatch, "expected " + std::to_string(*length) +
                                                 " bytes, got " + std::to_string(data.size()));
  }
  int known = 0;
  for (const auto& [name, expected] : hashes) {
    auto algorithm = crypto::HashAlgorithmFromName(name);
    if (!algorithm) continue;
    ++known;
    if (crypto::HashHex(*algorithm, data) != expected) {
      return Error(ErrorCode::kHashMismatch, name + " hash does not match");
    }
  }
  if (known == 0 && (require_hash || !hashes.empty())) {
    return Error(ErrorCode::kMissingHash, "no sha256 or sha512 hash to verify with");
  }
  return Ok();
}

}  // namespace bsi::metadata
