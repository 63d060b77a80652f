// Helpers shared by the delta and zstd stream tests: deterministic test
// data and status assertions. Test-only; no library includes it.
#ifndef BSI_PAYLOAD_DELTA_TEST_UTIL_H_
#define BSI_PAYLOAD_DELTA_TEST_UTIL_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "bsi/core/result.h"

#include "testing/status_matchers.h"

namespace bsi {
// So that failed expectations print "malformed", not a number.
inline void PrintTo(ErrorCode code, std::ostream* os) { *os << CodeName(code); }
}  // namespace bsi

namespace bsi::payload::testing {

using ::bsi::testing::CodeOf;

// n pseudo-random bytes, the same for the same seed.
inline std::string RandomBytes(std::uint64_t seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t word = rng();
    for (std::size_t j = i; j < n && j < i + 8; ++j, word >>= 8) out[j] = static_cast<char>(word);
  }
  return out;
}

// Data that compresses like code: random "instructions" drawn from a small
// vocabulary, with 4-byte little-endian "addresses" mixed in.
inline std::string CodeLikeBytes(std::uint64_t seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  const std::string vocabulary = RandomBytes(seed + 1, 4096);
  std::string out;
  out.reserve(n + 64);
  while (out.size() < n) {
    const std::size_t at = rng() % (vocabulary.size() - 16);
    out.append(vocabulary, at, 3 + rng() % 12);
    const auto address = static_cast<std::uint32_t>(0x400000 + out.size() + rng() % 65536);
    for (int i = 0; i < 4; ++i) out += static_cast<char>(address >> (8 * i));
  }
  out.resize(n);
  return out;
}

}  // namespace bsi::payload::testing

#endif  // BSI_PAYLOAD_DELTA_TEST_UTIL_H_
