// The OpenAPI document (openapi.cc) against the code: it parses, every
// reference resolves, its operations are exactly the routes
// FleetApi::Register adds (kRoutes, the router itself and the source), and
// each names the right security scheme and role.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include "server/api/api_test_util.h"
#include "server/api/fleet_api.h"
#include "server/http/router.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"

namespace bsi::server {
namespace {

using testing::Access;
using testing::kRoutes;
using testing::OpenApiChecker;
using Operations = std::set<std::pair<std::string, std::string>>;

const json::Value& Document() { return OpenApiChecker::Get().document(); }

Operations ListedRoutes() {
  Operations out;
  for (const testing::RouteSpec& route : kRoutes) {
    out.emplace(std::string(route.method), std::string(route.pattern));
  }
  return out;
}

std::string Upper(std::string text) {
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return text;
}

// Every "$ref" under value.
void CollectRefs(const json::Value& value, std::vector<std::string>& out) {
  if (value.is_object()) {
    for (const auto& [key, member] : value.object()) {
      if (key == "$ref" && member.is_string()) out.push_back(member.string_value());
      CollectRefs(member, out);
    }
  } else if (value.is_array()) {
    for (const json::Value& item : value.array()) CollectRefs(item, out);
  }
}

// A path of the pattern's shape: each {name} replaced by "x".
std::string Concrete(std::string_view pattern) {
  return std::regex_replace(std::string(pattern), std::regex("\\{[A-Za-z0-9_]+\\}"), "x");
}

TEST(OpenApiTest, IsJsonOfOpenApi31) {
  Result<json::Value> document = json::Parse(OpenApiDocument());
  ASSERT_OK(document);
  ASSERT_TRUE(document->is_object());
  EXPECT_EQ(*document->Find("openapi"), json::Value("3.1.0"));
  ASSERT_NE(document->Find("info"), nullptr);
  EXPECT_NE(document->Find("info")->Find("title"), nullptr);
  EXPECT_NE(document->Find("info")->Find("version"), nullptr);
  EXPECT_TRUE(Document().is_object());
}

TEST(OpenApiTest, EveryReferenceResolves) {
  std::vector<std::string> refs;
  CollectRefs(Document(), refs);
  EXPECT_GT(refs.size(), 100u);
  for (const std::string& ref : refs) {
    EXPECT_NE(OpenApiChecker::Get().Resolve(ref), nullptr) << ref;
  }
}

TEST(OpenApiTest, PathsAreExactlyTheListedRoutes) {
  Operations documented;
  for (const auto& [path, item] : Document().Find("paths")->object()) {
    for (const auto& [key, operation] : item.object()) {
      if (key == "parameters") continue;
      documented.emplace(Upper(key), path);
    }
  }
  EXPECT_EQ(documented, ListedRoutes());
}

TEST(OpenApiTest, TheListedRoutesAreThoseRegisterAdds) {
  std::string dir = (std::filesystem::temp_directory_path() / "bsi_openapi_test.XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  bsi::testing::FakeClock clock;
  Result<std::unique_ptr<FleetDb>> db = OpenFleetDb("sqlite:" + dir + "/fleet.db");
  ASSERT_OK(db);
  FleetApi api(**db, clock, ApiOptions{});
  http::Router router;
  ASSERT_OK(api.Register(router));
  const Operations listed = ListedRoutes();
  std::set<std::string> patterns;
  for (const auto& [method, pattern] : listed) patterns.insert(pattern);
  for (const std::string& pattern : patterns) {
    for (const char* method : {"GET", "POST", "PUT", "DELETE", "PATCH"}) {
      http::HttpRequest request;
      const http::RouteMatch match = router.Match(method, Concrete(pattern), &request);
      if (listed.count({method, pattern}) != 0) {
        EXPECT_EQ(match.kind, http::RouteMatch::Kind::kFound) << method << " " << pattern;
        // Adding it again fails: Register added exactly this shape.
        EXPECT_FALSE(
            router.Add(method, pattern, [](http::HttpRequest&, const http::Responder&) {}).ok())
            << method << " " << pattern;
      } else {
        EXPECT_EQ(match.kind, http::RouteMatch::Kind::kMethodNotAllowed)
            << method << " " << pattern;
      }
    }
  }
  api.Stop();
  db->reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

// The routes as the source of FleetApi::Register writes them, so that a
// route added there and nowhere else fails this test.
TEST(OpenApiTest, TheListedRoutesAreThoseInTheSource) {
  const char* source_dir = std::getenv("BSI_SOURCE_DIR");  // NOLINT(concurrency-mt-unsafe)
  if (source_dir == nullptr) GTEST_SKIP() << "BSI_SOURCE_DIR is not set";
  std::ifstream file(std::string(source_dir) + "/server/api/fleet_api.cc");
  ASSERT_TRUE(file.good());
  std::stringstream text;
  text << file.rdbuf();
  const std::string source = text.str();
  Operations found;
  const std::regex add("add\\(\"([A-Z]+)\",\\s*\"([^\"]+)\"");
  for (auto it = std::sregex_iterator(source.begin(), source.end(), add);
       it != std::sregex_iterator(); ++it) {
    found.emplace((*it)[1].str(), (*it)[2].str());
  }
  EXPECT_EQ(found, ListedRoutes());
}

TEST(OpenApiTest, EachOperationNamesItsSecuritySchemeAndRole) {
  const json::Value* schemes = Document().Find("components")->Find("securitySchemes");
  ASSERT_NE(schemes, nullptr);
  for (const char* name : {"deviceToken", "enrollmentToken", "adminToken"}) {
    const json::Value* scheme = schemes->Find(name);
    ASSERT_NE(scheme, nullptr) << name;
    EXPECT_EQ(*scheme->Find("type"), json::Value("http"));
    EXPECT_EQ(*scheme->Find("scheme"), json::Value("bearer"));
  }
  for (const testing::RouteSpec& route : kRoutes) {
    std::string method(route.method);
    for (char& c : method) c = static_cast<char>(c - 'A' + 'a');
    const json::Value* operation = Document().Find("paths")->Find(route.pattern)->Find(method);
    ASSERT_NE(operation, nullptr) << route.method << " " << route.pattern;
    const json::Value* security = operation->Find("security");
    ASSERT_NE(security, nullptr) << route.pattern;
    const std::string description = operation->Find("description")->string_value();
    std::string scheme;
    std::string role;
    switch (route.access) {
      case Access::kNone:
        break;
      case Access::kEnrollment:
        scheme = "enrollmentToken";
        break;
      case Access::kDevice:
        scheme = "deviceToken";
        break;
      case Access::kViewer:
        scheme = "adminToken";
        role = "Role: viewer or higher.";
        break;
      case Access::kOperator:
        scheme = "adminToken";
        role = "Role: operator or admin.";
        break;
      case Access::kAdmin:
        scheme = "adminToken";
        role = "Role: admin.";
        break;
    }
    if (scheme.empty()) {
      EXPECT_TRUE(security->array().empty()) << route.pattern;
    } else {
      ASSERT_EQ(security->array().size(), 1u) << route.pattern;
      EXPECT_NE(security->array()[0].Find(scheme), nullptr) << route.pattern;
      const json::Value* responses = operation->Find("responses");
      EXPECT_NE(responses->Find("401"), nullptr) << route.pattern;
    }
    EXPECT_NE(description.find(role), std::string::npos) << route.pattern << ": " << description;
    if (route.access == Access::kOperator || route.access == Access::kAdmin) {
      EXPECT_NE(operation->Find("responses")->Find("403"), nullptr) << route.pattern;
    }
  }
}

TEST(OpenApiTest, TheCheckerRefusesWhatTheSchemaDoesNot) {
  const OpenApiChecker& checker = OpenApiChecker::Get();
  const json::Value hold_ref = json::Object{{"$ref", "#/components/schemas/Hold"}};
  const json::Value hold = json::Object{{"group", "g"},       {"improvement", "acme-os 26.3.1 (a)"},
                                        {"cause", "c"},       {"created", "2026-11-22T10:00:00Z"},
                                        {"cleared", nullptr}, {"cleared_by", ""}};
  EXPECT_EQ(checker.CheckValue(hold_ref, hold, "hold"), "");
  json::Value extra = hold;
  extra.object()["surprise"] = 1;
  EXPECT_NE(checker.CheckValue(hold_ref, extra, "hold"), "");
  json::Value missing = hold;
  missing.object().erase("cause");
  EXPECT_NE(checker.CheckValue(hold_ref, missing, "hold"), "");
  json::Value bad_time = hold;
  bad_time.object()["created"] = "yesterday";
  EXPECT_NE(checker.CheckValue(hold_ref, bad_time, "hold"), "");
  json::Value wrong_type = hold;
  wrong_type.object()["cleared"] = 5;
  EXPECT_NE(checker.CheckValue(hold_ref, wrong_type, "hold"), "");
}

// What the wire messages' serializers write is what the document says.
TEST(OpenApiTest, ProtocolMessagesMatchTheirSchemas) {
  const OpenApiChecker& checker = OpenApiChecker::Get();
  const auto schema = [](const std::string& name) {
    return json::Value(json::Object{{"$ref", "#/components/schemas/" + name}});
  };
  protocol::StatusReport report = testing::MakeReport("report-000000000001", testing::kStart);
  report.running = testing::ImprovementId("a");
  report.cves_fixed = {"CVE-2026-20643"};
  report.improvements = {testing::MakeStatus("b", protocol::ImprovementState::kPending,
                                             protocol::WaitReason::kNotInWaveYet,
                                             {"CVE-2026-20701"})};
  report.improvements[0].not_before = UnixTime{testing::kStart.seconds + 3600};
  EXPECT_EQ(checker.CheckValue(schema("StatusReport"), protocol::ToJson(report), "report"), "");
  protocol::Declarations declarations;
  declarations.group = "kiosks";
  declarations.approved = {testing::ImprovementId("a")};
  declarations.maintenance_window = protocol::MaintenanceWindow{120, 60};
  EXPECT_EQ(checker.CheckValue(schema("Declarations"), protocol::ToJson(declarations), "decl"), "");
  const protocol::EnrollRequest enroll{"kiosk-1", "acme-os", "26.3.1", ""};
  EXPECT_EQ(checker.CheckValue(schema("EnrollRequest"), protocol::ToJson(enroll), "enroll"), "");
}

}  // namespace
}  // namespace bsi::server
