#include "server/http/test_client.h"

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "server/http/message.h"

namespace bsi::http::testing {

std::optional<std::string> ParsedResponse::Header(std::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (EqualsIgnoreCase(field, name)) return value;
  }
  return std::nullopt;
}

RawClient::RawClient(std::uint16_t port, std::chrono::milliseconds timeout) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
}

RawClient::~RawClient() {
  if (fd_ >= 0) close(fd_);
}

bool RawClient::Send(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool RawClient::Fill() {
  std::array<char, 65536> chunk;
  while (true) {
    ssize_t n = recv(fd_, chunk.data(), chunk.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer_.append(chunk.data(), static_cast<std::size_t>(n));
    return true;
  }
}

std::optional<ParsedResponse> RawClient::ReadResponse(bool head_request) {
  std::size_t end = std::string::npos;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill()) return std::nullopt;
  }
  std::string head = buffer_.substr(0, end + 2);
  buffer_.erase(0, end + 4);
  ParsedResponse response;
  std::string_view head_view = head;
  std::size_t line_end = head_view.find("\r\n");
  std::string_view status_line = head_view.substr(0, line_end);
  if (status_line.substr(0, 9) != "HTTP/1.1 " || status_line.size() < 12) return std::nullopt;
  std::from_chars(status_line.data() + 9, status_line.data() + 12, response.status);
  std::size_t pos = line_end + 2;
  while (pos < head.size()) {
    std::size_t next = head.find("\r\n", pos);
    std::string_view line = head_view.substr(pos, next - pos);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    response.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    pos = next + 2;
  }
  std::size_t length = 0;
  if (std::optional<std::string> text = response.Header("Content-Length")) {
    length = std::stoul(*text);
  }
  bool no_body =
      head_request || response.status < 200 || response.status == 204 || response.status == 304;
  if (no_body) length = 0;
  while (buffer_.size() < length) {
    if (!Fill()) return std::nullopt;
  }
  response.body = buffer_.substr(0, length);
  buffer_.erase(0, length);
  return response;
}

bool RawClient::WaitClosed() {
  std::array<char, 65536> chunk;
  while (true) {
    ssize_t n = recv(fd_, chunk.data(), chunk.size(), 0);
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == ECONNRESET;  // EAGAIN: the timeout passed
    }
  }
}

std::string Request(std::string_view method, std::string_view target,
                    std::string_view extra_headers, std::string_view body) {
  std::string request = std::string(method) + " " + std::string(target) +
                        " HTTP/1.1\r\nHost: test\r\n" + std::string(extra_headers);
  if (!body.empty()) request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n";
  request += body;
  return request;
}

std::optional<ParsedResponse> Fetch(std::uint16_t port, std::string_view method,
                                    std::string_view target, std::string_view extra_headers,
                                    std::string_view body) {
  RawClient client(port);
  if (!client.connected() || !client.Send(Request(method, target, extra_headers, body))) {
    return std::nullopt;
  }
  return client.ReadResponse(method == "HEAD");
}

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");  // NOLINT(cert-env33-c): tests run tools
  if (pipe == nullptr) return result;
  std::array<char, 4096> chunk;
  std::size_t n = 0;
  while ((n = fread(chunk.data(), 1, chunk.size(), pipe)) > 0) {
    result.output.append(chunk.data(), n);
  }
  int status = pclose(pipe);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

void WriteFile(const std::string& path, std::string_view content, bool atomic) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::string target = atomic ? path + ".tmp" : path;
  {
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw std::runtime_error("cannot write " + target);
  }
  if (atomic) std::filesystem::rename(target, path);
}

std::uint64_t RaiseFileLimit(std::uint64_t n) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < n) {
    limit.rlim_cur = std::min<rlim_t>(n, limit.rlim_max);
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

}  // namespace bsi::http::testing
