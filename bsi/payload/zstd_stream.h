// Streaming zstd compression and bounded decompression: the one place the
// payload module talks to libzstd (deltas and bundles both use it).
//
// ZstdCompressor turns bytes written to it into one zstd frame, handing
// the compressed bytes to a ByteSink as they come. ZstdDecompressor reads
// compressed bytes from a ByteSource and hands out the decompressed bytes;
// it is built for hostile input: it never yields more than
// max_output_bytes (a "zstd bomb" fails with kTooLarge rather than filling
// memory or disk), and it refuses frames whose window is larger than
// 2^max_window_log bytes, because the window is what zstd allocates.
//
// Memory: a compressor holds zstd's tables for its level and window (for
// level 19 and a large input about 100 MB; zstd shrinks them when the size
// is pledged and small). A decompressor holds about its frame's window
// (at most 2^max_window_log, or the frame's content size if smaller) plus
// 128 KiB of input buffer.
//
//   std::string compressed;
//   BSI_ASSIGN_OR_RETURN(auto compressor, ZstdCompressor::Create({}, StringSink(compressed)));
//   BSI_TRY(compressor->Write(data));
//   BSI_TRY(compressor->Finish());
//
// Thread-safety: a compressor or decompressor is used by one thread at a time.
#ifndef BSI_PAYLOAD_ZSTD_STREAM_H_
#define BSI_PAYLOAD_ZSTD_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "bsi/core/result.h"

namespace bsi::payload {

// Receives output bytes, in order. An error stops the producer, which
// returns it.
using ByteSink = std::function<Status(std::span<const std::uint8_t>)>;

// Supplies input bytes: fills up to buffer.size() bytes and returns the
// count; 0 means the end of the input.
using ByteSource = std::function<Result<std::size_t>(std::span<std::uint8_t>)>;

// A sink that appends to out. REQUIRES: out outlives the sink.
ByteSink StringSink(std::string& out);

// A source reading data from its start. REQUIRES: data outlives the source.
ByteSource SpanSource(std::span<const std::uint8_t> data);

// Views a string's bytes as unsigned bytes.
inline std::span<const std::uint8_t> AsBytes(std::string_view data) {
  return {reinterpret_cast<const std::uint8_t*>(data.data()), data.size()};
}

// zstd's limit for windowLog on 64-bit builds, and the default cap a
// decompressor accepts (128 MiB: every window our own writers choose).
inline constexpr int kZstdMaxWindowLog = 31;
inline constexpr int kDefaultMaxWindowLog = 27;

struct ZstdCompressOptions {
  // 1..22; levels above 19 need a larger window at decompression.
  // Default: 19.
  int level = 19;
  // log2 of the window (10..31); 0 lets zstd choose for the level (with
  // long-distance matching on, zstd then picks 27).
  int window_log = 0;
  // Long-distance matching: finds matches far back in the window (or in a
  // large prefix). Default: off.
  bool long_distance_matching = false;
  // The exact number of bytes that will be written; recorded in the frame
  // header (decompressors can check it before decoding) and lets zstd size
  // its tables. Write then must deliver exactly this many.
  std::optional<std::uint64_t> pledged_size;
  // An XXH64 checksum of the content at the end of the frame. Default: off
  // (deltas carry SHA-256 of the result instead).
  bool checksum = false;
};

class ZstdCompressor {
 public:
  // Errors: kInvalidArgument for options zstd rejects; kInternal if zstd
  // cannot allocate.
  static Result<std::unique_ptr<ZstdCompressor>> Create(const ZstdCompressOptions& options,
                                                        ByteSink sink);
  ~ZstdCompressor();
  ZstdCompressor(const ZstdCompressor&) = delete;
  ZstdCompressor& operator=(const ZstdCompressor&) = delete;

  // Lets the frame refer to prefix as if it came just before the data (zstd
  // --patch-from); decompression needs the same prefix. With a prefix, set
  // window_log to at least log2(prefix size + data size).
  // REQUIRES: before the first Write; prefix stays valid until Finish.
  Status RefPrefix(std::span<const std::uint8_t> prefix);

