// HttpServer over real HTTP on 127.0.0.1 (ephemeral ports), driven by a raw
// socket client: routing, limits, malformed and slow requests, keep-alive,
// asynchronous responders, graceful stop, many connections.
#include "server/http/server.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "bsi/json/json.h"

#include "server/http/test_client.h"

namespace bsi::http {
namespace {

using namespace std::chrono_literals;
using testing::Fetch;
using testing::ParsedResponse;
using testing::RawClient;
using testing::Request;

ServerOptions TestOptions() {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  return options;
}

std::unique_ptr<HttpServer> StartServer(Router router, ServerOptions options = TestOptions()) {
  Result<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(std::move(options), std::move(router));
  if (!server.ok()) {
    ADD_FAILURE() << server.error().ToString();
    return nullptr;
  }
  return std::move(*server);
}

// A thread that runs posted tasks in order: where asynchronous handlers
// answer from (as a database thread would).
class TaskThread {
 public:
  TaskThread() : thread_([this] { Loop(); }) {}
  ~TaskThread() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Post(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_all();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return done_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool done_ = false;
  std::thread thread_;
};

Handler Text(std::string body) {
  return [body](HttpRequest&, Responder respond) {
    HttpResponse response;
    response.body = body;
    response.AddHeader("Content-Type", "text/plain");
    respond(std::move(response));
  };
}

// Answers with what it saw: method, params, query, body size, remote.
Handler Echo() {
  return [](HttpRequest& request, Responder respond) {
    json::Object params;
    for (const auto& [name, value] : request.params) params.emplace(name, json::Value(value));
    json::Object object;
    object.emplace("method", json::Value(request.method));
    object.emplace("path", json::Value(request.path));
    object.emplace("query", json::Value(request.query));
    object.emplace("params", json::Value(std::move(params)));
    object.emplace("body_size", json::Value(static_cast<std::int64_t>(request.body.size())));
    object.emplace("remote", json::Value(request.remote_address));
    respond(JsonResponse(200, json::ToCompactString(json::Value(std::move(object)))));
  };
}

json::Value ParseJson(const std::string& text) {
  Result<json::Value> value = json::Parse(text);
  EXPECT_TRUE(value.ok()) << text;
  return value.ok() ? *value : json::Value();
}

std::string ErrorCodeOf(const ParsedResponse& response) {
  json::Value body = ParseJson(response.body);
  const json::Value* error = body.Find("error");
  if (error == nullptr || error->Find("code") == nullptr) return "";
  return error->Find("code")->string_value();
}

TEST(HttpServerTest, RoutesWithDecodedParams) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/api/v1/groups/{name}/approvals/{improvement}", Echo()).ok());
  auto server = StartServer(std::move(router));
  ASSERT_NE(server, nullptr);
  std::optional<ParsedResponse> response =
      Fetch(server->port(), "GET",
            "/api/v1/groups/web%20servers/approvals/acme-os%2026.3.1%20(a)?verbose=1&x=%20");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("Server"), "bsi-server");
  EXPECT_TRUE(response->Header("Date").has_value());
  EXPECT_EQ(response->Header("Content-Type"), "application/json");
  json::Value body = ParseJson(response->body);
  EXPECT_EQ(body.Find("params")->Find("name")->string_value(), "web servers");
  EXPECT_EQ(body.Find("params")->Find("improvement")->string_value(), "acme-os 26.3.1 (a)");
  EXPECT_EQ(body.Find("path")->string_value(),
            "/api/v1/groups/web%20servers/approvals/acme-os%2026.3.1%20(a)");
  EXPECT_EQ(body.Find("query")->string_value(), "verbose=1&x=%20");
  EXPECT_EQ(body.Find("remote")->string_value(), "127.0.0.1");
}

TEST(HttpServerTest, EncodedSlashOrNulInAParamIs400) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/groups/{name}", Echo()).ok());
  auto server = StartServer(std::move(router));
  ASSERT_NE(server, nullptr);
  for (const char* target : {"/groups/a%2Fb", "/groups/a%00", "/groups/%zz"}) {
    std::optional<ParsedResponse> response = Fetch(server->port(), "GET", target);
    ASSERT_TRUE(response.has_value()) << target;
    EXPECT_EQ(response->status, 400) << target;
    EXPECT_EQ(ErrorCodeOf(*response), "bad_path");
  }
}

