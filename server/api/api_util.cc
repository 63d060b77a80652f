#include "server/api/api_util.h"

#include <algorithm>
#include <charconv>

#include "bsi/json/fields.h"

#include "server/api/secrets.h"

namespace bsi::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      if (i + 2 >= text.size()) {
        return json::Malformed("the query has a truncated %-escape");
      }
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return json::Malformed("the query has a bad %-escape");
      const char c = static_cast<char>(high * 16 + low);
      if (c == '\0') return json::Malformed("the query holds a NUL byte");
      out += c;
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

int HttpStatusOf(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kMalformed:
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kTooLarge:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNoSuchRecord:
      return 404;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kDatabaseUnavailable:
      return 503;
    default:
      return 500;
  }
}

http::HttpResponse ErrorAsResponse(const Error& error) {
  http::HttpResponse response =
      http::ErrorResponse(HttpStatusOf(error), CodeName(error.code()), error.message());
  if (error.code() == ErrorCode::kUnauthenticated) {
    response.AddHeader("WWW-Authenticate", "Bearer");
  }
  if (error.code() == ErrorCode::kDatabaseUnavailable) response.AddHeader("Retry-After", "10");
  return response;
}

http::HttpResponse JsonOf(int status, const json::Value& value) {
  return http::JsonResponse(status, json::ToCompactString(value));
}

Result<json::Value> JsonBody(const http::HttpRequest& request) {
  const std::optional<std::string_view> type = request.Header("Content-Type");
  std::string_view media = type.has_value() ? type->substr(0, type->find(';')) : "";
  // Whitespace may precede the parameters (RFC 9110: OWS ";").
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  if (!http::EqualsIgnoreCase(media, "application/json")) {
    return json::Malformed("the body must be JSON (Content-Type: application/json)");
  }
  Result<json::Value> value = json::Parse(request.body);
  if (!value.ok()) return value.error().WithContext("the body is not valid JSON");
  return value;
}

Result<std::map<std::string, std::string>> ParseQuery(
    std::string_view query, std::initializer_list<std::string_view> known) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    BSI_ASSIGN_OR_RETURN(std::string name, PercentDecode(pair.substr(0, eq)));
    BSI_ASSIGN_OR_RETURN(std::string value,
                         PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1)));
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return json::Malformed("unknown query parameter \"" + name + "\"");
    }
    if (!out.emplace(name, std::move(value)).second) {
      return json::Malformed("query parameter \"" + name + "\" given twice");
    }
  }
  return out;
}

Result<std::int64_t> QueryInt(const std::map<std::string, std::string>& query,
                              std::string_view name, std::int64_t fallback, std::int64_t min,
                              std::int64_t max) {
  const auto it = query.find(std::string(name));
  if (it == query.end()) return fallback;
  std::int64_t value = 0;
  const std::string& text = it->second;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return json::Malformed("query parameter \"" + std::string(name) +
                           "\" must be an integer from " + std::to_string(min) + " to " +
                           std::to_string(max));
  }
  return value;
}

Result<AdminToken> AuthenticateAdmin(FleetDb& db, const http::HttpRequest& request, Role least) {
  const std::optional<std::string_view> header = request.Header("Authorization");
  const std::optional<std::string_view> token =
      header.has_value() ? BearerToken(*header) : std::nullopt;
  if (!token.has_value()) {
    return Error(ErrorCode::kUnauthenticated, "an admin token is required (Authorization: Bearer)");
  }
  BSI_ASSIGN_OR_RETURN(std::optional<AdminToken> found, db.FindAdminToken(HashToken(*token)));
  if (!found.has_value()) return Error(ErrorCode::kUnauthenticated, "unknown admin token");
  if (static_cast<int>(found->role) < static_cast<int>(least)) {
    return Error(ErrorCode::kPermissionDenied, "token \"" + found->name + "\" has role " +
                                                   std::string(RoleName(found->role)) +
                                                   "; this needs " + std::string(RoleName(least)));
  }
  return *std::move(found);
}

Result<std::string> DeviceTokenHash(const http::HttpRequest& request) {
  const std::optional<std::string_view> header = request.Header("Authorization");
  const std::optional<std::string_view> token =
      header.has_value() ? BearerToken(*header) : std::nullopt;
  if (!token.has_value()) {
    return Error(ErrorCode::kUnauthenticated, "a device token is required (Authorization: Bearer)");
  }
  return HashToken(*token);
}

Result<DeviceRow> AuthenticateDevice(FleetDb& db, std::string_view token_hash) {
  BSI_ASSIGN_OR_RETURN(std::optional<DeviceRow> device, db.FindDeviceByToken(token_hash));
  if (!device.has_value()) return Error(ErrorCode::kUnauthenticated, "unknown device token");
  return *std::move(device);
}

Result<DeviceRow> AuthenticateDevice(FleetDb& db, const http::HttpRequest& request) {
  BSI_ASSIGN_OR_RETURN(const std::string token_hash, DeviceTokenHash(request));
  return AuthenticateDevice(db, token_hash);
}

}  // namespace bsi::server
