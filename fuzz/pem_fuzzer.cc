// Fuzzes the strict PEM and base64 readers (bsi/crypto/pem.h), which see the
// PEM public keys of TUF metadata before OpenSSL does.
//
// Properties checked (abort() on violation, so libFuzzer reports a crash):
//  - every rejection is kMalformed with a short, non-empty message;
//  - Base64Decode accepts only canonical base64: encoding its output gives
//    back the input byte for byte;
//  - an accepted PEM block has a non-empty label without '-' and a non-empty
//    body, and the body is what its base64 lines decode to; wrapping that
//    body again (64-column lines, LF) parses to the same block;
//  - the input is never larger than kMaxPemBytes when accepted.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bsi/crypto/pem.h"

namespace {

using bsi::ErrorCode;
using bsi::Result;
using bsi::crypto::Base64Decode;
using bsi::crypto::kMaxPemBytes;
using bsi::crypto::ParsePem;
using bsi::crypto::PemBlock;

constexpr std::size_t kMaxMessage = 1024;

void Check(bool condition, const char* what, std::string_view input) {
  if (condition) return;
  (void)std::fprintf(stderr, "pem_fuzzer: %s (input %zu bytes, starting '%.*s')\n", what,
                     input.size(), static_cast<int>(std::min<std::size_t>(input.size(), 200)),
                     input.data());
  std::abort();
}

template <typename T>
void CheckError(const Result<T>& result, std::string_view input) {
  Check(result.error().code() == ErrorCode::kMalformed, "error code", input);
  Check(!result.error().message().empty(), "empty error message", input);
  Check(result.error().message().size() < kMaxMessage, "unbounded error message", input);
}

// A reference base64 encoder (RFC 4648, with padding).
std::string Base64Encode(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < data.size(); i += 3) {
    std::uint32_t group = static_cast<std::uint8_t>(data[i]) << 16;
    if (i + 1 < data.size()) group |= static_cast<std::uint8_t>(data[i + 1]) << 8;
    if (i + 2 < data.size()) group |= static_cast<std::uint8_t>(data[i + 2]);
    out.push_back(kAlphabet[(group >> 18) & 63]);
    out.push_back(kAlphabet[(group >> 12) & 63]);
    out.push_back(i + 1 < data.size() ? kAlphabet[(group >> 6) & 63] : '=');
    out.push_back(i + 2 < data.size() ? kAlphabet[group & 63] : '=');
  }
  return out;
}

void CheckBase64(std::string_view input) {
  Result<std::string> decoded = Base64Decode(input);
  if (!decoded.ok()) {
    CheckError(decoded, input);
    return;
  }
  Check(Base64Encode(*decoded) == input, "accepted base64 is not canonical", input);
}

void CheckPem(std::string_view input) {
  Result<PemBlock> block = ParsePem(input);
  if (!block.ok()) {
    CheckError(block, input);
    return;
  }
  Check(input.size() <= kMaxPemBytes, "oversized input accepted", input);
  Check(!block->label.empty(), "empty label", input);
  Check(block->label.find('-') == std::string::npos, "label with '-'", input);
  Check(!block->der.empty(), "empty body", input);

  std::string body = Base64Encode(block->der);
  std::string rewrapped = "-----BEGIN " + block->label + "-----\n";
  for (std::size_t i = 0; i < body.size(); i += 64) rewrapped += body.substr(i, 64) + "\n";
  rewrapped += "-----END " + block->label + "-----\n";
  Result<PemBlock> again = ParsePem(rewrapped);
  Check(again.ok(), "re-wrapped block does not parse", input);
  Check(again->label == block->label && again->der == block->der, "re-wrapped block differs",
        input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckPem(input);
  CheckBase64(input);
  return 0;
}
