// Test support for the fleet API tests (fleet_api_test.cc,
// fleet_api_admin_test.cc, openapi_test.cc); linked by server_api_test only.
//
//  - kRoutes: every route FleetApi::Register adds, with who may call it.
//  - OpenApiChecker: checks an HTTP answer against the OpenAPI document
//    (openapi.cc): its status must be documented for the operation, the
//    documented headers present, and a JSON body valid against the schema
//    (a JSON Schema subset: $ref, type, properties, required,
//    additionalProperties, propertyNames, items, enum, const, oneOf,
//    minimum/maximum, min/maxLength, pattern, maxItems, uniqueItems).
//  - ApiServer: a FleetApi over a real SQLite FleetDb in a temp directory,
//    behind a real HttpServer on 127.0.0.1 (port 0), and a real client
//    (CurlApiClient). Every answer the client gets is checked against the
//    OpenAPI document, so the document cannot describe another API than
//    the one tested.
//
// Thread-safety: ApiServer::Call uses one client and is for the test's
// thread; ApiServer::CallWith takes a client per thread.
#ifndef BSI_SERVER_API_API_TEST_UTIL_H_
#define BSI_SERVER_API_API_TEST_UTIL_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bsi/core/clock.h"
#include "bsi/core/result.h"
#include "bsi/fetch/curl_api_client.h"
#include "bsi/json/json.h"
#include "bsi/protocol/protocol.h"

#include "server/api/fleet_api.h"
#include "server/fleet/fleet_db.h"
#include "server/http/server.h"

namespace bsi::server::testing {

// Who may call a route: no one needs to authenticate, an enrollment token,
// a device token, or an admin token of at least this role.
enum class Access { kNone, kEnrollment, kDevice, kViewer, kOperator, kAdmin };

struct RouteSpec {
  std::string_view method;
  std::string_view pattern;
  Access access;
};

// Every route of FleetApi::Register, in its order.
inline constexpr RouteSpec kRoutes[] = {
    {"GET", "/healthz", Access::kNone},
    {"GET", "/metrics", Access::kNone},
    {"GET", "/openapi.json", Access::kNone},
    {"POST", "/api/v1/enroll", Access::kEnrollment},
    {"GET", "/api/v1/device/declarations", Access::kDevice},
    {"POST", "/api/v1/device/reports", Access::kDevice},
    {"GET", "/api/v1/whoami", Access::kViewer},
    {"GET", "/api/v1/devices", Access::kViewer},
    {"GET", "/api/v1/devices/{id}", Access::kViewer},
    {"PUT", "/api/v1/devices/{id}/group", Access::kOperator},
    {"GET", "/api/v1/groups", Access::kViewer},
    {"GET", "/api/v1/groups/{name}", Access::kViewer},
    {"PUT", "/api/v1/groups/{name}", Access::kAdmin},
    {"DELETE", "/api/v1/groups/{name}", Access::kAdmin},
    {"PUT", "/api/v1/groups/{name}/approvals/{improvement}", Access::kOperator},
    {"DELETE", "/api/v1/groups/{name}/approvals/{improvement}", Access::kOperator},
    {"GET", "/api/v1/holds", Access::kViewer},
    {"DELETE", "/api/v1/groups/{name}/holds/{improvement}", Access::kOperator},
    {"GET", "/api/v1/improvements", Access::kViewer},
    {"GET", "/api/v1/improvements/{id}/progress", Access::kViewer},
    {"GET", "/api/v1/exposure", Access::kViewer},
    {"GET", "/api/v1/enrollment-tokens", Access::kAdmin},
    {"POST", "/api/v1/enrollment-tokens", Access::kAdmin},
    {"DELETE", "/api/v1/enrollment-tokens/{name}", Access::kAdmin},
    {"GET", "/api/v1/admin-tokens", Access::kAdmin},
    {"POST", "/api/v1/admin-tokens", Access::kAdmin},
    {"DELETE", "/api/v1/admin-tokens/{name}", Access::kAdmin},
};

// An HTTP answer as the client saw it.
struct Answer {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  json::Value json;  // the body parsed, when it is JSON; else null

  std::string Header(const std::string& lower_case_name) const;
  // json["error"]["code"], or "" when the body is no error.
  std::string ErrorCode() const;
  // The member of a JSON object body, or null.
  const json::Value& operator[](std::string_view key) const;
};

class OpenApiChecker {
 public:
  // The document of OpenApiDocument(), parsed once.
  static const OpenApiChecker& Get();

  const json::Value& document() const { return document_; }

  // "" when the document describes this answer to METHOD path (the raw
  // path, without the query); else what does not match.
  std::string CheckAnswer(std::string_view method, std::string_view path,
                          const Answer& answer) const;

  // "" when value is valid against the schema; else the first mismatch,
  // located by `where`.
  std::string CheckValue(const json::Value& schema, const json::Value& value,
                         const std::string& where) const;