TEST(HttpServerTest, UnknownPathIs404AndWrongMethod405) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/groups/{name}", Echo()).ok());
  ASSERT_TRUE(router.Add("DELETE", "/groups/{name}", Echo()).ok());
  auto server = StartServer(std::move(router));
  ASSERT_NE(server, nullptr);
  std::optional<ParsedResponse> response = Fetch(server->port(), "GET", "/nothing/here");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->Header("Content-Type"), "application/json");
  EXPECT_EQ(ErrorCodeOf(*response), "not_found");

  response = Fetch(server->port(), "POST", "/groups/x", "", "{}");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->Header("Allow"), "DELETE, GET, HEAD");
  EXPECT_EQ(ErrorCodeOf(*response), "method_not_allowed");
}

TEST(HttpServerTest, HeadOfAGetRouteSendsHeadersOnly) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/hello", Text("hello, world\n")).ok());
  auto server = StartServer(std::move(router));
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  ASSERT_TRUE(client.Send(Request("HEAD", "/hello")));
  std::optional<ParsedResponse> head = client.ReadResponse(/*head_request=*/true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Length"), "13");
  // Had a body been sent, it would be read as the start of this response.
  ASSERT_TRUE(client.Send(Request("GET", "/hello")));
  std::optional<ParsedResponse> get = client.ReadResponse();
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "hello, world\n");
}

TEST(HttpServerTest, KeepAliveAndPipelining) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/n/{n}", Echo()).ok());
  auto server = StartServer(std::move(router));
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.Send(Request("GET", "/n/" + std::to_string(i))));
    std::optional<ParsedResponse> response = client.ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(ParseJson(response->body).Find("params")->Find("n")->string_value(),
              std::to_string(i));
    EXPECT_FALSE(response->Header("Connection").has_value());
  }
  // Three requests in one write: three answers, in order.
  std::string pipelined;
  for (int i = 10; i < 13; ++i) pipelined += Request("GET", "/n/" + std::to_string(i));
  ASSERT_TRUE(client.Send(pipelined));
  for (int i = 10; i < 13; ++i) {
    std::optional<ParsedResponse> response = client.ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(ParseJson(response->body).Find("params")->Find("n")->string_value(),
              std::to_string(i));
  }
  EXPECT_EQ(server->stats().connections_total, 1u);
  // "Connection: close" is honoured.
  ASSERT_TRUE(client.Send(Request("GET", "/n/last", "Connection: close\r\n")));
  std::optional<ParsedResponse> last = client.ReadResponse();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->Header("Connection"), "close");
  EXPECT_TRUE(client.WaitClosed());
}

