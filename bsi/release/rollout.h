// Rollout decisions, as pure functions of the signed record, the device's
// id and the time. The same device always falls in the same place for the
// same improvement, and places are uniform over devices, so "10%" means
// about one device in ten, and the devices of the 1% wave stay in every
// later wave.
//
//   const double place = RolloutPlace(device_id, improvement.Id());
//   if (InRollout(improvement, place, clock.Now())) { ... }
//
// Thread-safety: pure functions.
#ifndef BSI_RELEASE_ROLLOUT_H_
#define BSI_RELEASE_ROLLOUT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bsi/core/clock.h"
#include "bsi/core/result.h"
#include "bsi/release/improvement.h"

namespace bsi::release {

// The device's place in [0, 1) for one improvement: the first 8 bytes of
// SHA-256("bsi-rollout\0" + device_id + "\0" + improvement_id), big-endian,
// divided by 2^64 (to 53 bits, a double's precision).
double RolloutPlace(std::string_view device_id, std::string_view improvement_id);

// The percentage of devices the waves allow `elapsed` seconds after
// publication (0 before the first wave; negative elapsed counts as 0).
std::int64_t AllowedPercent(const Rollout& rollout, std::int64_t elapsed_seconds);

// Whether a device at `place` may install the improvement at `now`: not
// paused, not withdrawn, and place * 100 < the allowed percentage.
bool InRollout(const Improvement& improvement, double place, UnixTime now);

// When a device at `place` becomes eligible: the publication time plus the
// first wave that covers it; nullopt if no wave does (or paused, or
// withdrawn).
std::optional<UnixTime> EligibleAt(const Improvement& improvement, double place);

// Waves in the command-line form "0:1,6h:10,24h:100" (after:percent, the
// delay a number of seconds or with a suffix s, m, h, d), or "now" for
// 100% at once. Errors: kInvalidArgument, with what is wrong.
Result<Rollout> ParseWaves(std::string_view text);
// The same form back ("0:1,6h:10,1d:100"), with the largest exact unit.
std::string FormatWaves(const Rollout& rollout);

}  // namespace bsi::release

#endif  // BSI_RELEASE_ROLLOUT_H_
