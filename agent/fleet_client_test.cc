// FleetClient over an in-memory file system (crashes included) and a
// scripted ApiClient; the HTTP side end to end is tests/agent_fleet_test.cc.
#include "agent/fleet_client.h"

#include <deque>
#include <functional>

#include <gtest/gtest.h>

#include "bsi/json/json.h"

#include "testing/fake_clock.h"
#include "testing/memory_file_system.h"

namespace bsi::agent {
namespace {

constexpr const char* kState = "/var/lib/bsi";

// Answers each request with the next scripted response (or error), and
// records the requests.
class ScriptedApi final : public fetch::ApiClient {
 public:
  Result<fetch::ApiResponse> Send(const fetch::ApiRequest& request) override {
    requests.push_back(request);
    if (answers.empty()) return Error(ErrorCode::kNetwork, "no answer scripted");
    Result<fetch::ApiResponse> answer = answers.front();
    answers.pop_front();
    return answer;
  }

  void Answer(int status, const json::Value& body = json::Object{},
              std::map<std::string, std::string> headers = {}) {
    answers.push_back(fetch::ApiResponse{status, std::move(headers), json::ToCompactString(body)});
  }
  void Fail() { answers.push_back(Error(ErrorCode::kNetwork, "connection refused")); }

  std::deque<Result<fetch::ApiResponse>> answers;
  std::vector<fetch::ApiRequest> requests;
};

protocol::Declarations Kiosks() {
  protocol::Declarations declarations;
  declarations.group = "kiosks";
  return declarations;
}

protocol::StatusReport Report(const std::string& id) {
  protocol::StatusReport report;
  report.report_id = id;
  report.product = "acme-os";
  report.base_version = "26.3.1";
  report.agent_version = "0.1.0";
  return report;
}

class FleetClientTest : public ::testing::Test {
 protected:
  FleetClientTest() {
    config_.server_url = "https://fleet.example";
    config_.enrollment_token = "enroll-1";
    config_.report_queue_limit = 100;
  }

  FleetClient Client() {
    return FleetClient(config_, kState, FleetDevice{"device-17", "acme-os"}, fs_, api_, clock_,
                       [this](const std::string& line) { log_.push_back(line); });
  }

  void AnswerEnrollment(const std::string& token = "device-token-1") {
    api_.Answer(201, protocol::ToJson(protocol::EnrollResponse{"device-17", token, "kiosks"}));
  }

  std::vector<std::string> Outbox() {
    Result<std::vector<std::string>> names = fs_.ListDir(std::string(kState) + "/fleet/outbox");
    return names.ok() ? *names : std::vector<std::string>{};
  }

