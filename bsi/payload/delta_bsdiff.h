// The bsdiff 4.3 difference algorithm (Colin Percival, "Naive differences of
// executable code", 2003), producing the three uncompressed streams of a
// bsdiff-zstd patch (delta_format.h): control tuples, diff bytes (new minus
// old, bytewise) and extra bytes.
//
// The old file is suffix-sorted with libdivsufsort (32-bit indexes, or the
// 64-bit divsufsort64 when the old file is 2 GiB or more). Matches are found
// by binary search over the suffix array and taken or extended exactly as
// bsdiff 4.3 does: the scan skips ahead while the current alignment explains
// the new data nearly as well as a fresh match (fewer than 8 more matching
// bytes), extends each match forwards and backwards while more than half the
// bytes agree, and splits overlapping extensions where the byte agreement
// is best. Two differences from bsdiff's output, neither changing what a
// patch produces: a tuple that moves no bytes is folded into the previous
// tuple's seek (the format allows such a tuple only first), and the last
// tuple's seek, never used, is 0 rather than a stale value.
//
// Memory: the suffix array (4 bytes per old byte; 8 with divsufsort64), plus
// the diff and extra streams (together exactly new.size() bytes) and the
// control stream; the inputs are not copied. Time: suffix sorting is
// O(n log n); the scan is linear for similar files, quadratic in bsdiff's
// known worst cases (long runs of data that matches approximately
// everywhere).
//
// Thread-safety: a pure function.
#ifndef BSI_PAYLOAD_DELTA_BSDIFF_H_
#define BSI_PAYLOAD_DELTA_BSDIFF_H_

#include <cstdint>
#include <span>
#include <string>

#include "bsi/core/result.h"

namespace bsi::payload {

struct BsdiffStreams {
  std::string control;  // tuples encoded with AppendControlTuple
  std::string diff;
  std::string extra;
};

// Errors: kInternal if suffix sorting fails or memory runs out.
Result<BsdiffStreams> ComputeBsdiff(std::span<const std::uint8_t> old_data,
                                    std::span<const std::uint8_t> new_data);

// Old files from this size on are sorted with divsufsort64.
inline constexpr std::uint64_t kBsdiff64BitThreshold = std::uint64_t{1} << 31;

}  // namespace bsi::payload

#endif  // BSI_PAYLOAD_DELTA_BSDIFF_H_
