#include "cli/output.h"

#include <cstdio>

#include <unistd.h>

namespace bsi::cli {

void Output::Line(std::string_view text) const {
  if (json_) return;
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
}

void Output::Json(const json::Value& value) const {
  if (!json_) return;
  const std::string text = json::ToPrettyString(value);
  std::fwrite(text.data(), 1, text.size(), stdout);
}

void Output::Progress(std::string_view text) {
  if (!::isatty(STDERR_FILENO)) return;
  if (!progress_open_) started_ = std::chrono::steady_clock::now();
  progress_open_ = true;
  std::fprintf(stderr, "\r\033[K%.*s", static_cast<int>(text.size()), text.data());
  std::fflush(stderr);
}

void Output::Done() {
  if (!progress_open_) return;
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started_);
  std::fprintf(stderr, " (%.1f s)\n", static_cast<double>(elapsed.count()) / 1000.0);
  progress_open_ = false;
}

int Output::Fail(std::string_view what, const Error& error) const {
  std::fprintf(stderr, "bsi: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
               error.ToString().c_str());
  return kExitFailed;
}

std::string HumanBytes(std::uint64_t bytes) {
  char buffer[32];
  if (bytes < 1024) {
    std::snprintf(buffer, sizeof buffer, "%llu B", static_cast<unsigned long long>(bytes));
  } else if (bytes < (std::uint64_t{1} << 20)) {
    std::snprintf(buffer, sizeof buffer, "%.1f KiB", static_cast<double>(bytes) / 1024.0);
  } else if (bytes < (std::uint64_t{1} << 30)) {
    std::snprintf(buffer, sizeof buffer, "%.1f MiB", static_cast<double>(bytes) / 1048576.0);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.2f GiB", static_cast<double>(bytes) / 1073741824.0);
  }
  return buffer;
}

}  // namespace bsi::cli
