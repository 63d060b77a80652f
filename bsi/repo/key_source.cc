#include "bsi/repo/key_source.h"

#include <algorithm>

#include "bsi/metadata/serialize.h"

namespace bsi::repo {
namespace {

constexpr std::uint64_t kMaxKeyFileBytes = std::uint64_t{64} * 1024;

bool IsKeyFileOf(std::string_view name, std::string_view role) {
  if (!name.ends_with(".pem") || !name.starts_with(role)) return false;
  const std::string_view rest = name.substr(role.size(), name.size() - role.size() - 4);
  // "<role>.pem" or "<role>.<label>.pem" with a non-empty label without dots.
  return rest.empty() ||
         (rest.size() > 1 && rest[0] == '.' && rest.find('.', 1) == std::string_view::npos);
}

}  // namespace

PrivateKeySigner::PrivateKeySigner(crypto::PrivateKey key)
    : key_(std::move(key)),
      public_key_(metadata::PublicKeyOf(key_)),
      key_id_(metadata::ComputeKeyId(public_key_)) {}

Result<std::string> PrivateKeySigner::Sign(std::string_view message) const {
  return key_.Sign(message);
}

Result<std::vector<std::string>> KeyDirectory::KeyFiles(std::string_view role) {
  if (!fs_.Exists(dir_)) return std::vector<std::string>();
  BSI_ASSIGN_OR_RETURN(std::vector<std::string> names, fs_.ListDir(dir_));
  std::vector<std::string> files;
  for (const std::string& name : names) {
    if (IsKeyFileOf(name, role)) files.push_back(JoinPath(dir_, name));
  }
  return files;
}

Result<std::vector<std::unique_ptr<Signer>>> KeyDirectory::SignersFor(std::string_view role) {
  BSI_ASSIGN_OR_RETURN(const std::vector<std::string> files, KeyFiles(role));
  std::vector<std::unique_ptr<Signer>> signers;
  for (const std::string& file : files) {
    BSI_ASSIGN_OR_RETURN(crypto::PrivateKey key, ReadPrivateKeyFile(fs_, file));
    signers.push_back(std::make_unique<PrivateKeySigner>(std::move(key)));
  }
  return signers;
}

Result<std::string> KeyDirectory::EnsureKey(std::string_view role, crypto::KeyType type) {
  BSI_ASSIGN_OR_RETURN(const std::vector<std::string> files, KeyFiles(role));
  if (!files.empty()) return std::string();
  BSI_TRY(CreateDirs(fs_, dir_));
  BSI_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(type));
  BSI_TRY(WritePrivateKeyFile(fs_, JoinPath(dir_, std::string(role) + ".pem"), key));
  return PrivateKeySigner(std::move(key)).key_id();
}

Result<std::unique_ptr<Signer>> KeyDirectory::AddKey(std::string_view role, crypto::KeyType type) {
  BSI_TRY(CreateDirs(fs_, dir_));
  BSI_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(type));
  for (int n = 2;; ++n) {
    const std::string path = JoinPath(dir_, std::string(role) + "." + std::to_string(n) + ".pem");
    if (fs_.Exists(path)) continue;
    BSI_TRY(WritePrivateKeyFile(fs_, path, key));
    return std::unique_ptr<Signer>(std::make_unique<PrivateKeySigner>(std::move(key)));
  }
}

Status WritePrivateKeyFile(FileSystem& fs, const std::string& path, const crypto::PrivateKey& key) {
  if (fs.Exists(path)) {
    return Error(ErrorCode::kInvalidArgument, path + " exists; a key file is never overwritten");
  }
  return WriteFileAtomically(fs, path, key.ToPem(), 0600);
}

Result<crypto::PrivateKey> ReadPrivateKeyFile(FileSystem& fs, const std::string& path) {
  BSI_ASSIGN_OR_RETURN(const std::string pem, fs.ReadFile(path, kMaxKeyFileBytes));
  Result<crypto::PrivateKey> key = crypto::PrivateKey::FromPem(pem);
  if (!key.ok()) return key.error().WithContext(path);
  return key;
}

Result<crypto::KeyType> ParseKeyType(std::string_view name) {
  if (name == "ed25519") return crypto::KeyType::kEd25519;
  if (name == "ecdsa" || name == "ecdsa-p256") return crypto::KeyType::kEcdsaP256;
  return Error(ErrorCode::kInvalidArgument,
               "key type \"" + std::string(name) + "\" is not ed25519 or ecdsa");
}

}  // namespace bsi::repo
