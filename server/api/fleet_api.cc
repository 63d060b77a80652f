#include "server/api/fleet_api.h"

#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "bsi/core/time_format.h"
#include "bsi/crypto/hash.h"
#include "bsi/json/fields.h"
#include "bsi/release/improvement.h"

#include "server/api/api_util.h"
#include "server/api/device_auth_cache.h"
#include "server/api/report_ingestor.h"
#include "server/api/secrets.h"

namespace bsi::server {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using http::Responder;

json::Value TimeOrNull(const std::optional<UnixTime>& time) {
  return time.has_value() ? json::Value(FormatUtcTimestamp(*time)) : json::Value();
}

json::Value StringOrNull(const std::optional<std::string>& text) {
  return text.has_value() ? json::Value(*text) : json::Value();
}

json::Array Strings(const std::vector<std::string>& items) {
  return json::Array(items.begin(), items.end());
}

json::Value DeviceJson(const DeviceRow& d) {
  return json::Object{
      {"id", d.id},
      {"group", d.group},
      {"product", d.product},
      {"base_version", d.base_version},
      {"hostname", d.hostname},
      {"running", StringOrNull(d.running)},
      {"auto_install", d.auto_install},
      {"install_state", d.install_state.has_value()
                            ? json::Value(protocol::InstallStateName(*d.install_state))
                            : json::Value()},
      {"failure", d.failure},
      {"enrolled", FormatUtcTimestamp(d.enrolled)},
      {"last_report", TimeOrNull(d.last_report)},
  };
}

json::Value GroupJson(const Group& g) {
  protocol::Declarations d;
  d.group = g.name;
  d.auto_install = g.auto_install;
  d.deferral_days = g.deferral_days;
  d.approval_required = g.approval_required;
  d.maintenance_window = g.maintenance_window;
  json::Value out = protocol::ToJson(d);
  json::Object& o = out.object();
  o.erase("format");
  o.erase("approved");
  o.erase("held");
  o.erase("group");
  o["name"] = g.name;
  o["updated"] = FormatUtcTimestamp(g.updated);
  return out;
}

json::Value HoldJson(const Hold& h) {
  return json::Object{{"group", h.group},
                      {"improvement", h.improvement},
                      {"cause", h.cause},
                      {"created", FormatUtcTimestamp(h.created)},
                      {"cleared", TimeOrNull(h.cleared)},
                      {"cleared_by", h.cleared_by}};
}

json::Value ProgressJson(const RolloutProgress& p) {
  return json::Object{{"group", p.group},
                      {"devices", p.devices},
                      {"available", p.available},
                      {"pending", p.pending},
                      {"installed", p.installed},
                      {"failed", p.failed},
                      {"rolled_back", p.rolled_back},
                      {"not_reported", p.not_reported}};
}

// The group settings of a PUT body: the Declarations fields an admin sets,
// checked by the protocol's own parser.
Result<Group> ParseGroupBody(const json::Value& body, const std::string& name, UnixTime now) {
  BSI_ASSIGN_OR_RETURN(const json::Object* object, json::AsObject(body, "group"));
  BSI_TRY(json::OnlyKnownFields(
      *object, {"auto_install", "deferral_days", "approval_required", "maintenance_window"},
      "group"));
  json::Object full = *object;
  full.emplace("auto_install", "allowed");
  full.emplace("deferral_days", 0);
  full.emplace("approval_required", false);
  full.emplace("maintenance_window", nullptr);
  full["format"] = protocol::kFormat;
  full["group"] = name;
  full["approved"] = json::Array{};
  full["held"] = json::Array{};
  BSI_ASSIGN_OR_RETURN(protocol::Declarations d, protocol::ParseDeclarations(full));
  Group group;
  group.name = name;
  group.auto_install = d.auto_install;
  group.deferral_days = d.deferral_days;
  group.approval_required = d.approval_required;
  group.maintenance_window = d.maintenance_window;
  group.updated = now;
  return group;
}

// A strong validator of the declarations' bytes.
std::string ETagOf(std::string_view body) {
  return "\"" + crypto::Sha256Hex(body).substr(0, 32) + "\"";
}

bool IfNoneMatchMatches(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == etag || item == "*") return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

struct FleetApi::Impl {
  Impl(FleetDb& db_in, const Clock& clock_in, ApiOptions options_in)
      : db(db_in),
        clock(clock_in),
        options(std::move(options_in)),
        ingestor(db, ReportIngestor::Options{options.ingest_max_batch, 20000},
                 [this](std::span<const IncomingReport> stored) { CheckSafeMode(stored); }) {}