TEST(HttpServerTest, Http10ClosesUnlessKeptAlive) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/x", Text("x")).ok());
  auto server = StartServer(std::move(router));
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  ASSERT_TRUE(client.Send("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  std::optional<ParsedResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->Header("Connection"), "keep-alive");
  ASSERT_TRUE(client.Send("GET /x HTTP/1.0\r\n\r\n"));
  response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_TRUE(client.WaitClosed());
}

TEST(HttpServerTest, BodiesWithinTheLimitArrive) {
  Router router;
  ASSERT_TRUE(router.Add("POST", "/small", Echo()).ok());
  ASSERT_TRUE(router.Add("POST", "/large", Echo(), RouteOptions{std::size_t{2} << 20}).ok());
  auto server = StartServer(std::move(router));
  ASSERT_NE(server, nullptr);
  std::optional<ParsedResponse> response =
      Fetch(server->port(), "POST", "/small", "", std::string(64 * 1024, 'x'));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(ParseJson(response->body).Find("body_size")->int_value(), 64 * 1024);

  response = Fetch(server->port(), "POST", "/large", "", std::string(1 << 20, 'y'));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(ParseJson(response->body).Find("body_size")->int_value(), 1 << 20);

  RawClient client(server->port());
  ASSERT_TRUE(
      client.Send("POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(ParseJson(response->body).Find("body_size")->int_value(), 11);
}

TEST(HttpServerTest, TooLargeBodyIs413BeforeTheHandler) {
  std::atomic<int> calls{0};
  Router router;
  ASSERT_TRUE(router
                  .Add("POST", "/upload",
                       [&](HttpRequest&, Responder respond) {
                         ++calls;
                         respond(JsonResponse(200, "{}"));
                       })
                  .ok());
  auto server = StartServer(std::move(router));
  ASSERT_NE(server, nullptr);
  const std::string megabyte(1 << 20, 'z');

  // Announced by Content-Length: refused before a body byte is read; the
  // client still gets the answer though it goes on sending.
  {
    RawClient client(server->port());
    ASSERT_TRUE(client.Send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1048576\r\n\r\n"));
    client.Send(megabyte);  // may fail once the server has closed
    std::optional<ParsedResponse> response = client.ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 413);
    EXPECT_EQ(ErrorCodeOf(*response), "body_too_large");
    EXPECT_EQ(response->Header("Connection"), "close");
  }
  // Chunked: refused once past the limit.
  {
    RawClient client(server->port());
    ASSERT_TRUE(
        client.Send("POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"));
    for (int i = 0; i < 16; ++i) {
      std::string chunk = "10000\r\n" + megabyte.substr(0, 0x10000) + "\r\n";
      if (!client.Send(chunk)) break;
    }
    client.Send("0\r\n\r\n");
    std::optional<ParsedResponse> response = client.ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 413);
  }
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(server->stats().responses_by_class[3], 2u);
}

TEST(HttpServerTest, MalformedRequestsAre400AndClose) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/x", Text("x")).ok());
  auto server = StartServer(std::move(router));
  ASSERT_NE(server, nullptr);
  for (const char* bytes :
       {"GARBAGE\r\n\r\n", "GET /x HTTP/1.1\r\nNo colon here\r\n\r\n", "GET /x HTTP/9.9\r\n\r\n",
        "GET /x HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        "GET http://example.com/x HTTP/1.1\r\nHost: t\r\n\r\n"}) {
    RawClient client(server->port());
    ASSERT_TRUE(client.Send(bytes));
    std::optional<ParsedResponse> response = client.ReadResponse();
    ASSERT_TRUE(response.has_value()) << bytes;
    EXPECT_EQ(response->status, 400) << bytes;
  }
  // A header over max_header_bytes.
  RawClient client(server->port());
  ASSERT_TRUE(client.Send("GET /x HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"));
  std::optional<ParsedResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 431);
  EXPECT_TRUE(client.WaitClosed());
}

TEST(HttpServerTest, SlowHeaderIsCut) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/x", Text("x")).ok());
  ServerOptions options = TestOptions();
  options.header_timeout = 300ms;
  auto server = StartServer(std::move(router), options);
  ASSERT_NE(server, nullptr);
  {
    // Nothing at all.
    RawClient client(server->port(), 10s);
    EXPECT_TRUE(client.WaitClosed());
  }
  {
    // Slowloris: a byte every 50 ms keeps arriving, the header never ends.
    RawClient client(server->port(), 10s);
    std::string header = "GET /x HTTP/1.1\r\nHost: t\r\nX-Slow: " + std::string(400, 'a');
    bool cut = false;
    for (char c : header) {
      if (!client.Send(std::string_view(&c, 1))) {
        cut = true;
        break;
      }
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_TRUE(cut || client.WaitClosed());
  }
  EXPECT_GE(server->stats().timeouts, 2u);
}

TEST(HttpServerTest, SlowBodyIsCut) {
  Router router;
  ASSERT_TRUE(router.Add("POST", "/x", Echo()).ok());
  ServerOptions options = TestOptions();
  options.body_timeout = 300ms;
  auto server = StartServer(std::move(router), options);
  ASSERT_NE(server, nullptr);
  RawClient client(server->port(), 10s);
  ASSERT_TRUE(client.Send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789"));
  EXPECT_TRUE(client.WaitClosed());
  EXPECT_EQ(server->stats().timeouts, 1u);
}

TEST(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/x", Text("x")).ok());
  ServerOptions options = TestOptions();
  options.idle_timeout = 300ms;
  auto server = StartServer(std::move(router), options);
  ASSERT_NE(server, nullptr);
  RawClient client(server->port(), 10s);
  ASSERT_TRUE(client.Send(Request("GET", "/x")));
  ASSERT_TRUE(client.ReadResponse().has_value());
  EXPECT_TRUE(client.WaitClosed());
}

TEST(HttpServerTest, ExpectContinue) {
  Router router;
  ASSERT_TRUE(router.Add("PUT", "/x", Echo()).ok());
  auto server = StartServer(std::move(router));
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  ASSERT_TRUE(client.Send(
      "PUT /x HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  std::optional<ParsedResponse> interim = client.ReadResponse();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.Send("hello"));
  std::optional<ParsedResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(ParseJson(response->body).Find("body_size")->int_value(), 5);
}

TEST(HttpServerTest, ResponderCalledFromAnotherThread) {
  TaskThread database;
  Router router;
  ASSERT_TRUE(router
                  .Add("POST", "/commit/{id}",
                       [&](HttpRequest& request, Responder respond) {
                         std::string id = request.params["id"];
                         database.Post([id, respond] {
                           std::this_thread::sleep_for(20ms);
                           respond(JsonResponse(201, "{\"id\":\"" + id + "\"}"));
                           respond(JsonResponse(500, "{}"));  // ignored: exactly once
                         });
                       })
                  .ok());
  ASSERT_TRUE(router
                  .Add("GET", "/dropped",
                       [&](HttpRequest&, Responder respond) {
                         database.Post([respond] {});  // never called
                       })
                  .ok());
  ASSERT_TRUE(
      router
          .Add("GET", "/throws", [](HttpRequest&, Responder) { throw std::runtime_error("boom"); })
          .ok());
  auto server = StartServer(std::move(router));
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.Send(Request("POST", "/commit/" + std::to_string(i), "", "{}")));
    std::optional<ParsedResponse> response = client.ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 201);
    EXPECT_EQ(response->body, "{\"id\":\"" + std::to_string(i) + "\"}");
  }
  ASSERT_TRUE(client.Send(Request("GET", "/dropped")));
  std::optional<ParsedResponse> dropped = client.ReadResponse();
  ASSERT_TRUE(dropped.has_value());
  EXPECT_EQ(dropped->status, 500);
  ASSERT_TRUE(client.Send(Request("GET", "/throws")));
  std::optional<ParsedResponse> thrown = client.ReadResponse();
  ASSERT_TRUE(thrown.has_value());
  EXPECT_EQ(thrown->status, 500);
  // The connection is still good.
  ASSERT_TRUE(client.Send(Request("POST", "/commit/last", "", "{}")));
  std::optional<ParsedResponse> last = client.ReadResponse();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->status, 201);
}

