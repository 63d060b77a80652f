// The BSIDELTA patch format, version 1 (docs/formats/delta.md): the fixed
// header, the bsdiff-zstd stream lengths, and the control stream's tuples.
// Pure encoding and checking; no I/O.
//
//   offset  size  field
//        0     8  magic "BSIDELTA"
//        8     4  format version, u32 LE (1)
//       12     1  method (DeltaMethod)
//       13     3  reserved, zero
//       16     8  old size, u64 LE
//       24    32  old SHA-256
//       56     8  new size, u64 LE
//       64    32  new SHA-256
//       96        method payload
//
// Thread-safety: plain functions and value types; a ControlChecker is used
// by one thread at a time.
#ifndef BSI_PAYLOAD_DELTA_FORMAT_H_
#define BSI_PAYLOAD_DELTA_FORMAT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "bsi/core/result.h"

namespace bsi::payload {

// How the new file is encoded. Values are written to patches: append only.
enum class DeltaMethod : std::uint8_t {
  kBsdiffZstd = 1,  // bsdiff control/diff/extra streams, each zstd-compressed
  kZstdPrefix = 2,  // one zstd frame compressed with the old file as prefix
  kZstdFull = 3,    // one zstd frame of the new file alone
};

// "bsdiff-zstd", "zstd-prefix", "zstd-full".
std::string_view DeltaMethodName(DeltaMethod method);

inline constexpr std::string_view kDeltaMagic = "BSIDELTA";
inline constexpr std::uint32_t kDeltaFormatVersion = 1;
inline constexpr std::size_t kDeltaHeaderSize = 96;
using Sha256Digest = std::array<std::uint8_t, 32>;

struct DeltaHeader {
  DeltaMethod method = DeltaMethod::kZstdFull;
  std::uint64_t old_size = 0;
  Sha256Digest old_sha256{};
  std::uint64_t new_size = 0;
  Sha256Digest new_sha256{};
};

// The 96 header bytes.
std::string EncodeDeltaHeader(const DeltaHeader& header);

// Parses the first kDeltaHeaderSize bytes of data. Errors: kMalformed (short,
// bad magic, non-zero reserved bytes, unknown method); kUnsupported (another
// format version).
Result<DeltaHeader> ParseDeltaHeader(std::span<const std::uint8_t> data);

// The bsdiff-zstd payload starts with the diff context mask (see
// delta_diff_codec.h) and the compressed length of each stream, in this
// order. A length of 0 means the stream is empty; otherwise it holds exactly
// one zstd frame that records its content size.
enum BsdiffStream : std::size_t {
  kControlStream,      // control tuples
  kGapsInMaskStream,   // diff: run-start distances at positions in the mask
  kGapsOutsideStream,  // diff: run-start distances at the other positions
  kRunLengthsStream,   // diff: lengths of runs of non-zero bytes
  kRunBytesStream,     // diff: the bytes of those runs
  kExtraStream,        // extra bytes
  kBsdiffStreamCount,
};

// Context byte b is in the mask if bit (b % 8) of byte b / 8 is set.
using ContextMask = std::array<std::uint8_t, 32>;

struct BsdiffPayloadHeader {
  ContextMask mask{};
  std::array<std::uint64_t, kBsdiffStreamCount> lengths{};
};
inline constexpr std::size_t kBsdiffPayloadHeaderSize = 32 + 8 * kBsdiffStreamCount;
std::string EncodeBsdiffPayloadHeader(const BsdiffPayloadHeader& header);
// REQUIRES: data.size() >= kBsdiffPayloadHeaderSize.
BsdiffPayloadHeader ParseBsdiffPayloadHeader(std::span<const std::uint8_t> data);

// One control tuple: add `add` bytes (old + diff), copy `copy` bytes from
// extra, then move the old position by `seek`.
struct ControlTuple {
  std::uint64_t add = 0;
  std::uint64_t copy = 0;
  std::int64_t seek = 0;

  friend bool operator==(const ControlTuple&, const ControlTuple&) = default;
};

// The most bytes one encoded tuple takes (three 10-byte varints).
inline constexpr std::size_t kMaxControlTupleSize = 30;

// Appends a tuple: add and copy as LEB128 varints, seek zigzag-encoded.
void AppendControlTuple(std::string& out, const ControlTuple& tuple);

// Decodes one tuple from the front of data. Returns the bytes used, 0 if
// data holds only part of a tuple. Errors: kMalformed (a varint over 64 bits).
Result<std::size_t> DecodeControlTuple(std::span<const std::uint8_t> data, ControlTuple& tuple);

// Checks tuples in order against the rules of the format, tracking the old
// and new positions. Every error is kMalformed and names the tuple.
class ControlChecker {
 public:
  ControlChecker(std::uint64_t old_size, std::uint64_t new_size)
      : old_size_(old_size), new_size_(new_size) {}

  // Errors: a zero-length tuple other than the first; add or copy past the
  // new size; an add reading outside the old file; a seek leaving it.
  Status Check(const ControlTuple& tuple);

  // Errors: the tuples do not produce exactly new_size bytes.
  Status Finish() const;

  std::uint64_t total_add() const { return total_add_; }
  std::uint64_t total_copy() const { return total_copy_; }
  std::uint64_t tuples() const { return tuples_; }

 private:
  std::uint64_t old_size_;
  std::uint64_t new_size_;
  std::uint64_t old_pos_ = 0;
  std::uint64_t new_pos_ = 0;
  std::uint64_t total_add_ = 0;
  std::uint64_t total_copy_ = 0;
  std::uint64_t tuples_ = 0;
};

// A bound on the decompressed control stream for new_size bytes of output:
// every tuple but the first advances the output by a byte or more.
std::uint64_t MaxControlBytes(std::uint64_t new_size);

}  // namespace bsi::payload

#endif  // BSI_PAYLOAD_DELTA_FORMAT_H_