  FleetDb& db;
  const Clock& clock;
  const ApiOptions options;
  // Before the ingestor: its last callbacks use the cache.
  DeviceAuthCache device_cache{DeviceAuthCache::Options{}};
  ReportIngestor ingestor;

  // ---- Devices

  HttpResponse Enroll(const HttpRequest& request) {
    const std::optional<std::string_view> header = request.Header("Authorization");
    const std::optional<std::string_view> token =
        header.has_value() ? BearerToken(*header) : std::nullopt;
    if (!token.has_value()) {
      return ErrorAsResponse(Error(ErrorCode::kUnauthenticated,
                                   "an enrollment token is required (Authorization: Bearer)"));
    }
    Result<json::Value> body = JsonBody(request);
    if (!body.ok()) return ErrorAsResponse(body.error());
    Result<protocol::EnrollRequest> enroll = protocol::ParseEnrollRequest(*body);
    if (!enroll.ok()) return ErrorAsResponse(enroll.error());
    Result<std::string> device_token = NewToken(kDeviceTokenPrefix);
    if (!device_token.ok()) return ErrorAsResponse(device_token.error());
    Result<std::string> group =
        db.EnrollDevice(HashToken(*token), *enroll, HashToken(*device_token), clock.Now());
    if (!group.ok()) return ErrorAsResponse(group.error());
    return JsonOf(
        201, protocol::ToJson(protocol::EnrollResponse{enroll->device_id, *device_token, *group}));
  }

  HttpResponse GetDeclarations(const HttpRequest& request) {
    Result<DeviceRow> device = AuthenticateDevice(db, request);
    if (!device.ok()) return ErrorAsResponse(device.error());
    Result<protocol::Declarations> declarations = db.Declarations(device->group);
    if (!declarations.ok()) return ErrorAsResponse(declarations.error());
    std::string body = json::ToCompactString(protocol::ToJson(*declarations));
    const std::string etag = ETagOf(body);
    const std::optional<std::string_view> if_none_match = request.Header("If-None-Match");
    HttpResponse response;
    if (if_none_match.has_value() && IfNoneMatchMatches(*if_none_match, etag)) {
      response.status = 304;
    } else {
      response = http::JsonResponse(200, std::move(body));
    }
    response.AddHeader("ETag", etag);
    response.AddHeader("Cache-Control", "no-cache, private");
    return response;
  }

  // The device a report's token names: remembered for a while, since a
  // device reports often and the ingest checks the token again anyway.
  Result<DeviceAuthCache::Device> ReportingDevice(const std::string& token_hash) {
    const UnixTime now = clock.Now();
    if (std::optional<DeviceAuthCache::Device> known = device_cache.Find(token_hash, now)) {
      return *std::move(known);
    }
    BSI_ASSIGN_OR_RETURN(DeviceRow row, AuthenticateDevice(db, token_hash));
    DeviceAuthCache::Device device{std::move(row.id), std::move(row.group)};
    device_cache.Remember(token_hash, device, now);
    return device;
  }

  void PostReport(const HttpRequest& request, const Responder& respond) {
    Result<std::string> token_hash = DeviceTokenHash(request);
    if (!token_hash.ok()) return respond(ErrorAsResponse(token_hash.error()));
    Result<DeviceAuthCache::Device> device = ReportingDevice(*token_hash);
    if (!device.ok()) return respond(ErrorAsResponse(device.error()));
    Result<json::Value> body = JsonBody(request);
    if (!body.ok()) return respond(ErrorAsResponse(body.error()));
    Result<protocol::StatusReport> report = protocol::ParseStatusReport(*body);
    if (!report.ok()) return respond(ErrorAsResponse(report.error()));
    const std::optional<std::string_view> key = request.Header("Idempotency-Key");
    if (key.has_value() && *key != report->report_id) {
      return respond(ErrorAsResponse(
          json::Malformed("the Idempotency-Key header differs from the report's report_id")));
    }
    IncomingReport incoming;
    incoming.device_id = std::move(device->id);
    incoming.token_hash = *token_hash;
    incoming.group = std::move(device->group);
    incoming.received = clock.Now();
    incoming.report_json = request.body;  // parsed strictly above: valid JSON
    incoming.report = *std::move(report);
    ingestor.Submit(std::move(incoming), [this, respond, token_hash = *std::move(token_hash)](
                                             Result<IngestOutcome> outcome) {
      if (!outcome.ok()) {
        const ErrorCode code = outcome.error().code();
        if (code == ErrorCode::kUnauthenticated || code == ErrorCode::kNoSuchRecord) {
          device_cache.Forget(token_hash);
        }
        return respond(ErrorAsResponse(outcome.error()));
      }
      const bool stored = *outcome == IngestOutcome::kStored;
      respond(
          JsonOf(stored ? 202 : 200, json::Object{{"status", stored ? "stored" : "duplicate"}}));
    });
  }

