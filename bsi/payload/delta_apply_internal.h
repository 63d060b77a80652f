// Pieces of ApplyDelta shared by its method-specific parts
// (delta_apply.cc, delta_apply_bsdiff.cc). Not part of the module's API.
//
// Thread-safety: each object is used by one thread at a time.
#ifndef BSI_PAYLOAD_DELTA_APPLY_INTERNAL_H_
#define BSI_PAYLOAD_DELTA_APPLY_INTERNAL_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/file_system.h"
#include "bsi/crypto/hash.h"
#include "bsi/payload/delta.h"
#include "bsi/payload/zstd_stream.h"

namespace bsi::payload::internal {

inline constexpr std::size_t kChunk = std::size_t{128} * 1024;  // output and stream reads
inline constexpr std::size_t kOldCache =
    std::size_t{512} * 1024;  // read-ahead window on the old file

inline Error Malformed(std::string message) {
  return Error(ErrorCode::kMalformed, std::move(message));
}

// Reads exactly out.size() bytes at offset; a short file is a truncated patch.
Status ReadExactly(const RandomAccessFile& file, std::uint64_t offset, std::span<std::uint8_t> out,
                   std::string_view what);

// A zstd stream inside the patch.
struct Stream {
  std::string_view name;
  std::uint64_t begin = 0;
  std::uint64_t length = 0;   // 0: an empty stream, no frame
  std::uint64_t content = 0;  // the decompressed size its frame header declares
};

// Reads a stream's frame header into stream.content. Errors: kMalformed if
// the frame does not record its size; kTooLarge for a window above the cap.
Status CheckFrame(const RandomAccessFile& patch, Stream& stream, int max_window_log);

// Decompressors over the patch's streams. A decompressor whose stream is
// done can be handed back and serves the next stream: creating a zstd
// context (and its buffers) costs more than decoding a small stream, and a
// bsdiff-zstd patch decodes up to ten.
class StreamOpener {
 public:
  StreamOpener(const RandomAccessFile& patch, int max_window_log)
      : patch_(patch), max_window_log_(max_window_log) {}

  // A decompressor over a stream, yielding at most its declared content;
  // null for an empty stream.
  Result<std::unique_ptr<ZstdDecompressor>> Open(const Stream& stream);

  // Takes back a decompressor for reuse (null is ignored).
  void Recycle(std::unique_ptr<ZstdDecompressor> decompressor);

 private:
  const RandomAccessFile& patch_;
  int max_window_log_;
  std::vector<std::unique_ptr<ZstdDecompressor>> spare_;
};

// Fails unless a decompressed stream is over (its frame complete).
Status ExpectEnd(ZstdDecompressor* stream, std::string_view name);

// The old file through a read-ahead window, for bsdiff's mostly forward adds.
class OldReader {
 public:
  explicit OldReader(const RandomAccessFile& file)
      : file_(file),
        capacity_(static_cast<std::size_t>(std::min<std::uint64_t>(kOldCache, file.size()))),
        cache_(std::make_unique_for_overwrite<std::uint8_t[]>(capacity_)) {}

  // The bytes [pos, pos + n). REQUIRES: n <= kOldCache; the range lies in
  // the file (the control checker guarantees it).
  Result<const std::uint8_t*> Read(std::uint64_t pos, std::size_t n);

  std::uint64_t size() const { return file_.size(); }

 private:
  const RandomAccessFile& file_;
  std::size_t capacity_;                   // kOldCache, or the whole file if smaller
  std::unique_ptr<std::uint8_t[]> cache_;  // not zero-filled: pages are touched as read
  std::uint64_t start_ = 0;
  std::size_t size_ = 0;
};

// Buffers output for the sink, counting and hashing it. Decoders write
// straight into its buffer: Reserve space, fill it, Commit it.
class Output {
 public:
  Output(const ByteSink& sink, crypto::Hasher hasher);

  // Space for the next n bytes. REQUIRES: n <= kChunk.
  Result<std::span<std::uint8_t>> Reserve(std::size_t n);
  // The first n bytes of the space Reserve returned are output.
  void Commit(std::size_t n);

  // Flushes, then checks the size and SHA-256 of everything written.
  Status Finish(const DeltaHeader& header);

 private:
  Status Flush();

  const ByteSink& sink_;
  crypto::Hasher hasher_;
  std::unique_ptr<std::uint8_t[]> buffer_;  // kChunk bytes
  std::size_t used_ = 0;
  std::uint64_t written_ = 0;
};

// The bsdiff-zstd streams, located and checked (delta_apply_bsdiff.cc).
struct BsdiffPlan {
  ContextMask mask{};
  Stream streams[kBsdiffStreamCount];
  std::uint64_t total_add = 0;
};

// Reads the payload header; checks that the streams tile the patch, their
// frame headers, every control tuple, and that the streams' sizes agree
// with what the tuples use. Decodes the control and run streams (small);
// writes nothing.
Result<BsdiffPlan> PlanBsdiff(const RandomAccessFile& patch, const DeltaHeader& header,
                              const ApplyOptions& options, StreamOpener& opener);

// Checks the old file's size and SHA-256, reading it through old_reader
// (small files then stay in its cache for the apply); keeps its bytes in
// *keep if given.
Status CheckOldFile(OldReader& old_reader, const DeltaHeader& header,
                    std::vector<std::uint8_t>* keep);

// Decodes a planned bsdiff-zstd patch into output.
Status ApplyBsdiff(OldReader& old_reader, StreamOpener& opener, const DeltaHeader& header,
                   const BsdiffPlan& plan, Output& output);

}  // namespace bsi::payload::internal

#endif  // BSI_PAYLOAD_DELTA_APPLY_INTERNAL_H_
