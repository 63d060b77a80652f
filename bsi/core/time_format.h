// RFC 3339 timestamps as TUF metadata writes them: "2030-01-01T00:00:00Z".
// Parsing is strict: exactly YYYY-MM-DDTHH:MM:SSZ, a valid calendar date,
// UTC only (no offsets, no fractions).
#ifndef BSI_CORE_TIME_FORMAT_H_
#define BSI_CORE_TIME_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "bsi/core/clock.h"
#include "bsi/core/result.h"

namespace bsi {

// Errors: kMalformed when text is not of the form above.
Result<UnixTime> ParseUtcTimestamp(std::string_view text);

// "YYYY-MM-DDTHH:MM:SSZ". REQUIRES: year in 0..9999.
std::string FormatUtcTimestamp(UnixTime time);

// A duration as people write it on command lines: a whole number of
// seconds, or of minutes, hours or days with the suffix m, h or d ("90",
// "90s", "30m", "6h", "7d"). Errors: kInvalidArgument (also for a negative
// or overflowing value).
Result<std::int64_t> ParseDuration(std::string_view text);

// The same form back, in the largest unit that divides it exactly ("0",
// "90s", "30m", "6h", "7d").
std::string FormatDuration(std::int64_t seconds);

}  // namespace bsi

#endif  // BSI_CORE_TIME_FORMAT_H_