  FleetConfig config_;
  testing::MemoryFileSystem fs_;
  testing::FakeClock clock_{UnixTime{1'800'000'000}};
  ScriptedApi api_;
  std::vector<std::string> log_;
};

TEST_F(FleetClientTest, AQueuedReportSurvivesACrashBeforeItIsSent) {
  FleetClient client = Client();
  ASSERT_TRUE(client.Enqueue(Report("0123456789abcdef0001")).ok());
  fs_.SimulateCrash();
  EXPECT_EQ(Outbox(), std::vector<std::string>{"000000000001-0123456789abcdef0001.json"});
  // A temporary file of a write the crash cut is no report.
  ASSERT_TRUE(
      WriteFileAtomically(fs_, std::string(kState) + "/fleet/outbox/x.json.tmp.1", "{").ok());
  Result<std::vector<std::string>> queued = client.QueuedReports();
  ASSERT_TRUE(queued.ok());
  EXPECT_EQ(queued->size(), 1u);

  AnswerEnrollment();
  api_.Answer(202);
  Result<std::size_t> sent = client.SendQueued("26.3.1");
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();
  EXPECT_EQ(*sent, 1u);
  ASSERT_EQ(api_.requests.size(), 2u);
  EXPECT_EQ(api_.requests[1].url, "https://fleet.example/api/v1/device/reports");
  const auto& headers = api_.requests[1].headers;
  EXPECT_NE(std::find(headers.begin(), headers.end(),
                      std::make_pair(std::string("Idempotency-Key"),
                                     std::string("0123456789abcdef0001"))),
            headers.end());
  EXPECT_NE(
      std::find(headers.begin(), headers.end(),
                std::make_pair(std::string("Authorization"), std::string("Bearer device-token-1"))),
      headers.end());
  Result<std::vector<std::string>> left = client.QueuedReports();
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());
}

TEST_F(FleetClientTest, SequencesContinueAfterTheLastQueuedReport) {
  FleetClient client = Client();
  ASSERT_TRUE(client.Enqueue(Report("0123456789abcdef0001")).ok());
  ASSERT_TRUE(client.Enqueue(Report("0123456789abcdef0002")).ok());
  ASSERT_TRUE(
      fs_.RemoveFile(std::string(kState) + "/fleet/outbox/000000000001-0123456789abcdef0001.json")
          .ok());
  ASSERT_TRUE(client.Enqueue(Report("0123456789abcdef0003")).ok());
  EXPECT_EQ(Outbox(), (std::vector<std::string>{"000000000002-0123456789abcdef0002.json",
                                                "000000000003-0123456789abcdef0003.json"}));
}

TEST_F(FleetClientTest, ACorruptQueuedReportIsDroppedAndTheRestSent) {
  FleetClient client = Client();
  ASSERT_TRUE(CreateDirs(fs_, std::string(kState) + "/fleet/outbox").ok());
  ASSERT_TRUE(WriteFileAtomically(fs_, std::string(kState) + "/fleet/outbox/000000000001-bad.json",
                                  "{not json")
                  .ok());
  ASSERT_TRUE(client.Enqueue(Report("0123456789abcdef0002")).ok());
  AnswerEnrollment();
  api_.Answer(202);
  Result<std::size_t> sent = client.SendQueued("26.3.1");
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();
  EXPECT_EQ(*sent, 1u);
  EXPECT_TRUE(Outbox().empty());
  ASSERT_FALSE(log_.empty());
  EXPECT_NE(log_.back().find("does not parse, dropped"), std::string::npos) << log_.back();
}

TEST_F(FleetClientTest, SendingStopsAtTheFirstTransientFailureInOrder) {
  FleetClient client = Client();
  for (const char* id : {"0123456789abcdef0001", "0123456789abcdef0002", "0123456789abcdef0003"}) {
    ASSERT_TRUE(client.Enqueue(Report(id)).ok());
  }
  AnswerEnrollment();
  api_.Answer(202);
  api_.Answer(429);
  Result<std::size_t> sent = client.SendQueued("26.3.1");
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code(), ErrorCode::kHttpStatus);
  EXPECT_EQ(Outbox().size(), 2u);
  EXPECT_EQ(api_.requests.size(), 3u);  // enroll, report 1, report 2 (then stop)
}

TEST_F(FleetClientTest, CredentialsAreForOneServer) {
  FleetClient client = Client();
  AnswerEnrollment();
  api_.Answer(200, protocol::ToJson(Kiosks()), {{"etag", "\"1\""}});
  ASSERT_TRUE(client.PullDeclarations("26.3.1").ok());
  Result<unsigned> mode = fs_.Mode(std::string(kState) + "/fleet/credentials.json");
  ASSERT_TRUE(mode.ok());
  EXPECT_EQ(*mode, 0600u);
  // Another server: the device enrolls there, and sends no ETag of the old one.
  config_.server_url = "https://other.example";
  FleetClient moved = Client();
  AnswerEnrollment("device-token-2");
  api_.Answer(200, protocol::ToJson(Kiosks()));
  ASSERT_TRUE(moved.PullDeclarations("26.3.1").ok());
  ASSERT_EQ(api_.requests.size(), 4u);
  EXPECT_EQ(api_.requests[2].url, "https://other.example/api/v1/enroll");
  for (const auto& [name, value] : api_.requests[3].headers) EXPECT_NE(name, "If-None-Match");
}

TEST_F(FleetClientTest, AnUnreadableAnswerKeepsTheLastDeclarations) {
  FleetClient client = Client();
  AnswerEnrollment();
  api_.Answer(200, json::Object{{"format", 1}, {"group", "kiosks"}});  // fields missing
  Result<protocol::Declarations> first = client.PullDeclarations("26.3.1");
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(first.error().message().find("no declarations from the fleet server yet"),
            std::string::npos);

  protocol::Declarations good = Kiosks();
  good.deferral_days = 5;
  api_.Answer(200, protocol::ToJson(good), {{"etag", "\"2\""}});
  ASSERT_TRUE(client.PullDeclarations("26.3.1").ok());
  api_.Answer(200, json::Object{{"format", 2}});
  Result<protocol::Declarations> kept = client.PullDeclarations("26.3.1");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->deferral_days, 5);
  api_.Fail();
  kept = client.PullDeclarations("26.3.1");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->deferral_days, 5);
  EXPECT_NE(log_.back().find("obeying the declarations received"), std::string::npos);
}

TEST_F(FleetClientTest, ARefusedEnrollmentTokenIsUnauthenticatedAndStoresNothing) {
  FleetClient client = Client();
  api_.Answer(401, json::Object{{"error", json::Object{{"code", "unauthenticated"},
                                                       {"message", "token expired"}}}});
  Result<protocol::Declarations> declarations = client.PullDeclarations("26.3.1");
  ASSERT_FALSE(declarations.ok());
  EXPECT_EQ(declarations.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(declarations.error().message().find("token expired"), std::string::npos);
  EXPECT_FALSE(fs_.Exists(std::string(kState) + "/fleet/credentials.json"));
  // No token at all: the reason says what to configure.
  config_.enrollment_token.clear();
  Result<protocol::Declarations> none = Client().PullDeclarations("26.3.1");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message().find("enrollment_token_file"), std::string::npos);
}

}  // namespace
}  // namespace bsi::agent
