#include "bsi/crypto/private_key.h"

#include <utility>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "bsi/crypto/hash.h"
#include "bsi/crypto/openssl_util.h"
#include "bsi/crypto/pem.h"

namespace bsi::crypto {
namespace {

using internal::BioPtr;
using internal::EvpPkeyPtr;

Error BadKey(std::string message) { return Error(ErrorCode::kBadKey, std::move(message)); }

// Wipes a string holding key material before its memory is released.
class Wiped {
 public:
  explicit Wiped(std::string& s) : s_(s) {}
  Wiped(const Wiped&) = delete;
  Wiped& operator=(const Wiped&) = delete;
  ~Wiped() { OPENSSL_cleanse(s_.data(), s_.size()); }

 private:
  std::string& s_;
};

// The KeyType of key, or kBadKey for anything but Ed25519 and named P-256.
Result<KeyType> TypeOf(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "ED25519")) return KeyType::kEd25519;
  if (!EVP_PKEY_is_a(key, "EC")) return BadKey("private key is neither Ed25519 nor ECDSA");
  char value[64] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_EC_ENCODING, value, sizeof(value),
                                     &length) != 1 ||
      std::string_view(value, length) != OSSL_PKEY_EC_ENCODING_GROUP ||
      EVP_PKEY_get_group_name(key, value, sizeof(value), &length) != 1 ||
      std::string_view(value, length) != SN_X9_62_prime256v1) {
    return BadKey("ECDSA private key is not on the named curve P-256");
  }
  return KeyType::kEcdsaP256;
}

BioPtr NewMemBio() {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr) internal::DieOnOpenSslFailure("BIO_new");
  return bio;
}

}  // namespace

struct PrivateKey::Impl {
  EvpPkeyPtr pkey;
};

PrivateKey::PrivateKey(KeyType type, std::unique_ptr<Impl> impl)
    : type_(type), impl_(std::move(impl)) {}
PrivateKey::PrivateKey(PrivateKey&& other) noexcept = default;
PrivateKey& PrivateKey::operator=(PrivateKey&& other) noexcept = default;
PrivateKey::~PrivateKey() = default;

Result<PrivateKey> PrivateKey::Generate(KeyType type) {
  internal::ErrorQueueCleaner cleaner;
  EvpPkeyPtr pkey(type == KeyType::kEd25519 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                            : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (pkey == nullptr) return internal::OpenSslError(ErrorCode::kInternal, "key generation");
  return PrivateKey(type, std::make_unique<Impl>(Impl{std::move(pkey)}));
}

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  internal::ErrorQueueCleaner cleaner;
  Result<PemBlock> block = ParsePem(pem);
  if (!block.ok()) return BadKey("private key: " + block.error().message());
  Wiped wiped(block->der);
  if (block->label == "ENCRYPTED PRIVATE KEY") {
    return BadKey("encrypted private keys are not supported");
  }
  if (block->label != "PRIVATE KEY") {
    return BadKey("unexpected PEM label \"" + block->label + "\" for a PKCS#8 private key");
  }
  const unsigned char* p = internal::Bytes(block->der);
  const unsigned char* end = p + block->der.size();
  internal::Pkcs8Ptr info(
      d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<internal::DerLength>(block->der.size())));
  if (info == nullptr) return internal::OpenSslError(ErrorCode::kBadKey, "undecodable PKCS#8");
  if (p != end) return BadKey("PKCS#8 DER has trailing data");
  EvpPkeyPtr pkey(EVP_PKCS82PKEY(info.get()));
  if (pkey == nullptr) return internal::OpenSslError(ErrorCode::kBadKey, "unusable PKCS#8 key");
  BSI_ASSIGN_OR_RETURN(KeyType type, TypeOf(pkey.get()));
  return PrivateKey(type, std::make_unique<Impl>(Impl{std::move(pkey)}));
}

std::string_view PrivateKey::keytype() const {
  return type_ == KeyType::kEd25519 ? "ed25519" : "ecdsa";
}

std::string_view PrivateKey::scheme() const {
  return type_ == KeyType::kEd25519 ? "ed25519" : "ecdsa-sha2-nistp256";
}

std::string PrivateKey::PublicValue() const {
  internal::ErrorQueueCleaner cleaner;
  if (type_ == KeyType::kEd25519) {
    std::vector<std::uint8_t> raw(32);
    std::size_t length = raw.size();
    if (EVP_PKEY_get_raw_public_key(impl_->pkey.get(), raw.data(), &length) != 1) {
      internal::DieOnOpenSslFailure("EVP_PKEY_get_raw_public_key");
    }
    raw.resize(length);
    return HexEncode(raw);
  }
  BioPtr bio = NewMemBio();
  if (PEM_write_bio_PUBKEY(bio.get(), impl_->pkey.get()) != 1) {
    internal::DieOnOpenSslFailure("PEM_write_bio_PUBKEY");
  }
  return internal::MemBioContents(bio.get());
}

Result<PublicKey> PrivateKey::Public() const {
  return PublicKey::FromTuf(keytype(), scheme(), PublicValue());
}

std::string PrivateKey::ToPem() const {
  internal::ErrorQueueCleaner cleaner;
  BioPtr bio = NewMemBio();
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0, nullptr,
                                    nullptr) != 1) {
    internal::DieOnOpenSslFailure("PEM_write_bio_PKCS8PrivateKey");
  }
  std::string pem = internal::MemBioContents(bio.get());
  // The BIO's buffer held the key too; wipe it before it is freed.
  char* data = nullptr;
  const auto size = BIO_get_mem_data(bio.get(), &data);
  if (data != nullptr && size > 0) OPENSSL_cleanse(data, static_cast<std::size_t>(size));
  return pem;
}

Result<std::string> PrivateKey::Sign(std::string_view message) const {
  internal::ErrorQueueCleaner cleaner;
  internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return internal::OpenSslError(ErrorCode::kInternal, "EVP_MD_CTX_new");
  const char* digest = type_ == KeyType::kEd25519 ? nullptr : "SHA256";
  if (EVP_DigestSignInit_ex(ctx.get(), nullptr, digest, nullptr, nullptr, impl_->pkey.get(),
                            nullptr) != 1) {
    return internal::OpenSslError(ErrorCode::kInternal, "EVP_DigestSignInit_ex");
  }
  static const unsigned char kNothing = 0;  // OpenSSL wants a pointer even for no bytes.
  const unsigned char* data = message.empty() ? &kNothing : internal::Bytes(message);
  std::size_t length = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &length, data, message.size()) != 1) {
    return internal::OpenSslError(ErrorCode::kInternal, "EVP_DigestSign (size)");
  }
  std::vector<std::uint8_t> signature(length);
  if (EVP_DigestSign(ctx.get(), signature.data(), &length, data, message.size()) != 1) {
    return internal::OpenSslError(ErrorCode::kInternal, "EVP_DigestSign");
  }
  signature.resize(length);
  return HexEncode(signature);
}

}  // namespace bsi::crypto
