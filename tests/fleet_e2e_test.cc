// The whole system end to end, as real processes on loopback: a vendor
// repository published with `bsi`, `bsi-server` serving it and managing
// the fleet (SQLite), and `bsi-agent` on sample device trees that enroll,
// pull their declarations, install and report. The admin's side talks to
// the server's API with curl.
#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "bsi/json/json.h"

#include "tests/subprocess.h"
#include "tests/test_files.h"

namespace bsi::tests {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kCve = "CVE-2026-20643";

std::string Library(const std::string& fix) {
  std::string bytes(200'000, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>((i * 131 + i / 7) % 251);
  }
  bytes.replace(5000, fix.size(), fix);
  return bytes;
}

struct ApiResult {
  int status = 0;
  json::Value body;
};

class FleetEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/bsi-fleet-e2e.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    work_ = dir_template;
    for (const auto& [tree, fix] : std::vector<std::pair<std::string, std::string>>{
             {"base", "base"}, {"a", "fix-a"}, {"b", "fix-a+b"}}) {
      WriteAll(work_ / "vendor" / tree / "lib/libwebkit.so.6", Library(fix));
    }
    ProcessResult init =
        RunProcess({BSI_CLI_PATH, "repo", "init", "--repo", Path("repo"), "--keys", Path("keys")});
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }

  void TearDown() override {
    StopServer();
    fs::remove_all(work_);
  }

  std::string Path(const std::string& relative) const { return (work_ / relative).string(); }

  void Publish(const std::string& tree) {
    ProcessResult created =
        RunProcess({BSI_CLI_PATH, "release", "create", "--repo", Path("repo"), "--keys",
                    Path("keys"), "--product", "acme-os", "--base", "26.3.1", "--component",
                    "webkit=" + Path("vendor/base") + ":" + Path("vendor/" + tree), "--cve",
                    std::string(kCve) + ":critical", "--waves", "now"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
  }

  void Withdraw(const std::string& letter) {
    ProcessResult withdrawn =
        RunProcess({BSI_CLI_PATH, "release", "withdraw", "26.3.1 (" + letter + ")", "--reason",
                    "crashes", "--repo", Path("repo"), "--keys", Path("keys")});
    ASSERT_EQ(withdrawn.exit_code, 0) << withdrawn.err;
  }

  // Starts bsi-server on a free port (the same port again after a stop).
  void StartServer(const std::string& extra_config = "") {
    std::vector<std::string> argv = {
        BSI_SERVER_PATH, "--listen",   "127.0.0.1:" + std::to_string(port_),
        "--repo",        Path("repo"), "--data-dir",
        Path("server")};
    if (!extra_config.empty()) {
      WriteAll(work_ / "server.toml", extra_config);
      argv.insert(argv.begin() + 1, {"--config", Path("server.toml")});
    }
    const std::string log = Path("server.log");
    const std::size_t log_before = ReadAll(log).size();
    server_pid_ = Spawn(argv, log);
    ASSERT_GT(server_pid_, 0);
    for (int i = 0; i < 200; ++i) {
      const std::string text = ReadAll(log).substr(log_before);
      if (const std::size_t at = text.find("listening on http://127.0.0.1:");
          at != std::string::npos) {
        port_ = std::stoi(text.substr(at + 30));
        url_ = "http://127.0.0.1:" + std::to_string(port_);
        admin_token_ = ReadAll(work_ / "server/initial-admin.token");
        while (!admin_token_.empty() && admin_token_.back() == '\n') admin_token_.pop_back();
        return;
      }
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "bsi-server did not start: " << ReadAll(log);
  }

  void StopServer() {
    if (server_pid_ <= 0) return;
    ::kill(server_pid_, SIGTERM);
    int status = 0;
    ::waitpid(server_pid_, &status, 0);
    server_pid_ = -1;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadAll(Path("server.log"));
  }

  // An admin API call with curl.
  ApiResult Api(const std::string& method, const std::string& path, const std::string& body = "") {
    std::vector<std::string> argv = {
        "/usr/bin/curl", "-sS", "-X", method, "-H", "Authorization: Bearer " + admin_token_, "-w",
        "\n%{http_code}"};
    if (!body.empty()) {
      argv.insert(argv.end(), {"-H", "Content-Type: application/json", "--data", body});
    }
    argv.push_back(url_ + path);
    ProcessResult curl = RunProcess(argv);
    EXPECT_EQ(curl.exit_code, 0) << curl.err;
    ApiResult result;
    const std::size_t newline = curl.out.rfind('\n');
    if (newline == std::string::npos) return result;
    result.status = std::stoi(curl.out.substr(newline + 1));
    if (newline > 0) {
      Result<json::Value> parsed = json::Parse(curl.out.substr(0, newline));
      if (parsed.ok()) result.body = *parsed;
    }
    return result;
  }

  std::string NewEnrollmentToken(const std::string& name) {
    ApiResult created = Api("POST", "/api/v1/enrollment-tokens", "{\"name\":\"" + name + "\"}");
    EXPECT_EQ(created.status, 201);
    const json::Value* token = created.body.Find("token");
    return token != nullptr ? token->string_value() : "";
  }

  // A device with its own tree, os-release and agent.toml.
  void MakeDevice(const std::string& name, const std::string& health = "/usr/bin/true") {
    const fs::path dir = work_ / name;
    WriteAll(dir / "base/lib/libwebkit.so.6", Library("base"));
    WriteAll(dir / "os-release", "VERSION_ID=26.3.1\n");
    WriteAll(dir / "enrollment.token", enrollment_token_ + "\n");
    std::string toml = "[device]\nid = \"" + name + "\"\nproduct = \"acme-os\"\n";
    toml += "base_version_file = \"" + (dir / "os-release").string() + "\"\n";
    toml += "[repository]\nmetadata_url = \"" + url_ + "/metadata/\"\n";
    toml += "targets_url = \"" + url_ + "/targets/\"\n";
    toml += "trusted_root = \"" + Path("repo/metadata/1.root.json") + "\"\n";
    toml += "[agent]\nstate_dir = \"" + (dir / "state").string() + "\"\n";
    toml += "[fleet]\nserver_url = \"" + url_ + "\"\n";
    toml += "enrollment_token_file = \"" + (dir / "enrollment.token").string() + "\"\n";
    toml += "[[component]]\nname = \"webkit\"\nbase_tree = \"" + (dir / "base").string() + "\"\n";
    toml += "install_path = \"" + (dir / "opt/webkit").string() + "\"\n";
    toml += "health_check = [\"" + health + "\"]\n";
    WriteAll(dir / "agent.toml", toml);
  }

  ProcessResult CheckNow(const std::string& device) {
    return RunProcess({BSI_AGENT_PATH, "--config", Path(device + "/agent.toml"), "check-now"});
  }

  std::string Running(const std::string& device) {
    return ReadAll(work_ / device / "opt/webkit/lib/libwebkit.so.6");
  }

  json::Value Device(const std::string& id) {
    ApiResult device = Api("GET", "/api/v1/devices/" + id);
    EXPECT_EQ(device.status, 200);
    return device.body;
  }

  // The reason the CVE's exposure gives for `device`, or "" if not exposed.
  std::string ExposureReason(const std::string& device) {
    ApiResult exposure = Api("GET", std::string("/api/v1/exposure?cve=") + kCve);
    EXPECT_EQ(exposure.status, 200);
    const json::Value* devices = exposure.body.Find("devices");
    if (devices == nullptr) return "?";
    for (const json::Value& d : devices->array()) {
      if (d.Find("device")->string_value() == device) return d.Find("reason")->string_value();
    }
    return "";
  }

  fs::path work_;
  int port_ = 0;
  std::string url_;
  std::string admin_token_;
  std::string enrollment_token_;
  pid_t server_pid_ = -1;
};

TEST_F(FleetEndToEnd, DevicesEnrollInstallAndTheServerKnowsWhoIsExposed) {
  Publish("a");
  StartServer();
  enrollment_token_ = NewEnrollmentToken("kiosks");
  MakeDevice("kiosk-1");
  MakeDevice("kiosk-2");

  ProcessResult first = CheckNow("kiosk-1");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(Running("kiosk-1"), Library("fix-a"));

  json::Value device = Device("kiosk-1");
  EXPECT_EQ(device.Find("running")->string_value(), "acme-os 26.3.1 (a)");
  EXPECT_EQ(device.Find("install_state")->string_value(), "installed");
  ASSERT_FALSE(device.Find("cves_fixed")->array().empty());
  EXPECT_EQ(device.Find("cves_fixed")->array()[0].string_value(), kCve);
  // The improvement is known from the repository the server serves.
  ApiResult improvements = Api("GET", "/api/v1/improvements");
  ASSERT_EQ(improvements.status, 200);
  ASSERT_EQ(improvements.body.Find("improvements")->array().size(), 1u);

  // kiosk-2 enrolled but has not run yet: exposed, not reported.
  ProcessResult enroll_only = CheckNow("kiosk-2");
  ASSERT_EQ(enroll_only.exit_code, 0) << enroll_only.err;
  EXPECT_EQ(ExposureReason("kiosk-1"), "");
  EXPECT_EQ(ExposureReason("kiosk-2"), "");
  ApiResult progress = Api("GET", "/api/v1/improvements/acme-os%2026.3.1%20(a)/progress");
  ASSERT_EQ(progress.status, 200);
  EXPECT_EQ(progress.body.Find("total")->Find("installed")->int_value(), 2);
}

TEST_F(FleetEndToEnd, DeclarationsLockTheToggleRequireApprovalAndReachTheDeviceOnItsNextPoll) {
  Publish("a");
  StartServer();
  enrollment_token_ = NewEnrollmentToken("kiosks");
  MakeDevice("kiosk-1");

  ASSERT_EQ(Api("PUT", "/api/v1/groups/default", R"({"auto_install":"always_off"})").status, 200);
  ProcessResult off = CheckNow("kiosk-1");
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_EQ(Running("kiosk-1"), Library("base"));  // nothing installed
  EXPECT_EQ(ExposureReason("kiosk-1"), "auto_install_off");

  ASSERT_EQ(
      Api("PUT", "/api/v1/groups/default", R"({"auto_install":"allowed","approval_required":true})")
          .status,
      200);
  ProcessResult waiting = CheckNow("kiosk-1");
  ASSERT_EQ(waiting.exit_code, 0) << waiting.err;
  EXPECT_EQ(Running("kiosk-1"), Library("base"));
  EXPECT_EQ(ExposureReason("kiosk-1"), "awaiting_approval");

  ASSERT_EQ(Api("PUT", "/api/v1/groups/default/approvals/acme-os%2026.3.1%20(a)").status, 200);
  ProcessResult approved = CheckNow("kiosk-1");
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_EQ(Running("kiosk-1"), Library("fix-a"));
  EXPECT_EQ(ExposureReason("kiosk-1"), "");
}

TEST_F(FleetEndToEnd, ReportsWaitOnTheDeviceWhileTheServerIsDownAndArriveOnce) {
  Publish("a");
  StartServer();
  enrollment_token_ = NewEnrollmentToken("kiosks");
  MakeDevice("kiosk-1");
  ASSERT_EQ(CheckNow("kiosk-1").exit_code, 0);  // enrolled, declarations cached, (a) installed

  StopServer();
  Publish("b");
  // The repository is not reachable either (the server serves it): the
  // pass fails, and its report waits on the device with the earlier one.
  ProcessResult offline = CheckNow("kiosk-1");
  EXPECT_NE(offline.exit_code, 0);
  ProcessResult offline_again = CheckNow("kiosk-1");
  EXPECT_NE(offline_again.exit_code, 0);

  StartServer();
  ProcessResult back = CheckNow("kiosk-1");
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(Running("kiosk-1"), Library("fix-a+b"));
  ApiResult device = Api("GET", "/api/v1/devices/kiosk-1?events=100");
  ASSERT_EQ(device.status, 200);
  EXPECT_EQ(device.body.Find("running")->string_value(), "acme-os 26.3.1 (b)");
  // Every pass's report arrived, each once.
  const json::Array& events = device.body.Find("events")->array();
  std::set<std::string> ids;
  for (const json::Value& e : events) ids.insert(e.Find("report_id")->string_value());
  EXPECT_EQ(ids.size(), events.size());
  EXPECT_GE(events.size(), 4u);
  std::size_t errors = 0;
  for (const json::Value& e : events) {
    errors += e.Find("report")->Find("install_state")->string_value() == "error" ? 1 : 0;
  }
  EXPECT_EQ(errors, 2u);
}

TEST_F(FleetEndToEnd, AWithdrawalRollsTheFleetBackAndTheServerSaysWhy) {
  Publish("a");
  StartServer();
  enrollment_token_ = NewEnrollmentToken("kiosks");
  MakeDevice("kiosk-1");
  ASSERT_EQ(CheckNow("kiosk-1").exit_code, 0);
  ASSERT_EQ(Running("kiosk-1"), Library("fix-a"));

  Withdraw("a");
  ProcessResult back = CheckNow("kiosk-1");
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(Running("kiosk-1"), Library("base"));
  json::Value device = Device("kiosk-1");
  EXPECT_TRUE(device.Find("running")->is_null());
  EXPECT_EQ(ExposureReason("kiosk-1"), "withdrawn");
}

TEST_F(FleetEndToEnd, SafeModeHoldsAnImprovementThatFailsAcrossTheGroup) {
  Publish("a");
  StartServer("[safe_mode]\nfailure_threshold = 0.5\nmin_devices = 2\n");
  enrollment_token_ = NewEnrollmentToken("kiosks");
  MakeDevice("kiosk-1", "/usr/bin/false");
  MakeDevice("kiosk-2", "/usr/bin/false");
  MakeDevice("kiosk-3");

  EXPECT_NE(CheckNow("kiosk-1").exit_code, 0);  // health check fails: rolled back
  EXPECT_NE(CheckNow("kiosk-2").exit_code, 0);
  ApiResult holds = Api("GET", "/api/v1/holds");
  ASSERT_EQ(holds.status, 200);
  ASSERT_EQ(holds.body.Find("holds")->array().size(), 1u);
  EXPECT_EQ(holds.body.Find("holds")->array()[0].Find("improvement")->string_value(),
            "acme-os 26.3.1 (a)");

  // A healthy device of the same group does not install it while held.
  ProcessResult held = CheckNow("kiosk-3");
  ASSERT_EQ(held.exit_code, 0) << held.err;
  EXPECT_EQ(Running("kiosk-3"), Library("base"));
  EXPECT_EQ(ExposureReason("kiosk-3"), "held");

  ASSERT_EQ(Api("DELETE", "/api/v1/groups/default/holds/acme-os%2026.3.1%20(a)").status, 204);
  ProcessResult cleared = CheckNow("kiosk-3");
  ASSERT_EQ(cleared.exit_code, 0) << cleared.err;
  EXPECT_EQ(Running("kiosk-3"), Library("fix-a"));
}

}  // namespace
}  // namespace bsi::tests
