// bsi-agent with a fleet server, end to end on loopback: the agent runs as
// a real process (tests/agent_fixture.h) against a repository published
// with `bsi` and a fake fleet server that keeps the HTTP contract of
// docs/agent.md ("Fleet server"): enrollment with a token, declarations
// with an ETag, status reports deduplicated by their Idempotency-Key.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "bsi/core/time_format.h"
#include "bsi/json/json.h"
#include "bsi/protocol/protocol.h"

#include "tests/agent_fixture.h"

namespace bsi::tests {
namespace {

namespace fs = std::filesystem;
using Server = testing::HttpTestServer;

constexpr const char* kEnrollmentToken = "enroll-secret-1";
constexpr const char* kImprovementA = "acme-os 26.3.1 (a)";

Server::Response Json(int status, const json::Value& body) {
  Server::Response response;
  response.status = status;
  response.body = json::ToCompactString(body);
  response.headers["Content-Type"] = "application/json";
  return response;
}

Server::Response Refuse(int status, const std::string& code) {
  return Json(status, json::Object{{"error", json::Object{{"code", code}, {"message", code}}}});
}

// The fleet server's contract, in memory. Handlers run on the server's
// thread; the test reads between agent runs, under the same mutex.
class FakeFleet {
 public:
  FakeFleet() { declarations_.group = "kiosks"; }

  void Serve(Server& server) {
    server.SetHandler("/api/v1/enroll", [this](const Server::Request& r) { return Enroll(r); });
    server.SetHandler("/api/v1/device/declarations",
                      [this](const Server::Request& r) { return Declarations(r); });
    server.SetHandler("/api/v1/device/reports",
                      [this](const Server::Request& r) { return Report(r); });
  }

  void SetDeclarations(const protocol::Declarations& declarations) {
    std::lock_guard lock(mu_);
    declarations_ = declarations;
    ++version_;
  }
  // 0: reports are accepted; else every report is answered with this status.
  void SetReportStatus(int status) {
    std::lock_guard lock(mu_);
    report_status_ = status;
  }
  // The next report is stored, but its answer is lost (a 503 instead).
  void LoseNextAck() {
    std::lock_guard lock(mu_);
    lose_next_ack_ = true;
  }
  void RevokeDeviceTokens() {
    std::lock_guard lock(mu_);
    tokens_.clear();
  }

  int enrollments() {
    std::lock_guard lock(mu_);
    return static_cast<int>(enrollments_.size());
  }
  std::vector<protocol::EnrollRequest> enroll_requests() {
    std::lock_guard lock(mu_);
    return enrollments_;
  }
  // The If-None-Match of each declarations request ("" when absent), and
  // the status answered.
  std::vector<std::pair<std::string, int>> declaration_requests() {
    std::lock_guard lock(mu_);
    return declaration_requests_;
  }
  // The Idempotency-Key of every report request, in order.
  std::vector<std::string> report_keys() {
    std::lock_guard lock(mu_);
    return report_keys_;
  }
  // The reports stored, each once, in the order they arrived.
  std::vector<protocol::StatusReport> reports() {
    std::lock_guard lock(mu_);
    return reports_;
  }
  protocol::StatusReport LastReport() {
    std::lock_guard lock(mu_);
    EXPECT_FALSE(reports_.empty());
    return reports_.empty() ? protocol::StatusReport() : reports_.back();
  }

 private:
  bool Authorized(const Server::Request& request) {
    const auto auth = request.headers.find("authorization");
    return auth != request.headers.end() && auth->second.starts_with("Bearer ") &&
           tokens_.count(auth->second.substr(7)) != 0;
  }

  Server::Response Enroll(const Server::Request& request) {
    std::lock_guard lock(mu_);
    const auto auth = request.headers.find("authorization");
    if (request.method != "POST" || auth == request.headers.end() ||
        auth->second != std::string("Bearer ") + kEnrollmentToken) {
      return Refuse(401, "unauthenticated");
    }
    Result<json::Value> body = json::Parse(request.body);
    Result<protocol::EnrollRequest> enroll =
        body.ok() ? protocol::ParseEnrollRequest(*body) : body.error();
    if (!enroll.ok()) return Refuse(400, "malformed");
    enrollments_.push_back(*enroll);
    const std::string token = "device-token-" + std::to_string(enrollments_.size());
    tokens_.insert(token);
    return Json(201,
                protocol::ToJson(protocol::EnrollResponse{enroll->device_id, token, "kiosks"}));
  }

