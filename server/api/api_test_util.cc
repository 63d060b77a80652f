#include "server/api/api_test_util.h"

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>
#include <system_error>

#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include "server/api/secrets.h"
#include "server/http/router.h"

namespace bsi::server::testing {
namespace {

constexpr std::uint64_t kMaxAnswerBytes = 4 << 20;

const json::Value kNull;

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    path.remove_prefix(1);  // '/'
    const std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

bool PatternMatches(std::string_view pattern, std::string_view path) {
  const std::vector<std::string_view> want = Segments(pattern);
  const std::vector<std::string_view> got = Segments(path);
  if (want.size() != got.size()) return false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i].starts_with('{')) {
      if (got[i].empty()) return false;
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  return true;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return out;
}

bool TypeMatches(std::string_view type, const json::Value& value) {
  switch (value.kind()) {
    case json::Kind::kNull:
      return type == "null";
    case json::Kind::kBool:
      return type == "boolean";
    case json::Kind::kInt:
      return type == "integer" || type == "number";
    case json::Kind::kDouble:
      return type == "number";
    case json::Kind::kString:
      return type == "string";
    case json::Kind::kArray:
      return type == "array";
    case json::Kind::kObject:
      return type == "object";
  }
  return false;
}

}  // namespace

// ---- Answer

