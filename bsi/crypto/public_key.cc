#include "bsi/crypto/public_key.h"

#include <utility>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "bsi/crypto/hash.h"
#include "bsi/crypto/openssl_util.h"
#include "bsi/crypto/pem.h"

namespace bsi::crypto {
namespace {

using internal::EvpPkeyPtr;

constexpr std::size_t kEd25519KeySize = 32;
constexpr std::size_t kEd25519SignatureSize = 64;

Error BadKey(std::string message) { return Error(ErrorCode::kBadKey, std::move(message)); }

// text in double quotes for an error message, cut short: it comes from outside.
std::string Quoted(std::string_view text) {
  constexpr std::size_t kMax = 40;
  if (text.size() <= kMax) return "\"" + std::string(text) + "\"";
  return "\"" + std::string(text.substr(0, kMax)) + "\"...";
}

Result<SignatureScheme> SchemeFor(std::string_view keytype, std::string_view scheme) {
  if (keytype == "ed25519" && scheme == "ed25519") return SignatureScheme::kEd25519;
  if ((keytype == "ecdsa" || keytype == "ecdsa-sha2-nistp256") && scheme == "ecdsa-sha2-nistp256") {
    return SignatureScheme::kEcdsaP256Sha256;
  }
  if (keytype == "rsa" && scheme == "rsassa-pss-sha256") return SignatureScheme::kRsaPssSha256;
  return BadKey("unsupported keytype/scheme " + Quoted(keytype) + "/" + Quoted(scheme));
}

Result<EvpPkeyPtr> ParseEd25519(std::string_view public_hex) {
  Result<std::vector<std::uint8_t>> raw = HexDecode(public_hex);
  if (!raw.ok()) return BadKey("ed25519 public key: " + raw.error().message());
  if (raw->size() != kEd25519KeySize) {
    return BadKey("ed25519 public key has " + std::to_string(raw->size()) + " bytes, expected 32");
  }
  EvpPkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw->data(), raw->size()));
  if (key == nullptr) return internal::OpenSslError(ErrorCode::kBadKey, "ed25519 public key");
  return key;
}

// Decodes DER that must be consumed exactly: SubjectPublicKeyInfo, or (when
// pkcs1_rsa) a PKCS#1 RSAPublicKey.
Result<EvpPkeyPtr> ParseDer(const std::string& der, bool pkcs1_rsa) {
  const unsigned char* p = internal::Bytes(der);
  const unsigned char* end = p + der.size();
  EvpPkeyPtr key(pkcs1_rsa ? d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p,
                                           static_cast<internal::DerLength>(der.size()))
                           : d2i_PUBKEY(nullptr, &p, static_cast<internal::DerLength>(der.size())));
  if (key == nullptr) return internal::OpenSslError(ErrorCode::kBadKey, "undecodable public key");
  if (p != end) return BadKey("public key DER has trailing data");
  return key;
}

Result<EvpPkeyPtr> ParsePemKey(std::string_view pem, SignatureScheme scheme) {
  Result<PemBlock> block = ParsePem(pem);
  if (!block.ok()) return BadKey("public key: " + block.error().message());
  bool pkcs1_rsa = scheme == SignatureScheme::kRsaPssSha256 && block->label == "RSA PUBLIC KEY";
  if (block->label != "PUBLIC KEY" && !pkcs1_rsa) {
    return BadKey("unexpected PEM label \"" + block->label + "\" for a public key");
  }
  return ParseDer(block->der, pkcs1_rsa);
}

Status CheckPublic(EVP_PKEY* key, std::string_view what) {
  internal::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (ctx == nullptr) return internal::OpenSslError(ErrorCode::kInternal, "EVP_PKEY_CTX_new");
  if (EVP_PKEY_public_check(ctx.get()) != 1) {
    return internal::OpenSslError(ErrorCode::kBadKey, std::string(what) + " fails its checks");
  }
  return Ok();
}

Status CheckEcdsaP256(EVP_PKEY* key) {
  if (!EVP_PKEY_is_a(key, "EC")) return BadKey("ecdsa keyval.public is not an EC key");
  char value[64] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_EC_ENCODING, value, sizeof(value),
                                     &length) != 1 ||
      std::string_view(value, length) != OSSL_PKEY_EC_ENCODING_GROUP) {
    return BadKey("ecdsa public key must name its curve (explicit parameters are refused)");
  }
  if (EVP_PKEY_get_group_name(key, value, sizeof(value), &length) != 1 ||
      std::string_view(value, length) != SN_X9_62_prime256v1) {
    return BadKey("ecdsa public key is not on NIST P-256");
  }
  return CheckPublic(key, "ecdsa public key");
}