  // ---- Safe mode

  void CheckSafeMode(std::span<const IncomingReport> stored) {
    if (!options.safe_mode.enabled) return;
    std::set<std::pair<std::string, std::string>> suspects;
    for (const IncomingReport& r : stored) {
      for (const protocol::ImprovementStatus& s : r.report.improvements) {
        if (s.state == protocol::ImprovementState::kFailed ||
            s.state == protocol::ImprovementState::kRolledBack) {
          suspects.emplace(r.group, s.id);
        }
      }
    }
    for (const auto& [group, improvement] : suspects) {
      Result<std::vector<RolloutProgress>> progress =
          db.Progress(improvement, std::string_view{group});
      if (!progress.ok() || progress->empty()) continue;
      const RolloutProgress& p = progress->front();
      const std::int64_t reporting = p.devices - p.not_reported;
      const std::int64_t bad = p.failed + p.rolled_back;
      if (reporting < options.safe_mode.min_devices || reporting <= 0) continue;
      const double share = static_cast<double>(bad) / static_cast<double>(reporting);
      if (share < options.safe_mode.failure_threshold) continue;
      Hold hold;
      hold.group = group;
      hold.improvement = improvement;
      hold.cause = std::to_string(bad) + " of " + std::to_string(reporting) +
                   " devices reporting it failed or rolled back (threshold " +
                   std::to_string(std::lround(options.safe_mode.failure_threshold * 100)) + "%)";
      hold.created = clock.Now();
      (void)db.AddHold(hold);
    }
  }

  // ---- Admin: devices

  HttpResponse ListDevices(const HttpRequest& request) {
    Result<std::map<std::string, std::string>> query =
        ParseQuery(request.query, {"group", "after", "limit"});
    if (!query.ok()) return ErrorAsResponse(query.error());
    DeviceFilter filter;
    if (auto it = query->find("group"); it != query->end()) filter.group = it->second;
    if (auto it = query->find("after"); it != query->end()) filter.after_id = it->second;
    Result<std::int64_t> limit = QueryInt(*query, "limit", 100, 1, 1000);
    if (!limit.ok()) return ErrorAsResponse(limit.error());
    filter.limit = *limit;
    Result<std::vector<DeviceRow>> devices = db.ListDevices(filter);
    if (!devices.ok()) return ErrorAsResponse(devices.error());
    json::Array items;
    for (const DeviceRow& d : *devices) items.push_back(DeviceJson(d));
    json::Object out{{"devices", std::move(items)}, {"next_after", nullptr}};
    if (static_cast<std::int64_t>(devices->size()) == filter.limit) {
      out["next_after"] = devices->back().id;
    }
    return JsonOf(200, out);
  }

  HttpResponse GetDevice(const HttpRequest& request) {
    Result<std::map<std::string, std::string>> query = ParseQuery(request.query, {"events"});
    if (!query.ok()) return ErrorAsResponse(query.error());
    Result<std::int64_t> events = QueryInt(*query, "events", 20, 0, 1000);
    if (!events.ok()) return ErrorAsResponse(events.error());
    Result<std::optional<DeviceDetail>> detail = db.GetDevice(request.params.at("id"), *events);
    if (!detail.ok()) return ErrorAsResponse(detail.error());
    if (!detail->has_value()) {
      return ErrorAsResponse(
          Error(ErrorCode::kNoSuchRecord, "no device \"" + request.params.at("id") + "\""));
    }
    const DeviceDetail& d = **detail;
    json::Value out = DeviceJson(d.device);
    json::Array components;
    for (const protocol::ComponentVersion& c : d.components) {
      components.push_back(json::Object{{"name", c.name}, {"version", c.version}});
    }
    protocol::StatusReport shape;  // serializes ImprovementStatus the wire's way
    shape.improvements = d.improvements;
    json::Value wire = protocol::ToJson(shape);
    json::Array history;
    for (const DeviceEvent& e : d.events) {
      Result<json::Value> report = json::Parse(e.report_json);
      history.push_back(json::Object{{"seq", e.seq},
                                     {"report_id", e.report_id},
                                     {"time", FormatUtcTimestamp(e.time)},
                                     {"received", FormatUtcTimestamp(e.received)},
                                     {"report", report.ok() ? *report : json::Value()}});
    }
    out.object()["components"] = std::move(components);
    out.object()["cves_fixed"] = Strings(d.cves_fixed);
    out.object()["improvements"] = wire.object()["improvements"];
    out.object()["events"] = std::move(history);
    return JsonOf(200, out);
  }

