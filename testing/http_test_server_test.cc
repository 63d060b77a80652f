// HttpTestServer, driven by a raw socket client so that the bytes on the wire
// are exactly what the test wrote (an HTTP client library would normalize
// paths and hide the framing).
#include "testing/http_test_server.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace bsi::testing {
namespace {

using namespace std::chrono_literals;
using Request = HttpTestServer::Request;
using Response = HttpTestServer::Response;

// A blocking TCP client on 127.0.0.1 with a 5 s receive timeout.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawClient() { close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Everything until the server closes the connection (or the timeout).
  std::string ReadAll() {
    std::string out;
    while (ReadSome(out)) {
    }
    return out;
  }

  // Up to the blank line that ends the head (and whatever came with it).
  std::string ReadHead() {
    std::string out;
    while (out.find("\r\n\r\n") == std::string::npos) {
      if (!ReadSome(out)) break;
    }
    return out;
  }

  // One response whose body is framed by Content-Length: the head, then the
  // declared number of bytes.
  std::string ReadResponse() {
    std::string out = ReadHead();
    std::size_t head_end = out.find("\r\n\r\n");
    if (head_end == std::string::npos) return out;
    std::size_t length = 0;
    if (std::size_t at = out.find("Content-Length: "); at != std::string::npos && at < head_end) {
      length = std::stoul(out.substr(at + 16));
    }
    while (out.size() < head_end + 4 + length) {
      if (!ReadSome(out)) break;
    }
    return out;
  }

 private:
  bool ReadSome(std::string& out) {
    char buffer[4096];
    ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n <= 0) return false;
    out.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
};

std::string Get(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         std::string(extra_headers) + "\r\n";
}

class HttpTestServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "bsi_http_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    std::filesystem::create_directories(dir_ + "/root/metadata");
    std::ofstream(dir_ + "/root/metadata/1.root.json", std::ios::binary) << "0123456789";
    std::ofstream(dir_ + "/secret", std::ios::binary) << "secret";
    ASSERT_TRUE(server_.Start().ok());
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string dir_;
  HttpTestServer server_;
};

TEST_F(HttpTestServerTest, ListensOnLoopback) {
  EXPECT_NE(server_.port(), 0);
  EXPECT_EQ(server_.BaseUrl(), "http://127.0.0.1:" + std::to_string(server_.port()) + "/");
  EXPECT_FALSE(server_.Start().ok());
}

