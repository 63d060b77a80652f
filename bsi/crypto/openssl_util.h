// Private to bsi/crypto: owning pointers for OpenSSL objects and error
// reporting. This is the only header in the project that includes OpenSSL;
// code outside bsi/crypto must never include it (the public headers carry no
// OpenSSL types, and OpenSSL is a private dependency of bsi_crypto).
//
// Thread-safety: OpenSSL keeps one error queue per thread; the functions
// here read and clear the calling thread's queue.
#ifndef BSI_CRYPTO_OPENSSL_UTIL_H_
#define BSI_CRYPTO_OPENSSL_UTIL_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "bsi/core/error.h"
#include "bsi/crypto/hash.h"

namespace bsi::crypto::internal {

struct EvpPkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct EvpPkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
struct Pkcs8Free {
  void operator()(PKCS8_PRIV_KEY_INFO* p) const { PKCS8_PRIV_KEY_INFO_free(p); }
};

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using Pkcs8Ptr = std::unique_ptr<PKCS8_PRIV_KEY_INFO, Pkcs8Free>;

// Clears the calling thread's OpenSSL error queue when it goes out of scope,
// so that a failure inside bsi/crypto leaves nothing behind for the next
// OpenSSL user on this thread (libcurl's TLS shares the queue).
class ErrorQueueCleaner {
 public:
  ErrorQueueCleaner() = default;
  ErrorQueueCleaner(const ErrorQueueCleaner&) = delete;
  ErrorQueueCleaner& operator=(const ErrorQueueCleaner&) = delete;
  ~ErrorQueueCleaner();
};

// Drains the calling thread's OpenSSL error queue into "reason; reason".
std::string DrainErrors();

// An Error with `code` and message "what" plus the drained OpenSSL errors.
Error OpenSslError(ErrorCode code, std::string_view what);

// For OpenSSL failures that can only mean an allocation failed: prints what
// and the OpenSSL errors to stderr and aborts.
[[noreturn]] void DieOnOpenSslFailure(std::string_view what);

// The OpenSSL digest for algorithm.
const EVP_MD* MessageDigest(HashAlgorithm algorithm);

// The length type of OpenSSL's d2i_* functions.
using DerLength = long;  // NOLINT(google-runtime-int): must match OpenSSL's signature.

// data viewed as bytes.
inline const unsigned char* Bytes(std::string_view data) {
  return reinterpret_cast<const unsigned char*>(data.data());
}

// Everything written to a memory BIO so far.
std::string MemBioContents(BIO* bio);

}  // namespace bsi::crypto::internal

#endif  // BSI_CRYPTO_OPENSSL_UTIL_H_