  HttpResponse MoveDevice(const HttpRequest& request) {
    Result<json::Value> body = JsonBody(request);
    if (!body.ok()) return ErrorAsResponse(body.error());
    Result<const json::Object*> object = json::AsObject(*body, "body");
    if (!object.ok()) return ErrorAsResponse(object.error());
    if (Status s = json::OnlyKnownFields(**object, {"group"}, "body"); !s.ok()) {
      return ErrorAsResponse(s.error());
    }
    Result<std::string> group = json::GetString(**object, "group", "body");
    if (!group.ok()) return ErrorAsResponse(group.error());
    if (Status s = db.SetDeviceGroup(request.params.at("id"), *group); !s.ok()) {
      return ErrorAsResponse(s.error());
    }
    return JsonOf(200, json::Object{{"id", request.params.at("id")}, {"group", *group}});
  }

  // ---- Admin: groups, approvals, holds

  HttpResponse ListGroups() {
    Result<std::vector<Group>> groups = db.ListGroups();
    if (!groups.ok()) return ErrorAsResponse(groups.error());
    json::Array items;
    for (const Group& g : *groups) items.push_back(GroupJson(g));
    return JsonOf(200, json::Object{{"groups", std::move(items)}});
  }

  HttpResponse GetGroup(const HttpRequest& request) {
    const std::string& name = request.params.at("name");
    Result<std::optional<Group>> group = db.GetGroup(name);
    if (!group.ok()) return ErrorAsResponse(group.error());
    if (!group->has_value()) {
      return ErrorAsResponse(Error(ErrorCode::kNoSuchRecord, "no group \"" + name + "\""));
    }
    Result<protocol::Declarations> declarations = db.Declarations(name);
    if (!declarations.ok()) return ErrorAsResponse(declarations.error());
    json::Value out = GroupJson(**group);
    out.object()["declarations"] = protocol::ToJson(*declarations);
    return JsonOf(200, out);
  }

  HttpResponse PutGroup(const HttpRequest& request) {
    const std::string& name = request.params.at("name");
    if (Status s = protocol::CheckIdentifier("group name", name); !s.ok()) {
      return ErrorAsResponse(s.error());
    }
    Result<json::Value> body = JsonBody(request);
    if (!body.ok()) return ErrorAsResponse(body.error());
    Result<Group> group = ParseGroupBody(*body, name, clock.Now());
    if (!group.ok()) return ErrorAsResponse(group.error());
    if (Status s = db.PutGroup(*group); !s.ok()) return ErrorAsResponse(s.error());
    return JsonOf(200, GroupJson(*group));
  }

  HttpResponse RemoveGroup(const HttpRequest& request) {
    if (Status s = db.RemoveGroup(request.params.at("name")); !s.ok()) {
      return ErrorAsResponse(s.error());
    }
    return HttpResponse{204, {}, {}, std::nullopt};
  }

  HttpResponse SetApproval(const HttpRequest& request, const AdminToken& actor, bool approved) {
    const std::string& group = request.params.at("name");
    const std::string& improvement = request.params.at("improvement");
    if (Status s = protocol::CheckImprovementId(improvement); !s.ok()) {
      return ErrorAsResponse(s.error());
    }
    if (Status s = db.SetApproval(group, improvement, approved, actor.name, clock.Now()); !s.ok()) {
      return ErrorAsResponse(s.error());
    }
    return JsonOf(
        200, json::Object{{"group", group}, {"improvement", improvement}, {"approved", approved}});
  }

  HttpResponse ListHolds(const HttpRequest& request) {
    Result<std::map<std::string, std::string>> query = ParseQuery(request.query, {"all"});
    if (!query.ok()) return ErrorAsResponse(query.error());
    const bool all = query->count("all") != 0 && query->at("all") == "true";
    Result<std::vector<Hold>> holds = db.ListHolds(!all);
    if (!holds.ok()) return ErrorAsResponse(holds.error());
    json::Array items;
    for (const Hold& h : *holds) items.push_back(HoldJson(h));
    return JsonOf(200, json::Object{{"holds", std::move(items)}});
  }

  HttpResponse ClearHold(const HttpRequest& request, const AdminToken& actor) {
    if (Status s = db.ClearHold(request.params.at("name"), request.params.at("improvement"),
                                actor.name, clock.Now());
        !s.ok()) {
      return ErrorAsResponse(s.error());
    }
    return HttpResponse{204, {}, {}, std::nullopt};
  }

