// CurlTransport against a real HTTP server on 127.0.0.1 (HttpTestServer).
#include "bsi/fetch/curl_transport.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "testing/http_test_server.h"
#include "testing/temp_dir.h"

namespace bsi::fetch {
namespace {

using namespace std::chrono_literals;
using Server = bsi::testing::HttpTestServer;

constexpr std::uint64_t kCap = 1 << 20;

Server::Handler Respond(Server::Response response) {
  return [response](const Server::Request&) { return response; };
}

Server::Response Body(std::string body) {
  Server::Response response;
  response.body = std::move(body);
  return response;
}

// Options with short limits, so that failing tests fail fast.
CurlTransportOptions FastOptions() {
  CurlTransportOptions options;
  options.connect_timeout = 2s;
  options.total_timeout = 5s;
  options.low_speed_time = 5s;
  return options;
}

// Collects the body; optionally fails once it would hold more than fail_after bytes.
class CollectingSink final : public ByteSink {
 public:
  explicit CollectingSink(std::optional<std::size_t> fail_after = std::nullopt)
      : fail_after_(fail_after) {}

  Status Write(std::string_view chunk) override {
    if (fail_after_.has_value() && data_.size() + chunk.size() > *fail_after_) {
      return Error(ErrorCode::kNoSpace, "sink full");
    }
    data_.append(chunk);
    ++writes_;
    return Ok();
  }

  const std::string& data() const { return data_; }
  std::size_t writes() const { return writes_; }

 private:
  std::optional<std::size_t> fail_after_;
  std::string data_;
  std::size_t writes_ = 0;
};

class CurlTransportTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }

  FetchRequest Get(std::string_view path, std::uint64_t max_bytes = kCap) {
    return FetchRequest{server_.BaseUrl() + std::string(path), max_bytes, std::nullopt};
  }

  FetchRequest GetRange(std::string_view path, std::uint64_t start) {
    FetchRequest request = Get(path);
    request.range_start = start;
    return request;
  }

  // Waits until the server has stopped writing, then returns what it wrote.
  std::uint64_t SettledBodyBytesSent() {
    std::uint64_t sent = server_.BodyBytesSent();
    for (int i = 0; i < 50; ++i) {
      std::this_thread::sleep_for(20ms);
      std::uint64_t now = server_.BodyBytesSent();
      if (now == sent) return now;
      sent = now;
    }
    return sent;
  }

  Server server_;
  CurlTransport transport_{FastOptions()};
};

TEST_F(CurlTransportTest, FetchesBody) {
  server_.SetHandler("/hello", Respond(Body("hello world")));
  Result<std::string> body = transport_.Fetch(Get("hello"));
  ASSERT_TRUE(body.ok()) << body.error().ToString();
  EXPECT_EQ(*body, "hello world");
  EXPECT_EQ(server_.RequestLog(), std::vector<std::string>{"GET /hello"});
}

TEST_F(CurlTransportTest, FetchesEmptyBodyWithZeroCap) {
  server_.SetHandler("/empty", Respond(Body("")));
  Result<std::string> body = transport_.Fetch(Get("empty", 0));
  ASSERT_TRUE(body.ok()) << body.error().ToString();
  EXPECT_EQ(*body, "");
}

TEST_F(CurlTransportTest, SendsIdentityEncodingUserAgentAndNoRange) {
  Server::Request seen;
  server_.SetHandler("/h", [&seen](const Server::Request& request) {
    seen = request;
    return Body("ok");
  });
  ASSERT_TRUE(transport_.Fetch(Get("h")).ok());
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.headers["accept-encoding"], "identity");
  EXPECT_EQ(seen.headers["user-agent"], "bsi/0.1");
  EXPECT_EQ(seen.headers.count("range"), 0u);
}

TEST_F(CurlTransportTest, DoesNotDecodeContentEncoding) {
  // Not gzip at all: had curl tried to decode it, the fetch would fail.
  Server::Response response = Body("raw bytes, labelled gzip");
  response.headers["Content-Encoding"] = "gzip";
  server_.SetHandler("/z", Respond(response));
  Result<std::string> body = transport_.Fetch(Get("z"));
  ASSERT_TRUE(body.ok()) << body.error().ToString();
  EXPECT_EQ(*body, "raw bytes, labelled gzip");
}

TEST_F(CurlTransportTest, Status404IsNotFound) {
  Result<std::string> body = transport_.Fetch(Get("2.root.json"));
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().code(), ErrorCode::kNotFound);
}

