// Secrets the fleet server hands out (device, enrollment and admin tokens)
// and how they are stored: only their SHA-256, so a copy of the database
// lets no one act as a device or an admin.
//
// A token is "<prefix>_" followed by 32 random bytes in hex, e.g.
// "bsid_3f2a…" for a device. The prefix tells people (and secret scanners)
// what a leaked string is; it carries no authority.
//
// Thread-safety: pure functions.
#ifndef BSI_SERVER_API_SECRETS_H_
#define BSI_SERVER_API_SECRETS_H_

#include <optional>
#include <string>
#include <string_view>

#include "bsi/core/result.h"

namespace bsi::server {

inline constexpr std::string_view kDeviceTokenPrefix = "bsid";
inline constexpr std::string_view kEnrollmentTokenPrefix = "bsie";
inline constexpr std::string_view kAdminTokenPrefix = "bsia";

// A new token. Errors: kInternal if the random generator fails.
Result<std::string> NewToken(std::string_view prefix);

// What the database keeps of a token: SHA-256, lowercase hex.
std::string HashToken(std::string_view token);

// The token of an "Authorization: Bearer <token>" header value; nullopt
// for another scheme, an empty token, or one longer than 256 bytes.
std::optional<std::string_view> BearerToken(std::string_view authorization);

}  // namespace bsi::server

#endif  // BSI_SERVER_API_SECRETS_H_
