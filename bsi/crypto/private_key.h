// PrivateKey: a signing key, for the repository tools and tests that produce
// TUF metadata. Clients only verify (public_key.h).
//
// Two kinds, with their TUF names and signature encodings (see
// public_key.h for the table):
//   KeyType::kEd25519    keytype "ed25519", scheme "ed25519"
//   KeyType::kEcdsaP256  keytype "ecdsa",   scheme "ecdsa-sha2-nistp256"
// RSA keys are verified but never made or used for signing here.
//
// Keys are stored as unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"),
// which OpenSSL, pyca/cryptography and securesystemslib all read; protecting
// the file is the caller's business.
//
//   Result<PrivateKey> key = PrivateKey::Generate(KeyType::kEd25519);
//   Result<std::string> sig = key->Sign(canonical_bytes);
//   // {"keyid": ..., "sig": *sig}
//
// Thread-safety: PrivateKey is immutable; const methods may be called from
// several threads at once.
#ifndef BSI_CRYPTO_PRIVATE_KEY_H_
#define BSI_CRYPTO_PRIVATE_KEY_H_

#include <memory>
#include <string>
#include <string_view>

#include "bsi/core/result.h"
#include "bsi/crypto/public_key.h"

namespace bsi::crypto {

enum class KeyType { kEd25519, kEcdsaP256 };

class PrivateKey {
 public:
  // A fresh key from OpenSSL's CSPRNG. Errors: kInternal.
  static Result<PrivateKey> Generate(KeyType type);

  // The key in an unencrypted PKCS#8 PEM block ("PRIVATE KEY"), read as
  // strictly as public keys (pem.h). Errors: kBadKey if the text does not
  // parse, is encrypted ("ENCRYPTED PRIVATE KEY"), or holds a key other than
  // Ed25519 or named-curve P-256.
  static Result<PrivateKey> FromPem(std::string_view pem);

  PrivateKey(PrivateKey&& other) noexcept;
  PrivateKey& operator=(PrivateKey&& other) noexcept;
  ~PrivateKey();

  // REQUIRES (all accessors and methods below): not moved from.
  KeyType type() const { return type_; }

  // "ed25519" or "ecdsa"; "ed25519" or "ecdsa-sha2-nistp256".
  std::string_view keytype() const;
  std::string_view scheme() const;

  // keyval.public for TUF: for Ed25519 the raw key as 64 lowercase hex
  // digits; for ECDSA the SubjectPublicKeyInfo PEM exactly as OpenSSL's
  // PEM_write_bio_PUBKEY writes it (64-column lines, final newline).
  std::string PublicValue() const;

  // The matching public key (FromTuf of keytype(), scheme(), PublicValue()).
  Result<PublicKey> Public() const;

  // The key as unencrypted PKCS#8 PEM, which FromPem reads back.
  std::string ToPem() const;

  // The signature of message, hex encoded as TUF expects: Ed25519 the
  // 64-byte signature; ECDSA the DER signature over SHA-256(message).
  // Errors: kInternal.
  Result<std::string> Sign(std::string_view message) const;

 private:
  struct Impl;
  PrivateKey(KeyType type, std::unique_ptr<Impl> impl);

  KeyType type_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bsi::crypto

#endif  // BSI_CRYPTO_PRIVATE_KEY_H_