TEST_F(CurlTransportTest, OtherStatusesAreHttpStatus) {
  for (int status : {403, 410, 500, 503}) {
    Server::Response response = Body("nope");
    response.status = status;
    server_.SetHandler("/s", Respond(response));
    Result<std::string> body = transport_.Fetch(Get("s"));
    ASSERT_FALSE(body.ok()) << status;
    EXPECT_EQ(body.error().code(), ErrorCode::kHttpStatus) << status;
    EXPECT_NE(body.error().message().find(std::to_string(status)), std::string::npos)
        << body.error().message();
  }
}

TEST_F(CurlTransportTest, RedirectIsNotFollowed) {
  Server::Response response;
  response.status = 302;
  response.headers["Location"] = "/hello";
  server_.SetHandler("/moved", Respond(response));
  server_.SetHandler("/hello", Respond(Body("hello")));
  Result<std::string> body = transport_.Fetch(Get("moved"));
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().code(), ErrorCode::kHttpStatus);
  EXPECT_NE(body.error().message().find("302"), std::string::npos);
  EXPECT_EQ(server_.RequestLog(), std::vector<std::string>{"GET /moved"});
}

TEST_F(CurlTransportTest, ErrorBodyIsNeverDelivered) {
  Server::Response response = Body("an error page");
  response.status = 500;
  server_.SetHandler("/e", Respond(response));
  CollectingSink sink;
  Status status = transport_.FetchTo(Get("e"), sink);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kHttpStatus);
  EXPECT_EQ(sink.data(), "");
}

TEST_F(CurlTransportTest, BodyOfExactlyTheCapIsAccepted) {
  for (bool chunked : {false, true}) {
    Server::Response response = Body(std::string(1000, 'x'));
    response.chunked = chunked;
    server_.SetHandler("/f", Respond(response));
    Result<std::string> body = transport_.Fetch(Get("f", 1000));
    ASSERT_TRUE(body.ok()) << body.error().ToString();
    EXPECT_EQ(body->size(), 1000u);
    Result<std::string> over = transport_.Fetch(Get("f", 999));
    ASSERT_FALSE(over.ok());
    EXPECT_EQ(over.error().code(), ErrorCode::kTooLarge) << chunked;
  }
}

TEST_F(CurlTransportTest, LargeContentLengthIsRefusedBeforeTheBody) {
  // The body would only come after 3 s; the refusal must not wait for it.
  Server::Response response = Body(std::string(4 << 20, 'x'));
  response.delay_before_body = 3s;
  server_.SetHandler("/big", Respond(response));
  auto start = std::chrono::steady_clock::now();
  Result<std::string> body = transport_.Fetch(Get("big", 1024));
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().code(), ErrorCode::kTooLarge);
  EXPECT_NE(body.error().message().find("Content-Length"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(server_.BodyBytesSent(), 0u);
}

TEST_F(CurlTransportTest, EndlessChunkedBodyIsAbortedEarly) {
  // No Content-Length: the cap is enforced on the bytes received.
  const std::size_t body_size = 8 << 20;
  Server::Response response = Body(std::string(body_size, 'x'));
  response.chunked = true;
  server_.SetHandler("/endless", Respond(response));
  Result<std::string> body = transport_.Fetch(Get("endless", 64 * 1024));
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().code(), ErrorCode::kTooLarge);
  // Socket buffers hold a few MB at most; the rest was never sent.
  EXPECT_LT(SettledBodyBytesSent(), body_size / 2);
}

TEST_F(CurlTransportTest, LyingContentLengthBoundsTheBody) {
  // Declared shorter than sent: only the declared bytes are the body.
  Server::Response shorter = Body(std::string(1 << 20, 'x'));
  shorter.declared_content_length = 10;
  server_.SetHandler("/short", Respond(shorter));
  Result<std::string> body = transport_.Fetch(Get("short", 100));
  ASSERT_TRUE(body.ok()) << body.error().ToString();
  EXPECT_EQ(*body, std::string(10, 'x'));

  // Declared longer than sent, then the connection closes: a truncated body.
  Server::Response longer = Body("0123456789");
  longer.declared_content_length = 1000;
  server_.SetHandler("/long", Respond(longer));
  Result<std::string> truncated = transport_.Fetch(Get("long"));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().code(), ErrorCode::kNetwork);
}

