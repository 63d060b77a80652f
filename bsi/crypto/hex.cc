// Hex encoding and constant-time comparison (declared in hash.h).
#include <openssl/crypto.h>

#include "bsi/crypto/hash.h"

namespace bsi::crypto {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// The value of a hex digit, or -1.
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string HexEncode(std::span<const std::uint8_t> data) {
  std::string out;
  out.reserve(data.size() * 2);
  for (std::uint8_t byte : data) {
    out.push_back(kHexDigits[byte >> 4]);
    out.push_back(kHexDigits[byte & 0x0f]);
  }
  return out;
}

std::string HexEncode(std::string_view data) {
  return HexEncode(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()),
                                                 data.size()));
}

Result<std::vector<std::uint8_t>> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return Error(ErrorCode::kMalformed,
                 "hex string has an odd length (" + std::to_string(hex.size()) + ")");
  }
  std::vector<std::uint8_t> out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int high = HexValue(hex[i]);
    int low = HexValue(hex[i + 1]);
    if (high < 0 || low < 0) {
      std::size_t bad = high < 0 ? i : i + 1;
      return Error(ErrorCode::kMalformed,
                   "hex string has a non-hex character at offset " + std::to_string(bad));
    }
    out.push_back(static_cast<std::uint8_t>((high << 4) | low));
  }
  return out;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace bsi::crypto
