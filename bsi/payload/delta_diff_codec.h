// The diff stream of a bsdiff-zstd patch, re-encoded so that zstd can
// compress it (docs/formats/delta.md, "Diff encoding").
//
// bsdiff's diff stream (new minus old, bytewise, over every add region) is
// mostly zeros with sparse changes where code moved: addresses and offsets
// that grew or shrank. bzip2 compresses such a stream well; LZ compressors
// like zstd do not. So the stream is transformed before compression:
//
//  1. Carry removal: a change to a little-endian multi-byte number shows up
//     in bsdiff's diff as a change in its low byte plus a borrow or carry
//     byte (e.g. -16 to 0x1104 is F0 FF). Each diff byte is stored minus the
//     carry that the previous byte's change produced in the old data (the
//     decoder knows both), so the borrow byte becomes 0.
//  2. Runs: the transformed stream is stored as runs of non-zero bytes:
//     their lengths, their bytes, and the distance to each run's start.
//  3. Contexts: distances are counted separately for positions whose
//     preceding old byte is in a 256-bit context mask and for the rest, in
//     two streams. The encoder picks the mask (the bytes that most often
//     precede a change: in code, the opcode or ModRM byte before a 32-bit
//     displacement), which makes the distances in both streams short.
//
// Both sides walk the diff positions in order and need only the old byte
// before each position, so the decoder streams in constant memory.
//
// Thread-safety: EncodeDiff is a pure function; a DiffDecoder is used by one
// thread at a time.
#ifndef BSI_PAYLOAD_DELTA_DIFF_CODEC_H_
#define BSI_PAYLOAD_DELTA_DIFF_CODEC_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bsi/core/result.h"
#include "bsi/payload/delta_format.h"
#include "bsi/payload/zstd_stream.h"

namespace bsi::payload {

struct EncodedDiff {
  ContextMask mask{};
  std::string gaps_in_mask;  // run-start distances at positions in the mask
  std::string gaps_outside;  // and at the other positions
  std::string run_lengths;
  std::string run_bytes;
};

// Re-encodes bsdiff's raw diff stream. tuples are the patch's control
// tuples (which say where in old each add region reads). compressed_size
// measures a candidate stream; the mask giving the smallest gap streams is
// kept. REQUIRES: tuples were checked against old_data, and diff.size() is
// the sum of their adds.
Result<EncodedDiff> EncodeDiff(
    std::span<const std::uint8_t> old_data, std::span<const ControlTuple> tuples, std::string diff,
    const std::function<Result<std::size_t>(const std::string&)>& compressed_size);

// A buffered reader of one decompressed stream (null: an empty stream).
class NumberReader {
 public:
  explicit NumberReader(ZstdDecompressor* stream) : stream_(stream) {}
  // The next byte; false at the end of the stream.
  Result<bool> Next(std::uint8_t& byte);
  // A number: one byte below 255, else 255 and a LEB128 varint of the rest.
  Result<bool> NextNumber(std::uint64_t& value);
  // Whether the stream is over (false on an error too).
  bool AtEnd();

 private:
  ZstdDecompressor* stream_;
  std::unique_ptr<std::uint8_t[]> buffer_;  // allocated on first use
  std::size_t pos_ = 0;
  std::size_t size_ = 0;
  bool done_ = false;
};

// Checks what the run streams say without the old file: every run length
// is at least 1 and they sum to at most total_add; there is one gap per
// run. Returns the sum of the run lengths (the run bytes' size). Consumes
// the three streams.
Result<std::uint64_t> CheckRunStreams(ZstdDecompressor* gaps_in_mask,
                                      ZstdDecompressor* gaps_outside, ZstdDecompressor* run_lengths,
                                      std::uint64_t total_add);

// Rebuilds add regions from the four decompressed streams (any may be null
// for an empty stream) and the old bytes. Every inconsistency is kMalformed.
class DiffDecoder {
 public:
  DiffDecoder(const ContextMask& mask, ZstdDecompressor* gaps_in_mask,
              ZstdDecompressor* gaps_outside, ZstdDecompressor* run_lengths,
              ZstdDecompressor* run_bytes, std::uint64_t total_add);

  // Reads the first distance of each gap stream. Call once, first.
  Status Start();

  // Begins an add region. context: the old byte before its first old byte
  // (0 when the region starts at old offset 0).
  void BeginAdd(std::uint8_t context);

  // The next old.size() bytes of the current add region: out[i] = old[i] +
  // diff. REQUIRES: out.size() == old.size().
  Status Decode(std::span<const std::uint8_t> old, std::span<std::uint8_t> out);

  // Fails unless every run and every stream was used up exactly.
  Status Finish();

 private:
  Status NextGap(int context_class);
  Status StartRun();

  ContextMask mask_;
  NumberReader gaps_[2];
  NumberReader run_lengths_;
  NumberReader run_bytes_;
  std::uint64_t remaining_;  // diff positions not decoded yet
  std::uint64_t gap_[2] = {0, 0};
  bool has_gap_[2] = {false, false};
  std::uint64_t run_left_ = 0;  // bytes of the current run still to come
  std::uint8_t context_ = 0;    // the old byte before the next position
  int carry_ = 0;               // borrow (-1) or carry (+1) into the next position
};

// Whether context byte b is in mask.
inline int ContextClass(const ContextMask& mask, std::uint8_t b) {
  return (mask[b >> 3] >> (b & 7)) & 1;
}

}  // namespace bsi::payload

#endif  // BSI_PAYLOAD_DELTA_DIFF_CODEC_H_
