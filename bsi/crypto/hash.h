// Hashing (SHA-256, SHA-512), hex encoding and constant-time comparison.
//
// TUF names a file's hashes in metadata as {"sha256": "<hex>", ...}; key IDs
// are SHA-256 of a canonical key. Everything here speaks lowercase hex, the
// form TUF metadata uses, and the raw digest bytes for callers that want them.
//
//   Result<MultiHasher> hasher = MultiHasher::Create(algorithms);
//   while (reading) hasher->Update(chunk);
//   for (const HashDigest& d : hasher->FinishHex()) Compare(d.algorithm, d.hex);
//
// The one-shot functions and Hasher::Update/Finish cannot fail short of
// OpenSSL running out of memory; should OpenSSL fail anyway, the process
// aborts, as on any failed allocation. Hasher::Create can fail (kInternal)
// when the OpenSSL configuration does not provide the algorithm.
//
// Thread-safety: the free functions are thread-safe. A Hasher or MultiHasher
// is used by one thread at a time.
#ifndef BSI_CRYPTO_HASH_H_
#define BSI_CRYPTO_HASH_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/result.h"

namespace bsi::crypto {

enum class HashAlgorithm { kSha256, kSha512 };

// "sha256", "sha512": the names TUF metadata uses.
std::string_view HashAlgorithmName(HashAlgorithm algorithm);

// The algorithm named exactly (case-sensitively) `name`, or nullopt.
std::optional<HashAlgorithm> HashAlgorithmFromName(std::string_view name);

// The digest length in bytes: 32 for SHA-256, 64 for SHA-512.
std::size_t DigestSize(HashAlgorithm algorithm);

// One-shot digests.
std::vector<std::uint8_t> Hash(HashAlgorithm algorithm, std::span<const std::uint8_t> data);
std::vector<std::uint8_t> Hash(HashAlgorithm algorithm, std::string_view data);
std::vector<std::uint8_t> Sha256(std::string_view data);

// One-shot digests as lowercase hex.
std::string HashHex(HashAlgorithm algorithm, std::string_view data);
std::string Sha256Hex(std::string_view data);

// Lowercase hex of data ("" for no bytes).
std::string HexEncode(std::span<const std::uint8_t> data);
std::string HexEncode(std::string_view data);

// The bytes that hex encodes. Strict: an even number of characters, each a
// hex digit (upper or lower case); no whitespace, no "0x". Errors: kMalformed.
Result<std::vector<std::uint8_t>> HexDecode(std::string_view hex);

// Whether a and b hold the same bytes, taking time that depends only on their
// length: for comparing digests and MACs. Unequal lengths return false at once
// (lengths are not secret).
bool ConstantTimeEqual(std::string_view a, std::string_view b);

// A streaming digest over data fed in pieces, for files too big to hold.
class Hasher {
 public:
  // Errors: kInternal if OpenSSL cannot set up the algorithm.
  static Result<Hasher> Create(HashAlgorithm algorithm);

  Hasher(Hasher&& other) noexcept;
  Hasher& operator=(Hasher&& other) noexcept;
  ~Hasher();

  HashAlgorithm algorithm() const { return algorithm_; }

  // Appends data to the message.
  // REQUIRES: Finish/FinishHex not yet called.
  void Update(std::span<const std::uint8_t> data);
  void Update(std::string_view data);

  // The digest of everything passed to Update. Ends the hasher.
  // REQUIRES: Finish/FinishHex not yet called.
  std::vector<std::uint8_t> Finish();
  std::string FinishHex();

 private:
  struct Context;
  Hasher(HashAlgorithm algorithm, std::unique_ptr<Context> context);

  HashAlgorithm algorithm_;
  std::unique_ptr<Context> context_;
};

// One algorithm's digest, as lowercase hex.
struct HashDigest {
  HashAlgorithm algorithm;
  std::string hex;

  friend bool operator==(const HashDigest&, const HashDigest&) = default;
};

// Feeds the same data to several algorithms at once, so that an artifact can
// be read once and checked against every hash its metadata lists.
class MultiHasher {
 public:
  // One Hasher per distinct algorithm, in the order given (repeats dropped).
  // Errors: kInvalidArgument if algorithms is empty; kInternal as Hasher.
  static Result<MultiHasher> Create(std::span<const HashAlgorithm> algorithms);

  // The algorithms hashed, in order.
  std::vector<HashAlgorithm> algorithms() const;

  // REQUIRES: FinishHex not yet called.
  void Update(std::span<const std::uint8_t> data);
  void Update(std::string_view data);

  // One digest per algorithm, in the order of algorithms(). Ends the hasher.
  // REQUIRES: FinishHex not yet called.
  std::vector<HashDigest> FinishHex();

 private:
  explicit MultiHasher(std::vector<Hasher> hashers) : hashers_(std::move(hashers)) {}

  std::vector<Hasher> hashers_;
};

}  // namespace bsi::crypto

#endif  // BSI_CRYPTO_HASH_H_
