#include "bsi/crypto/openssl_util.h"

#include <cstdio>
#include <cstdlib>

#include <openssl/err.h>

namespace bsi::crypto::internal {

ErrorQueueCleaner::~ErrorQueueCleaner() { ERR_clear_error(); }

std::string DrainErrors() {
  std::string out;
  while (const auto code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!out.empty()) out += "; ";
    out += buffer;
  }
  return out;
}

Error OpenSslError(ErrorCode code, std::string_view what) {
  std::string message(what);
  std::string errors = DrainErrors();
  if (!errors.empty()) message += " (" + errors + ")";
  return Error(code, std::move(message));
}

void DieOnOpenSslFailure(std::string_view what) {
  std::string errors = DrainErrors();
  (void)std::fprintf(stderr, "bsi::crypto: OpenSSL failed: %.*s (%s)\n",
                     static_cast<int>(what.size()), what.data(), errors.c_str());
  std::abort();
}

const EVP_MD* MessageDigest(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha256:
      return EVP_sha256();
    case HashAlgorithm::kSha512:
      return EVP_sha512();
  }
  DieOnOpenSslFailure("unknown hash algorithm");
}

std::string MemBioContents(BIO* bio) {
  char* data = nullptr;
  const auto size = BIO_get_mem_data(bio, &data);
  if (size <= 0 || data == nullptr) return std::string();
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace bsi::crypto::internal
