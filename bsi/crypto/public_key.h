// PublicKey: a TUF public key, and verification of signatures made with it.
//
// TUF metadata describes a key as {"keytype", "scheme", "keyval": {"public"}}
// and a signature as hex. The combinations accepted (as python-tuf and
// securesystemslib write them):
//
//   keytype                scheme                keyval.public
//   "ed25519"              "ed25519"             64 hex digits: the raw 32-byte key
//   "ecdsa" (or legacy     "ecdsa-sha2-nistp256" PEM "PUBLIC KEY" (SubjectPublicKeyInfo)
//    "ecdsa-sha2-nistp256")                      of a NIST P-256 key, named curve
//   "rsa"                  "rsassa-pss-sha256"   PEM "PUBLIC KEY" (SPKI) or
//                                                "RSA PUBLIC KEY" (PKCS#1); modulus
//                                                2048 to 16384 bits
//
// Signatures, hex encoded:
//  - ed25519: the 64-byte RFC 8032 signature of the message (PureEdDSA).
//  - ecdsa-sha2-nistp256: the DER ECDSA-Sig-Value over SHA-256(message).
//  - rsassa-pss-sha256: the raw RSASSA-PSS signature (as long as the modulus)
//    with SHA-256 and MGF1-SHA-256. The salt length is read from the
//    signature, so both digest-length salts (securesystemslib) and
//    maximum-length salts (pyca/cryptography's PSS.MAX_LENGTH) verify.
//
// PEM is read strictly (pem.h); the DER inside must be consumed exactly.
// Key IDs are not computed here: the metadata module hashes the canonical
// key dictionary with Sha256Hex (hash.h).
//
// Thread-safety: PublicKey is immutable; const methods may be called from
// several threads at once. Copies share the same underlying key.
#ifndef BSI_CRYPTO_PUBLIC_KEY_H_
#define BSI_CRYPTO_PUBLIC_KEY_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "bsi/core/result.h"

namespace bsi::crypto {

// The signature schemes PublicKey verifies.
enum class SignatureScheme { kEd25519, kEcdsaP256Sha256, kRsaPssSha256 };

// "ed25519", "ecdsa-sha2-nistp256", "rsassa-pss-sha256".
std::string_view SignatureSchemeName(SignatureScheme scheme);

// Bounds on RSA moduli PublicKey accepts.
inline constexpr int kMinRsaBits = 2048;
inline constexpr int kMaxRsaBits = 16384;

// Longer signature hex is rejected before decoding (an RSA-16384 signature
// is 4096 hex digits).
inline constexpr std::size_t kMaxSignatureHexSize = std::size_t{2} * (kMaxRsaBits / 8);

class PublicKey {
 public:
  // The key that keyval.public denotes under keytype and scheme.
  // Errors: kBadKey for an unknown keytype/scheme combination, an ECDSA key
  // not on P-256 (or with explicit curve parameters), an RSA key outside
  // [kMinRsaBits, kMaxRsaBits], or a value that does not parse strictly
  // (bad hex, wrong length, bad PEM or DER, trailing data).
  static Result<PublicKey> FromTuf(std::string_view keytype, std::string_view scheme,
                                   std::string_view public_value);

  PublicKey(const PublicKey& other);
  PublicKey& operator=(const PublicKey& other);
  PublicKey(PublicKey&& other) noexcept;
  PublicKey& operator=(PublicKey&& other) noexcept;
  ~PublicKey();

  // Whether signature_hex is a valid signature of message by this key under
  // scheme(). False, never a crash, for any malformed input: bad or odd-length
  // hex, an empty or oversized signature, non-DER or non-canonical ECDSA
  // signatures, a signature of the wrong length. False on a moved-from key.
  bool Verify(std::string_view message, std::string_view signature_hex) const;

  // The arguments to FromTuf, as given (keytype may be the legacy ECDSA name).
  // REQUIRES: not moved from.
  const std::string& keytype() const;
  const std::string& scheme() const;
  const std::string& public_value() const;

  // REQUIRES: not moved from.
  SignatureScheme signature_scheme() const;

  // For RSA, the modulus size; 256 for Ed25519 and P-256.
  // REQUIRES: not moved from.
  int bits() const;

 private:
  struct Impl;
  explicit PublicKey(std::shared_ptr<const Impl> impl);

  std::shared_ptr<const Impl> impl_;
};

}  // namespace bsi::crypto

#endif  // BSI_CRYPTO_PUBLIC_KEY_H_