  // ---- Admin: improvements, progress, exposure

  void RefreshCatalog() const {
    if (options.refresh_catalog) options.refresh_catalog();
  }

  HttpResponse ListImprovements() {
    RefreshCatalog();
    Result<std::vector<ImprovementInfo>> list = db.ListImprovements();
    if (!list.ok()) return ErrorAsResponse(list.error());
    json::Array items;
    for (const ImprovementInfo& i : *list) {
      items.push_back(json::Object{{"id", i.id},
                                   {"product", i.product},
                                   {"base_version", i.base_version},
                                   {"letter", i.letter},
                                   {"cves", Strings(i.cves)},
                                   {"withdrawn", i.withdrawn}});
    }
    return JsonOf(200, json::Object{{"improvements", std::move(items)}});
  }

  HttpResponse Progress(const HttpRequest& request) {
    Result<std::map<std::string, std::string>> query = ParseQuery(request.query, {"group"});
    if (!query.ok()) return ErrorAsResponse(query.error());
    std::optional<std::string_view> group;
    if (auto it = query->find("group"); it != query->end()) group = it->second;
    const std::string& improvement = request.params.at("id");
    RefreshCatalog();
    Result<std::vector<RolloutProgress>> progress = db.Progress(improvement, group);
    if (!progress.ok()) return ErrorAsResponse(progress.error());
    RolloutProgress total;
    total.group = "*";
    json::Array groups;
    for (const RolloutProgress& p : *progress) {
      groups.push_back(ProgressJson(p));
      total.devices += p.devices;
      total.available += p.available;
      total.pending += p.pending;
      total.installed += p.installed;
      total.failed += p.failed;
      total.rolled_back += p.rolled_back;
      total.not_reported += p.not_reported;
    }
    json::Value total_json = ProgressJson(total);
    total_json.object().erase("group");
    return JsonOf(200, json::Object{{"improvement", improvement},
                                    {"total", std::move(total_json)},
                                    {"groups", std::move(groups)}});
  }

  HttpResponse Exposure(const HttpRequest& request) {
    Result<std::map<std::string, std::string>> query =
        ParseQuery(request.query, {"cve", "limit", "after"});
    if (!query.ok()) return ErrorAsResponse(query.error());
    const auto cve = query->find("cve");
    if (cve == query->end()) {
      return ErrorAsResponse(json::Malformed("query parameter \"cve\" is required"));
    }
    if (Status s = release::CheckCveId(cve->second); !s.ok()) {
      return ErrorAsResponse(json::Malformed(s.error().message()));
    }
    Result<std::int64_t> limit = QueryInt(*query, "limit", 1000, 0, 100000);
    if (!limit.ok()) return ErrorAsResponse(limit.error());
    const auto after = query->find("after");
    RefreshCatalog();
    // The counts cover every exposed device; the list is one page (and one
    // more device, to tell whether there are more).
    Result<CveExposure> exposure =
        db.Exposure(cve->second, after == query->end() ? "" : after->second, *limit + 1);
    if (!exposure.ok()) return ErrorAsResponse(exposure.error());
    json::Object reasons;
    for (const auto& [reason, n] : exposure->by_reason) {
      reasons[std::string(ExposureReasonName(reason))] = n;
    }
    std::vector<ExposedDevice>& page = exposure->devices;
    const bool truncated = static_cast<std::int64_t>(page.size()) > *limit;
    if (truncated) page.resize(*limit);
    json::Array devices;
    for (const ExposedDevice& e : page) {
      devices.push_back(json::Object{{"device", e.device_id},
                                     {"group", e.group},
                                     {"improvement", e.improvement},
                                     {"reason", ExposureReasonName(e.reason)}});
    }
    json::Object answer{
        {"cve", cve->second},
        {"exposed", exposure->exposed},
        {"by_reason", std::move(reasons)},
        {"devices", std::move(devices)},
        {"truncated", truncated},
    };
    // The next page starts after the last device listed.
    if (truncated && !page.empty()) answer["next_after"] = page.back().device_id;
    return JsonOf(200, answer);
  }

  // ---- Admin: tokens