std::string Answer::Header(const std::string& lower_case_name) const {
  const auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string Answer::ErrorCode() const {
  const json::Value* error = json.Find("error");
  const json::Value* code = error != nullptr ? error->Find("code") : nullptr;
  return code != nullptr && code->is_string() ? code->string_value() : std::string();
}

const json::Value& Answer::operator[](std::string_view key) const {
  const json::Value* member = json.Find(key);
  return member != nullptr ? *member : kNull;
}

// ---- OpenApiChecker

const OpenApiChecker& OpenApiChecker::Get() {
  static const OpenApiChecker* const checker = [] {
    Result<json::Value> document = json::Parse(OpenApiDocument());
    return new OpenApiChecker(document.ok() ? *std::move(document) : json::Value());
  }();
  return *checker;
}

const json::Value* OpenApiChecker::Resolve(std::string_view ref) const {
  if (!ref.starts_with("#/")) return nullptr;
  const json::Value* at = &document_;
  for (std::string_view name : Segments(ref.substr(1))) {
    at = at->Find(name);
    if (at == nullptr) return nullptr;
  }
  return at;
}

const json::Value& OpenApiChecker::Deref(const json::Value& value) const {
  const json::Value* at = &value;
  for (int depth = 0; depth < 8; ++depth) {
    const json::Value* ref = at->Find("$ref");
    if (ref == nullptr || !ref->is_string()) return *at;
    const json::Value* target = Resolve(ref->string_value());
    if (target == nullptr) return kNull;
    at = target;
  }
  return *at;
}

std::string OpenApiChecker::CheckValue(const json::Value& schema_in, const json::Value& value,
                                       const std::string& where) const {
  const json::Value& schema = Deref(schema_in);
  if (!schema.is_object()) return where + ": the schema does not resolve";
  if (const json::Value* one_of = schema.Find("oneOf"); one_of != nullptr) {
    int matches = 0;
    std::string last;
    for (const json::Value& option : one_of->array()) {
      const std::string problem = CheckValue(option, value, where);
      if (problem.empty()) {
        ++matches;
      } else {
        last = problem;
      }
    }
    if (matches != 1) {
      return where + ": matches " + std::to_string(matches) + " of oneOf (" + last + ")";
    }
  }
  if (const json::Value* all_of = schema.Find("allOf"); all_of != nullptr) {
    for (const json::Value& part : all_of->array()) {
      if (std::string problem = CheckValue(part, value, where); !problem.empty()) return problem;
    }
  }
  if (const json::Value* constant = schema.Find("const");
      constant != nullptr && !(*constant == value)) {
    return where + ": is not " + json::ToCompactString(*constant);
  }
  if (const json::Value* options = schema.Find("enum"); options != nullptr) {
    const json::Array& list = options->array();
    if (std::find(list.begin(), list.end(), value) == list.end()) {
      return where + ": " + json::ToCompactString(value) + " is not in the enum";
    }
  }
  if (const json::Value* type = schema.Find("type"); type != nullptr) {
    bool ok = false;
    if (type->is_string()) {
      ok = TypeMatches(type->string_value(), value);
    } else {
      for (const json::Value& t : type->array()) ok = ok || TypeMatches(t.string_value(), value);
    }
    if (!ok) {
      return where + ": " + json::ToCompactString(value) + " is not of type " +
             json::ToCompactString(*type);
    }
  }
  if (value.is_object()) {
    const json::Value* properties = schema.Find("properties");
    if (const json::Value* required = schema.Find("required"); required != nullptr) {
      for (const json::Value& name : required->array()) {
        if (value.Find(name.string_value()) == nullptr) {
          return where + "." + name.string_value() + ": missing";
        }
      }
    }
    const json::Value* additional = schema.Find("additionalProperties");
    for (const auto& [key, member] : value.object()) {
      const json::Value* property = properties != nullptr ? properties->Find(key) : nullptr;
      if (property != nullptr) {
        if (std::string p = CheckValue(*property, member, where + "." + key); !p.empty()) return p;
      } else if (additional != nullptr && additional->is_bool() && !additional->bool_value()) {
        return where + "." + key + ": not in the schema";
      } else if (additional != nullptr && additional->is_object()) {
        if (std::string p = CheckValue(*additional, member, where + "." + key); !p.empty()) {
          return p;
        }
      }
      if (const json::Value* names = schema.Find("propertyNames"); names != nullptr) {
        if (std::string p = CheckValue(*names, json::Value(key), where + "{" + key + "}");
            !p.empty()) {
          return p;
        }
      }
    }
  }
  if (value.is_array()) {
    const json::Array& items = value.array();
    if (const json::Value* max = schema.Find("maxItems");
        max != nullptr && static_cast<std::int64_t>(items.size()) > max->int_value()) {
      return where + ": more than " + std::to_string(max->int_value()) + " items";
    }
    if (const json::Value* unique = schema.Find("uniqueItems");
        unique != nullptr && unique->bool_value()) {
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (std::find(items.begin() + static_cast<std::ptrdiff_t>(i) + 1, items.end(), items[i]) !=
            items.end()) {
          return where + ": items repeat";
        }
      }
    }
    if (const json::Value* item = schema.Find("items"); item != nullptr) {
      for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string at = where + "[" + std::to_string(i) + "]";
        if (std::string p = CheckValue(*item, items[i], at); !p.empty()) return p;
      }
    }
  }
  if (value.is_string()) {
    const std::string& text = value.string_value();
    if (const json::Value* min = schema.Find("minLength");
        min != nullptr && static_cast<std::int64_t>(text.size()) < min->int_value()) {
      return where + ": shorter than " + std::to_string(min->int_value());
    }
    if (const json::Value* max = schema.Find("maxLength");
        max != nullptr && static_cast<std::int64_t>(text.size()) > max->int_value()) {
      return where + ": longer than " + std::to_string(max->int_value());
    }
    if (const json::Value* pattern = schema.Find("pattern"); pattern != nullptr) {
      if (!std::regex_search(text, std::regex(pattern->string_value()))) {
        return where + ": \"" + text + "\" does not match " + pattern->string_value();
      }
    }
  }
  if (value.is_int()) {
    if (const json::Value* min = schema.Find("minimum");
        min != nullptr && value.int_value() < min->int_value()) {
      return where + ": below the minimum";
    }
    if (const json::Value* max = schema.Find("maximum");
        max != nullptr && value.int_value() > max->int_value()) {
      return where + ": above the maximum";
    }
  }
  return "";
}

