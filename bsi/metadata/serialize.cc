#include "bsi/metadata/serialize.h"

#include "bsi/core/time_format.h"

namespace bsi::metadata {
namespace {

json::Object CommonToJson(const Common& common, RoleType type) {
  json::Object out;
  out["_type"] = std::string(RoleTypeName(type));
  out["spec_version"] = common.spec_version;
  out["version"] = common.version;
  out["expires"] = FormatUtcTimestamp(common.expires);
  return out;
}

json::Value HashesToJson(const std::map<std::string, std::string>& hashes) {
  json::Object out;
  for (const auto& [algorithm, digest] : hashes) out[algorithm] = digest;
  return out;
}

json::Value StringsToJson(const std::vector<std::string>& strings) {
  json::Array out;
  for (const auto& s : strings) out.emplace_back(s);
  return out;
}

json::Value KeysToJson(const std::map<std::string, Key>& keys) {
  json::Object out;
  for (const auto& [keyid, key] : keys) out[keyid] = KeyToJson(key);
  return out;
}

json::Object RoleKeysToJson(const RoleKeys& role) {
  json::Object out;
  out["keyids"] = StringsToJson(role.keyids);
  out["threshold"] = role.threshold;
  return out;
}

}  // namespace

json::Value KeyToJson(const Key& key) {
  json::Object out;
  out["keytype"] = key.keytype;
  out["scheme"] = key.scheme;
  if (key.keyval.is_object()) {
    out["keyval"] = key.keyval;
  } else {
    out["keyval"] = json::Object{{"public", json::Value(key.public_value)}};
  }
  return out;
}

json::Value MetaFileToJson(const MetaFile& meta) {
  json::Object out;
  out["version"] = meta.version;
  if (meta.length) out["length"] = *meta.length;
  if (!meta.hashes.empty()) out["hashes"] = HashesToJson(meta.hashes);
  return out;
}

json::Value TargetFileToJson(const TargetFile& file) {
  json::Object out;
  out["length"] = file.length;
  out["hashes"] = HashesToJson(file.hashes);
  if (file.custom) out["custom"] = *file.custom;
  return out;
}

json::Value ToJson(const Root& root) {
  json::Object out = CommonToJson(root, RoleType::kRoot);
  out["consistent_snapshot"] = root.consistent_snapshot;
  out["keys"] = KeysToJson(root.keys);
  json::Object roles;
  for (const auto& [name, role] : root.roles) roles[name] = RoleKeysToJson(role);
  out["roles"] = std::move(roles);
  return out;
}

json::Value ToJson(const Timestamp& timestamp) {
  json::Object out = CommonToJson(timestamp, RoleType::kTimestamp);
  out["meta"] = json::Object{{"snapshot.json", MetaFileToJson(timestamp.snapshot_meta)}};
  return out;
}

json::Value ToJson(const Snapshot& snapshot) {
  json::Object out = CommonToJson(snapshot, RoleType::kSnapshot);
  json::Object meta;
  for (const auto& [name, file] : snapshot.meta) meta[name] = MetaFileToJson(file);
  out["meta"] = std::move(meta);
  return out;
}

json::Value ToJson(const Targets& targets) {
  json::Object out = CommonToJson(targets, RoleType::kTargets);
  json::Object files;
  for (const auto& [path, file] : targets.targets) files[path] = TargetFileToJson(file);
  out["targets"] = std::move(files);
  if (targets.delegations) {
    json::Object delegations;
    delegations["keys"] = KeysToJson(targets.delegations->keys);
    json::Array roles;
    for (const DelegatedRole& role : targets.delegations->roles) {
      json::Object item = RoleKeysToJson(role.keys);
      item["name"] = role.name;
      item["terminating"] = role.terminating;
      if (role.paths) item["paths"] = StringsToJson(*role.paths);
      if (role.path_hash_prefixes) {
        item["path_hash_prefixes"] = StringsToJson(*role.path_hash_prefixes);
      }
      roles.emplace_back(std::move(item));
    }
    delegations["roles"] = std::move(roles);
    out["delegations"] = std::move(delegations);
  }
  return out;
}

Key PublicKeyOf(const crypto::PrivateKey& key) {
  Key out;
  out.keytype = std::string(key.keytype());
  out.scheme = std::string(key.scheme());
  out.public_value = key.PublicValue();
  out.keyval = json::Object{{"public", json::Value(out.public_value)}};
  return out;
}

Result<std::string> SignEnvelope(const json::Value& signed_part,
                                 const std::vector<const crypto::PrivateKey*>& keys) {
  BSI_ASSIGN_OR_RETURN(std::string canonical, json::Canonicalize(signed_part));
  std::vector<Signature> signatures;
  for (const crypto::PrivateKey* key : keys) {
    BSI_ASSIGN_OR_RETURN(std::string sig, key->Sign(canonical));
    signatures.push_back(Signature{ComputeKeyId(PublicKeyOf(*key)), std::move(sig)});
  }
  return EnvelopeBytesOfCanonical(signed_part, signatures);
}

Result<std::string> EnvelopeBytes(const json::Value& signed_part,
                                  const std::vector<Signature>& signatures) {
  // Refusing doubles keeps us inside what TUF can sign (Canonicalize fails
  // on them); the canonical text itself is not needed here.
  BSI_TRY(json::Canonicalize(signed_part));
  return EnvelopeBytesOfCanonical(signed_part, signatures);
}

std::string EnvelopeBytesOfCanonical(const json::Value& signed_part,
                                     const std::vector<Signature>& signatures) {
  json::Array sigs;
  sigs.reserve(signatures.size());
  for (const Signature& s : signatures) {
    sigs.emplace_back(json::Object{{"keyid", json::Value(s.keyid)}, {"sig", json::Value(s.sig)}});
  }
  // Compact standard JSON, not the canonical form: canonical JSON leaves
  // control characters raw (an ECDSA PEM key holds newlines), which no
  // strict JSON parser accepts. Signatures cover canonical(signed) either
  // way. The envelope's keys in sorted order, as ToCompactString writes
  // them, without copying the signed part into a new document.
  return "{\"signatures\":" + json::ToCompactString(json::Value(std::move(sigs))) +
         ",\"signed\":" + json::ToCompactString(signed_part) + "}";
}

}  // namespace bsi::metadata
