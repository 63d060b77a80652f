#include "agent/fleet_client.h"

#include <algorithm>
#include <utility>

#include <unistd.h>

#include "bsi/core/time_format.h"
#include "bsi/json/fields.h"
#include "bsi/json/json.h"

#include "agent/fleet_report.h"

namespace bsi::agent {
namespace {

constexpr int kFileFormat = 1;
constexpr std::uint64_t kMaxTokenBytes = 4096;
constexpr std::uint64_t kMaxFileBytes = 1 << 20;
constexpr std::size_t kSequenceDigits = 12;

// "000000000042-<report_id>.json": the sequence, or nullopt for any other
// name (temporary files of an interrupted write, strays).
std::optional<std::uint64_t> SequenceOf(std::string_view name) {
  if (name.size() < kSequenceDigits + 7 || name[kSequenceDigits] != '-' ||
      !name.ends_with(".json")) {
    return std::nullopt;
  }
  std::uint64_t sequence = 0;
  for (std::size_t i = 0; i < kSequenceDigits; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    sequence = sequence * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  const std::string_view id = name.substr(kSequenceDigits + 1, name.size() - kSequenceDigits - 6);
  const bool id_ok = !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
  return id_ok ? std::optional(sequence) : std::nullopt;
}

std::string SequenceName(std::uint64_t sequence, const std::string& report_id) {
  std::string digits = std::to_string(sequence);
  if (digits.size() < kSequenceDigits) digits.insert(0, kSequenceDigits - digits.size(), '0');
  return digits + "-" + report_id + ".json";
}

// The server's error message ({"error":{"code","message"}}), if it sent one.
std::string ServerMessage(const fetch::ApiResponse& response) {
  Result<json::Value> body = json::Parse(response.body);
  if (!body.ok()) return "";
  const json::Value* error = body->Find("error");
  const json::Value* message = error != nullptr ? error->Find("message") : nullptr;
  if (message == nullptr || !message->is_string()) return "";
  return ProtocolText(message->string_value(), 200);
}

// "HTTP 422 (the server's message)".
std::string Describe(const fetch::ApiResponse& response) {
  std::string text = "HTTP " + std::to_string(response.status);
  if (const std::string detail = ServerMessage(response); !detail.empty()) {
    text += " (" + detail + ")";
  }
  return text;
}

// An answer that is not what `what` expected, as an error.
Error ServerError(const std::string& what, const fetch::ApiResponse& response) {
  std::string message = what + ": " + Describe(response);
  if (response.status == 401) return Error(ErrorCode::kUnauthenticated, std::move(message));
  if (response.status == 403) return Error(ErrorCode::kPermissionDenied, std::move(message));
  return Error(ErrorCode::kHttpStatus, std::move(message));
}

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "";
  return ProtocolText(name, 255);
}

}  // namespace

FleetClient::FleetClient(FleetConfig config, std::string state_dir, FleetDevice device,
                         FileSystem& fs, fetch::ApiClient& api, const Clock& clock, Logger log)
    : config_(std::move(config)),
      state_dir_(std::move(state_dir)),
      device_(std::move(device)),
      fs_(fs),
      api_(api),
      clock_(clock),
      log_(std::move(log)) {}

std::string FleetClient::Path(std::string_view name) const {
  return JoinPath(JoinPath(state_dir_, "fleet"), name);
}

std::string FleetClient::Url(std::string_view path) const {
  return config_.server_url + std::string(path);
}

void FleetClient::Log(const std::string& line) const {
  if (log_) log_(line);
}

Result<fetch::ApiResponse> FleetClient::Call(
    const std::string& method, std::string_view path, const std::string& token, std::string body,
    std::vector<std::pair<std::string, std::string>> headers) {
  fetch::ApiRequest request;
  request.method = method;
  request.url = Url(path);
  request.headers = {{"Authorization", "Bearer " + token}};
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  for (auto& header : headers) request.headers.push_back(std::move(header));
  request.body = std::move(body);
  request.max_bytes = protocol::kMaxBodyBytes;
  return api_.Send(request);
}

// ---- Credentials and enrollment

Result<std::optional<FleetClient::Credentials>> FleetClient::LoadCredentials() {
  const std::string path = Path("credentials.json");
  if (!fs_.Exists(path)) return std::optional<Credentials>();
  BSI_ASSIGN_OR_RETURN(const std::string bytes, fs_.ReadFile(path, kMaxFileBytes));
  Result<json::Value> value = json::Parse(bytes);
  const json::Value* url = value.ok() ? value->Find("server_url") : nullptr;
  const json::Value* id = value.ok() ? value->Find("device_id") : nullptr;
  const json::Value* token = value.ok() ? value->Find("device_token") : nullptr;
  const json::Value* group = value.ok() ? value->Find("group") : nullptr;
  if (url == nullptr || id == nullptr || token == nullptr || group == nullptr ||
      !url->is_string() || !id->is_string() || !token->is_string() || !group->is_string()) {
    Log("fleet: " + path + " does not parse; enrolling again");
    return std::optional<Credentials>();
  }
  // Credentials of another server are no credentials for this one.
  if (url->string_value() != config_.server_url) return std::optional<Credentials>();
  return std::optional(
      Credentials{id->string_value(), token->string_value(), group->string_value()});
}

Result<std::string> FleetClient::EnrollmentToken() {
  std::string token = config_.enrollment_token;
  if (!config_.enrollment_token_file.empty()) {
    Result<std::string> bytes = fs_.ReadFile(config_.enrollment_token_file, kMaxTokenBytes);
    if (!bytes.ok()) return bytes.error().WithContext("fleet.enrollment_token_file");
    token = *bytes;
  }
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  if (token.empty()) {
    return Error(ErrorCode::kUnauthenticated,
                 "fleet server: the device is not enrolled and no enrollment token is configured "
                 "(fleet.enrollment_token_file)");
  }
  return token;
}

Result<FleetClient::Credentials> FleetClient::Enroll(std::string_view base_version) {
  BSI_ASSIGN_OR_RETURN(const std::string token, EnrollmentToken());
  protocol::EnrollRequest enroll{device_.device_id, device_.product, std::string(base_version),
                                 HostName()};
  // What the server would refuse is not sent (a device id that is no
  // identifier, a malformed base version).
  if (Result<protocol::EnrollRequest> valid =
          protocol::ParseEnrollRequest(protocol::ToJson(enroll));
      !valid.ok()) {
    return Error(ErrorCode::kInvalidArgument, "fleet enrollment: " + valid.error().message());
  }
  BSI_ASSIGN_OR_RETURN(
      const fetch::ApiResponse response,
      Call("POST", "/api/v1/enroll", token, json::ToCompactString(protocol::ToJson(enroll))));
  if (response.status != 200 && response.status != 201) {
    return ServerError("fleet server: enrollment", response);
  }
  BSI_ASSIGN_OR_RETURN(const json::Value body, json::Parse(response.body));
  BSI_ASSIGN_OR_RETURN(const protocol::EnrollResponse enrolled,
                       protocol::ParseEnrollResponse(body));
  const json::Object file{
      {"format", kFileFormat},           {"server_url", config_.server_url},
      {"device_id", enrolled.device_id}, {"device_token", enrolled.device_token},
      {"group", enrolled.group},         {"enrolled", FormatUtcTimestamp(clock_.Now())}};
  BSI_TRY(CreateDirs(fs_, JoinPath(state_dir_, "fleet"), DirDurability::kSynced));
  BSI_TRY(WriteFileAtomically(fs_, Path("credentials.json"), json::ToPrettyString(file), 0600));
  Log("fleet: enrolled with " + config_.server_url + " as " + enrolled.device_id + " (group " +
      enrolled.group + ")");
  return Credentials{enrolled.device_id, enrolled.device_token, enrolled.group};
}

Result<FleetClient::Credentials> FleetClient::EnsureEnrolled(std::string_view base_version) {
  BSI_ASSIGN_OR_RETURN(const std::optional<Credentials> held, LoadCredentials());
  if (held.has_value()) return *held;
  return Enroll(base_version);
}

// ---- Declarations

Result<std::optional<FleetClient::Cache>> FleetClient::LoadCache() {
  const std::string path = Path("declarations.json");
  if (!fs_.Exists(path)) return std::optional<Cache>();
  BSI_ASSIGN_OR_RETURN(const std::string bytes, fs_.ReadFile(path, kMaxFileBytes));
  Result<json::Value> value = json::Parse(bytes);
  const json::Value* url = value.ok() ? value->Find("server_url") : nullptr;
  const json::Value* etag = value.ok() ? value->Find("etag") : nullptr;
  const json::Value* received = value.ok() ? value->Find("received") : nullptr;
  const json::Value* declarations = value.ok() ? value->Find("declarations") : nullptr;
  Result<UnixTime> time = received != nullptr && received->is_string()
                              ? ParseUtcTimestamp(received->string_value())
                              : Result<UnixTime>(Error(ErrorCode::kCorruptState, ""));
  if (url == nullptr || !url->is_string() || etag == nullptr || !etag->is_string() || !time.ok() ||
      declarations == nullptr) {
    return Error(ErrorCode::kCorruptState, path + " does not parse");
  }
  Result<protocol::Declarations> parsed = protocol::ParseDeclarations(*declarations);
  if (!parsed.ok()) return parsed.error().WithContext(path);
  return std::optional(Cache{url->string_value(), etag->string_value(), *time, std::move(*parsed)});
}

Result<std::optional<protocol::Declarations>> FleetClient::CachedDeclarations() {
  BSI_ASSIGN_OR_RETURN(const std::optional<Cache> cache, LoadCache());
  if (!cache.has_value()) return std::optional<protocol::Declarations>();
  return std::optional(cache->declarations);
}

Result<protocol::Declarations> FleetClient::FetchDeclarations(std::string_view base_version,
                                                              const std::optional<Cache>& cache) {
  BSI_ASSIGN_OR_RETURN(Credentials credentials, EnsureEnrolled(base_version));
  for (int attempt = 0;; ++attempt) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (cache.has_value() && cache->server_url == config_.server_url && !cache->etag.empty()) {
      headers.emplace_back("If-None-Match", cache->etag);
    }
    BSI_ASSIGN_OR_RETURN(
        const fetch::ApiResponse response,
        Call("GET", "/api/v1/device/declarations", credentials.device_token, "", headers));
    if (response.status == 401 && attempt == 0 && !EnrollmentToken().ok()) {
      return ServerError("fleet server: declarations", response);
    }
    if (response.status == 401 && attempt == 0) {
      Log("fleet: the server refused the device token; enrolling again");
      BSI_ASSIGN_OR_RETURN(credentials, Enroll(base_version));
      continue;
    }
    if (response.status == 304 && !headers.empty()) return cache->declarations;
    if (response.status != 200) return ServerError("fleet server: declarations", response);
    BSI_ASSIGN_OR_RETURN(const json::Value body, json::Parse(response.body));
    BSI_ASSIGN_OR_RETURN(protocol::Declarations declarations, protocol::ParseDeclarations(body));
    const json::Object file{{"format", kFileFormat},
                            {"server_url", config_.server_url},
                            {"etag", response.Header("etag")},
                            {"received", FormatUtcTimestamp(clock_.Now())},
                            {"declarations", protocol::ToJson(declarations)}};
    BSI_TRY(CreateDirs(fs_, JoinPath(state_dir_, "fleet"), DirDurability::kSynced));
    BSI_TRY(WriteFileAtomically(fs_, Path("declarations.json"), json::ToPrettyString(file)));
    return declarations;
  }
}

