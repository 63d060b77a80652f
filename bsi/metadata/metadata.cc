#include "bsi/metadata/metadata.h"

#include "bsi/crypto/hash.h"
#include "bsi/metadata/serialize.h"

namespace bsi::metadata {

std::string_view RoleTypeName(RoleType type) {
  switch (type) {
    case RoleType::kRoot:
      return "root";
    case RoleType::kTimestamp:
      return "timestamp";
    case RoleType::kSnapshot:
      return "snapshot";
    case RoleType::kTargets:
      return "targets";
  }
  return "unknown";
}

bool IsTopLevelRoleName(std::string_view name) {
  return name == "root" || name == "timestamp" || name == "snapshot" || name == "targets";
}

std::string ComputeKeyId(const Key& key) {
  // A key never holds a double, so canonicalization cannot fail here.
  auto canonical = json::Canonicalize(KeyToJson(key));
  return crypto::Sha256Hex(canonical.ok() ? *canonical : std::string());
}

}  // namespace bsi::metadata
