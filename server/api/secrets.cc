#include "server/api/secrets.h"

#include "bsi/crypto/hash.h"
#include "bsi/crypto/random.h"

namespace bsi::server {

Result<std::string> NewToken(std::string_view prefix) {
  BSI_ASSIGN_OR_RETURN(const std::string random, crypto::RandomHex(32));
  return std::string(prefix) + "_" + random;
}

std::string HashToken(std::string_view token) { return crypto::Sha256Hex(token); }

std::optional<std::string_view> BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size() || authorization.size() > kScheme.size() + 256) {
    return std::nullopt;
  }
  // The scheme is case-insensitive (RFC 7235); the token is not.
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char a = authorization[i];
    const char b = kScheme[i];
    if (a != b && !(a >= 'A' && a <= 'Z' && a + ('a' - 'A') == b) &&
        !(b >= 'A' && b <= 'Z' && b + ('a' - 'A') == a)) {
      return std::nullopt;
    }
  }
  std::string_view token = authorization.substr(kScheme.size());
  if (token.find_first_of(" \t") != std::string_view::npos) return std::nullopt;
  return token;
}

}  // namespace bsi::server