Result<protocol::Declarations> FleetClient::PullDeclarations(std::string_view base_version) {
  Result<std::optional<Cache>> cache = LoadCache();
  if (!cache.ok()) {
    Log("fleet: " + cache.error().ToString() + "; pulling the declarations again");
    cache = std::optional<Cache>();
  }
  Result<protocol::Declarations> fresh = FetchDeclarations(base_version, *cache);
  if (fresh.ok()) return fresh;
  if (!cache->has_value()) {
    return fresh.error().WithContext(
        "no declarations from the fleet server yet (nothing is installed until they come)");
  }
  Log("fleet: " + fresh.error().ToString() + "; obeying the declarations received " +
      FormatUtcTimestamp((*cache)->received));
  return (*cache)->declarations;
}

// ---- The report queue

Result<std::vector<std::string>> FleetClient::QueuedReports() {
  const std::string outbox = Path("outbox");
  std::vector<std::string> reports;
  if (!fs_.Exists(outbox)) return reports;
  BSI_ASSIGN_OR_RETURN(const std::vector<std::string> names, fs_.ListDir(outbox));
  for (const std::string& name : names) {
    if (SequenceOf(name).has_value()) reports.push_back(name);
  }
  return reports;  // ListDir sorts, and the sequence is zero-padded
}

