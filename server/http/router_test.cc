// Router and message helpers, without a network: pattern parsing, matching,
// percent-decoding, 404/405/400 outcomes, mounts, and the JSON error body.
#include "server/http/router.h"

#include <gtest/gtest.h>

#include "bsi/json/json.h"

#include "server/http/message.h"
#include "server/http/response_head.h"

namespace bsi::http {
namespace {

Handler Noop() {
  return [](HttpRequest&, Responder) {};
}

TEST(RouterTest, MatchesParamsAndDecodesThem) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/api/v1/groups/{name}/approvals/{improvement}", Noop()).ok());
  HttpRequest request;
  RouteMatch match = router.Match(
      "GET", "/api/v1/groups/web%2Dservers/approvals/acme-os%2026.3.1%20(a)", &request);
  ASSERT_EQ(match.kind, RouteMatch::Kind::kFound);
  EXPECT_NE(match.handler, nullptr);
  EXPECT_EQ(match.max_body_bytes, kDefaultMaxBodyBytes);
  EXPECT_EQ(request.params["name"], "web-servers");
  EXPECT_EQ(request.params["improvement"], "acme-os 26.3.1 (a)");
}

TEST(RouterTest, LiteralSegmentsCompareDecoded) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/api/v1/groups", Noop()).ok());
  HttpRequest request;
  EXPECT_EQ(router.Match("GET", "/api/v1/%67roups", &request).kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(router.Match("GET", "/api/v1/groups/", &request).kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router.Match("GET", "/api/v1", &request).kind, RouteMatch::Kind::kNotFound);
}

TEST(RouterTest, RefusesEncodedSlashNulAndBadEscapes) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/groups/{name}", Noop()).ok());
  HttpRequest request;
  for (const char* path : {"/groups/a%2Fb", "/groups/a%2fb", "/groups/a%00b", "/groups/a%zz",
                           "/groups/a%2", "/groups/%"}) {
    EXPECT_EQ(router.Match("GET", path, &request).kind, RouteMatch::Kind::kBadPath) << path;
  }
  EXPECT_EQ(router.Match("GET", "groups/a", &request).kind, RouteMatch::Kind::kBadPath);
}

TEST(RouterTest, EmptySegmentDoesNotMatchAParam) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/groups/{name}", Noop()).ok());
  HttpRequest request;
  EXPECT_EQ(router.Match("GET", "/groups/", &request).kind, RouteMatch::Kind::kNotFound);
}

TEST(RouterTest, WrongMethodGives405WithAllow) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/groups/{name}", Noop()).ok());
  ASSERT_TRUE(router.Add("PUT", "/groups/{name}", Noop()).ok());
  HttpRequest request;
  RouteMatch match = router.Match("DELETE", "/groups/x", &request);
  ASSERT_EQ(match.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(match.allow, "GET, HEAD, PUT");
  HttpResponse response = Router::ErrorResponseFor(match);
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.Header("allow"), "GET, HEAD, PUT");
}

TEST(RouterTest, HeadUsesTheGetRoute) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/x", Noop()).ok());
  HttpRequest request;
  EXPECT_EQ(router.Match("HEAD", "/x", &request).kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(router.Match("POST", "/x", &request).kind, RouteMatch::Kind::kMethodNotAllowed);
}

TEST(RouterTest, PerRouteBodyLimit) {
  Router router;
  ASSERT_TRUE(router.Add("POST", "/upload", Noop(), RouteOptions{1 << 20}).ok());
  HttpRequest request;
  EXPECT_EQ(router.Match("POST", "/upload", &request).max_body_bytes, std::size_t{1} << 20);
}

TEST(RouterTest, MountsTakeTheLongestPrefixAfterRoutes) {
  Router router;
  int which = 0;
  ASSERT_TRUE(router.Mount("/repo/", [&](HttpRequest&, Responder) { which = 1; }).ok());
  ASSERT_TRUE(router.Mount("/repo/metadata/", [&](HttpRequest&, Responder) { which = 2; }).ok());
  ASSERT_TRUE(router.Add("GET", "/repo/status", [&](HttpRequest&, Responder) { which = 3; }).ok());
  HttpRequest request;
  request.path = "/repo/metadata/1.root.json";
  RouteMatch match = router.Match("GET", request.path, &request);
  ASSERT_EQ(match.kind, RouteMatch::Kind::kFound);
  (*match.handler)(request, nullptr);
  EXPECT_EQ(which, 2);
  EXPECT_EQ(request.MountPath(), "1.root.json");
  request.path = "/repo/targets/a%20b";
  match = router.Match("GET", request.path, &request);
  (*match.handler)(request, nullptr);
  EXPECT_EQ(which, 1);
  EXPECT_EQ(request.MountPath(), "targets/a%20b");
  match = router.Match("GET", "/repo/status", &request);
  (*match.handler)(request, nullptr);
  EXPECT_EQ(which, 3);
  EXPECT_EQ(router.Match("GET", "/repo", &request).kind, RouteMatch::Kind::kNotFound);
}

