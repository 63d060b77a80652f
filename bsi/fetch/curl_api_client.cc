#include "bsi/fetch/curl_api_client.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "bsi/fetch/curl_easy.h"

namespace bsi::fetch {
namespace {

using internal::CurlLong;

constexpr CurlLong kHttpOk = 200;

std::string Describe(const ApiRequest& request) { return request.method + " " + request.url; }

// The state of one call, shared with the curl callbacks.
struct Exchange {
  CURL* curl = nullptr;
  const ApiRequest* request = nullptr;
  ApiResponse response;
  // The response being received; reset at each status line, as a 1xx
  // response may precede the final one.
  std::optional<std::uint64_t> content_length;
  std::uint64_t header_bytes = 0;
  bool headers_done = false;
  // The first error found by a callback; it wins over the curl result.
  std::optional<Error> error;
};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::size_t HeaderCallback(char* buffer, std::size_t size, std::size_t count, void* user) {
  Exchange& x = *static_cast<Exchange*>(user);
  const std::size_t n = size * count;
  const std::string_view line(buffer, n);
  if (line.substr(0, 5) == "HTTP/") {  // A status line starts a new response.
    x.response.headers.clear();
    x.response.body.clear();
    x.content_length.reset();
    x.header_bytes = n;
    x.headers_done = false;
    x.error.reset();
    return n;
  }
  if (x.headers_done) return n;  // Trailers after a chunked body.
  x.header_bytes += n;
  if (x.header_bytes > kMaxResponseHeaderBytes) {
    x.error = Error(ErrorCode::kTooLarge, Describe(*x.request) + ": response headers exceed " +
                                              std::to_string(kMaxResponseHeaderBytes) + " bytes");
    return 0;
  }
  if (internal::Trim(line).empty()) {
    CurlLong status = 0;
    curl_easy_getinfo(x.curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < kHttpOk) return n;  // 1xx: the final response follows.
    x.headers_done = true;
    x.response.status = static_cast<int>(status);
    if (x.content_length.has_value() && *x.content_length > x.request->max_bytes) {
      x.error = Error(ErrorCode::kTooLarge, Describe(*x.request) + ": Content-Length " +
                                                std::to_string(*x.content_length) + " exceeds " +
                                                std::to_string(x.request->max_bytes) + " bytes");
      return 0;
    }
    return n;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  const std::string name = Lower(internal::Trim(line.substr(0, colon)));
  const std::string_view value = internal::Trim(line.substr(colon + 1));
  if (name == "content-length") x.content_length = internal::ParseDecimal(value);
  auto [it, inserted] = x.response.headers.emplace(name, value);
  if (!inserted) it->second += ", " + std::string(value);
  return n;
}

std::size_t WriteCallback(char* data, std::size_t size, std::size_t count, void* user) {
  Exchange& x = *static_cast<Exchange*>(user);
  const std::size_t n = size * count;
  if (!x.headers_done) {
    x.error = Error(ErrorCode::kNetwork, Describe(*x.request) + ": body before the headers");
    return 0;
  }
  if (n > x.request->max_bytes - x.response.body.size()) {
    x.error = Error(ErrorCode::kTooLarge, Describe(*x.request) + ": body exceeds " +
                                              std::to_string(x.request->max_bytes) + " bytes");
    return 0;
  }
  x.response.body.append(data, n);
  return n;
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

Status CheckRequest(const ApiRequest& request) {
  static constexpr std::string_view kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
  if (std::find(std::begin(kMethods), std::end(kMethods), request.method) == std::end(kMethods)) {
    return Error(ErrorCode::kInvalidArgument, Describe(request) + ": unsupported method");
  }
  if (request.method == "GET" && !request.body.empty()) {
    return Error(ErrorCode::kInvalidArgument, Describe(request) + ": a GET has no body");
  }
  if (!request.url.starts_with("http://") && !request.url.starts_with("https://")) {
    return Error(ErrorCode::kInvalidArgument, Describe(request) + ": not an http(s) URL");
  }
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar) ||
        value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return Error(ErrorCode::kInvalidArgument,
                   Describe(request) + ": header '" + name + "' is not a valid header");
    }
  }
  return Ok();
}

// The request's header list for curl; the caller frees it.
Result<curl_slist*> HeaderList(const ApiRequest& request) {
  std::vector<std::string> lines = {"Accept-Encoding: identity", "Expect:"};
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers) {
    has_content_type |= internal::EqualsIgnoreCase(name, "Content-Type");
    // "Name:" would remove a header in curl; "Name;" sends it empty.
    lines.push_back(value.empty() ? name + ";" : name + ": " + value);
  }
  if (!request.body.empty() && !has_content_type) {
    lines.emplace_back("Content-Type: application/json");
  }
  curl_slist* list = nullptr;
  for (const std::string& line : lines) {
    curl_slist* next = curl_slist_append(list, line.c_str());
    if (next == nullptr) {
      curl_slist_free_all(list);
      return Error(ErrorCode::kInternal, "curl_slist_append failed");
    }
    list = next;
  }
  return list;
}

}  // namespace