TEST_F(CurlTransportTest, ConnectionRefusedIsNetworkError) {
  Server closed;
  ASSERT_TRUE(closed.Start().ok());
  std::string url = closed.BaseUrl() + "x";
  closed.Stop();
  Result<std::string> body = transport_.Fetch(FetchRequest{url, kCap, std::nullopt});
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().code(), ErrorCode::kNetwork) << body.error().ToString();
}

TEST_F(CurlTransportTest, StalledServerTimesOut) {
  Server::Response response = Body("late");
  response.delay_before_body = 5s;
  server_.SetHandler("/stall", Respond(response));
  CurlTransportOptions options = FastOptions();
  options.total_timeout = 300ms;
  CurlTransport transport(options);
  auto start = std::chrono::steady_clock::now();
  Result<std::string> body = transport.Fetch(Get("stall"));
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().code(), ErrorCode::kTimeout) << body.error().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(CurlTransportTest, LowSpeedLimitCatchesAStall) {
  Server::Response response = Body("late");
  response.delay_before_body = 5s;
  server_.SetHandler("/stall", Respond(response));
  CurlTransportOptions options = FastOptions();
  options.total_timeout = 0ms;  // No overall limit: the low-speed check must fire.
  options.low_speed_time = 1s;
  CurlTransport transport(options);
  auto start = std::chrono::steady_clock::now();
  Result<std::string> body = transport.Fetch(Get("stall"));
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().code(), ErrorCode::kTimeout) << body.error().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

// Writes `content` to `name` under `dir`, making the directories between.
void WriteUnder(const bsi::testing::TempDir& dir, const std::string& name,
                const std::string& content) {
  const std::filesystem::path file = std::filesystem::path(dir.path()) / name;
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << content;
}

TEST_F(CurlTransportTest, ServesDirectory) {
  bsi::testing::TempDir dir("bsi-fetch-test");
  WriteUnder(dir, "metadata/1.root.json", "{\"signed\":{}}");
  WriteUnder(dir, "secret", "do not serve");
  server_.ServeDirectory(dir.path() + "/metadata");
  Result<std::string> body = transport_.Fetch(Get("1.root.json"));
  ASSERT_TRUE(body.ok()) << body.error().ToString();
  EXPECT_EQ(*body, "{\"signed\":{}}");

  EXPECT_EQ(transport_.Fetch(Get("2.root.json")).error().code(), ErrorCode::kNotFound);
  // curl removes literal dot segments itself; an encoded one reaches the server.
  Result<std::string> escape = transport_.Fetch(Get("%2e%2e/secret"));
  ASSERT_FALSE(escape.ok());
  EXPECT_EQ(escape.error().code(), ErrorCode::kHttpStatus);
  EXPECT_NE(escape.error().message().find("400"), std::string::npos);
}

TEST_F(CurlTransportTest, RangeRequestGetsTheTail) {
  bsi::testing::TempDir dir("bsi-fetch-test");
  WriteUnder(dir, "target.bin", "0123456789");
  server_.ServeDirectory(dir.path());
  Result<std::string> tail = transport_.Fetch(GetRange("target.bin", 4));
  ASSERT_TRUE(tail.ok()) << tail.error().ToString();
  EXPECT_EQ(*tail, "456789");

  // The same handle without a range asks for the whole file again.
  Result<std::string> whole = transport_.Fetch(Get("target.bin"));
  ASSERT_TRUE(whole.ok()) << whole.error().ToString();
  EXPECT_EQ(*whole, "0123456789");

  // Past the end: 416.
  Result<std::string> past = transport_.Fetch(GetRange("target.bin", 10));
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.error().code(), ErrorCode::kHttpStatus);
  EXPECT_NE(past.error().message().find("416"), std::string::npos);
}

TEST_F(CurlTransportTest, RangeSendsRangeHeader) {
  std::string range;
  server_.SetHandler("/r", [&range](const Server::Request& request) {
    range = request.headers.count("range") != 0 ? request.headers.at("range") : "";
    Server::Response response = Body("tail");
    response.status = 206;
    response.headers["Content-Range"] = "bytes 6-9/10";
    return response;
  });
  Result<std::string> tail = transport_.Fetch(GetRange("r", 6));
  ASSERT_TRUE(tail.ok()) << tail.error().ToString();
  EXPECT_EQ(*tail, "tail");
  EXPECT_EQ(range, "bytes=6-");
}