TEST(RouterTest, RefusesBadPatterns) {
  Router router;
  EXPECT_FALSE(router.Add("GET", "groups", Noop()).ok());
  EXPECT_FALSE(router.Add("", "/groups", Noop()).ok());
  EXPECT_FALSE(router.Add("GET", "/groups/{}", Noop()).ok());
  EXPECT_FALSE(router.Add("GET", "/groups/{a-b}", Noop()).ok());
  EXPECT_FALSE(router.Add("GET", "/groups/x{a}", Noop()).ok());
  EXPECT_FALSE(router.Add("GET", "/groups/{a}/{a}", Noop()).ok());
  ASSERT_TRUE(router.Add("GET", "/groups/{a}", Noop()).ok());
  EXPECT_FALSE(router.Add("GET", "/groups/{b}", Noop()).ok());  // same shape
  EXPECT_TRUE(router.Add("POST", "/groups/{b}", Noop()).ok());
  EXPECT_FALSE(router.Mount("/repo", Noop()).ok());
  EXPECT_TRUE(router.Mount("/repo/", Noop()).ok());
  EXPECT_FALSE(router.Mount("/repo/", Noop()).ok());
}

TEST(RouterTest, DecodePathSegment) {
  EXPECT_EQ(DecodePathSegment("a%20b+c"), "a b+c");
  EXPECT_EQ(DecodePathSegment("%41%62"), "Ab");
  EXPECT_EQ(DecodePathSegment("a%2fb"), std::nullopt);
  EXPECT_EQ(DecodePathSegment("a%00"), std::nullopt);
  EXPECT_EQ(DecodePathSegment("a%4"), std::nullopt);
}

TEST(MessageTest, ErrorResponseIsEscapedJson) {
  HttpResponse response = ErrorResponse(404, "not_found", "no \"such\" file\n\\");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.Header("content-type"), "application/json");
  Result<json::Value> parsed = json::Parse(response.body);
  ASSERT_TRUE(parsed.ok()) << response.body;
  const json::Value* error = parsed->Find("error");
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->Find("code")->string_value(), "not_found");
  EXPECT_EQ(error->Find("message")->string_value(), "no \"such\" file\n\\");
}

TEST(MessageTest, HeaderLookupIsCaseInsensitive) {
  HttpRequest request;
  request.headers = {{"Content-Type", "a"}, {"X-Thing", "b"}, {"x-thing", "c"}};
  EXPECT_EQ(request.Header("content-type"), "a");
  EXPECT_EQ(request.Header("X-THING"), "b");
  EXPECT_EQ(request.Header("missing"), std::nullopt);
}

TEST(MessageTest, FormatHttpDate) {
  EXPECT_EQ(FormatHttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(FormatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(MessageTest, FileSourceReadsFromMemory) {
  auto source = FileSource::FromBytes("hello world");
  EXPECT_EQ(source->size(), 11u);
  std::string out(5, '\0');
  Result<std::size_t> n = source->ReadAt(6, std::span(out.data(), out.size()));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 5u);
  EXPECT_EQ(out, "world");
  EXPECT_EQ(*source->ReadAt(11, std::span(out.data(), out.size())), 0u);
}

TEST(ResponseHeadTest, FramingHeadersAreTheServers) {
  HttpResponse response = JsonResponse(201, "{}");
  response.AddHeader("Content-Length", "999");
  response.AddHeader("connection", "keep-alive");
  response.AddHeader("X-Id", "7");
  std::string head;
  internal::FormatResponseHead(response, "Sun, 06 Nov 1994 08:49:37 GMT", /*close=*/true,
                               /*keep_alive_http10=*/false, head);
  EXPECT_EQ(head,
            "HTTP/1.1 201 Created\r\nServer: bsi-server\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Content-Type: application/json\r\nX-Id: 7\r\nContent-Length: 2\r\n"
            "Connection: close\r\n\r\n");
  HttpResponse not_modified;
  not_modified.status = 304;
  internal::FormatResponseHead(not_modified, "D", /*close=*/false, /*keep_alive_http10=*/true,
                               head);
  EXPECT_EQ(head,
            "HTTP/1.1 304 Not Modified\r\nServer: bsi-server\r\nDate: D\r\n"
            "Connection: keep-alive\r\n\r\n");
}

TEST(ResponseHeadTest, InvalidResponses) {
  HttpResponse ok;
  EXPECT_TRUE(internal::IsValidResponse(ok));
  HttpResponse status = ok;
  status.status = 102;
  EXPECT_FALSE(internal::IsValidResponse(status));
  HttpResponse injected = ok;
  injected.AddHeader("X-A", "b\r\nSet-Cookie: c");
  EXPECT_FALSE(internal::IsValidResponse(injected));
  HttpResponse bad_name = ok;
  bad_name.AddHeader("X A", "b");
  EXPECT_FALSE(internal::IsValidResponse(bad_name));
  HttpResponse range = ok;
  range.file = FileBody{FileSource::FromBytes("abc"), 2, 2};
  EXPECT_FALSE(internal::IsValidResponse(range));
  range.file->length = 1;
  EXPECT_TRUE(internal::IsValidResponse(range));
}

}  // namespace
}  // namespace bsi::http