  Server::Response Declarations(const Server::Request& request) {
    std::lock_guard lock(mu_);
    const auto tag = request.headers.find("if-none-match");
    const std::string sent = tag == request.headers.end() ? "" : tag->second;
    const std::string etag = "\"v" + std::to_string(version_) + "\"";
    Server::Response response;
    if (!Authorized(request)) {
      response = Refuse(401, "unauthenticated");
    } else if (sent == etag) {
      response.status = 304;
    } else {
      response = Json(200, protocol::ToJson(declarations_));
      response.headers["ETag"] = etag;
    }
    declaration_requests_.emplace_back(sent, response.status);
    return response;
  }

  Server::Response Report(const Server::Request& request) {
    std::lock_guard lock(mu_);
    const auto key = request.headers.find("idempotency-key");
    report_keys_.push_back(key == request.headers.end() ? "" : key->second);
    if (!Authorized(request)) return Refuse(401, "unauthenticated");
    if (report_status_ != 0) return Refuse(report_status_, "refused");
    Result<json::Value> body = json::Parse(request.body);
    Result<protocol::StatusReport> report =
        body.ok() ? protocol::ParseStatusReport(*body) : body.error();
    if (!report.ok()) return Refuse(422, "invalid");
    EXPECT_EQ(report_keys_.back(), report->report_id);
    const bool duplicate = std::any_of(reports_.begin(), reports_.end(), [&](const auto& r) {
      return r.report_id == report->report_id;
    });
    if (!duplicate) reports_.push_back(*report);
    if (lose_next_ack_) {
      lose_next_ack_ = false;
      return Refuse(503, "unavailable");
    }
    Server::Response response;
    response.status = duplicate ? 200 : 202;
    return response;
  }

  std::mutex mu_;
  protocol::Declarations declarations_;
  int version_ = 1;
  int report_status_ = 0;
  bool lose_next_ack_ = false;
  std::set<std::string> tokens_;
  std::vector<protocol::EnrollRequest> enrollments_;
  std::vector<std::pair<std::string, int>> declaration_requests_;
  std::vector<std::string> report_keys_;
  std::vector<protocol::StatusReport> reports_;
};

// A copy, so that a report returned by value may be passed.
std::optional<protocol::ImprovementStatus> Find(const protocol::StatusReport& report,
                                                const std::string& id) {
  for (const auto& status : report.improvements) {
    if (status.id == id) return status;
  }
  ADD_FAILURE() << "the report has no entry for " << id;
  return std::nullopt;
}

class AgentFleetTest : public AgentFixture {
 protected:
  void SetUp() override {
    AgentFixture::SetUp();
    WriteAll(work_ / "enrollment-token", std::string(kEnrollmentToken) + "\n");
    ::chmod(Path("enrollment-token").c_str(), 0600);
    fleet_server_ = std::make_unique<Server>();
    fleet_.Serve(*fleet_server_);
    ASSERT_TRUE(fleet_server_->Start().ok());
    WriteFleetConfig();
  }
  void TearDown() override {
    if (fleet_server_ != nullptr) fleet_server_->Stop();
    AgentFixture::TearDown();
  }

  // fleet_extra: more lines for [fleet]; restart: give webkit a restart
  // command (so its installs wait for a maintenance window).
  void WriteFleetConfig(const std::string& fleet_extra = "", bool restart = false) {
    const std::string url = fleet_server_->BaseUrl();
    extra_sections_ = "[fleet]\nserver_url = \"" + url.substr(0, url.size() - 1) + "\"\n" +
                      "enrollment_token_file = \"" + Path("enrollment-token") + "\"\n" +
                      fleet_extra;
    component_extra_ = restart ? "restart = [\"/usr/bin/true\"]\n" : "";
    WriteConfig("\"/usr/bin/true\"");
  }

