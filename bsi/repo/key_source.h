// Where the repository writer's signatures come from. Signing goes through
// the Signer seam, so that keys in files today and hardware keys (PKCS#11
// tokens, a KMS) later serve the same callers; the writer asks a KeySource
// for the signers of a role and uses those whose key ID the role lists.
//
// KeyDirectory is the file-based source: a directory holding one
// unencrypted PKCS#8 PEM private key per file, named after the role it
// signs for: "<role>.pem" and, for a role with several keys,
// "<role>.<label>.pem" (e.g. "root.2.pem"). Key files are created with mode
// 0600 and never overwritten; their bytes are never printed or logged.
//
// Thread-safety: a KeySource and its signers are used by one thread.
#ifndef BSI_REPO_KEY_SOURCE_H_
#define BSI_REPO_KEY_SOURCE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/file_system.h"
#include "bsi/core/result.h"
#include "bsi/crypto/private_key.h"
#include "bsi/metadata/metadata.h"

namespace bsi::repo {

class Signer {
 public:
  virtual ~Signer() = default;
  // The key as metadata lists it, and its key ID.
  virtual const metadata::Key& public_key() const = 0;
  virtual const std::string& key_id() const = 0;
  // The hex signature of message (canonical JSON of a `signed` part).
  virtual Result<std::string> Sign(std::string_view message) const = 0;
};

// A signer over a private key held in memory.
class PrivateKeySigner final : public Signer {
 public:
  explicit PrivateKeySigner(crypto::PrivateKey key);
  const metadata::Key& public_key() const override { return public_key_; }
  const std::string& key_id() const override { return key_id_; }
  Result<std::string> Sign(std::string_view message) const override;

 private:
  crypto::PrivateKey key_;
  metadata::Key public_key_;
  std::string key_id_;
};

class KeySource {
 public:
  virtual ~KeySource() = default;
  // Every signer this source has for a role name ("root", "targets",
  // "snapshot", "timestamp"); possibly none.
  virtual Result<std::vector<std::unique_ptr<Signer>>> SignersFor(std::string_view role) = 0;
};

class KeyDirectory final : public KeySource {
 public:
  // REQUIRES: fs outlives the directory object.
  KeyDirectory(FileSystem& fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}

  // Errors: kBadKey naming the file that does not hold a usable key; those
  // of the file system (a missing directory is no error: no signers).
  Result<std::vector<std::unique_ptr<Signer>>> SignersFor(std::string_view role) override;

  // Creates "<role>.pem" with a new key unless the role has a key file
  // already; returns the key ID of the new key, or "" if none was made.
  Result<std::string> EnsureKey(std::string_view role, crypto::KeyType type);

  // Adds a new key file "<role>.<n>.pem" (n the first free number >= 2) and
  // returns its signer.
  Result<std::unique_ptr<Signer>> AddKey(std::string_view role, crypto::KeyType type);

  const std::string& dir() const { return dir_; }

 private:
  Result<std::vector<std::string>> KeyFiles(std::string_view role);

  FileSystem& fs_;
  std::string dir_;
};

// Writes a private key as PKCS#8 PEM to path with mode 0600, atomically.
// Errors: kInvalidArgument if path exists (a key is never overwritten);
// those of the file system.
Status WritePrivateKeyFile(FileSystem& fs, const std::string& path, const crypto::PrivateKey& key);

// Reads a private key file (at most 64 KiB). Errors: kBadKey (with the path);
// those of the file system.
Result<crypto::PrivateKey> ReadPrivateKeyFile(FileSystem& fs, const std::string& path);

// "ed25519" or "ecdsa" (P-256). Errors: kInvalidArgument.
Result<crypto::KeyType> ParseKeyType(std::string_view name);

}  // namespace bsi::repo

#endif  // BSI_REPO_KEY_SOURCE_H_
