#include "bsi/crypto/hash.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include <openssl/evp.h>

#include "bsi/crypto/openssl_util.h"

namespace bsi::crypto {
namespace {

std::span<const std::uint8_t> AsBytes(std::string_view data) {
  return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()),
                                       data.size());
}

}  // namespace

std::string_view HashAlgorithmName(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha256:
      return "sha256";
    case HashAlgorithm::kSha512:
      return "sha512";
  }
  return "unknown";
}

std::optional<HashAlgorithm> HashAlgorithmFromName(std::string_view name) {
  if (name == "sha256") return HashAlgorithm::kSha256;
  if (name == "sha512") return HashAlgorithm::kSha512;
  return std::nullopt;
}

std::size_t DigestSize(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha256:
      return 32;
    case HashAlgorithm::kSha512:
      return 64;
  }
  return 0;
}

std::vector<std::uint8_t> Hash(HashAlgorithm algorithm, std::span<const std::uint8_t> data) {
  internal::ErrorQueueCleaner cleaner;
  std::vector<std::uint8_t> digest(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, internal::MessageDigest(algorithm),
                 nullptr) != 1) {
    internal::DieOnOpenSslFailure("EVP_Digest");
  }
  digest.resize(size);
  return digest;
}

std::vector<std::uint8_t> Hash(HashAlgorithm algorithm, std::string_view data) {
  return Hash(algorithm, AsBytes(data));
}

std::vector<std::uint8_t> Sha256(std::string_view data) {
  return Hash(HashAlgorithm::kSha256, data);
}

std::string HashHex(HashAlgorithm algorithm, std::string_view data) {
  return HexEncode(Hash(algorithm, data));
}

std::string Sha256Hex(std::string_view data) { return HashHex(HashAlgorithm::kSha256, data); }

// --- Hasher ---

struct Hasher::Context {
  internal::EvpMdCtxPtr md_ctx;
};

Result<Hasher> Hasher::Create(HashAlgorithm algorithm) {
  internal::ErrorQueueCleaner cleaner;
  internal::EvpMdCtxPtr md_ctx(EVP_MD_CTX_new());
  if (md_ctx == nullptr) return internal::OpenSslError(ErrorCode::kInternal, "EVP_MD_CTX_new");
  if (EVP_DigestInit_ex(md_ctx.get(), internal::MessageDigest(algorithm), nullptr) != 1) {
    return internal::OpenSslError(ErrorCode::kInternal,
                                  "cannot initialize " + std::string(HashAlgorithmName(algorithm)));
  }
  return Hasher(algorithm, std::make_unique<Context>(Context{std::move(md_ctx)}));
}

Hasher::Hasher(HashAlgorithm algorithm, std::unique_ptr<Context> context)
    : algorithm_(algorithm), context_(std::move(context)) {}
Hasher::Hasher(Hasher&& other) noexcept = default;
Hasher& Hasher::operator=(Hasher&& other) noexcept = default;
Hasher::~Hasher() = default;

void Hasher::Update(std::span<const std::uint8_t> data) {
  assert(context_ != nullptr);
  if (data.empty()) return;
  if (EVP_DigestUpdate(context_->md_ctx.get(), data.data(), data.size()) != 1) {
    internal::DieOnOpenSslFailure("EVP_DigestUpdate");
  }
}

void Hasher::Update(std::string_view data) { Update(AsBytes(data)); }

std::vector<std::uint8_t> Hasher::Finish() {
  assert(context_ != nullptr);
  std::vector<std::uint8_t> digest(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(context_->md_ctx.get(), digest.data(), &size) != 1) {
    internal::DieOnOpenSslFailure("EVP_DigestFinal_ex");
  }
  context_.reset();
  digest.resize(size);
  return digest;
}

std::string Hasher::FinishHex() { return HexEncode(Finish()); }

// --- MultiHasher ---

Result<MultiHasher> MultiHasher::Create(std::span<const HashAlgorithm> algorithms) {
  if (algorithms.empty()) {
    return Error(ErrorCode::kInvalidArgument, "MultiHasher needs at least one algorithm");
  }
  std::vector<Hasher> hashers;
  for (HashAlgorithm algorithm : algorithms) {
    bool seen = std::any_of(hashers.begin(), hashers.end(),
                            [&](const Hasher& h) { return h.algorithm() == algorithm; });
    if (seen) continue;
    BSI_ASSIGN_OR_RETURN(Hasher hasher, Hasher::Create(algorithm));
    hashers.push_back(std::move(hasher));
  }
  return MultiHasher(std::move(hashers));
}

std::vector<HashAlgorithm> MultiHasher::algorithms() const {
  std::vector<HashAlgorithm> out;
  out.reserve(hashers_.size());
  for (const Hasher& hasher : hashers_) out.push_back(hasher.algorithm());
  return out;
}

void MultiHasher::Update(std::span<const std::uint8_t> data) {
  for (Hasher& hasher : hashers_) hasher.Update(data);
}

void MultiHasher::Update(std::string_view data) { Update(AsBytes(data)); }

std::vector<HashDigest> MultiHasher::FinishHex() {
  std::vector<HashDigest> out;
  out.reserve(hashers_.size());
  for (Hasher& hasher : hashers_) out.push_back(HashDigest{hasher.algorithm(), hasher.FinishHex()});
  return out;
}

}  // namespace bsi::crypto