  // A new fleet server (on another port: the old one is gone), same state.
  void RestartFleetServer() {
    fleet_server_ = std::make_unique<Server>();
    fleet_.Serve(*fleet_server_);
    ASSERT_TRUE(fleet_server_->Start().ok());
    WriteFleetConfig();
  }

  void CheckNow(int expected_exit = 0) {
    ProcessResult check = Agent({"check-now"});
    EXPECT_EQ(check.exit_code, expected_exit) << check.out << check.err;
    last_err_ = check.err;
  }

  std::vector<std::string> Outbox() {
    std::vector<std::string> names;
    if (!fs::exists(work_ / "state/fleet/outbox")) return names;
    for (const auto& entry : fs::directory_iterator(work_ / "state/fleet/outbox")) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  protocol::Declarations Declared() {
    protocol::Declarations d;
    d.group = "kiosks";
    return d;
  }

  FakeFleet fleet_;
  std::unique_ptr<Server> fleet_server_;
  std::string last_err_;
};

TEST_F(AgentFleetTest, EnrollsOnceAndKeepsItsCredentialsPrivate) {
  CheckNow();
  ASSERT_EQ(fleet_.enrollments(), 1);
  const protocol::EnrollRequest enroll = fleet_.enroll_requests()[0];
  EXPECT_EQ(enroll.device_id, "device-17");
  EXPECT_EQ(enroll.product, "acme-os");
  EXPECT_EQ(enroll.base_version, "26.3.1");
  struct stat info {};
  ASSERT_EQ(::stat(Path("state/fleet/credentials.json").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_NE(ReadAll(work_ / "state/fleet/credentials.json").find("device-token-1"),
            std::string::npos);

  CheckNow();
  ASSERT_EQ(Agent({"settings", "auto-install", "off"}).exit_code, 0);
  EXPECT_EQ(fleet_.enrollments(), 1);  // not repeated
  EXPECT_EQ(fleet_.reports().size(), 3u);
  json::Value status = Status();
  const json::Value* fleet = status.Find("fleet");
  ASSERT_NE(fleet, nullptr);
  EXPECT_TRUE(fleet->Find("enrolled")->bool_value());
  EXPECT_EQ(fleet->Find("device_id")->string_value(), "device-17");
  EXPECT_EQ(fleet->Find("group")->string_value(), "kiosks");
  EXPECT_EQ(fleet->Find("queued_reports")->int_value(), 0);
  EXPECT_EQ(status.Find("auto_install_effective")->bool_value(), false);
  ProcessResult human = Agent({"status"});
  EXPECT_NE(human.out.find("fleet server: http://127.0.0.1:"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("group kiosks"), std::string::npos) << human.out;
}

TEST_F(AgentFleetTest, PullsDeclarationsWithTheirETag) {
  CheckNow();
  CheckNow();
  protocol::Declarations deferred = Declared();
  deferred.deferral_days = 3;
  fleet_.SetDeclarations(deferred);
  CheckNow();
  const auto requests = fleet_.declaration_requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0], std::make_pair(std::string(), 200));
  EXPECT_EQ(requests[1], std::make_pair(std::string("\"v1\""), 304));  // unchanged
  EXPECT_EQ(requests[2], std::make_pair(std::string("\"v1\""), 200));  // changed: v2
  const json::Value status = Status();
  EXPECT_EQ(status.Find("fleet")->Find("declarations")->Find("deferral_days")->int_value(), 3);
  EXPECT_NE(ReadAll(work_ / "state/fleet/declarations.json").find("v2"), std::string::npos);
}

TEST_F(AgentFleetTest, ALockOffInstallsNothingAndReportsTheImprovementAvailable) {
  protocol::Declarations off = Declared();
  off.auto_install = protocol::AutoInstallMode::kAlwaysOff;
  fleet_.SetDeclarations(off);
  Publish("a", "CVE-2026-20643:high");
  CheckNow();
  EXPECT_EQ(Running(), Library("base"));
  const protocol::StatusReport report = fleet_.LastReport();
  EXPECT_FALSE(report.auto_install);
  EXPECT_EQ(report.install_state, protocol::InstallState::kWaiting);
  const std::optional<protocol::ImprovementStatus> a = Find(report, kImprovementA);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->state, protocol::ImprovementState::kAvailable);
  EXPECT_EQ(a->reason, protocol::WaitReason::kAutoInstallOff);
  EXPECT_EQ(a->cves, std::vector<std::string>{"CVE-2026-20643"});
  // The user's toggle cannot override the lock.
  ASSERT_EQ(Agent({"settings", "auto-install", "on"}).exit_code, 0);
  CheckNow();
  EXPECT_EQ(Running(), Library("base"));
  ProcessResult human = Agent({"status"});
  EXPECT_NE(human.out.find("auto-install locked off by your organization"), std::string::npos)
      << human.out;
  EXPECT_NE(human.out.find("automatically install: off"), std::string::npos) << human.out;
}

TEST_F(AgentFleetTest, ApprovalRequiredWaitsUntilTheImprovementIsApproved) {
  protocol::Declarations approval = Declared();
  approval.approval_required = true;
  fleet_.SetDeclarations(approval);
  Publish("a", "CVE-2026-20643:high");
  CheckNow();
  EXPECT_EQ(Running(), Library("base"));
  protocol::StatusReport report = fleet_.LastReport();
  ASSERT_TRUE(Find(report, kImprovementA).has_value());
  EXPECT_EQ(Find(report, kImprovementA)->state, protocol::ImprovementState::kPending);
  EXPECT_EQ(Find(report, kImprovementA)->reason, protocol::WaitReason::kAwaitingApproval);
  ProcessResult human = Agent({"status"});
  EXPECT_NE(human.out.find("approval required by your organization (approved: none yet)"),
            std::string::npos)
      << human.out;

  approval.approved = {kImprovementA};
  fleet_.SetDeclarations(approval);
  CheckNow();
  EXPECT_EQ(Running(), Library("fix-a"));
  report = fleet_.LastReport();
  EXPECT_EQ(report.running, kImprovementA);
  EXPECT_EQ(report.install_state, protocol::InstallState::kInstalled);
  EXPECT_EQ(report.cves_fixed, std::vector<std::string>{"CVE-2026-20643"});
  ASSERT_TRUE(Find(report, kImprovementA).has_value());
  EXPECT_EQ(Find(report, kImprovementA)->state, protocol::ImprovementState::kInstalled);
  ASSERT_EQ(report.components.size(), 1u);
  EXPECT_EQ(report.components[0].name, "webkit");
}

TEST_F(AgentFleetTest, HeldAndDeferredImprovementsWait) {
  protocol::Declarations held = Declared();
  held.held = {kImprovementA};
  fleet_.SetDeclarations(held);
  Publish("a", "CVE-2026-20643:high");
  CheckNow();
  EXPECT_EQ(Running(), Library("base"));
  ASSERT_TRUE(Find(fleet_.LastReport(), kImprovementA).has_value());
  EXPECT_EQ(Find(fleet_.LastReport(), kImprovementA)->reason, protocol::WaitReason::kHeld);

  protocol::Declarations deferred = Declared();
  deferred.deferral_days = 2;
  fleet_.SetDeclarations(deferred);
  CheckNow();
  EXPECT_EQ(Running(), Library("base"));
  const protocol::StatusReport report = fleet_.LastReport();
  const std::optional<protocol::ImprovementStatus> a = Find(report, kImprovementA);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->state, protocol::ImprovementState::kPending);
  EXPECT_EQ(a->reason, protocol::WaitReason::kDeferred);
  ASSERT_TRUE(a->not_before.has_value());
  // Published moments ago: the deferral ends two days after publication.
  EXPECT_NEAR(static_cast<double>(a->not_before->seconds - report.time.seconds), 2 * 86400.0,
              120.0);
}

TEST_F(AgentFleetTest, ReportsWaitOnDiskWhileTheServerFailsAndArriveInOrderOnce) {
  CheckNow();  // enrolled, declarations received, one report delivered
  fleet_.SetReportStatus(503);
  Publish("a", "CVE-2026-20643:high");
  CheckNow();  // installs (a); the report waits
  ASSERT_EQ(Agent({"settings", "auto-install", "off"}).exit_code, 0);
  CheckNow();
  const std::vector<std::string> queued = Outbox();
  ASSERT_EQ(queued.size(), 3u);
  std::set<std::string> ids;
  for (const std::string& name : queued) ids.insert(name.substr(13, name.size() - 13 - 5));
  EXPECT_EQ(ids.size(), 3u);  // distinct ids
  EXPECT_EQ(Status().Find("fleet")->Find("queued_reports")->int_value(), 3);
  EXPECT_NE(last_err_.find("reports not delivered"), std::string::npos) << last_err_;
  EXPECT_EQ(Running(), Library("fix-a"));  // the pass itself went on

  // The server takes them again, and the first answer is lost on the way.
  fleet_.SetReportStatus(0);
  fleet_.LoseNextAck();
  CheckNow();  // the first queued report is stored, its ack lost: all stay
  EXPECT_EQ(Outbox().size(), 4u);
  CheckNow();  // everything goes, the first one again with the same key
  EXPECT_TRUE(Outbox().empty());
  const std::vector<protocol::StatusReport> reports = fleet_.reports();
  ASSERT_EQ(reports.size(), 6u);  // 1 before, 3 queued, 2 from the last passes: none lost
  std::vector<std::string> delivered;
  for (const auto& report : reports) delivered.push_back(report.report_id);
  for (std::size_t i = 0; i < queued.size(); ++i) {
    EXPECT_NE(queued[i].find(delivered[i + 1]), std::string::npos) << "out of order";
  }
  EXPECT_EQ(std::set<std::string>(delivered.begin(), delivered.end()).size(), 6u);
  EXPECT_EQ(reports[1].install_state, protocol::InstallState::kInstalled);
  EXPECT_FALSE(reports[3].auto_install);
  // Each key went out as often as it was tried, and the one whose ack was
  // lost twice with the same key.
  const std::vector<std::string> keys = fleet_.report_keys();
  EXPECT_EQ(std::count(keys.begin(), keys.end(), delivered[1]), 5);  // 3 x 503, lost ack, resent
  for (std::size_t i = 1; i < keys.size(); ++i) {
    EXPECT_TRUE(std::find(delivered.begin(), delivered.end(), keys[i]) != delivered.end());
  }
}

TEST_F(AgentFleetTest, AStoppedServerDoesNotStopThePassAndTheQueueFollowsItsReturn) {
  CheckNow();  // declarations received and cached
  fleet_server_->Stop();
  Publish("a", "CVE-2026-20643:high");
  CheckNow();  // the cached declarations allow it
  EXPECT_EQ(Running(), Library("fix-a"));
  EXPECT_NE(last_err_.find("obeying the declarations received"), std::string::npos) << last_err_;
  ASSERT_EQ(Outbox().size(), 1u);
  const std::string waiting = Outbox()[0];
  RestartFleetServer();
  CheckNow();
  EXPECT_TRUE(Outbox().empty());
  const std::vector<protocol::StatusReport> reports = fleet_.reports();
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_NE(waiting.find(reports[1].report_id), std::string::npos);
  EXPECT_EQ(reports[1].running, kImprovementA);
}

TEST_F(AgentFleetTest, WithoutDeclarationsEverReceivedNothingIsInstalled) {
  fleet_server_->Stop();
  Publish("a", "CVE-2026-20643:high");
  CheckNow(1);
  EXPECT_NE(last_err_.find("no declarations from the fleet server yet"), std::string::npos)
      << last_err_;
  EXPECT_EQ(Running(), Library("base"));
  ProcessResult human = Agent({"status"});
  EXPECT_NE(human.out.find("not enrolled yet"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("no declarations from the fleet server yet"), std::string::npos)
      << human.out;
  EXPECT_EQ(Outbox().size(), 1u);  // the failed pass is reported too, once the server is back
}

TEST_F(AgentFleetTest, ARefusedReportIsDropped) {
  fleet_.SetReportStatus(422);
  CheckNow();
  EXPECT_TRUE(Outbox().empty());
  EXPECT_NE(last_err_.find("refused report"), std::string::npos) << last_err_;
  fleet_.SetReportStatus(400);
  CheckNow();
  EXPECT_TRUE(Outbox().empty());
  EXPECT_TRUE(fleet_.reports().empty());
}

TEST_F(AgentFleetTest, ARevokedDeviceTokenLeadsToANewEnrollment) {
  CheckNow();
  fleet_.RevokeDeviceTokens();
  CheckNow();
  EXPECT_EQ(fleet_.enrollments(), 2);
  EXPECT_EQ(fleet_.reports().size(), 2u);
  EXPECT_NE(ReadAll(work_ / "state/fleet/credentials.json").find("device-token-2"),
            std::string::npos);
  // Without an enrollment token, a refused device token is an error the
  // pass survives on its cached declarations.
  fleet_.RevokeDeviceTokens();
  WriteAll(work_ / "enrollment-token", "");
  CheckNow();
  EXPECT_EQ(fleet_.enrollments(), 2);
  EXPECT_EQ(Outbox().size(), 1u);
}

TEST_F(AgentFleetTest, TheQueueKeepsAtMostItsLimit) {
  WriteFleetConfig("report_queue_limit = 2\n");
  CheckNow();
  fleet_.SetReportStatus(503);
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(Agent({"settings", "auto-install", i % 2 == 0 ? "off" : "on"}).exit_code, 0);
  }
  const std::vector<std::string> queued = Outbox();
  ASSERT_EQ(queued.size(), 2u);
  EXPECT_EQ(queued[0].substr(0, 12), "000000000003");  // the newest are kept
  EXPECT_EQ(queued[1].substr(0, 12), "000000000004");
}

// The start of the day's minute `minute` (UTC) that comes next after now.
UnixTime NextStart(int minute) {
  const std::int64_t now = static_cast<std::int64_t>(::time(nullptr));
  const std::int64_t start = now - now % 86400 + std::int64_t{minute} * 60;
  return UnixTime{start > now ? start : start + 86400};
}

TEST_F(AgentFleetTest, InstallsThatRestartUnitsWaitForTheMaintenanceWindow) {
  WriteFleetConfig("", /*restart=*/true);
  const std::int64_t now = static_cast<std::int64_t>(::time(nullptr));
  const int minute = static_cast<int>(now % 86400 / 60);
  protocol::Declarations outside = Declared();
  outside.maintenance_window = protocol::MaintenanceWindow{(minute + 120) % 1440, 60};
  fleet_.SetDeclarations(outside);
  Publish("a", "CVE-2026-20643:high");
  CheckNow();
  EXPECT_EQ(Running(), Library("base"));
  const std::optional<protocol::ImprovementStatus> a = Find(fleet_.LastReport(), kImprovementA);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->state, protocol::ImprovementState::kPending);
  EXPECT_EQ(a->reason, protocol::WaitReason::kMaintenanceWindow);
  EXPECT_EQ(a->not_before, NextStart((minute + 120) % 1440));
  ProcessResult human = Agent({"status"});
  EXPECT_NE(human.out.find("maintenance-window, until"), std::string::npos) << human.out;

  protocol::Declarations inside = Declared();
  inside.maintenance_window = protocol::MaintenanceWindow{(minute + 1440 - 30) % 1440, 120};
  fleet_.SetDeclarations(inside);
  CheckNow();
  EXPECT_EQ(Running(), Library("fix-a"));
  EXPECT_EQ(fleet_.LastReport().running, kImprovementA);
}

TEST_F(AgentFleetTest, BadFleetConfigurationIsAClearError) {
  WriteFleetConfig("enrollment_token = \"inline\"\n");  // and a file: at most one
  ProcessResult both = Agent({"check-now"});
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_NE(both.err.find("at most one of enrollment_token_file and enrollment_token"),
            std::string::npos)
      << both.err;
  WriteFleetConfig("report_queue_limt = 5\n");
  ProcessResult typo = Agent({"check-now"});
  EXPECT_EQ(typo.exit_code, 1);
  EXPECT_NE(typo.err.find("fleet.report_queue_limt: unknown key"), std::string::npos) << typo.err;
}

}  // namespace
}  // namespace bsi::tests