Status FleetClient::Enqueue(const protocol::StatusReport& report) {
  const std::string outbox = Path("outbox");
  BSI_TRY(CreateDirs(fs_, outbox, DirDurability::kSynced));
  // Temporary files of writes a crash interrupted (the state lock rules out
  // a writer at work).
  BSI_ASSIGN_OR_RETURN(const std::vector<std::string> names, fs_.ListDir(outbox));
  for (const std::string& name : names) {
    if (name.find(".tmp.") != std::string::npos) (void)fs_.RemoveFile(JoinPath(outbox, name));
  }
  BSI_ASSIGN_OR_RETURN(std::vector<std::string> queued, QueuedReports());
  const std::uint64_t next = queued.empty() ? 1 : *SequenceOf(queued.back()) + 1;
  const std::string name = SequenceName(next, report.report_id);
  BSI_TRY(WriteFileAtomically(fs_, JoinPath(outbox, name),
                              json::ToCompactString(protocol::ToJson(report))));
  queued.push_back(name);
  const auto limit =
      static_cast<std::size_t>(std::max<std::int64_t>(config_.report_queue_limit, 1));
  if (queued.size() <= limit) return Ok();
  const std::size_t drop = queued.size() - limit;
  for (std::size_t i = 0; i < drop; ++i) BSI_TRY(fs_.RemoveFile(JoinPath(outbox, queued[i])));
  Log("fleet: report queue full (" + std::to_string(limit) + "): dropped the " +
      std::to_string(drop) + " oldest");
  return fs_.SyncDir(outbox);
}

