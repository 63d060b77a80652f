#include "server/http/router.h"

#include <algorithm>
#include <set>

namespace bsi::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Calls f(segment) for each '/'-separated segment of a path after its
// leading '/'; stops early when f returns false. "/" has one empty segment.
template <typename F>
void ForEachSegment(std::string_view path, F&& f) {
  std::string_view rest = path.substr(1);
  while (true) {
    std::size_t slash = rest.find('/');
    if (!f(rest.substr(0, slash))) return;
    if (slash == std::string_view::npos) return;
    rest.remove_prefix(slash + 1);
  }
}

std::size_t CountSegments(std::string_view path) {
  return static_cast<std::size_t>(std::count(path.begin(), path.end(), '/'));
}

bool IsParamNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

bool AppendDecodedSegment(std::string_view raw, std::string& out) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%') {
      if (i + 2 >= raw.size()) return false;
      int high = HexValue(raw[i + 1]);
      int low = HexValue(raw[i + 2]);
      if (high < 0 || low < 0) return false;
      c = static_cast<char>(high * 16 + low);
      i += 2;
    }
    if (c == '/' || c == '\0') return false;
    out.push_back(c);
  }
  return true;
}

std::optional<std::string> DecodePathSegment(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  if (!AppendDecodedSegment(raw, out)) return std::nullopt;
  return out;
}

struct Router::Route {
  struct Segment {
    bool is_param = false;
    std::string text;  // the literal, or the parameter's name
  };
  std::string method;
  std::vector<Segment> segments;
  Handler handler;
  RouteOptions options;
};

struct Router::MountPoint {
  std::string prefix;
  Handler handler;
  RouteOptions options;
};

Router::Router() = default;
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

Status Router::Add(std::string_view method, std::string_view pattern, Handler handler,
                   RouteOptions options) {
  auto invalid = [&](std::string_view why) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(method) + " " + std::string(pattern) + ": " + std::string(why));
  };
  if (method.empty()) return invalid("empty method");
  if (pattern.empty() || pattern.front() != '/') return invalid("a pattern starts with '/'");
  Route route;
  route.method = std::string(method);
  std::set<std::string, std::less<>> names;
  std::string_view problem;
  ForEachSegment(pattern, [&](std::string_view segment) {
    Route::Segment parsed;
    if (!segment.empty() && segment.front() == '{') {
      if (segment.size() < 3 || segment.back() != '}') {
        problem = "a {name} segment is '{', a name and '}'";
        return false;
      }
      std::string_view name = segment.substr(1, segment.size() - 2);
      if (!std::all_of(name.begin(), name.end(), IsParamNameChar)) {
        problem = "a parameter name is made of [A-Za-z0-9_]";
        return false;
      }
      if (!names.emplace(name).second) {
        problem = "a parameter name is repeated";
        return false;
      }
      parsed.is_param = true;
      parsed.text = std::string(name);
    } else {
      if (segment.find_first_of("{}") != std::string_view::npos) {
        problem = "braces in a literal segment";
        return false;
      }
      std::optional<std::string> decoded = DecodePathSegment(segment);
      if (!decoded.has_value()) {
        problem = "a literal segment with a bad %XX escape";
        return false;
      }
      parsed.text = std::move(*decoded);
    }
    route.segments.push_back(std::move(parsed));
    return true;
  });
  if (!problem.empty()) return invalid(problem);
  for (const Route& other : routes_) {
    if (other.method != route.method || other.segments.size() != route.segments.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < route.segments.size() && same; ++i) {
      const Route::Segment& a = route.segments[i];
      const Route::Segment& b = other.segments[i];
      same = a.is_param == b.is_param && (a.is_param || a.text == b.text);
    }
    if (same) return invalid("already routed");
  }
  route.handler = std::move(handler);
  route.options = options;
  routes_.push_back(std::move(route));
  return Ok();
}