  // Compresses data; compressed output may be held back until Finish.
  Status Write(std::span<const std::uint8_t> data);

  // Ends the frame and hands the rest to the sink. Nothing may follow.
  Status Finish();

 private:
  struct Impl;
  explicit ZstdCompressor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// How many frames a decompressor accepts.
enum class ZstdFrames {
  kExactlyOne,  // one frame, then the end of the source (trailing bytes: kMalformed)
  kAny,         // one or more concatenated frames, as the zstd CLI writes them
};

struct ZstdDecompressOptions {
  // The most decompressed bytes the stream may yield; one more is kTooLarge.
  std::uint64_t max_output_bytes = 0;
  // Frames needing a window above 2^max_window_log bytes fail with kTooLarge
  // before zstd allocates it. Default: 27 (128 MiB).
  int max_window_log = kDefaultMaxWindowLog;
  ZstdFrames frames = ZstdFrames::kExactlyOne;
  // How many compressed bytes the source holds, if known (0: unknown). The
  // input buffer is then no larger (zstd's recommended size, about 128 KiB,
  // otherwise), which saves memory and page faults on small streams. A
  // source holding more still decodes, in more reads.
  std::uint64_t input_size_hint = 0;
};

class ZstdDecompressor {
 public:
  // Errors: kInvalidArgument for a max_window_log outside 10..31; kInternal
  // if zstd cannot allocate.
  static Result<std::unique_ptr<ZstdDecompressor>> Create(const ZstdDecompressOptions& options,
                                                          ByteSource source);
  ~ZstdDecompressor();
  ZstdDecompressor(const ZstdDecompressor&) = delete;
  ZstdDecompressor& operator=(const ZstdDecompressor&) = delete;

  // Starts over on a new source, as Create would, but keeps zstd's context
  // and the buffers: for many small streams one after another, creating a
  // context costs more than decoding. Forgets any prefix and error. Errors
  // as Create.
  Status Reset(const ZstdDecompressOptions& options, ByteSource source);

  // The prefix the stream was compressed against (ZstdCompressor::RefPrefix).
  // REQUIRES: before the first Read; prefix stays valid while reading; only
  // with ZstdFrames::kExactlyOne (zstd forgets a prefix after one frame).
  Status RefPrefix(std::span<const std::uint8_t> prefix);

  // Fills buffer with decompressed bytes; returns fewer than buffer.size()
  // only at the end of the stream, and 0 once it is over. Errors:
  // kMalformed (corrupt or truncated data, no frame, trailing bytes),
  // kTooLarge (more than max_output_bytes, or a window above the cap),
  // whatever the source returns. After an error, every call fails.
  Result<std::size_t> Read(std::span<std::uint8_t> buffer);

  // Decompressed bytes handed out so far.
  std::uint64_t total_out() const;

 private:
  struct Impl;
  explicit ZstdDecompressor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One-shot helpers over the classes above (the size is pledged).
Result<std::string> ZstdCompress(std::span<const std::uint8_t> data,
                                 const ZstdCompressOptions& options,
                                 std::span<const std::uint8_t> prefix = {});
Result<std::string> ZstdDecompress(std::span<const std::uint8_t> compressed,
                                   const ZstdDecompressOptions& options,
                                   std::span<const std::uint8_t> prefix = {});

// What a frame header says, read without decompressing. For checks before
// any output is produced. Errors: kMalformed if data does not start with a
// complete zstd frame header.
struct ZstdFrameInfo {
  std::optional<std::uint64_t> content_size;  // absent if the writer did not record it
  std::uint64_t window_size = 0;
};
Result<ZstdFrameInfo> ReadZstdFrameInfo(std::span<const std::uint8_t> data);

// The most bytes a frame header can take: read this many (or the whole
// stream if shorter) for ReadZstdFrameInfo.
inline constexpr std::size_t kZstdMaxFrameHeaderSize = 18;

}  // namespace bsi::payload

#endif  // BSI_PAYLOAD_ZSTD_STREAM_H_