Result<std::size_t> FleetClient::SendQueued(std::string_view base_version) {
  const std::string outbox = Path("outbox");
  BSI_ASSIGN_OR_RETURN(const std::vector<std::string> queued, QueuedReports());
  if (queued.empty()) return std::size_t{0};
  BSI_ASSIGN_OR_RETURN(Credentials credentials, EnsureEnrolled(base_version));
  std::size_t delivered = 0;
  bool reenrolled = false;
  Status stopped = Ok();
  for (const std::string& name : queued) {
    const std::string path = JoinPath(outbox, name);
    // Too large or unparsable (damaged on disk): dropped, or it would
    // block the queue for good.
    Result<std::string> body = fs_.ReadFile(path, protocol::kMaxBodyBytes);
    if (!body.ok() && body.error().code() != ErrorCode::kTooLarge) return body.error();
    Result<json::Value> value = body.ok() ? json::Parse(*body) : body.error();
    Result<protocol::StatusReport> report = value.ok()
                                                ? protocol::ParseStatusReport(*value)
                                                : Result<protocol::StatusReport>(value.error());
    if (!report.ok()) {
      Log("fleet: queued report " + name +
          " does not parse, dropped: " + report.error().ToString());
      BSI_TRY(fs_.RemoveFile(path));
      continue;
    }
    Result<fetch::ApiResponse> response = Error(ErrorCode::kInternal, "not sent");
    while (true) {
      response = Call("POST", "/api/v1/device/reports", credentials.device_token, *body,
                      {{"Idempotency-Key", report->report_id}});
      if (!response.ok() || response->status != 401 || reenrolled || !EnrollmentToken().ok()) {
        break;
      }
      Log("fleet: the server refused the device token; enrolling again");
      reenrolled = true;
      Result<Credentials> again = Enroll(base_version);
      if (!again.ok()) {
        response = again.error();
        break;
      }
      credentials = std::move(*again);
    }
    if (!response.ok()) {
      stopped = response.error();
      break;
    }
    const int status = response->status;
    if (status == 200 || status == 202) {
      ++delivered;
    } else if (status == 400 || status == 413 || status == 422) {
      Log("fleet: the server refused report " + report->report_id +
          " for good, dropped: " + Describe(*response));
    } else {
      stopped = ServerError("fleet server: report " + report->report_id, *response);
      break;
    }
    BSI_TRY(fs_.RemoveFile(path));
  }
  BSI_TRY(fs_.SyncDir(outbox));
  if (!stopped.ok()) return stopped.error();
  return delivered;
}

Result<FleetStatus> FleetClient::ReadStatus() {
  FleetStatus status;
  status.server_url = config_.server_url;
  BSI_ASSIGN_OR_RETURN(const std::optional<Credentials> credentials, LoadCredentials());
  if (credentials.has_value()) {
    status.enrolled = true;
    status.device_id = credentials->device_id;
    status.group = credentials->group;
  }
  Result<std::optional<Cache>> cache = LoadCache();
  if (cache.ok() && cache->has_value()) {
    status.declarations = (*cache)->declarations;
    status.declarations_received = (*cache)->received;
  }
  BSI_ASSIGN_OR_RETURN(const std::vector<std::string> queued, QueuedReports());
  status.queued_reports = queued.size();
  return status;
}

}  // namespace bsi::agent