Status Router::Mount(std::string_view prefix, Handler handler, RouteOptions options) {
  if (prefix.empty() || prefix.front() != '/' || prefix.back() != '/') {
    return Error(ErrorCode::kInvalidArgument,
                 "mount " + std::string(prefix) + ": a prefix starts and ends with '/'");
  }
  for (const MountPoint& mount : mounts_) {
    if (mount.prefix == prefix) {
      return Error(ErrorCode::kInvalidArgument,
                   "mount " + std::string(prefix) + ": already mounted");
    }
  }
  mounts_.push_back(MountPoint{std::string(prefix), std::move(handler), options});
  std::stable_sort(mounts_.begin(), mounts_.end(), [](const MountPoint& a, const MountPoint& b) {
    return a.prefix.size() > b.prefix.size();
  });
  return Ok();
}

RouteMatch Router::Match(std::string_view method, std::string_view path,
                         HttpRequest* request) const {
  RouteMatch match;
  if (path.empty() || path.front() != '/') {
    match.kind = RouteMatch::Kind::kBadPath;
    return match;
  }
  const std::size_t segment_count = CountSegments(path);
  const Route* found = nullptr;
  const Route* found_get = nullptr;  // for HEAD without a HEAD route
  std::set<std::string_view> allowed;
  std::string decoded;
  for (const Route& route : routes_) {
    if (route.segments.size() != segment_count) continue;
    std::size_t i = 0;
    bool matches = true;
    bool bad = false;
    ForEachSegment(path, [&](std::string_view raw) {
      const Route::Segment& segment = route.segments[i++];
      if (raw.find('%') == std::string_view::npos) {
        if (raw.find('\0') != std::string_view::npos) bad = true;
        matches = segment.is_param ? !raw.empty() : raw == segment.text;
      } else {
        decoded.clear();
        if (!AppendDecodedSegment(raw, decoded)) {
          bad = true;
        } else {
          matches = segment.is_param ? !decoded.empty() : decoded == segment.text;
        }
      }
      return matches && !bad;
    });
    if (bad) {
      match.kind = RouteMatch::Kind::kBadPath;
      return match;
    }
    if (!matches) continue;
    allowed.insert(route.method);
    if (route.method == method) {
      found = &route;
      break;
    }
    if (method == "HEAD" && route.method == "GET") found_get = &route;
  }
  if (found == nullptr) found = found_get;
  if (found != nullptr) {
    std::size_t i = 0;
    ForEachSegment(path, [&](std::string_view raw) {
      const Route::Segment& segment = found->segments[i++];
      if (segment.is_param) {
        std::string& value = request->params[segment.text];
        value.clear();
        AppendDecodedSegment(raw, value);  // checked above
      }
      return true;
    });
    request->mount_prefix_size = 0;
    match.kind = RouteMatch::Kind::kFound;
    match.handler = &found->handler;
    match.max_body_bytes = found->options.max_body_bytes;
    return match;
  }
  if (!allowed.empty()) {
    if (allowed.count("GET") != 0) allowed.insert("HEAD");
    match.kind = RouteMatch::Kind::kMethodNotAllowed;
    for (std::string_view name : allowed) {
      if (!match.allow.empty()) match.allow += ", ";
      match.allow += name;
    }
    return match;
  }
  for (const MountPoint& mount : mounts_) {
    if (path.substr(0, mount.prefix.size()) == mount.prefix) {
      request->mount_prefix_size = mount.prefix.size();
      match.kind = RouteMatch::Kind::kFound;
      match.handler = &mount.handler;
      match.max_body_bytes = mount.options.max_body_bytes;
      return match;
    }
  }
  return match;  // kNotFound
}

HttpResponse Router::ErrorResponseFor(const RouteMatch& match) {
  switch (match.kind) {
    case RouteMatch::Kind::kMethodNotAllowed: {
      HttpResponse response =
          ErrorResponse(405, "method_not_allowed", "method not allowed; allowed: " + match.allow);
      response.AddHeader("Allow", match.allow);
      return response;
    }
    case RouteMatch::Kind::kBadPath:
      return ErrorResponse(400, "bad_path",
                           "malformed path: a bad %XX escape, or an encoded '/' or NUL");
    case RouteMatch::Kind::kFound:
    case RouteMatch::Kind::kNotFound:
      break;
  }
  return ErrorResponse(404, "not_found", "no such resource");
}

}  // namespace bsi::http