  HttpResponse CreateEnrollmentToken(const HttpRequest& request) {
    Result<json::Value> body = JsonBody(request);
    if (!body.ok()) return ErrorAsResponse(body.error());
    const std::string where = "enrollment token";
    Result<const json::Object*> object = json::AsObject(*body, where);
    if (!object.ok()) return ErrorAsResponse(object.error());
    if (Status s = json::OnlyKnownFields(**object, {"name", "group", "expires_in", "uses"}, where);
        !s.ok()) {
      return ErrorAsResponse(s.error());
    }
    EnrollmentToken token;
    token.created = clock.Now();
    Result<std::string> name = json::GetString(**object, "name", where);
    if (!name.ok()) return ErrorAsResponse(name.error());
    token.name = *name;
    token.group = "default";
    if (json::Find(**object, "group") != nullptr) {
      Result<std::string> group = json::GetString(**object, "group", where);
      if (!group.ok()) return ErrorAsResponse(group.error());
      token.group = *group;
    }
    for (const auto& [what, value] :
         {std::pair<std::string, std::string>{"name", token.name}, {"group", token.group}}) {
      if (Status s = protocol::CheckIdentifier(what, value); !s.ok()) {
        return ErrorAsResponse(s.error());
      }
    }
    if (const json::Value* expires = json::Find(**object, "expires_in");
        expires != nullptr && !expires->is_null()) {
      Result<std::int64_t> seconds =
          expires->is_string() ? ParseDuration(expires->string_value())
                               : Result<std::int64_t>(json::Malformed("expires_in is a duration"));
      if (!seconds.ok() || *seconds <= 0) {
        return ErrorAsResponse(json::Malformed("expires_in must be a duration such as \"7d\""));
      }
      token.expires = UnixTime{token.created.seconds + *seconds};
    }
    if (const json::Value* uses = json::Find(**object, "uses");
        uses != nullptr && !uses->is_null()) {
      if (!uses->is_int() || uses->int_value() < 1) {
        return ErrorAsResponse(json::Malformed("uses must be a positive integer or null"));
      }
      token.uses_left = uses->int_value();
    }
    Result<std::string> secret = NewToken(kEnrollmentTokenPrefix);
    if (!secret.ok()) return ErrorAsResponse(secret.error());
    token.token_hash = HashToken(*secret);
    if (Status s = db.AddEnrollmentToken(token); !s.ok()) return ErrorAsResponse(s.error());
    return JsonOf(
        201, json::Object{{"name", token.name},
                          {"group", token.group},
                          {"expires", TimeOrNull(token.expires)},
                          {"uses_left", token.uses_left.has_value() ? json::Value(*token.uses_left)
                                                                    : json::Value()},
                          {"token", *secret}});
  }

  HttpResponse ListEnrollmentTokens() {
    Result<std::vector<EnrollmentToken>> tokens = db.ListEnrollmentTokens();
    if (!tokens.ok()) return ErrorAsResponse(tokens.error());
    json::Array items;
    for (const EnrollmentToken& t : *tokens) {
      items.push_back(json::Object{
          {"name", t.name},
          {"group", t.group},
          {"created", FormatUtcTimestamp(t.created)},
          {"expires", TimeOrNull(t.expires)},
          {"uses_left", t.uses_left.has_value() ? json::Value(*t.uses_left) : json::Value()}});
    }
    return JsonOf(200, json::Object{{"enrollment_tokens", std::move(items)}});
  }

  HttpResponse CreateAdminToken(const HttpRequest& request) {
    Result<json::Value> body = JsonBody(request);
    if (!body.ok()) return ErrorAsResponse(body.error());
    const std::string where = "admin token";
    Result<const json::Object*> object = json::AsObject(*body, where);
    if (!object.ok()) return ErrorAsResponse(object.error());
    if (Status s = json::OnlyKnownFields(**object, {"name", "role"}, where); !s.ok()) {
      return ErrorAsResponse(s.error());
    }
    AdminToken token;
    token.created = clock.Now();
    Result<std::string> name = json::GetString(**object, "name", where);
    if (!name.ok()) return ErrorAsResponse(name.error());
    if (Status s = protocol::CheckIdentifier("name", *name); !s.ok()) {
      return ErrorAsResponse(s.error());
    }
    token.name = *name;
    Result<std::string> role_name = json::GetString(**object, "role", where);
    if (!role_name.ok()) return ErrorAsResponse(role_name.error());
    Result<Role> role = ParseRole(*role_name);
    if (!role.ok()) return ErrorAsResponse(role.error());
    token.role = *role;
    Result<std::string> secret = NewToken(kAdminTokenPrefix);
    if (!secret.ok()) return ErrorAsResponse(secret.error());
    token.token_hash = HashToken(*secret);
    if (Status s = db.AddAdminToken(token); !s.ok()) return ErrorAsResponse(s.error());
    return JsonOf(
        201,
        json::Object{{"name", token.name}, {"role", RoleName(token.role)}, {"token", *secret}});
  }

