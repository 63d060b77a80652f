#include "server/http/response_head.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <iterator>

namespace bsi::http::internal {
namespace {

void AppendNumber(std::string& out, std::uint64_t n) {
  char digits[20];
  auto result = std::to_chars(std::begin(digits), std::end(digits), n);
  out.append(std::begin(digits), result.ptr);
}

// The characters of an HTTP token (RFC 9110, 5.6.2).
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool IsTokenChar(char c) { return kTokenChars[static_cast<unsigned char>(c)]; }

// Headers the server writes itself.
bool IsServerHeader(std::string_view name) {
  for (std::string_view own :
       {"content-length", "transfer-encoding", "connection", "keep-alive", "server", "date"}) {
    if (EqualsIgnoreCase(name, own)) return true;
  }
  return false;
}

}  // namespace

bool IsValidResponse(const HttpResponse& response) {
  if (response.status < 200 || response.status > 599) return false;
  for (const auto& [name, value] : response.headers) {
    if (name.empty()) return false;
    for (char c : name) {
      if (!IsTokenChar(c)) return false;
    }
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) return false;
  }
  return !response.file.has_value() ||
         (response.file->source != nullptr &&
          response.file->offset <= response.file->source->size() &&
          response.file->length <= response.file->source->size() - response.file->offset);
}

void FormatResponseHead(const HttpResponse& response, std::string_view date, bool close,
                        bool keep_alive_http10, std::string& out) {
  out.clear();
  out += "HTTP/1.1 ";
  AppendNumber(out, static_cast<std::uint64_t>(response.status));
  out += ' ';
  out += ReasonPhrase(response.status);
  out += "\r\nServer: bsi-server\r\nDate: ";
  out += date;
  out += "\r\n";
  for (const auto& [name, value] : response.headers) {
    if (IsServerHeader(name)) continue;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!StatusHasNoBody(response.status)) {
    out += "Content-Length: ";
    AppendNumber(out, response.BodySize());
    out += "\r\n";
  }
  if (close) {
    out += "Connection: close\r\n";
  } else if (keep_alive_http10) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
}

}  // namespace bsi::http::internal
