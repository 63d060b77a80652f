#include "bsi/crypto/hash.h"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/crypto/testdata/python_vectors.h"

namespace bsi::crypto {
namespace {

constexpr std::string_view kSha256Empty =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kSha256Abc =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr std::string_view kSha512Empty =
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
constexpr std::string_view kSha512Abc =
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

// The buffer make_vectors.py hashes: byte[i] = (i * 31 + 7) mod 256, 1 MiB.
std::string Megabyte() {
  std::string buffer(1 << 20, '\0');
  for (std::size_t i = 0; i < buffer.size(); ++i) {
    buffer[i] = static_cast<char>((i * 31 + 7) % 256);
  }
  return buffer;
}

TEST(HashAlgorithmTest, NamesRoundTrip) {
  EXPECT_EQ(HashAlgorithmName(HashAlgorithm::kSha256), "sha256");
  EXPECT_EQ(HashAlgorithmName(HashAlgorithm::kSha512), "sha512");
  EXPECT_EQ(HashAlgorithmFromName("sha256"), HashAlgorithm::kSha256);
  EXPECT_EQ(HashAlgorithmFromName("sha512"), HashAlgorithm::kSha512);
}

TEST(HashAlgorithmTest, UnknownNamesRejected) {
  EXPECT_EQ(HashAlgorithmFromName(""), std::nullopt);
  EXPECT_EQ(HashAlgorithmFromName("SHA256"), std::nullopt);
  EXPECT_EQ(HashAlgorithmFromName("sha-256"), std::nullopt);
  EXPECT_EQ(HashAlgorithmFromName("md5"), std::nullopt);
  EXPECT_EQ(HashAlgorithmFromName("sha256 "), std::nullopt);
}

TEST(HashAlgorithmTest, DigestSizes) {
  EXPECT_EQ(DigestSize(HashAlgorithm::kSha256), 32u);
  EXPECT_EQ(DigestSize(HashAlgorithm::kSha512), 64u);
}

TEST(HashTest, KnownAnswers) {
  EXPECT_EQ(Sha256Hex(""), kSha256Empty);
  EXPECT_EQ(Sha256Hex("abc"), kSha256Abc);
  EXPECT_EQ(HashHex(HashAlgorithm::kSha256, "abc"), kSha256Abc);
  EXPECT_EQ(HashHex(HashAlgorithm::kSha512, ""), kSha512Empty);
  EXPECT_EQ(HashHex(HashAlgorithm::kSha512, "abc"), kSha512Abc);
}

TEST(HashTest, RawDigestsMatchHex) {
  std::vector<std::uint8_t> digest = Sha256("abc");
  ASSERT_EQ(digest.size(), 32u);
  EXPECT_EQ(digest[0], 0xba);
  EXPECT_EQ(digest[31], 0xad);
  EXPECT_EQ(HexEncode(digest), kSha256Abc);
  EXPECT_EQ(HexEncode(Hash(HashAlgorithm::kSha512, "abc")), kSha512Abc);

  const std::uint8_t abc[] = {'a', 'b', 'c'};
  EXPECT_EQ(Hash(HashAlgorithm::kSha256, std::span<const std::uint8_t>(abc)), digest);
}

TEST(HashTest, BinaryDataWithZeros) {
  std::string data("a\0b", 3);
  EXPECT_NE(Sha256Hex(data), Sha256Hex("ab"));
  EXPECT_EQ(Sha256Hex(data), Sha256Hex(std::string("a\0b", 3)));
}

TEST(HashTest, MegabyteMatchesPython) {
  std::string buffer = Megabyte();
  EXPECT_EQ(Sha256Hex(buffer), python_vectors::kMegabyteSha256);
  EXPECT_EQ(HashHex(HashAlgorithm::kSha512, buffer), python_vectors::kMegabyteSha512);
}

TEST(HasherTest, EmptyInput) {
  Result<Hasher> hasher = Hasher::Create(HashAlgorithm::kSha256);
  ASSERT_TRUE(hasher.ok());
  EXPECT_EQ(hasher->FinishHex(), kSha256Empty);
}

TEST(HasherTest, PiecesEqualWhole) {
  Result<Hasher> hasher = Hasher::Create(HashAlgorithm::kSha512);
  ASSERT_TRUE(hasher.ok());
  EXPECT_EQ(hasher->algorithm(), HashAlgorithm::kSha512);
  hasher->Update("a");
  hasher->Update("");
  hasher->Update(std::string_view("bc"));
  EXPECT_EQ(hasher->FinishHex(), kSha512Abc);
}

TEST(HasherTest, RawFinish) {
  Result<Hasher> hasher = Hasher::Create(HashAlgorithm::kSha256);
  ASSERT_TRUE(hasher.ok());
  const std::uint8_t abc[] = {'a', 'b', 'c'};
  hasher->Update(std::span<const std::uint8_t>(abc));
  EXPECT_EQ(hasher->Finish(), Sha256("abc"));
}

TEST(HasherTest, MegabyteInOddChunksMatchesOneShot) {
  std::string buffer = Megabyte();
  for (HashAlgorithm algorithm : {HashAlgorithm::kSha256, HashAlgorithm::kSha512}) {
    Result<Hasher> hasher = Hasher::Create(algorithm);
    ASSERT_TRUE(hasher.ok());
    std::string_view rest = buffer;
    const std::size_t chunks[] = {1, 7, 63, 64, 65, 127, 4093, 65537};
    for (std::size_t i = 0; !rest.empty(); ++i) {
      std::size_t n = std::min(rest.size(), chunks[i % std::size(chunks)]);
      hasher->Update(rest.substr(0, n));
      rest.remove_prefix(n);
    }
    EXPECT_EQ(hasher->FinishHex(), HashHex(algorithm, buffer)) << HashAlgorithmName(algorithm);
  }
  EXPECT_EQ(HashHex(HashAlgorithm::kSha256, buffer), python_vectors::kMegabyteSha256);
}

TEST(HasherTest, MoveKeepsState) {
  Result<Hasher> created = Hasher::Create(HashAlgorithm::kSha256);
  ASSERT_TRUE(created.ok());
  Hasher hasher = std::move(created).value();
  hasher.Update("a");
  Hasher moved = std::move(hasher);
  moved.Update("bc");
  Hasher assigned = std::move(Hasher::Create(HashAlgorithm::kSha512).value());
  assigned = std::move(moved);
  EXPECT_EQ(assigned.algorithm(), HashAlgorithm::kSha256);
  EXPECT_EQ(assigned.FinishHex(), kSha256Abc);
}

TEST(MultiHasherTest, AllAlgorithmsInOrder) {
  const HashAlgorithm algorithms[] = {HashAlgorithm::kSha512, HashAlgorithm::kSha256};
  Result<MultiHasher> hasher = MultiHasher::Create(algorithms);
  ASSERT_TRUE(hasher.ok());
  EXPECT_EQ(hasher->algorithms(),
            (std::vector<HashAlgorithm>{HashAlgorithm::kSha512, HashAlgorithm::kSha256}));
  hasher->Update("ab");
  const std::uint8_t c[] = {'c'};
  hasher->Update(std::span<const std::uint8_t>(c));
  std::vector<HashDigest> digests = hasher->FinishHex();
  ASSERT_EQ(digests.size(), 2u);
  EXPECT_EQ(digests[0], (HashDigest{HashAlgorithm::kSha512, std::string(kSha512Abc)}));
  EXPECT_EQ(digests[1], (HashDigest{HashAlgorithm::kSha256, std::string(kSha256Abc)}));
}

TEST(MultiHasherTest, RepeatsDropped) {
  const HashAlgorithm algorithms[] = {HashAlgorithm::kSha256, HashAlgorithm::kSha256};
  Result<MultiHasher> hasher = MultiHasher::Create(algorithms);
  ASSERT_TRUE(hasher.ok());
  std::vector<HashDigest> digests = hasher->FinishHex();
  ASSERT_EQ(digests.size(), 1u);
  EXPECT_EQ(digests[0].hex, kSha256Empty);
}

TEST(MultiHasherTest, EmptyListRejected) {
  Result<MultiHasher> hasher = MultiHasher::Create({});
  ASSERT_FALSE(hasher.ok());
  EXPECT_EQ(hasher.error().code(), ErrorCode::kInvalidArgument);
}

TEST(MultiHasherTest, MegabyteMatchesPython) {
  const HashAlgorithm algorithms[] = {HashAlgorithm::kSha256, HashAlgorithm::kSha512};
  Result<MultiHasher> hasher = MultiHasher::Create(algorithms);
  ASSERT_TRUE(hasher.ok());
  std::string buffer = Megabyte();
  std::string_view rest = buffer;
  while (!rest.empty()) {
    std::size_t n = std::min<std::size_t>(rest.size(), 9999);
    hasher->Update(rest.substr(0, n));
    rest.remove_prefix(n);
  }
  std::vector<HashDigest> digests = hasher->FinishHex();
  ASSERT_EQ(digests.size(), 2u);
  EXPECT_EQ(digests[0].hex, python_vectors::kMegabyteSha256);
  EXPECT_EQ(digests[1].hex, python_vectors::kMegabyteSha512);
}

}  // namespace
}  // namespace bsi::crypto