TEST_F(CurlTransportTest, RangeIgnoredOrMisplacedIsAnError) {
  // A 200 to a range request is the whole file, not the tail.
  server_.SetHandler("/ignored", Respond(Body("0123456789")));
  Result<std::string> ignored = transport_.Fetch(GetRange("ignored", 4));
  ASSERT_FALSE(ignored.ok());
  EXPECT_EQ(ignored.error().code(), ErrorCode::kHttpStatus);

  Server::Response misplaced = Body("23456789");
  misplaced.status = 206;
  misplaced.headers["Content-Range"] = "bytes 2-9/10";
  server_.SetHandler("/misplaced", Respond(misplaced));
  Result<std::string> wrong = transport_.Fetch(GetRange("misplaced", 4));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kHttpStatus);

  // A 206 without a range asked for is not a whole file either.
  Result<std::string> unasked = transport_.Fetch(Get("misplaced"));
  ASSERT_FALSE(unasked.ok());
  EXPECT_EQ(unasked.error().code(), ErrorCode::kHttpStatus);
}

TEST_F(CurlTransportTest, FetchToStreamsInChunks) {
  std::string content;
  for (int i = 0; content.size() < (1 << 20); ++i) content += std::to_string(i) + ",";
  Server::Response response = Body(content);
  response.chunked = true;
  server_.SetHandler("/artifact", Respond(response));
  CollectingSink sink;
  Status status = transport_.FetchTo(Get("artifact", 2 << 20), sink);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(sink.data(), content);
  EXPECT_GT(sink.writes(), 1u);
}

TEST_F(CurlTransportTest, FetchToReturnsTheSinkError) {
  const std::size_t body_size = 8 << 20;
  server_.SetHandler("/artifact", Respond(Body(std::string(body_size, 'x'))));
  CollectingSink sink(/*fail_after=*/100 * 1024);
  Status status = transport_.FetchTo(Get("artifact", body_size), sink);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kNoSpace);
  EXPECT_EQ(status.error().message(), "sink full");
  EXPECT_LE(sink.data().size(), 100u * 1024);
  EXPECT_LT(SettledBodyBytesSent(), body_size / 2);

  // The transport is still usable after an aborted transfer.
  server_.SetHandler("/after", Respond(Body("fine")));
  Result<std::string> after = transport_.Fetch(Get("after"));
  ASSERT_TRUE(after.ok()) << after.error().ToString();
  EXPECT_EQ(*after, "fine");
}

TEST_F(CurlTransportTest, ReusesTheConnection) {
  server_.SetHandler("/a", Respond(Body("a")));
  server_.SetHandler("/b", Respond(Body("b")));
  ASSERT_TRUE(transport_.Fetch(Get("a")).ok());
  ASSERT_TRUE(transport_.Fetch(Get("b")).ok());
  EXPECT_EQ(server_.ConnectionCount(), 1u);

  // A 404 with a small body keeps the connection too (the updater ends each
  // root update with one).
  EXPECT_EQ(transport_.Fetch(Get("2.root.json")).error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(transport_.Fetch(Get("a")).ok());
  EXPECT_EQ(server_.ConnectionCount(), 1u);
  EXPECT_EQ(server_.RequestLog(),
            (std::vector<std::string>{"GET /a", "GET /b", "GET /2.root.json", "GET /a"}));
}

TEST_F(CurlTransportTest, OnlyHttpAndHttpsUrls) {
  for (const char* url : {"file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"}) {
    Result<std::string> body = transport_.Fetch(FetchRequest{url, kCap, std::nullopt});
    ASSERT_FALSE(body.ok()) << url;
    EXPECT_EQ(body.error().code(), ErrorCode::kInvalidArgument) << body.error().ToString();
  }
  EXPECT_TRUE(server_.RequestLog().empty());
}

TEST_F(CurlTransportTest, BandwidthCapSlowsTheTransfer) {
  const std::size_t body_size = 4 << 20;
  server_.SetHandler("/slow", Respond(Body(std::string(body_size, 'x'))));
  CurlTransportOptions options = FastOptions();
  options.max_recv_speed_bytes_per_s = body_size;  // 1 s for the body.
  CurlTransport transport(options);
  auto start = std::chrono::steady_clock::now();
  Result<std::string> body = transport.Fetch(Get("slow", body_size));
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(body.ok()) << body.error().ToString();
  EXPECT_EQ(body->size(), body_size);
  // libcurl paces over a window and reads what is buffered in bursts (up to
  // ~1.6 MB), so the capped fetch takes ~0.8 s here, against ~0.15 s uncapped.
  EXPECT_GE(elapsed, 400ms);
}

}  // namespace
}  // namespace bsi::fetch
