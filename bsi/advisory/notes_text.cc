#include "bsi/advisory/notes_text.h"

#include <algorithm>
#include <cstdint>

#include "bsi/core/time_format.h"
#include "bsi/release/rollout.h"

namespace bsi::advisory::internal {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Whether c is a control character (C0 or DEL) or a space.
bool IsSpaceOrControl(unsigned char c) { return c <= 0x20 || c == 0x7F; }

std::string Plural(std::int64_t n, std::string_view unit) {
  return std::to_string(n) + " " + std::string(unit) + (n == 1 ? "" : "s");
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t code_point = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
      code_point = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      code_point = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      code_point = c & 0x07;
    } else {
      return false;  // a continuation byte, C0/C1 (overlong), or above F4
    }
    if (text.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if (!IsContinuation(next)) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    if (length == 3 && (code_point < 0x800 || (code_point >= 0xD800 && code_point <= 0xDFFF))) {
      return false;  // overlong, or a UTF-16 surrogate
    }
    if (length == 4 && (code_point < 0x10000 || code_point > 0x10FFFF)) return false;
    i += length;
  }
  return true;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\t':
      case '\n':
      case '\r':
        out.push_back(c);
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          out += "\xEF\xBF\xBD";  // U+FFFD: controls are parse errors in HTML
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

std::string MarkdownEscape(std::string_view text) {
  // CommonMark lets a backslash escape any ASCII punctuation; these are the
  // ones that can open markup (GitHub-flavoured tables and ~~ included).
  constexpr std::string_view kSpecial = "\\`*_[]<>&!#|~{}";
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    if (c == '\r') continue;
    if (kSpecial.find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string MarkdownCodeBlock(std::string_view text) {
  std::size_t longest_run = 0;
  std::size_t run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest_run = std::max(longest_run, run);
  }
  const std::string fence(std::max<std::size_t>(3, longest_run + 1), '`');
  std::string out = fence + "text\n";
  for (char c : text) {
    if (c != '\r') out.push_back(c);
  }
  if (!out.empty() && out.back() != '\n') out.push_back('\n');
  return out + fence + "\n";
}

std::string OneLine(std::string_view text, std::size_t max_bytes) {
  std::string out;
  bool pending_space = false;
  for (char c : text) {
    if (IsSpaceOrControl(static_cast<unsigned char>(c))) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  if (out.size() <= max_bytes) return out;
  std::size_t cut = max_bytes - 3;
  while (cut > 0 && IsContinuation(static_cast<unsigned char>(out[cut]))) --cut;
  out.resize(cut);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + "...";
}

std::string SeverityTitle(release::Severity severity) {
  switch (severity) {
    case release::Severity::kCritical:
      return "Critical";
    case release::Severity::kHigh:
      return "High";
    case release::Severity::kMedium:
      return "Medium";
    case release::Severity::kLow:
      return "Low";
    case release::Severity::kUnknown:
      break;
  }
  return "Unknown";
}

release::Severity MaxSeverity(const release::Improvement& improvement) {
  release::Severity max = release::Severity::kUnknown;
  for (const release::Cve& cve : improvement.cves) max = std::max(max, cve.severity);
  return max;
}

std::string DateText(UnixTime time) { return FormatUtcTimestamp(time); }

std::string DelayText(std::int64_t seconds) {
  if (seconds <= 0) return "at publication";
  constexpr std::int64_t kMinute = 60;
  constexpr std::int64_t kHour = 60 * kMinute;
  constexpr std::int64_t kDay = 24 * kHour;
  std::vector<std::string> parts;
  if (seconds >= kDay) parts.push_back(Plural(seconds / kDay, "day"));
  if (seconds % kDay >= kHour) parts.push_back(Plural(seconds % kDay / kHour, "hour"));
  if (seconds % kHour >= kMinute) parts.push_back(Plural(seconds % kHour / kMinute, "minute"));
  if (seconds % kMinute != 0) parts.push_back(Plural(seconds % kMinute, "second"));
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? " and " : ", ";
    out += parts[i];
  }
  return out + " after publication";
}

std::vector<std::string> WaveLines(const release::Improvement& improvement) {
  std::vector<std::string> lines;
  for (const release::Wave& wave : improvement.rollout.waves) {
    const UnixTime from{improvement.published.seconds + wave.after_seconds};
    lines.push_back(std::to_string(wave.percent) + "% of devices from " + DateText(from) + " (" +
                    DelayText(wave.after_seconds) + ")");
  }
  return lines;
}

std::string RolloutStatus(const release::Improvement& improvement, UnixTime now) {
  if (improvement.withdrawal.has_value()) {
    return "Withdrawn on " + DateText(improvement.withdrawal->time) +
           ": no device installs this improvement any more.";
  }
  if (improvement.rollout.paused) {
    return "Paused: no device installs this improvement until the vendor resumes the rollout.";
  }
  const std::int64_t percent =
      release::AllowedPercent(improvement.rollout, now.seconds - improvement.published.seconds);
  const std::string as_of = " as of " + DateText(now) + ".";
  if (percent >= 100) return "Available to all devices" + as_of;
  if (percent <= 0) return "Not yet available to any device" + as_of;
  return "Available to " + std::to_string(percent) + "% of devices" + as_of;
}

std::string SupersedingVersionName(const release::Improvement& improvement) {
  return improvement.product + " " + improvement.superseded_by->ToString();
}

}  // namespace bsi::advisory::internal
