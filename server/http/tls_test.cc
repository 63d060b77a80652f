// HttpServer over TLS, with a self-signed certificate made by the openssl
// tool for each test run and a real client (the curl tool).
#include <gtest/gtest.h>

#include "server/http/server.h"
#include "server/http/static_files.h"
#include "server/http/test_client.h"

namespace bsi::http {
namespace {

using testing::CommandResult;
using testing::RunCommand;
using testing::TempDir;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RunCommand("command -v openssl >/dev/null && command -v curl >/dev/null").exit_status !=
        0) {
      GTEST_SKIP() << "needs the openssl and curl tools";
    }
    cert_ = dir_.path() + "/cert.pem";
    key_ = dir_.path() + "/key.pem";
    CommandResult made = RunCommand(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
        " -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost"
        " -keyout " +
        key_ + " -out " + cert_ + " 2>&1");
    ASSERT_EQ(made.exit_status, 0) << made.output;
    testing::WriteFile(dir_.path() + "/repo/metadata/timestamp.json", "{\"version\":1}");
  }

  std::unique_ptr<HttpServer> Start() {
    Router router;
    EXPECT_TRUE(router
                    .Add("POST", "/echo",
                         [](HttpRequest& request, Responder respond) {
                           respond(JsonResponse(200, request.body));
                         })
                    .ok());
    Result<Handler> files = StaticFiles(dir_.path() + "/repo");
    EXPECT_TRUE(files.ok());
    EXPECT_TRUE(router.Mount("/repo/", std::move(*files)).ok());
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.tls_cert_file = cert_;
    options.tls_key_file = key_;
    Result<std::unique_ptr<HttpServer>> server = HttpServer::Start(options, std::move(router));
    if (!server.ok()) {
      ADD_FAILURE() << server.error().ToString();
      return nullptr;
    }
    return std::move(*server);
  }

  std::string Url(const HttpServer& server, std::string_view path) {
    return "https://127.0.0.1:" + std::to_string(server.port()) + std::string(path);
  }

  TempDir dir_;
  std::string cert_;
  std::string key_;
};

TEST_F(TlsTest, ServesOverTls) {
  std::unique_ptr<HttpServer> server = Start();
  ASSERT_NE(server, nullptr);
  CommandResult get = RunCommand("curl -sS --cacert " + cert_ + " " +
                                 Url(*server, "/repo/metadata/timestamp.json") + " " +
                                 Url(*server, "/repo/metadata/timestamp.json") + " 2>&1");
  ASSERT_EQ(get.exit_status, 0) << get.output;
  EXPECT_EQ(get.output, "{\"version\":1}{\"version\":1}");
  EXPECT_EQ(server->stats().connections_total, 1u);  // both on one connection

  CommandResult post = RunCommand("curl -sS --cacert " + cert_ +
                                  " -H 'Content-Type: application/json' --data '{\"a\":1}' " +
                                  Url(*server, "/echo") + " 2>&1");
  ASSERT_EQ(post.exit_status, 0) << post.output;
  EXPECT_EQ(post.output, "{\"a\":1}");

  CommandResult head = RunCommand("curl -sS -I --cacert " + cert_ + " " +
                                  Url(*server, "/repo/metadata/timestamp.json") + " 2>&1");
  ASSERT_EQ(head.exit_status, 0) << head.output;
  EXPECT_NE(head.output.find("Server: bsi-server"), std::string::npos) << head.output;
}

TEST_F(TlsTest, RefusesOldTlsAndPlainHttp) {
  std::unique_ptr<HttpServer> server = Start();
  ASSERT_NE(server, nullptr);
  CommandResult old_tls = RunCommand("curl -sS --tlsv1.0 --tls-max 1.1 --cacert " + cert_ + " " +
                                     Url(*server, "/repo/metadata/timestamp.json") + " 2>&1");
  EXPECT_NE(old_tls.exit_status, 0) << old_tls.output;
  CommandResult tls12 = RunCommand("curl -sS --tlsv1.2 --tls-max 1.2 --cacert " + cert_ + " " +
                                   Url(*server, "/repo/metadata/timestamp.json") + " 2>&1");
  EXPECT_EQ(tls12.exit_status, 0) << tls12.output;
  // Plain HTTP to the TLS port gets no HTTP answer.
  testing::RawClient client(server->port());
  ASSERT_TRUE(client.Send(testing::Request("GET", "/repo/metadata/timestamp.json")));
  EXPECT_FALSE(client.ReadResponse().has_value());
  // The server is still fine.
  CommandResult again = RunCommand("curl -sS --cacert " + cert_ + " " +
                                   Url(*server, "/repo/metadata/timestamp.json") + " 2>&1");
  EXPECT_EQ(again.exit_status, 0) << again.output;
}

TEST_F(TlsTest, BadCertificateOrKeyIsAStartError) {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.tls_cert_file = key_;  // not a certificate
  options.tls_key_file = key_;
  Result<std::unique_ptr<HttpServer>> server = HttpServer::Start(options, Router());
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code(), ErrorCode::kInvalidArgument);
  options.tls_cert_file = cert_;
  options.tls_key_file = dir_.path() + "/missing.pem";
  server = HttpServer::Start(options, Router());
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace bsi::http
