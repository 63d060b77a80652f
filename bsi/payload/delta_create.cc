// CreateDelta: encodes the new file with each allowed method and keeps the
// smallest patch.
#include <algorithm>
#include <bit>
#include <optional>
#include <utility>
#include <vector>

#include "bsi/crypto/hash.h"
#include "bsi/payload/delta.h"
#include "bsi/payload/delta_bsdiff.h"
#include "bsi/payload/delta_diff_codec.h"

namespace bsi::payload {
namespace {

constexpr int kMinWindowLog = 10;  // ZSTD_WINDOWLOG_MIN
constexpr int kMaxLevel = 22;      // ZSTD_maxCLevel()
// Above this window, zstd's level-19 match finder no longer sees the whole
// window; long-distance matching finds the far matches (as `zstd
// --patch-from` switches it on).
constexpr int kLongDistanceWindowLog = 23;
// The diff context mask is chosen by sizes compressed at this level (or
// the requested one, if lower).
constexpr int kEstimateLevel = 6;

// zstd-prefix and zstd-full are first compressed at a fast level, and again
// at the requested level only if the estimate is within a margin of the
// best patch so far. On real libraries (bench/delta) level 19 is never below
// 0.85 x zstd-prefix at level 6 for small files, nor below 0.73 x zstd-full
// at level 1; the margins (5/4 and 3/2) keep every such case.
struct Estimate {
  int level;
  std::size_t margin_numerator;
  std::size_t margin_denominator;
};
constexpr Estimate kPrefixEstimate{kEstimateLevel, 5, 4};
constexpr Estimate kFullEstimate{1, 3, 2};

int CeilLog2(std::uint64_t n) { return n <= 1 ? 0 : 64 - std::countl_zero(n - 1); }

int WindowLogFor(std::uint64_t bytes, int max_window_log) {
  return std::clamp(CeilLog2(bytes), kMinWindowLog, max_window_log);
}

ZstdCompressOptions CompressOptions(int level, int window_log) {
  ZstdCompressOptions options;
  options.level = level;
  options.window_log = window_log;
  options.long_distance_matching = window_log > kLongDistanceWindowLog;
  return options;
}

Sha256Digest Sha256Of(std::string_view data) {
  const std::vector<std::uint8_t> digest = crypto::Sha256(data);
  Sha256Digest out{};
  std::copy_n(digest.begin(), out.size(), out.begin());
  return out;
}

// A bsdiff stream: empty stays empty (length 0), otherwise one frame.
Result<std::string> CompressStream(const std::string& data, int level, int max_window_log) {
  if (data.empty()) return std::string();
  return ZstdCompress(AsBytes(data),
                      CompressOptions(level, WindowLogFor(data.size(), max_window_log)));
}

Result<std::string> BsdiffPayload(std::string_view old_data, std::string_view new_data,
                                  const DeltaOptions& options) {
  BSI_ASSIGN_OR_RETURN(BsdiffStreams streams, ComputeBsdiff(AsBytes(old_data), AsBytes(new_data)));
  std::vector<ControlTuple> tuples;
  for (std::span<const std::uint8_t> rest = AsBytes(streams.control); !rest.empty();) {
    ControlTuple tuple;
    BSI_ASSIGN_OR_RETURN(const std::size_t used, DecodeControlTuple(rest, tuple));
    if (used == 0) return Error(ErrorCode::kInternal, "bsdiff wrote a partial control tuple");
    tuples.push_back(tuple);
    rest = rest.subspan(used);
  }
  // The context mask is chosen by sizes at a fast level.
  const auto measure = [&options](const std::string& data) -> Result<std::size_t> {
    BSI_ASSIGN_OR_RETURN(
        const std::string compressed,
        CompressStream(data, std::min(options.level, kEstimateLevel), options.max_window_log));
    return compressed.size();
  };
  BSI_ASSIGN_OR_RETURN(EncodedDiff diff,
                       EncodeDiff(AsBytes(old_data), tuples, std::move(streams.diff), measure));
  BsdiffPayloadHeader header;
  header.mask = diff.mask;
  const std::string* raw[kBsdiffStreamCount] = {&streams.control,   &diff.gaps_in_mask,
                                                &diff.gaps_outside, &diff.run_lengths,
                                                &diff.run_bytes,    &streams.extra};
  std::string compressed[kBsdiffStreamCount];
  for (std::size_t i = 0; i < kBsdiffStreamCount; ++i) {
    BSI_ASSIGN_OR_RETURN(compressed[i],
                         CompressStream(*raw[i], options.level, options.max_window_log));
    header.lengths[i] = compressed[i].size();
  }
  std::string payload = EncodeBsdiffPayloadHeader(header);
  for (const std::string& stream : compressed) payload += stream;
  return payload;
}

Result<std::string> PrefixPayload(std::string_view old_data, std::string_view new_data, int level,
                                  const DeltaOptions& options) {
  // The window reaches from the end of the new data back to the start of
  // the old one, as far as the cap allows.
  const int window_log = WindowLogFor(old_data.size() + new_data.size(), options.max_window_log);
  return ZstdCompress(AsBytes(new_data), CompressOptions(level, window_log), AsBytes(old_data));
}

Result<std::string> FullPayload(std::string_view new_data, int level, const DeltaOptions& options) {
  return ZstdCompress(
      AsBytes(new_data),
      CompressOptions(level, WindowLogFor(new_data.size(), options.max_window_log)));
}

bool Allowed(const DeltaOptions& options, DeltaMethod method) {
  return std::find(options.methods.begin(), options.methods.end(), method) != options.methods.end();
}

struct Candidate {
  DeltaMethod method;
  std::string payload;
};

void Keep(std::optional<Candidate>& best, DeltaMethod method, std::string payload) {
  if (!best.has_value() || payload.size() < best->payload.size()) {
    best = Candidate{method, std::move(payload)};
  }
}

}  // namespace

Result<std::string> CreateDelta(std::string_view old_data, std::string_view new_data,
                                const DeltaOptions& options) {
  if (options.methods.empty()) {
    return Error(ErrorCode::kInvalidArgument, "CreateDelta: no method allowed");
  }
  if (options.level < 1 || options.level > kMaxLevel) {
    return Error(ErrorCode::kInvalidArgument,
                 "CreateDelta: zstd level " + std::to_string(options.level) + " is not in 1..22");
  }
  if (options.max_window_log < kMinWindowLog || options.max_window_log > kZstdMaxWindowLog) {
    return Error(ErrorCode::kInvalidArgument, "CreateDelta: max_window_log out of range");
  }
  std::optional<Candidate> best;
  if (Allowed(options, DeltaMethod::kBsdiffZstd)) {
    BSI_ASSIGN_OR_RETURN(std::string payload, BsdiffPayload(old_data, new_data, options));
    Keep(best, DeltaMethod::kBsdiffZstd, std::move(payload));
  }
  // The zstd methods: a fast estimate first, unless it is all there is.
  const auto try_zstd = [&](DeltaMethod method, const Estimate& estimate) -> Status {
    const auto encode = [&](int level) {
      return method == DeltaMethod::kZstdPrefix ? PrefixPayload(old_data, new_data, level, options)
                                                : FullPayload(new_data, level, options);
    };
    if (best.has_value() && !options.exhaustive && estimate.level < options.level) {
      BSI_ASSIGN_OR_RETURN(std::string patch, encode(estimate.level));
      const bool hopeless = patch.size() * estimate.margin_denominator >
                            best->payload.size() * estimate.margin_numerator;
      Keep(best, method, std::move(patch));
      if (hopeless) return Ok();
    }
    BSI_ASSIGN_OR_RETURN(std::string payload, encode(options.level));
    Keep(best, method, std::move(payload));
    return Ok();
  };
  if (Allowed(options, DeltaMethod::kZstdPrefix) && old_data.size() <= options.max_prefix_bytes) {
    BSI_TRY(try_zstd(DeltaMethod::kZstdPrefix, kPrefixEstimate));
  }
  if (Allowed(options, DeltaMethod::kZstdFull)) {
    BSI_TRY(try_zstd(DeltaMethod::kZstdFull, kFullEstimate));
  }
  if (!best.has_value()) {
    return Error(
        ErrorCode::kInvalidArgument,
        "CreateDelta: only zstd-prefix allowed, and the old file exceeds max_prefix_bytes");
  }

  DeltaHeader header;
  header.method = best->method;
  header.old_size = old_data.size();
  header.old_sha256 = Sha256Of(old_data);
  header.new_size = new_data.size();
  header.new_sha256 = Sha256Of(new_data);
  std::string patch = EncodeDeltaHeader(header);
  patch += best->payload;
  return patch;
}

}  // namespace bsi::payload