std::string OpenApiChecker::CheckAnswer(std::string_view method, std::string_view path,
                                        const Answer& answer) const {
  const json::Value* paths = document_.Find("paths");
  if (paths == nullptr || !paths->is_object()) return "the document has no paths";
  const json::Value* item = nullptr;
  for (const auto& [pattern, value] : paths->object()) {
    if (PatternMatches(pattern, path)) {
      if (item != nullptr) return "two paths of the document match " + std::string(path);
      item = &value;
    }
  }
  const std::string what = std::string(method) + " " + std::string(path) + " -> " +
                           std::to_string(answer.status) + " " + answer.body.substr(0, 200);
  if (item == nullptr) {
    // The router's own answer to a path no route has.
    if (answer.status == 404 && answer.ErrorCode() == "not_found") return "";
    return what + ": no path of the document matches";
  }
  const json::Value* operation = item->Find(Lower(method));
  if (operation == nullptr) {
    // The router's own answer to a method the path does not have.
    if (answer.status == 405) return "";
    return what + ": the document has no such operation";
  }
  const json::Value* response =
      operation->Find("responses") != nullptr
          ? operation->Find("responses")->Find(std::to_string(answer.status))
          : nullptr;
  if (response == nullptr) return what + ": the status is not documented";
  const json::Value& r = Deref(*response);
  if (const json::Value* headers = r.Find("headers"); headers != nullptr) {
    for (const auto& [name, header] : headers->object()) {
      if (answer.Header(Lower(name)).empty()) return what + ": no " + name + " header";
    }
  }
  const json::Value* content = r.Find("content");
  if (content == nullptr) {
    return answer.body.empty() ? "" : what + ": a body where the document says none";
  }
  const std::string type = answer.Header("content-type");
  if (type.starts_with("application/json")) {
    const json::Value* media = content->Find("application/json");
    if (media == nullptr) return what + ": JSON where the document says otherwise";
    if (const std::string problem = CheckValue(*media->Find("schema"), answer.json, "body");
        !problem.empty()) {
      return what + ": " + problem;
    }
    return "";
  }
  if (type.starts_with("text/plain") && content->Find("text/plain") != nullptr) return "";
  return what + ": Content-Type " + type + " is not documented";
}

// ---- ApiServer