class CurlApiClient::Impl {
 public:
  explicit Impl(const CurlApiClientOptions& options) : handle_(options) {
    handle_.Set(CURLOPT_HEADERFUNCTION, &HeaderCallback);
    handle_.Set(CURLOPT_WRITEFUNCTION, &WriteCallback);
  }

  Result<ApiResponse> Send(const ApiRequest& request) {
    if (handle_.init_error().has_value()) return *handle_.init_error();
    BSI_TRY(CheckRequest(request));
    BSI_ASSIGN_OR_RETURN(curl_slist* const headers, HeaderList(request));
    Exchange x;
    x.curl = handle_.get();
    x.request = &request;
    Result<ApiResponse> result = Perform(request, headers, x);
    curl_slist_free_all(headers);
    return result;
  }

 private:
  Result<ApiResponse> Perform(const ApiRequest& request, curl_slist* headers, Exchange& x) {
    CURL* curl = handle_.get();
    const bool get =
        request.method == "GET" || (request.method == "DELETE" && request.body.empty());
    std::vector<CURLcode> codes = {curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str()),
                                   curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers),
                                   curl_easy_setopt(curl, CURLOPT_HEADERDATA, &x),
                                   curl_easy_setopt(curl, CURLOPT_WRITEDATA, &x)};
    if (get) {
      codes.push_back(curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L));
    } else {
      // The body stays alive for the whole call: curl need not copy it.
      codes.push_back(curl_easy_setopt(curl, CURLOPT_POST, 1L));
      codes.push_back(curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                                       static_cast<curl_off_t>(request.body.size())));
      codes.push_back(curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data()));
    }
    codes.push_back(curl_easy_setopt(
        curl, CURLOPT_CUSTOMREQUEST,
        request.method == "GET" || request.method == "POST" ? nullptr : request.method.c_str()));
    const auto failed =
        std::find_if(codes.begin(), codes.end(), [](CURLcode code) { return code != CURLE_OK; });
    if (failed != codes.end()) return internal::CurlError(Describe(request), *failed, nullptr);
    handle_.ClearErrorBuffer();
    const CURLcode code = curl_easy_perform(curl);
    // Keep no pointer to this call's state in the reused handle.
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, nullptr);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, nullptr);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, nullptr);
    if (x.error.has_value()) return *x.error;
    if (code != CURLE_OK) {
      return internal::CurlError(Describe(request), code, handle_.error_buffer());
    }
    if (!x.headers_done) {
      return Error(ErrorCode::kNetwork, Describe(request) + ": no HTTP response headers");
    }
    return std::move(x.response);
  }

  internal::EasyHandle handle_;
};

CurlApiClient::CurlApiClient(const CurlApiClientOptions& options)
    : impl_(std::make_unique<Impl>(options)) {}

CurlApiClient::~CurlApiClient() = default;

Result<ApiResponse> CurlApiClient::Send(const ApiRequest& request) { return impl_->Send(request); }

}  // namespace bsi::fetch
