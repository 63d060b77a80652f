// Router: maps a request's method and path to an asynchronous handler.
//
//   Router router;
//   BSI_TRY(router.Add("GET", "/api/v1/groups/{name}/approvals/{improvement}",
//                      [](HttpRequest& request, Responder respond) {
//                        respond(JsonResponse(200, Lookup(request.params["name"])));
//                      }));
//   BSI_TRY(router.Mount("/metadata/", *StaticFiles(repo_dir + "/metadata")));
//
// Patterns are literal segments and {name} segments, each a whole segment.
// A {name} segment matches one non-empty path segment; its value is
// percent-decoded into request.params["name"] ("acme-os%2026.3.1%20(a)" ->
// "acme-os 26.3.1 (a)"). A path whose segment has a malformed %XX escape or
// decodes to something holding '/' or NUL is refused with 400 when a route
// of that shape would capture it. Literal segments compare after decoding.
//
// Routes take precedence over mounts. A mount ("/metadata/") receives every
// request whose raw path starts with its prefix, whatever the method, when no
// route matches the path; the longest prefix wins; request.MountPath() is the
// raw rest. A path no route or mount matches gets 404; a path some route
// matches with another method gets 405 with an Allow header. HEAD is served
// by the GET route of a pattern that has no HEAD route (the server sends the
// headers only).
//
// Handlers are asynchronous: a handler receives the request and a Responder,
// and calls the responder exactly once, then or later, from any thread (after
// a database commit, say); the server moves the response back onto the
// connection's own thread. A second call is ignored; a responder destroyed
// without being called answers 500. The request stays valid, and the
// connection waits, until the responder is called. A handler that throws
// gets a 500; no exception leaves the server.
//
// Each route has a maximum request body size (RouteOptions), enforced while
// the body is read: a larger Content-Length is refused with 413 before any
// body byte is read, a chunked body as soon as it passes the limit.
//
// Thread-safety: Add and Mount are called before the router is handed to
// HttpServer::Start. Match is const and safe from any number of threads.
// Handlers run concurrently on the server's threads and must be thread-safe.
#ifndef BSI_SERVER_HTTP_ROUTER_H_
#define BSI_SERVER_HTTP_ROUTER_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/result.h"

#include "server/http/message.h"

namespace bsi::http {

using Responder = std::function<void(HttpResponse)>;
using Handler = std::function<void(HttpRequest&, Responder)>;

inline constexpr std::size_t kDefaultMaxBodyBytes = std::size_t{64} * 1024;

struct RouteOptions {
  // A request with a larger body gets 413. Default: 64 KiB.
  std::size_t max_body_bytes = kDefaultMaxBodyBytes;
};

// What Router::Match found for a request.
struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed, kBadPath };
  Kind kind = Kind::kNotFound;
  const Handler* handler = nullptr;                   // kFound
  std::size_t max_body_bytes = kDefaultMaxBodyBytes;  // kFound
  std::string allow;                                  // kMethodNotAllowed: "GET, HEAD"
};

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // Routes method ("GET", "POST", ...) and pattern to handler. Errors:
  // kInvalidArgument for a pattern that does not start with '/', a segment
  // mixing braces with text, a {name} that is empty, repeated or not made of
  // [A-Za-z0-9_], an empty method, or a method and pattern shape already
  // routed.
  Status Add(std::string_view method, std::string_view pattern, Handler handler,
             RouteOptions options = {});

  // Sends every request under prefix to handler (see the file comment).
  // Errors: kInvalidArgument unless prefix starts and ends with '/', or when
  // it is already mounted.
  Status Mount(std::string_view prefix, Handler handler, RouteOptions options = {});

  // Matches a request. path is the raw path (no query). On kFound, fills
  // request->params and request->mount_prefix_size.
  RouteMatch Match(std::string_view method, std::string_view path, HttpRequest* request) const;

  // The JSON error response for a match that is not kFound (404, 405 with
  // Allow, 400).
  static HttpResponse ErrorResponseFor(const RouteMatch& match);

 private:
  struct Route;
  struct MountPoint;
  std::vector<Route> routes_;
  std::vector<MountPoint> mounts_;  // longest prefix first
};

// Appends the decoded form of one raw path segment ("a%20b" -> "a b") to
// out. Returns false, leaving out unspecified, when an escape is malformed or
// the decoded segment holds '/' or NUL.
bool AppendDecodedSegment(std::string_view raw, std::string& out);

// The decoded form of one raw path segment, or nullopt (see above).
std::optional<std::string> DecodePathSegment(std::string_view raw);

}  // namespace bsi::http

#endif  // BSI_SERVER_HTTP_ROUTER_H_