TEST(HttpServerTest, InvalidResponseHeaderBecomes500) {
  Router router;
  ASSERT_TRUE(router
                  .Add("GET", "/inject",
                       [](HttpRequest&, Responder respond) {
                         HttpResponse response;
                         response.AddHeader("X-Evil", "a\r\nSet-Cookie: b");
                         respond(std::move(response));
                       })
                  .ok());
  auto server = StartServer(std::move(router));
  ASSERT_NE(server, nullptr);
  std::optional<ParsedResponse> response = Fetch(server->port(), "GET", "/inject");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 500);
  EXPECT_FALSE(response->Header("Set-Cookie").has_value());
}

TEST(HttpServerTest, StopLetsTheRequestInFlightFinish) {
  TaskThread database;
  std::promise<void> handler_called;
  Router router;
  ASSERT_TRUE(router
                  .Add("GET", "/slow",
                       [&](HttpRequest&, Responder respond) {
                         handler_called.set_value();
                         database.Post([respond] {
                           std::this_thread::sleep_for(300ms);
                           respond(JsonResponse(200, "{\"done\":true}"));
                         });
                       })
                  .ok());
  ASSERT_TRUE(router.Add("GET", "/fast", Text("fast")).ok());
  auto server = StartServer(std::move(router));
  ASSERT_NE(server, nullptr);
  std::uint16_t port = server->port();
  RawClient idle(port);  // an idle keep-alive connection: closed by Stop
  ASSERT_TRUE(idle.Send(Request("GET", "/fast")));
  ASSERT_TRUE(idle.ReadResponse().has_value());

  RawClient busy(port);
  ASSERT_TRUE(busy.Send(Request("GET", "/slow")));
  handler_called.get_future().wait();
  std::thread stopper([&] { server->Stop(); });
  std::optional<ParsedResponse> response = busy.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "{\"done\":true}");
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_TRUE(busy.WaitClosed());
  EXPECT_TRUE(idle.WaitClosed());
  stopper.join();
  server->Wait();  // returns at once: stopped
  RawClient after(port);
  EXPECT_FALSE(after.connected());
}

