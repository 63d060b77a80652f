// CurlApiClient against a real HTTP server on 127.0.0.1 (HttpTestServer).
#include "bsi/fetch/curl_api_client.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "testing/http_test_server.h"

namespace bsi::fetch {
namespace {

using namespace std::chrono_literals;
using Server = bsi::testing::HttpTestServer;

constexpr std::uint64_t kCap = 64 * 1024;

CurlApiClientOptions FastOptions() {
  CurlApiClientOptions options;
  options.connect_timeout = 2s;
  options.total_timeout = 5s;
  options.low_speed_time = 5s;
  return options;
}

Server::Response Answer(int status, std::string body,
                        std::map<std::string, std::string> headers = {}) {
  Server::Response response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

class CurlApiClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }

  ApiRequest Request(std::string method, std::string_view path, std::string body = "") {
    ApiRequest request;
    request.method = std::move(method);
    request.url = server_.BaseUrl() + std::string(path);
    request.body = std::move(body);
    request.max_bytes = kCap;
    return request;
  }

  Server server_;
  CurlApiClient client_{FastOptions()};
};

TEST_F(CurlApiClientTest, PostsTheBodyWithItsHeadersAndReturnsTheAnswer) {
  Server::Request seen;
  server_.SetHandler("/api/v1/enroll", [&seen](const Server::Request& request) {
    seen = request;
    return Answer(201, R"({"ok":true})",
                  {{"ETag", "\"v1\""}, {"Content-Type", "application/json"}});
  });
  ApiRequest request = Request("POST", "api/v1/enroll", R"({"device_id":"d"})");
  request.headers = {{"Authorization", "Bearer secret"}, {"Idempotency-Key", "r1"}};
  Result<ApiResponse> response = client_.Send(request);
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, R"({"ok":true})");
  EXPECT_EQ(response->Header("etag"), "\"v1\"");
  EXPECT_EQ(response->Header("content-type"), "application/json");
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.body, R"({"device_id":"d"})");
  EXPECT_EQ(seen.headers["authorization"], "Bearer secret");
  EXPECT_EQ(seen.headers["idempotency-key"], "r1");
  EXPECT_EQ(seen.headers["content-type"], "application/json");  // the default for a body
  EXPECT_EQ(seen.headers["accept-encoding"], "identity");
  EXPECT_EQ(seen.headers.count("expect"), 0u);
}

TEST_F(CurlApiClientTest, ALargeBodyIsSentAtOnceWithoutExpectContinue) {
  const std::string body(60 * 1024, 'x');
  std::string received;
  server_.SetHandler("/r", [&received](const Server::Request& request) {
    received = request.body;
    return Answer(202, "");
  });
  const auto start = std::chrono::steady_clock::now();
  Result<ApiResponse> response = client_.Send(Request("POST", "r", body));
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 202);
  EXPECT_EQ(received, body);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 900ms);  // no 1 s wait for 100-continue
}

TEST_F(CurlApiClientTest, GetSendsConditionalHeadersAndA304IsAnAnswer) {
  server_.SetHandler("/d", [](const Server::Request& request) {
    const auto tag = request.headers.find("if-none-match");
    if (tag != request.headers.end() && tag->second == "\"7\"") return Answer(304, "");
    return Answer(200, "{}", {{"ETag", "\"7\""}});
  });
  Result<ApiResponse> first = client_.Send(Request("GET", "d"));
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(first->status, 200);
  ApiRequest again = Request("GET", "d");
  again.headers = {{"If-None-Match", first->Header("etag")}};
  Result<ApiResponse> second = client_.Send(again);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  EXPECT_EQ(second->status, 304);
  EXPECT_EQ(second->body, "");
  // One connection for both, and for a POST after them.
  server_.SetHandler("/p", [](const Server::Request&) { return Answer(200, "p"); });
  ASSERT_TRUE(client_.Send(Request("POST", "p", "{}")).ok());
  EXPECT_EQ(server_.ConnectionCount(), 1u);
  EXPECT_EQ(server_.RequestLog(), (std::vector<std::string>{"GET /d", "GET /d", "POST /p"}));
}

TEST_F(CurlApiClientTest, EveryStatusIsReturnedWithItsBodyAndRedirectsAreNotFollowed) {
  const std::string error = R"({"error":{"code":"unauthenticated","message":"expired"}})";
  server_.SetHandler("/401", [&](const Server::Request&) { return Answer(401, error); });
  server_.SetHandler("/429", [](const Server::Request&) {
    return Answer(429, "", {{"Retry-After", "120"}});
  });
  server_.SetHandler("/503", [](const Server::Request&) { return Answer(503, "down"); });
  server_.SetHandler("/302", [](const Server::Request&) {
    return Answer(302, "", {{"Location", "/elsewhere"}});
  });
  Result<ApiResponse> r401 = client_.Send(Request("POST", "401", "{}"));
  ASSERT_TRUE(r401.ok()) << r401.error().ToString();
  EXPECT_EQ(r401->status, 401);
  EXPECT_EQ(r401->body, error);
  Result<ApiResponse> r429 = client_.Send(Request("GET", "429"));
  ASSERT_TRUE(r429.ok());
  EXPECT_EQ(r429->status, 429);
  EXPECT_EQ(r429->Header("retry-after"), "120");
  Result<ApiResponse> r503 = client_.Send(Request("GET", "503"));
  ASSERT_TRUE(r503.ok());
  EXPECT_EQ(r503->status, 503);
  EXPECT_EQ(r503->body, "down");
  Result<ApiResponse> r302 = client_.Send(Request("GET", "302"));
  ASSERT_TRUE(r302.ok());
  EXPECT_EQ(r302->status, 302);
  EXPECT_EQ(r302->Header("location"), "/elsewhere");
  EXPECT_EQ(server_.RequestLog(),
            (std::vector<std::string>{"POST /401", "GET /429", "GET /503", "GET /302"}));
}

