#include "bsi/release/rollout.h"

#include <charconv>
#include <limits>
#include <vector>

#include "bsi/core/time_format.h"
#include "bsi/crypto/hash.h"

namespace bsi::release {
namespace {

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

Result<std::int64_t> ParseInt(std::string_view text, std::string_view what) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0) {
    return Invalid(std::string(what) + " \"" + std::string(text) + "\" is not a whole number");
  }
  return value;
}

}  // namespace

double RolloutPlace(std::string_view device_id, std::string_view improvement_id) {
  std::string input = "bsi-rollout";
  input.push_back('\0');
  input.append(device_id);
  input.push_back('\0');
  input.append(improvement_id);
  const std::vector<std::uint8_t> digest = crypto::Sha256(input);
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | digest[static_cast<std::size_t>(i)];
  // The top 53 bits, scaled by 2^-53: exact in a double, and below 1.
  return static_cast<double>(value >> 11) * 0x1p-53;
}

std::int64_t AllowedPercent(const Rollout& rollout, std::int64_t elapsed_seconds) {
  std::int64_t percent = 0;
  for (const Wave& wave : rollout.waves) {
    if (std::max<std::int64_t>(elapsed_seconds, 0) >= wave.after_seconds) percent = wave.percent;
  }
  return percent;
}

bool InRollout(const Improvement& improvement, double place, UnixTime now) {
  if (improvement.rollout.paused || improvement.withdrawal.has_value()) return false;
  const std::int64_t percent =
      AllowedPercent(improvement.rollout, now.seconds - improvement.published.seconds);
  return place * 100.0 < static_cast<double>(percent);
}

std::optional<UnixTime> EligibleAt(const Improvement& improvement, double place) {
  if (improvement.rollout.paused || improvement.withdrawal.has_value()) return std::nullopt;
  for (const Wave& wave : improvement.rollout.waves) {
    if (place * 100.0 < static_cast<double>(wave.percent)) {
      return UnixTime{improvement.published.seconds + wave.after_seconds};
    }
  }
  return std::nullopt;
}

Result<Rollout> ParseWaves(std::string_view text) {
  Rollout rollout;
  if (text == "now") {
    rollout.waves = {{0, 100}};
    return rollout;
  }
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    const std::size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      return Invalid("wave \"" + std::string(item) + "\" is not DELAY:PERCENT (e.g. 6h:10)");
    }
    std::string_view percent_text = item.substr(colon + 1);
    if (percent_text.ends_with('%')) percent_text.remove_suffix(1);
    Wave wave;
    BSI_ASSIGN_OR_RETURN(wave.after_seconds, ParseDuration(item.substr(0, colon)));
    BSI_ASSIGN_OR_RETURN(wave.percent, ParseInt(percent_text, "wave percentage"));
    rollout.waves.push_back(wave);
    if (comma != std::string_view::npos && text.empty()) return Invalid("waves end with a comma");
  }
  BSI_TRY(CheckRollout(rollout));
  return rollout;
}

std::string FormatWaves(const Rollout& rollout) {
  std::string out;
  for (const Wave& wave : rollout.waves) {
    if (!out.empty()) out += ',';
    out += FormatDuration(wave.after_seconds);
    out += ':' + std::to_string(wave.percent);
  }
  return out;
}

}  // namespace bsi::release