TEST_F(HttpTestServerTest, ServesFilesWithRanges) {
  server_.ServeDirectory(dir_ + "/root/");
  RawClient client(server_.port());
  ASSERT_TRUE(client.connected());

  ASSERT_TRUE(client.Send(Get("/metadata/1.root.json")));
  std::string whole = client.ReadResponse();
  EXPECT_EQ(whole.substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_EQ(whole.substr(whole.size() - 10), "0123456789");

  ASSERT_TRUE(client.Send(Get("/metadata/1.root.json", "Range: bytes=2-4\r\n")));
  std::string middle = client.ReadResponse();
  EXPECT_EQ(middle.substr(0, 12), "HTTP/1.1 206");
  EXPECT_NE(middle.find("Content-Range: bytes 2-4/10\r\n"), std::string::npos);
  EXPECT_EQ(middle.substr(middle.size() - 3), "234");

  ASSERT_TRUE(client.Send(Get("/metadata/1.root.json", "Range: bytes=7-\r\n")));
  std::string tail = client.ReadResponse();
  EXPECT_NE(tail.find("Content-Range: bytes 7-9/10\r\n"), std::string::npos);
  EXPECT_EQ(tail.substr(tail.size() - 3), "789");

  ASSERT_TRUE(client.Send(Get("/metadata/1.root.json", "Range: bytes=10-\r\n")));
  std::string past = client.ReadResponse();
  EXPECT_EQ(past.substr(0, 12), "HTTP/1.1 416");
  EXPECT_NE(past.find("Content-Range: bytes */10\r\n"), std::string::npos);

  ASSERT_TRUE(client.Send(Get("/metadata/2.root.json")));
  EXPECT_EQ(client.ReadResponse().substr(0, 12), "HTTP/1.1 404");
  ASSERT_TRUE(client.Send(Get("/metadata")));  // A directory is not a file.
  EXPECT_EQ(client.ReadResponse().substr(0, 12), "HTTP/1.1 404");

  // Six requests, one connection.
  EXPECT_EQ(server_.ConnectionCount(), 1u);
  EXPECT_EQ(server_.RequestLog().size(), 6u);
}

TEST_F(HttpTestServerTest, RefusesDotDotSegments) {
  server_.ServeDirectory(dir_ + "/root");
  for (const char* target : {"/../secret", "/metadata/../../secret", "/%2e%2e/secret"}) {
    RawClient client(server_.port());
    ASSERT_TRUE(client.Send(Get(target)));
    std::string response = client.ReadResponse();
    EXPECT_EQ(response.substr(0, 12), "HTTP/1.1 400") << target;
    EXPECT_EQ(response.find("secret\r\n"), std::string::npos);
  }
}

TEST_F(HttpTestServerTest, HeadSendsHeadersOnly) {
  server_.ServeDirectory(dir_ + "/root");
  RawClient client(server_.port());
  ASSERT_TRUE(client.Send("HEAD /metadata/1.root.json HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(client.Send(Get("/metadata/1.root.json", "Connection: close\r\n")));
  std::string both = client.ReadAll();
  // The HEAD answer has no body, so the GET answer follows right after it.
  std::size_t second = both.find("HTTP/1.1 200", 1);
  ASSERT_NE(second, std::string::npos);
  std::string head = both.substr(0, second);
  EXPECT_NE(head.find("Content-Length: 10\r\n"), std::string::npos);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
  EXPECT_EQ(both.substr(both.size() - 10), "0123456789");
}

TEST_F(HttpTestServerTest, HandlersSeeTheRequestAndWinOverFiles) {
  server_.ServeDirectory(dir_ + "/root");
  Request seen;
  server_.SetHandler("/metadata/1.root.json", [&seen](const Request& request) {
    seen = request;
    Response response;
    response.status = 503;
    response.body = "busy";
    response.headers["Retry-After"] = "1";
    return response;
  });
  RawClient client(server_.port());
  ASSERT_TRUE(client.Send(Get("/metadata/1.root.json?v=2", "X-Thing: a\r\nx-thing: b\r\n")));
  std::string response = client.ReadResponse();
  EXPECT_EQ(response.substr(0, 12), "HTTP/1.1 503");
  EXPECT_NE(response.find("Retry-After: 1\r\n"), std::string::npos);
  EXPECT_EQ(response.substr(response.size() - 4), "busy");
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/metadata/1.root.json?v=2");
  EXPECT_EQ(seen.headers["x-thing"], "a, b");
  EXPECT_EQ(server_.RequestLog(), std::vector<std::string>{"GET /metadata/1.root.json?v=2"});

  server_.RemoveHandler("/metadata/1.root.json");
  server_.ClearRequestLog();
  ASSERT_TRUE(client.Send(Get("/metadata/1.root.json")));
  EXPECT_EQ(client.ReadResponse().substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_EQ(server_.RequestLog(), std::vector<std::string>{"GET /metadata/1.root.json"});
}

TEST_F(HttpTestServerTest, ChunkedAndLyingResponses) {
  Response chunked;
  chunked.body = "hello";
  chunked.chunked = true;
  server_.SetHandler("/chunked", [chunked](const Request&) { return chunked; });
  Response lying;
  lying.body = "0123456789";
  lying.declared_content_length = 4;
  server_.SetHandler("/lying", [lying](const Request&) { return lying; });

  RawClient first(server_.port());
  ASSERT_TRUE(first.Send(Get("/chunked", "Connection: close\r\n")));
  std::string response = first.ReadAll();
  EXPECT_NE(response.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_EQ(response.find("Content-Length"), std::string::npos);
  EXPECT_EQ(response.substr(response.find("\r\n\r\n") + 4), "5\r\nhello\r\n0\r\n\r\n");

  // A lie ends the connection after the body, even though keep-alive was asked.
  RawClient second(server_.port());
  ASSERT_TRUE(second.Send(Get("/lying")));
  std::string lie = second.ReadAll();
  EXPECT_NE(lie.find("Content-Length: 4\r\n"), std::string::npos);
  EXPECT_NE(lie.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(lie.substr(lie.size() - 10), "0123456789");
}

TEST_F(HttpTestServerTest, StopsWhileAResponseIsDelayed) {
  Response slow;
  slow.body = "late";
  slow.delay_before_body = 60s;
  server_.SetHandler("/slow", [slow](const Request&) { return slow; });
  RawClient client(server_.port());
  ASSERT_TRUE(client.Send(Get("/slow")));
  std::string head = client.ReadHead();
  EXPECT_EQ(head.substr(0, 15), "HTTP/1.1 200 OK");
  auto start = std::chrono::steady_clock::now();
  server_.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  // The connection was closed before the body: end of stream.
  EXPECT_EQ(client.ReadAll(), "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  server_.Stop();  // Twice is fine.
}

}  // namespace
}  // namespace bsi::testing
