#include "bsi/core/time_format.h"

#include <charconv>
#include <cstdio>
#include <limits>

namespace bsi {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil), so that no time zone or locale is involved.
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void CivilFromDays(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2 ? 1 : 0;
}

bool IsLeap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads `width` ASCII digits at text[pos].
bool Digits(std::string_view text, std::size_t pos, std::size_t width, unsigned& out) {
  out = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return true;
}

}  // namespace

Result<UnixTime> ParseUtcTimestamp(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SSZ
  auto bad = [&] {
    return Error(ErrorCode::kMalformed,
                 "timestamp '" + std::string(text) + "' is not of the form YYYY-MM-DDTHH:MM:SSZ");
  };
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z') {
    return bad();
  }
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!Digits(text, 0, 4, year) || !Digits(text, 5, 2, month) || !Digits(text, 8, 2, day) ||
      !Digits(text, 11, 2, hour) || !Digits(text, 14, 2, minute) || !Digits(text, 17, 2, second)) {
    return bad();
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return bad();
  }
  const std::int64_t days = DaysFromCivil(year, month, day);
  return UnixTime{days * 86400 + std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 + second};
}

std::string FormatUtcTimestamp(UnixTime time) {
  std::int64_t days = time.seconds / 86400;
  std::int64_t rest = time.seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    days -= 1;
  }
  std::int64_t year = 0;
  unsigned month = 0, day = 0;
  CivilFromDays(days, year, month, day);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<long long>(year), month, day, static_cast<long long>(rest / 3600),
                static_cast<long long>(rest / 60 % 60), static_cast<long long>(rest % 60));
  return buffer;
}

namespace {

constexpr std::int64_t kDurationUnits[] = {86400, 3600, 60, 1};
constexpr char kDurationNames[] = {'d', 'h', 'm', 's'};

}  // namespace

Result<std::int64_t> ParseDuration(std::string_view text) {
  const std::string original(text);
  std::int64_t unit = 1;
  for (std::size_t i = 0; i < std::size(kDurationNames); ++i) {
    if (!text.empty() && text.back() == kDurationNames[i]) {
      unit = kDurationUnits[i];
      text.remove_suffix(1);
      break;
    }
  }
  std::int64_t count = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || count < 0 ||
      count > std::numeric_limits<std::int64_t>::max() / unit) {
    return Error(ErrorCode::kInvalidArgument,
                 "\"" + original + "\" is not a duration (e.g. 90s, 30m, 6h, 7d)");
  }
  return count * unit;
}

std::string FormatDuration(std::int64_t seconds) {
  if (seconds == 0) return "0";
  for (std::size_t i = 0; i < std::size(kDurationUnits); ++i) {
    if (seconds % kDurationUnits[i] == 0) {
      return std::to_string(seconds / kDurationUnits[i]) + kDurationNames[i];
    }
  }
  return std::to_string(seconds) + "s";
}

}  // namespace bsi