TEST_F(CurlApiClientTest, PutPatchAndDeleteUseTheirMethod) {
  std::vector<std::string> seen;
  server_.SetHandler("/x", [&seen](const Server::Request& request) {
    seen.push_back(request.method + ":" + request.body);
    return Answer(200, "");
  });
  ASSERT_TRUE(client_.Send(Request("PUT", "x", "a")).ok());
  ASSERT_TRUE(client_.Send(Request("PATCH", "x", "b")).ok());
  ASSERT_TRUE(client_.Send(Request("DELETE", "x")).ok());
  ASSERT_TRUE(client_.Send(Request("GET", "x")).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"PUT:a", "PATCH:b", "DELETE:", "GET:"}));
}

TEST_F(CurlApiClientTest, TheBodyCapHoldsOnTheBytesReceived) {
  server_.SetHandler("/exact",
                     [](const Server::Request&) { return Answer(200, std::string(kCap, 'a')); });
  Result<ApiResponse> exact = client_.Send(Request("GET", "exact"));
  ASSERT_TRUE(exact.ok()) << exact.error().ToString();
  EXPECT_EQ(exact->body.size(), kCap);

  server_.SetHandler("/big", [](const Server::Request&) {
    return Answer(500, std::string(kCap + 1, 'b'));  // an error status is capped too
  });
  Result<ApiResponse> big = client_.Send(Request("GET", "big"));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code(), ErrorCode::kTooLarge) << big.error().ToString();

  server_.SetHandler("/chunked", [](const Server::Request&) {
    Server::Response response = Answer(200, std::string(4 * kCap, 'c'));
    response.chunked = true;
    return response;
  });
  Result<ApiResponse> chunked = client_.Send(Request("GET", "chunked"));
  ASSERT_FALSE(chunked.ok());
  EXPECT_EQ(chunked.error().code(), ErrorCode::kTooLarge);

  server_.SetHandler("/lying", [](const Server::Request&) {
    Server::Response response = Answer(200, std::string(2 * kCap, 'l'));
    response.declared_content_length = 10;
    return response;
  });
  Result<ApiResponse> lying = client_.Send(Request("GET", "lying"));
  if (lying.ok()) {
    EXPECT_LE(lying->body.size(), 10u);
  }
}

TEST_F(CurlApiClientTest, ConnectionRefusedIsANetworkErrorAndAStallATimeout) {
  Server closed;
  ASSERT_TRUE(closed.Start().ok());
  const std::string url = closed.BaseUrl() + "x";
  closed.Stop();
  ApiRequest request = Request("POST", "x", "{}");
  request.url = url;
  Result<ApiResponse> refused = client_.Send(request);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kNetwork) << refused.error().ToString();

  server_.SetHandler("/stall", [](const Server::Request&) {
    Server::Response response = Answer(200, "late");
    response.delay_before_body = 5s;
    return response;
  });
  CurlApiClientOptions options = FastOptions();
  options.total_timeout = 300ms;
  CurlApiClient impatient(options);
  const auto start = std::chrono::steady_clock::now();
  Result<ApiResponse> stalled = impatient.Send(Request("GET", "stall"));
  ASSERT_FALSE(stalled.ok());
  EXPECT_EQ(stalled.error().code(), ErrorCode::kTimeout) << stalled.error().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(CurlApiClientTest, RefusesWhatCouldNotBeSentSafely) {
  std::vector<ApiRequest> bad;
  bad.push_back(Request("GET", "x"));
  bad.back().url = "file:///etc/passwd";
  bad.push_back(Request("GET", "x"));
  bad.back().url = "ftp://127.0.0.1/x";
  bad.push_back(Request("TRACE", "x"));
  bad.push_back(Request("GET", "x", "a body"));
  bad.push_back(Request("GET", "x"));
  bad.back().headers = {{"Authorization", "Bearer a\r\nX-Injected: 1"}};
  bad.push_back(Request("GET", "x"));
  bad.back().headers = {{"Bad:Name", "v"}};
  for (const ApiRequest& request : bad) {
    Result<ApiResponse> response = client_.Send(request);
    ASSERT_FALSE(response.ok()) << request.method << " " << request.url;
    EXPECT_EQ(response.error().code(), ErrorCode::kInvalidArgument) << response.error().ToString();
  }
  EXPECT_TRUE(server_.RequestLog().empty());
}

}  // namespace
}  // namespace bsi::fetch
