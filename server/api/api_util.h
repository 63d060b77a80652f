// Pieces every fleet API handler uses: errors as HTTP responses, strict
// JSON bodies and query strings, and authentication of device and admin
// tokens.
//
// Thread-safety: pure functions, and calls into the (thread-safe) FleetDb.
#ifndef BSI_SERVER_API_API_UTIL_H_
#define BSI_SERVER_API_API_UTIL_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "bsi/core/result.h"
#include "bsi/json/json.h"

#include "server/fleet/fleet_db.h"
#include "server/http/message.h"

namespace bsi::server {

// The HTTP status an error means: 400 malformed or invalid, 401
// unauthenticated, 403 permission denied, 404 no such record, 409
// conflict, 503 database unavailable, 500 otherwise.
int HttpStatusOf(const Error& error);

// The error as a JSON error response with that status.
http::HttpResponse ErrorAsResponse(const Error& error);

// A JSON response of value (compact).
http::HttpResponse JsonOf(int status, const json::Value& value);

// The body as JSON. Errors: kMalformed when the Content-Type is not
// application/json or the body does not parse.
Result<json::Value> JsonBody(const http::HttpRequest& request);

// name=value pairs of the query, percent-decoded ('+' is a space).
// Errors: kMalformed for a bad escape, a repeated or unknown name.
Result<std::map<std::string, std::string>> ParseQuery(
    std::string_view query, std::initializer_list<std::string_view> known);

// An integer query value within [min, max], or `fallback` when absent.
Result<std::int64_t> QueryInt(const std::map<std::string, std::string>& query,
                              std::string_view name, std::int64_t fallback, std::int64_t min,
                              std::int64_t max);

// The admin token presented, if its role is at least `least`. Errors:
// kUnauthenticated (none, or unknown), kPermissionDenied (role too low).
Result<AdminToken> AuthenticateAdmin(FleetDb& db, const http::HttpRequest& request, Role least);

// The hash of the device token presented (Authorization: Bearer).
// Errors: kUnauthenticated when there is none.
Result<std::string> DeviceTokenHash(const http::HttpRequest& request);

// The device whose token is presented, or whose token hashes to this.
// Errors: kUnauthenticated.
Result<DeviceRow> AuthenticateDevice(FleetDb& db, const http::HttpRequest& request);
Result<DeviceRow> AuthenticateDevice(FleetDb& db, std::string_view token_hash);

}  // namespace bsi::server

#endif  // BSI_SERVER_API_API_UTIL_H_