Status CheckRsa(EVP_PKEY* key) {
  if (!EVP_PKEY_is_a(key, "RSA")) return BadKey("rsa keyval.public is not an RSA key");
  int bits = EVP_PKEY_get_bits(key);
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return BadKey("RSA modulus has " + std::to_string(bits) + " bits, outside [" +
                  std::to_string(kMinRsaBits) + ", " + std::to_string(kMaxRsaBits) + "]");
  }
  return CheckPublic(key, "RSA public key");
}

}  // namespace

std::string_view SignatureSchemeName(SignatureScheme scheme) {
  switch (scheme) {
    case SignatureScheme::kEd25519:
      return "ed25519";
    case SignatureScheme::kEcdsaP256Sha256:
      return "ecdsa-sha2-nistp256";
    case SignatureScheme::kRsaPssSha256:
      return "rsassa-pss-sha256";
  }
  return "unknown";
}

struct PublicKey::Impl {
  std::string keytype;
  std::string scheme;
  std::string public_value;
  SignatureScheme signature_scheme;
  int bits;
  EvpPkeyPtr pkey;
};

Result<PublicKey> PublicKey::FromTuf(std::string_view keytype, std::string_view scheme,
                                     std::string_view public_value) {
  internal::ErrorQueueCleaner cleaner;
  BSI_ASSIGN_OR_RETURN(SignatureScheme signature_scheme, SchemeFor(keytype, scheme));
  EvpPkeyPtr pkey;
  if (signature_scheme == SignatureScheme::kEd25519) {
    BSI_ASSIGN_OR_RETURN(pkey, ParseEd25519(public_value));
  } else {
    BSI_ASSIGN_OR_RETURN(pkey, ParsePemKey(public_value, signature_scheme));
    BSI_TRY(signature_scheme == SignatureScheme::kEcdsaP256Sha256 ? CheckEcdsaP256(pkey.get())
                                                                  : CheckRsa(pkey.get()));
  }
  int bits = EVP_PKEY_get_bits(pkey.get());
  auto impl = std::make_shared<Impl>(Impl{std::string(keytype), std::string(scheme),
                                          std::string(public_value), signature_scheme, bits,
                                          std::move(pkey)});
  return PublicKey(std::move(impl));
}

PublicKey::PublicKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
PublicKey::PublicKey(const PublicKey& other) = default;
PublicKey& PublicKey::operator=(const PublicKey& other) = default;
PublicKey::PublicKey(PublicKey&& other) noexcept = default;
PublicKey& PublicKey::operator=(PublicKey&& other) noexcept = default;
PublicKey::~PublicKey() = default;

const std::string& PublicKey::keytype() const { return impl_->keytype; }
const std::string& PublicKey::scheme() const { return impl_->scheme; }
const std::string& PublicKey::public_value() const { return impl_->public_value; }
SignatureScheme PublicKey::signature_scheme() const { return impl_->signature_scheme; }
int PublicKey::bits() const { return impl_->bits; }

bool PublicKey::Verify(std::string_view message, std::string_view signature_hex) const {
  if (impl_ == nullptr) return false;
  if (signature_hex.empty() || signature_hex.size() > kMaxSignatureHexSize) return false;
  Result<std::vector<std::uint8_t>> signature = HexDecode(signature_hex);
  if (!signature.ok()) return false;

  internal::ErrorQueueCleaner cleaner;
  EVP_PKEY* pkey = impl_->pkey.get();
  const char* digest = nullptr;  // Ed25519 hashes internally.
  switch (impl_->signature_scheme) {
    case SignatureScheme::kEd25519:
      if (signature->size() != kEd25519SignatureSize) return false;
      break;
    case SignatureScheme::kEcdsaP256Sha256:
      digest = "SHA256";
      break;
    case SignatureScheme::kRsaPssSha256:
      if (signature->size() != static_cast<std::size_t>(EVP_PKEY_get_size(pkey))) return false;
      digest = "SHA256";
      break;
  }

  internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return false;
  EVP_PKEY_CTX* pctx = nullptr;  // Owned by ctx.
  if (EVP_DigestVerifyInit_ex(ctx.get(), &pctx, digest, nullptr, nullptr, pkey, nullptr) != 1) {
    return false;
  }
  if (impl_->signature_scheme == SignatureScheme::kRsaPssSha256) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", nullptr) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1) {
      return false;
    }
  }
  static const unsigned char kNothing = 0;  // OpenSSL wants a pointer even for no bytes.
  const unsigned char* data = message.empty() ? &kNothing : internal::Bytes(message);
  return EVP_DigestVerify(ctx.get(), signature->data(), signature->size(), data, message.size()) ==
         1;
}

}  // namespace bsi::crypto