Result<std::unique_ptr<ApiServer>> ApiServer::Start(ApiOptions options) {
  std::unique_ptr<ApiServer> server(new ApiServer());
  std::string pattern = (std::filesystem::temp_directory_path() / "bsi_api_test.XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return Error(ErrorCode::kIo, "mkdtemp failed");
  server->dir_ = pattern;
  BSI_ASSIGN_OR_RETURN(server->db_, OpenFleetDb("sqlite:" + server->dir_ + "/fleet.db"));
  BSI_ASSIGN_OR_RETURN(server->root_token_, NewToken(kAdminTokenPrefix));
  BSI_TRY(server->db_->AddAdminToken(
      AdminToken{"root", HashToken(server->root_token_), Role::kAdmin, kStart}));
  server->api_ = std::make_unique<FleetApi>(*server->db_, server->clock_, std::move(options));
  http::Router router;
  BSI_TRY(server->api_->Register(router));
  http::ServerOptions http_options;
  http_options.listen = "127.0.0.1:0";
  http_options.threads = 4;
  BSI_ASSIGN_OR_RETURN(server->http_, http::HttpServer::Start(http_options, std::move(router)));
  server->base_url_ = "http://127.0.0.1:" + std::to_string(server->http_->port());
  fetch::CurlApiClientOptions client_options;
  client_options.connect_timeout = std::chrono::seconds(5);
  client_options.total_timeout = std::chrono::seconds(30);
  server->client_ = std::make_unique<fetch::CurlApiClient>(client_options);
  return server;
}

ApiServer::~ApiServer() {
  // The client hangs up first: a keep-alive connection whose response is
  // still being written when Stop begins would otherwise stay open until
  // shutdown_timeout (10 s).
  client_.reset();
  if (http_ != nullptr) http_->Stop();
  http_.reset();
  api_.reset();
  db_.reset();
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

Result<Answer> ApiServer::CallWith(fetch::ApiClient& client, const std::string& method,
                                   const std::string& path, const std::string& token,
                                   const std::string& body,
                                   std::vector<std::pair<std::string, std::string>> headers) const {
  fetch::ApiRequest request;
  request.method = method;
  request.url = base_url_ + path;
  request.body = body;
  request.max_bytes = kMaxAnswerBytes;
  if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
  for (auto& header : headers) request.headers.push_back(std::move(header));
  BSI_ASSIGN_OR_RETURN(fetch::ApiResponse response, client.Send(request));
  Answer answer;
  answer.status = response.status;
  answer.headers = std::move(response.headers);
  answer.body = std::move(response.body);
  if (answer.Header("content-type").starts_with("application/json")) {
    Result<json::Value> parsed = json::Parse(answer.body);
    if (parsed.ok()) answer.json = *std::move(parsed);
  }
  return answer;
}

Answer ApiServer::Call(const std::string& method, const std::string& path, const std::string& token,
                       const std::string& body,
                       std::vector<std::pair<std::string, std::string>> headers) {
  Result<Answer> answer = CallWith(*client_, method, path, token, body, std::move(headers));
  if (!answer.ok()) {
    ADD_FAILURE() << method << " " << path << ": " << answer.error().ToString();
    return Answer();
  }
  const std::string_view raw_path = path;
  const std::string problem =
      OpenApiChecker::Get().CheckAnswer(method, raw_path.substr(0, raw_path.find('?')), *answer);
  if (!problem.empty()) ADD_FAILURE() << "not as the OpenAPI document says: " << problem;
  return *std::move(answer);
}

std::string ApiServer::NewAdminToken(const std::string& name, Role role) {
  const Answer answer = Post("/api/v1/admin-tokens", root_token_,
                             json::Object{{"name", name}, {"role", RoleName(role)}});
  EXPECT_EQ(answer.status, 201) << answer.body;
  return answer["token"].is_string() ? answer["token"].string_value() : "";
}

std::string ApiServer::NewEnrollmentToken(const std::string& name, const std::string& group,
                                          std::optional<std::int64_t> uses,
                                          std::optional<std::string> expires_in) {
  json::Object body{{"name", name}, {"group", group}};
  if (uses.has_value()) body["uses"] = *uses;
  if (expires_in.has_value()) body["expires_in"] = *expires_in;
  const Answer answer = Post("/api/v1/enrollment-tokens", root_token_, body);
  EXPECT_EQ(answer.status, 201) << answer.body;
  return answer["token"].is_string() ? answer["token"].string_value() : "";
}

std::string ApiServer::Enroll(const std::string& device_id, const std::string& enrollment_token,
                              const std::string& base_version) {
  const protocol::EnrollRequest request{device_id, "acme-os", base_version, device_id + ".lan"};
  const Answer answer = Post("/api/v1/enroll", enrollment_token, protocol::ToJson(request));
  EXPECT_EQ(answer.status, 201) << answer.body;
  return answer["device_token"].is_string() ? answer["device_token"].string_value() : "";
}

void ApiServer::NewGroup(const std::string& name) {
  const Answer answer = Put("/api/v1/groups/" + name, root_token_, json::Object{});
  EXPECT_EQ(answer.status, 200) << answer.body;
}

Answer ApiServer::Report(const std::string& device_token, const protocol::StatusReport& report) {
  return Call("POST", "/api/v1/device/reports", device_token,
              json::ToCompactString(protocol::ToJson(report)),
              {{"Idempotency-Key", report.report_id}});
}

std::optional<std::int64_t> ApiServer::Metric(const std::string& sample) {
  const Answer answer = Get("/metrics", "");
  const std::string prefix = sample + " ";
  const std::string_view text = answer.body;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    const std::string_view line = text.substr(at, end - at);
    if (line.starts_with(prefix)) return std::stoll(std::string(line.substr(prefix.size())));
    at = end + 1;
  }
  return std::nullopt;
}

// ---- Reports

protocol::StatusReport MakeReport(const std::string& report_id, UnixTime time,
                                  const std::string& base_version) {
  protocol::StatusReport report;
  report.report_id = report_id;
  report.time = time;
  report.product = "acme-os";
  report.base_version = base_version;
  report.components = {{"webkit", base_version}};
  report.auto_install = true;
  report.install_state = protocol::InstallState::kUpToDate;
  report.agent_version = "0.1.0";
  return report;
}

protocol::ImprovementStatus MakeStatus(const std::string& letter, protocol::ImprovementState state,
                                       protocol::WaitReason reason, std::vector<std::string> cves) {
  protocol::ImprovementStatus status;
  status.id = ImprovementId(letter);
  status.letter = letter;
  status.state = state;
  status.reason = reason;
  status.cves = std::move(cves);
  return status;
}

std::string ImprovementId(const std::string& letter, const std::string& base) {
  return "acme-os " + base + " (" + letter + ")";
}

std::string Escape(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : segment) {
    const auto byte = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

}  // namespace bsi::server::testing