  // The value a "$ref" names ("#/components/..."), or nullptr.
  const json::Value* Resolve(std::string_view ref) const;

 private:
  explicit OpenApiChecker(json::Value document) : document_(std::move(document)) {}
  const json::Value& Deref(const json::Value& value) const;

  json::Value document_;
};

// A Clock the test moves while the server's threads read it.
class SteppingClock final : public Clock {
 public:
  explicit SteppingClock(UnixTime start) : now_(start.seconds) {}
  UnixTime Now() const override { return UnixTime{now_.load()}; }
  std::chrono::steady_clock::time_point MonotonicNow() const override {
    return std::chrono::steady_clock::now();
  }
  void Advance(std::int64_t seconds) { now_ += seconds; }

 private:
  std::atomic<std::int64_t> now_;
};

// 2026-11-22T10:00:00Z, when every test starts.
inline constexpr UnixTime kStart{1795341600};

class ApiServer {
 public:
  // Opens sqlite:<temp dir>/fleet.db, registers a FleetApi with these
  // options, starts an HttpServer on 127.0.0.1:0 and adds an admin token
  // "root" (role admin) to the database.
  static Result<std::unique_ptr<ApiServer>> Start(ApiOptions options = {});
  ~ApiServer();

  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // METHOD <base>path with "Authorization: Bearer <token>" unless token is
  // empty, the body as application/json unless headers name a
  // Content-Type. Fails the test if no answer came, or if the answer is
  // not one the OpenAPI document describes.
  Answer Call(const std::string& method, const std::string& path, const std::string& token,
              const std::string& body = "",
              std::vector<std::pair<std::string, std::string>> headers = {});
  // The same over the caller's client (one per thread); no OpenAPI check
  // and no test failure: errors are returned.
  Result<Answer> CallWith(fetch::ApiClient& client, const std::string& method,
                          const std::string& path, const std::string& token,
                          const std::string& body = "",
                          std::vector<std::pair<std::string, std::string>> headers = {}) const;

  Answer Get(const std::string& path, const std::string& token) { return Call("GET", path, token); }
  Answer Post(const std::string& path, const std::string& token, const json::Value& body) {
    return Call("POST", path, token, json::ToCompactString(body));
  }
  Answer Put(const std::string& path, const std::string& token, const json::Value& body) {
    return Call("PUT", path, token, json::ToCompactString(body));
  }
  Answer Delete(const std::string& path, const std::string& token) {
    return Call("DELETE", path, token);
  }

  // An admin token of this role, made through the API by root. "" (and a
  // test failure) if that failed.
  std::string NewAdminToken(const std::string& name, Role role);
  // An enrollment token made through the API by root.
  std::string NewEnrollmentToken(const std::string& name, const std::string& group = "default",
                                 std::optional<std::int64_t> uses = std::nullopt,
                                 std::optional<std::string> expires_in = std::nullopt);
  // Enrolls device_id (acme-os, base_version) with the enrollment token;
  // returns the device token, "" (and a test failure) if refused.
  std::string Enroll(const std::string& device_id, const std::string& enrollment_token,
                     const std::string& base_version = "26.3.1");
  // Creates group `name` with default settings (through the API).
  void NewGroup(const std::string& name);
  // Sends the report as the device; returns the answer.
  Answer Report(const std::string& device_token, const protocol::StatusReport& report);

  // The value of the sample `name` (with labels, as written) in /metrics;
  // nullopt if absent.
  std::optional<std::int64_t> Metric(const std::string& sample);

  const std::string& root() const { return root_token_; }
  const std::string& base_url() const { return base_url_; }
  const std::string& dir() const { return dir_; }
  FleetDb& db() { return *db_; }
  SteppingClock& clock() { return clock_; }
  http::HttpServer& http() { return *http_; }

 private:
  ApiServer() = default;

  std::string dir_;
  SteppingClock clock_{kStart};
  std::unique_ptr<FleetDb> db_;
  std::unique_ptr<FleetApi> api_;
  std::unique_ptr<http::HttpServer> http_;
  std::unique_ptr<fetch::CurlApiClient> client_;
  std::string base_url_;
  std::string root_token_;
};

// A report of acme-os `base_version`, up to date on the base, made at `time`.
protocol::StatusReport MakeReport(const std::string& report_id, UnixTime time,
                                  const std::string& base_version = "26.3.1");
// What a report says of improvement "acme-os 26.3.1 (<letter>)".
protocol::ImprovementStatus MakeStatus(const std::string& letter, protocol::ImprovementState state,
                                       protocol::WaitReason reason = protocol::WaitReason::kNone,
                                       std::vector<std::string> cves = {});
// "acme-os 26.3.1 (<letter>)".
std::string ImprovementId(const std::string& letter, const std::string& base = "26.3.1");
// Percent-encodes a path segment (spaces, parentheses and the like).
std::string Escape(std::string_view segment);

}  // namespace bsi::server::testing

#endif  // BSI_SERVER_API_API_TEST_UTIL_H_