  HttpResponse ListAdminTokens() {
    Result<std::vector<AdminToken>> tokens = db.ListAdminTokens();
    if (!tokens.ok()) return ErrorAsResponse(tokens.error());
    json::Array items;
    for (const AdminToken& t : *tokens) {
      items.push_back(json::Object{{"name", t.name},
                                   {"role", RoleName(t.role)},
                                   {"created", FormatUtcTimestamp(t.created)}});
    }
    return JsonOf(200, json::Object{{"admin_tokens", std::move(items)}});
  }

  // ---- Operations

  HttpResponse Health() {
    Result<std::int64_t> version = db.SchemaVersion();
    if (!version.ok()) return ErrorAsResponse(version.error());
    return JsonOf(
        200,
        json::Object{{"status", "ok"}, {"database", db.engine()}, {"schema_version", *version}});
  }

  HttpResponse Metrics() {
    Result<FleetCounts> counts = db.Counts();
    if (!counts.ok()) return ErrorAsResponse(counts.error());
    const ReportIngestor::Stats stats = ingestor.stats();
    std::string out;
    const auto metric = [&out](std::string_view name, std::string_view type, std::string_view help,
                               const std::string& samples) {
      out += "# HELP " + std::string(name) + " " + std::string(help) + "\n";
      out += "# TYPE " + std::string(name) + " " + std::string(type) + "\n";
      out += samples;
    };
    const auto sample = [](std::string_view name, auto value, std::string_view labels = "") {
      return std::string(name) + std::string(labels) + " " + std::to_string(value) + "\n";
    };
    metric("bsi_fleet_devices", "gauge", "Enrolled devices.",
           sample("bsi_fleet_devices", counts->devices));
    std::string by_state;
    for (const auto& [state, n] : counts->devices_by_state) {
      by_state += sample("bsi_fleet_devices_by_state", n, "{state=\"" + state + "\"}");
    }
    metric("bsi_fleet_devices_by_state", "gauge", "Devices by the install state last reported.",
           by_state);
    metric("bsi_fleet_groups", "gauge", "Device groups.",
           sample("bsi_fleet_groups", counts->groups));
    metric("bsi_fleet_holds_active", "gauge", "Improvements held back by safe mode.",
           sample("bsi_fleet_holds_active", counts->active_holds));
    metric("bsi_fleet_report_events", "gauge", "Status reports kept in the history.",
           sample("bsi_fleet_report_events", counts->reports));
    metric("bsi_fleet_reports_total", "counter",
           "Status reports received by this server, by outcome.",
           sample("bsi_fleet_reports_total", stats.stored, "{outcome=\"stored\"}") +
               sample("bsi_fleet_reports_total", stats.duplicates, "{outcome=\"duplicate\"}") +
               sample("bsi_fleet_reports_total", stats.failed, "{outcome=\"failed\"}") +
               sample("bsi_fleet_reports_total", stats.refused_busy, "{outcome=\"busy\"}"));
    metric("bsi_fleet_ingest_batches_total", "counter", "Database transactions storing reports.",
           sample("bsi_fleet_ingest_batches_total", stats.batches));
    if (options.extra_metrics) out += options.extra_metrics();
    HttpResponse response;
    response.body = std::move(out);
    response.AddHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return response;
  }
};

FleetApi::FleetApi(FleetDb& db, const Clock& clock, ApiOptions options)
    : impl_(std::make_unique<Impl>(db, clock, std::move(options))) {}

FleetApi::~FleetApi() { Stop(); }

void FleetApi::Stop() { impl_->ingestor.Stop(); }

Status FleetApi::Register(http::Router& router) {
  Impl* impl = impl_.get();
  Status status = Ok();
  const auto add = [&router, &status](std::string_view method, std::string_view pattern,
                                      http::Handler handler) {
    if (status.ok()) status = router.Add(method, pattern, std::move(handler));
  };
  // A handler answering at once with what `f` returns.
  const auto sync = [](auto f) {
    return [f](HttpRequest& request, const Responder& respond) { respond(f(request)); };
  };
  // An admin handler: the token's role must be at least `least`.
  const auto admin = [impl](Role least, auto f) {
    return [impl, least, f](HttpRequest& request, const Responder& respond) {
      Result<AdminToken> token = AuthenticateAdmin(impl->db, request, least);
      if (!token.ok()) return respond(ErrorAsResponse(token.error()));
      respond(f(request, *token));
    };
  };
  using R = const HttpRequest&;
  using T = const AdminToken&;

  add("GET", "/healthz", sync([impl](R) { return impl->Health(); }));
  add("GET", "/metrics", sync([impl](R) { return impl->Metrics(); }));
  add("GET", "/openapi.json", sync([](R) {
        HttpResponse r = http::JsonResponse(200, std::string(OpenApiDocument()));
        r.AddHeader("Cache-Control", "no-cache");
        return r;
      }));

  add("POST", "/api/v1/enroll", sync([impl](R r) { return impl->Enroll(r); }));
  add("GET", "/api/v1/device/declarations", sync([impl](R r) { return impl->GetDeclarations(r); }));
  add("POST", "/api/v1/device/reports",
      [impl](HttpRequest& r, const Responder& respond) { impl->PostReport(r, respond); });

  add("GET", "/api/v1/whoami", admin(Role::kViewer, [](R, T t) {
        return JsonOf(200, json::Object{{"name", t.name}, {"role", RoleName(t.role)}});
      }));
  add("GET", "/api/v1/devices",
      admin(Role::kViewer, [impl](R r, T) { return impl->ListDevices(r); }));
  add("GET", "/api/v1/devices/{id}",
      admin(Role::kViewer, [impl](R r, T) { return impl->GetDevice(r); }));
  add("PUT", "/api/v1/devices/{id}/group",
      admin(Role::kOperator, [impl](R r, T) { return impl->MoveDevice(r); }));
  add("GET", "/api/v1/groups", admin(Role::kViewer, [impl](R, T) { return impl->ListGroups(); }));
  add("GET", "/api/v1/groups/{name}",
      admin(Role::kViewer, [impl](R r, T) { return impl->GetGroup(r); }));
  add("PUT", "/api/v1/groups/{name}",
      admin(Role::kAdmin, [impl](R r, T) { return impl->PutGroup(r); }));
  add("DELETE", "/api/v1/groups/{name}",
      admin(Role::kAdmin, [impl](R r, T) { return impl->RemoveGroup(r); }));
  add("PUT", "/api/v1/groups/{name}/approvals/{improvement}",
      admin(Role::kOperator, [impl](R r, T t) { return impl->SetApproval(r, t, true); }));
  add("DELETE", "/api/v1/groups/{name}/approvals/{improvement}",
      admin(Role::kOperator, [impl](R r, T t) { return impl->SetApproval(r, t, false); }));
  add("GET", "/api/v1/holds", admin(Role::kViewer, [impl](R r, T) { return impl->ListHolds(r); }));
  add("DELETE", "/api/v1/groups/{name}/holds/{improvement}",
      admin(Role::kOperator, [impl](R r, T t) { return impl->ClearHold(r, t); }));
  add("GET", "/api/v1/improvements",
      admin(Role::kViewer, [impl](R, T) { return impl->ListImprovements(); }));
  add("GET", "/api/v1/improvements/{id}/progress",
      admin(Role::kViewer, [impl](R r, T) { return impl->Progress(r); }));
  add("GET", "/api/v1/exposure",
      admin(Role::kViewer, [impl](R r, T) { return impl->Exposure(r); }));
  add("GET", "/api/v1/enrollment-tokens",
      admin(Role::kAdmin, [impl](R, T) { return impl->ListEnrollmentTokens(); }));
  add("POST", "/api/v1/enrollment-tokens",
      admin(Role::kAdmin, [impl](R r, T) { return impl->CreateEnrollmentToken(r); }));
  add("DELETE", "/api/v1/enrollment-tokens/{name}", admin(Role::kAdmin, [impl](R r, T) {
        if (Status s = impl->db.RemoveEnrollmentToken(r.params.at("name")); !s.ok()) {
          return ErrorAsResponse(s.error());
        }
        return HttpResponse{204, {}, {}, std::nullopt};
      }));
  add("GET", "/api/v1/admin-tokens",
      admin(Role::kAdmin, [impl](R, T) { return impl->ListAdminTokens(); }));
  add("POST", "/api/v1/admin-tokens",
      admin(Role::kAdmin, [impl](R r, T) { return impl->CreateAdminToken(r); }));
  add("DELETE", "/api/v1/admin-tokens/{name}", admin(Role::kAdmin, [impl](R r, T t) {
        if (r.params.at("name") == t.name) {
          return ErrorAsResponse(Error(ErrorCode::kConflict, "a token cannot remove itself"));
        }
        if (Status s = impl->db.RemoveAdminToken(r.params.at("name")); !s.ok()) {
          return ErrorAsResponse(s.error());
        }
        return HttpResponse{204, {}, {}, std::nullopt};
      }));
  return status;
}

}  // namespace bsi::server