TEST(HttpServerTest, ManyConcurrentConnections) {
  constexpr int kConnections = 500;
  ASSERT_GE(testing::RaiseFileLimit(4 * kConnections), std::uint64_t{2 * kConnections + 64});
  TaskThread database;
  Router router;
  ASSERT_TRUE(router.Add("GET", "/sync/{n}", Echo()).ok());
  ASSERT_TRUE(router
                  .Add("GET", "/async/{n}",
                       [&](HttpRequest& request, Responder respond) {
                         std::string n = request.params["n"];
                         database.Post([n, respond] { respond(JsonResponse(200, n)); });
                       })
                  .ok());
  auto server = StartServer(std::move(router));
  ASSERT_NE(server, nullptr);
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < kConnections; ++i) {
    clients.push_back(std::make_unique<RawClient>(server->port(), 20s));
    ASSERT_TRUE(clients.back()->connected()) << i;
  }
  for (int i = 0; i < kConnections; ++i) {
    std::string target = (i % 2 == 0 ? "/sync/" : "/async/") + std::to_string(i);
    ASSERT_TRUE(clients[i]->Send(Request("GET", target))) << i;
  }
  for (int i = 0; i < kConnections; ++i) {
    std::optional<ParsedResponse> response = clients[i]->ReadResponse();
    ASSERT_TRUE(response.has_value()) << i;
    EXPECT_EQ(response->status, 200);
    if (i % 2 == 1) {
      EXPECT_EQ(response->body, std::to_string(i));
    }
  }
  EXPECT_EQ(server->stats().open_connections, std::uint64_t{kConnections});
  clients.clear();
  // Still up.
  std::optional<ParsedResponse> response = Fetch(server->port(), "GET", "/sync/again");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  HttpServer::Stats stats = server->stats();
  EXPECT_EQ(stats.requests_total, std::uint64_t{kConnections + 1});
  EXPECT_EQ(stats.responses_by_class[1], std::uint64_t{kConnections + 1});
}

TEST(HttpServerTest, BeyondMaxConnectionsIs503) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/x", Text("x")).ok());
  ServerOptions options = TestOptions();
  options.max_connections = 2;
  auto server = StartServer(std::move(router), options);
  ASSERT_NE(server, nullptr);
  RawClient first(server->port());
  RawClient second(server->port());
  ASSERT_TRUE(first.Send(Request("GET", "/x")));
  ASSERT_TRUE(first.ReadResponse().has_value());
  ASSERT_TRUE(second.Send(Request("GET", "/x")));
  ASSERT_TRUE(second.ReadResponse().has_value());
  RawClient third(server->port());
  std::optional<ParsedResponse> refused = third.ReadResponse();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(server->stats().connections_rejected, 1u);
}

TEST(HttpServerTest, BindErrorsAreClear) {
  auto first = StartServer(Router());
  ASSERT_NE(first, nullptr);
  ServerOptions options;
  options.listen = "127.0.0.1:" + std::to_string(first->port());
  Result<std::unique_ptr<HttpServer>> second = HttpServer::Start(options, Router());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::kIo);
  EXPECT_EQ(second.error().message(), options.listen + ": address already in use");

  for (const char* listen :
       {"localhost:80", "127.0.0.1", "127.0.0.1:99999", "[127.0.0.1]:80", "::1:80", "[::1]80"}) {
    options.listen = listen;
    Result<std::unique_ptr<HttpServer>> bad = HttpServer::Start(options, Router());
    ASSERT_FALSE(bad.ok()) << listen;
    EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument) << listen;
  }
  options = TestOptions();
  options.tls_cert_file = "/nonexistent/cert.pem";
  Result<std::unique_ptr<HttpServer>> no_key = HttpServer::Start(options, Router());
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.error().code(), ErrorCode::kInvalidArgument);
}

TEST(HttpServerTest, ListensOnIpv6) {
  ServerOptions options;
  options.listen = "[::1]:0";
  Router router;
  ASSERT_TRUE(router.Add("GET", "/x", Echo()).ok());
  Result<std::unique_ptr<HttpServer>> server = HttpServer::Start(options, std::move(router));
  if (!server.ok()) GTEST_SKIP() << "no IPv6 loopback: " << server.error().ToString();
  testing::CommandResult result = testing::RunCommand(
      "curl -sS -g 'http://[::1]:" + std::to_string((*server)->port()) + "/x' 2>&1");
  ASSERT_EQ(result.exit_status, 0) << result.output;
  EXPECT_EQ(ParseJson(result.output).Find("remote")->string_value(), "::1");
}

}  // namespace
}  // namespace bsi::http
