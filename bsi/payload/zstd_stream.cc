#include "bsi/payload/zstd_stream.h"

#include <algorithm>
#include <utility>
#include <vector>

// ZSTD_getFrameHeader (frame window size) is in zstd's "static linking only"
// section; libzstd exports it all the same, and it is stable in practice.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>

namespace bsi::payload {
namespace {

Error ZstdError(std::string_view what, std::size_t code) {
  std::string message = "zstd: ";
  message += what;
  message += ": ";
  message += ZSTD_getErrorName(code);
  switch (ZSTD_getErrorCode(code)) {
    case ZSTD_error_frameParameter_windowTooLarge:
      return Error(ErrorCode::kTooLarge, std::move(message));
    case ZSTD_error_memory_allocation:
      return Error(ErrorCode::kInternal, std::move(message));
    default:
      return Error(ErrorCode::kMalformed, std::move(message));
  }
}

Status SetParameter(ZSTD_CCtx* cctx, ZSTD_cParameter parameter, int value, std::string_view name) {
  const std::size_t ret = ZSTD_CCtx_setParameter(cctx, parameter, value);
  if (ZSTD_isError(ret)) {
    return Error(ErrorCode::kInvalidArgument, "zstd: cannot set " + std::string(name) + " to " +
                                                  std::to_string(value) + ": " +
                                                  ZSTD_getErrorName(ret));
  }
  return Ok();
}

}  // namespace

ByteSink StringSink(std::string& out) {
  return [&out](std::span<const std::uint8_t> data) {
    out.append(reinterpret_cast<const char*>(data.data()), data.size());
    return Ok();
  };
}

ByteSource SpanSource(std::span<const std::uint8_t> data) {
  return [data, offset = std::size_t{0}](std::span<std::uint8_t> buffer) mutable {
    const std::size_t n = std::min(buffer.size(), data.size() - offset);
    std::copy_n(data.data() + offset, n, buffer.data());
    offset += n;
    return Result<std::size_t>(n);
  };
}

// ---------------------------------------------------------------------------
// ZstdCompressor

struct ZstdCompressor::Impl {
  ~Impl() { ZSTD_freeCCtx(cctx); }

  // Runs one compression step per output buffer until zstd has nothing more
  // to say for this input (continue) or the frame is complete (end).
  Status Drive(ZSTD_inBuffer& in, ZSTD_EndDirective directive) {
    while (true) {
      ZSTD_outBuffer out{output.get(), output_size, 0};
      const std::size_t remaining = ZSTD_compressStream2(cctx, &out, &in, directive);
      if (ZSTD_isError(remaining)) {
        failed = true;
        return ZstdError("cannot compress", remaining);
      }
      if (out.pos > 0) {
        Status sunk = sink(std::span<const std::uint8_t>(output.get(), out.pos));
        if (!sunk.ok()) {
          failed = true;
          return sunk;
        }
      }
      const bool done = directive == ZSTD_e_end ? remaining == 0 : in.pos == in.size;
      if (done) return Ok();
    }
  }

  ZSTD_CCtx* cctx = nullptr;
  ByteSink sink;
  // Buffers are not zero-filled: their pages are touched only when used.
  std::unique_ptr<std::uint8_t[]> output;
  std::size_t output_size = 0;
  bool started = false;
  bool finished = false;
  bool failed = false;
};

ZstdCompressor::ZstdCompressor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ZstdCompressor::~ZstdCompressor() = default;

Result<std::unique_ptr<ZstdCompressor>> ZstdCompressor::Create(const ZstdCompressOptions& options,
                                                               ByteSink sink) {
  auto impl = std::make_unique<Impl>();
  impl->cctx = ZSTD_createCCtx();
  if (impl->cctx == nullptr) return Error(ErrorCode::kInternal, "zstd: cannot allocate");
  impl->sink = std::move(sink);
  impl->output_size = ZSTD_CStreamOutSize();
  impl->output = std::make_unique_for_overwrite<std::uint8_t[]>(impl->output_size);
  ZSTD_CCtx* cctx = impl->cctx;
  BSI_TRY(SetParameter(cctx, ZSTD_c_compressionLevel, options.level, "level"));
  if (options.window_log != 0) {
    BSI_TRY(SetParameter(cctx, ZSTD_c_windowLog, options.window_log, "window_log"));
  }
  BSI_TRY(SetParameter(cctx, ZSTD_c_enableLongDistanceMatching,
                       options.long_distance_matching ? 1 : 0, "long_distance_matching"));
  BSI_TRY(SetParameter(cctx, ZSTD_c_checksumFlag, options.checksum ? 1 : 0, "checksum"));
  BSI_TRY(SetParameter(cctx, ZSTD_c_contentSizeFlag, 1, "content_size"));
  if (options.pledged_size.has_value()) {
    const std::size_t ret = ZSTD_CCtx_setPledgedSrcSize(cctx, *options.pledged_size);
    if (ZSTD_isError(ret)) {
      return Error(ErrorCode::kInvalidArgument,
                   std::string("zstd: cannot pledge size: ") + ZSTD_getErrorName(ret));
    }
  }
  return std::unique_ptr<ZstdCompressor>(new ZstdCompressor(std::move(impl)));
}

Status ZstdCompressor::RefPrefix(std::span<const std::uint8_t> prefix) {
  if (impl_->started) return Error(ErrorCode::kInternal, "zstd: prefix set after data");
  const std::size_t ret = ZSTD_CCtx_refPrefix(impl_->cctx, prefix.data(), prefix.size());
  if (ZSTD_isError(ret)) return ZstdError("cannot reference prefix", ret);
  return Ok();
}

Status ZstdCompressor::Write(std::span<const std::uint8_t> data) {
  if (impl_->finished || impl_->failed) {
    return Error(ErrorCode::kInternal, "zstd: write after finish or failure");
  }
  impl_->started = true;
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  return impl_->Drive(in, ZSTD_e_continue);
}

Status ZstdCompressor::Finish() {
  if (impl_->finished || impl_->failed) {
    return Error(ErrorCode::kInternal, "zstd: finish after finish or failure");
  }
  impl_->started = true;
  ZSTD_inBuffer in{nullptr, 0, 0};
  BSI_TRY(impl_->Drive(in, ZSTD_e_end));
  impl_->finished = true;
  return Ok();
}

// ---------------------------------------------------------------------------
// ZstdDecompressor

struct ZstdDecompressor::Impl {
  ~Impl() { ZSTD_freeDCtx(dctx); }

  Error Fail(Error error) {
    failed = error;
    return error;
  }

  // Refills the input buffer once it is used up. REQUIRES: !source_done.
  Status Refill() {
    Result<std::size_t> n = source(std::span<std::uint8_t>(input.get(), input_capacity));
    if (!n.ok()) return Fail(n.error());
    if (*n > input_capacity) return Fail(Error(ErrorCode::kInternal, "source overfilled buffer"));
    input_pos = 0;
    input_size = *n;
    if (*n == 0) source_done = true;
    return Ok();
  }

  ZSTD_DCtx* dctx = nullptr;
  ByteSource source;
  ZstdDecompressOptions options;
  std::unique_ptr<std::uint8_t[]> input;  // not zero-filled, as above
  std::size_t input_capacity = 0;
  std::size_t input_pos = 0;
  std::size_t input_size = 0;
  bool source_done = false;
  bool in_frame = false;     // a frame has begun and not ended
  std::uint64_t frames = 0;  // frames completed
  std::uint64_t total_out = 0;
  bool finished = false;
  std::optional<Error> failed;
};

ZstdDecompressor::ZstdDecompressor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ZstdDecompressor::~ZstdDecompressor() = default;

Result<std::unique_ptr<ZstdDecompressor>> ZstdDecompressor::Create(
    const ZstdDecompressOptions& options, ByteSource source) {
  auto impl = std::make_unique<Impl>();
  impl->dctx = ZSTD_createDCtx();
  if (impl->dctx == nullptr) return Error(ErrorCode::kInternal, "zstd: cannot allocate");
  auto decompressor = std::unique_ptr<ZstdDecompressor>(new ZstdDecompressor(std::move(impl)));
  BSI_TRY(decompressor->Reset(options, std::move(source)));
  return decompressor;
}

Status ZstdDecompressor::Reset(const ZstdDecompressOptions& options, ByteSource source) {
  if (options.max_window_log < ZSTD_WINDOWLOG_MIN || options.max_window_log > kZstdMaxWindowLog) {
    return Error(ErrorCode::kInvalidArgument,
                 "zstd: max_window_log " + std::to_string(options.max_window_log) + " is outside " +
                     std::to_string(ZSTD_WINDOWLOG_MIN) + ".." + std::to_string(kZstdMaxWindowLog));
  }
  Impl& s = *impl_;
  std::size_t ret = ZSTD_DCtx_reset(s.dctx, ZSTD_reset_session_and_parameters);
  if (!ZSTD_isError(ret)) {
    ret = ZSTD_DCtx_setParameter(s.dctx, ZSTD_d_windowLogMax, options.max_window_log);
  }
  if (ZSTD_isError(ret)) return ZstdError("cannot limit the window", ret);
  std::size_t capacity = ZSTD_DStreamInSize();
  if (options.input_size_hint > 0) {
    capacity = static_cast<std::size_t>(std::min<std::uint64_t>(capacity, options.input_size_hint));
  }
  if (capacity > s.input_capacity) {
    s.input = std::make_unique_for_overwrite<std::uint8_t[]>(capacity);
    s.input_capacity = capacity;
  }
  s.source = std::move(source);
  s.options = options;
  s.input_pos = 0;
  s.input_size = 0;
  s.source_done = false;
  s.in_frame = false;
  s.frames = 0;
  s.total_out = 0;
  s.finished = false;
  s.failed.reset();
  return Ok();
}

Status ZstdDecompressor::RefPrefix(std::span<const std::uint8_t> prefix) {
  if (impl_->in_frame || impl_->frames > 0 || impl_->options.frames != ZstdFrames::kExactlyOne) {
    return Error(ErrorCode::kInternal, "zstd: prefix needs one frame, set before reading");
  }
  const std::size_t ret = ZSTD_DCtx_refPrefix(impl_->dctx, prefix.data(), prefix.size());
  if (ZSTD_isError(ret)) return ZstdError("cannot reference prefix", ret);
  return Ok();
}

std::uint64_t ZstdDecompressor::total_out() const { return impl_->total_out; }

Result<std::size_t> ZstdDecompressor::Read(std::span<std::uint8_t> buffer) {
  Impl& s = *impl_;
  if (s.failed.has_value()) return *s.failed;
  std::size_t filled = 0;
  while (filled < buffer.size() && !s.finished) {
    if (s.input_pos == s.input_size && !s.source_done) BSI_TRY(s.Refill());
    const bool no_input = s.input_pos == s.input_size;
    if (!s.in_frame) {
      if (no_input) {
        if (s.frames == 0) return s.Fail(Error(ErrorCode::kMalformed, "zstd: no frame"));
        s.finished = true;
        break;
      }
      if (s.frames > 0 && s.options.frames == ZstdFrames::kExactlyOne) {
        return s.Fail(Error(ErrorCode::kMalformed, "zstd: trailing data after the frame"));
      }
    }
    // Room for one byte past the cap, so that a stream yielding more is seen.
    const std::uint64_t room = s.options.max_output_bytes - s.total_out + 1;
    ZSTD_outBuffer out{
        buffer.data() + filled,
        static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size() - filled, room)), 0};
    ZSTD_inBuffer in{s.input.get(), s.input_size, s.input_pos};
    const std::size_t ret = ZSTD_decompressStream(s.dctx, &out, &in);
    if (ZSTD_isError(ret)) return s.Fail(ZstdError("cannot decompress", ret));
    const bool progress = out.pos > 0 || in.pos > s.input_pos;
    s.input_pos = in.pos;
    s.total_out += out.pos;
    filled += out.pos;
    if (s.total_out > s.options.max_output_bytes) {
      return s.Fail(Error(ErrorCode::kTooLarge, "zstd: stream decompresses to more than " +
                                                    std::to_string(s.options.max_output_bytes) +
                                                    " bytes"));
    }
    if (ret == 0) {
      s.in_frame = false;
      ++s.frames;
    } else {
      s.in_frame = true;
      if (!progress && no_input && s.source_done) {
        return s.Fail(Error(ErrorCode::kMalformed, "zstd: truncated stream"));
      }
    }
  }
  return filled;
}

// ---------------------------------------------------------------------------
// One-shot helpers and frame headers.

Result<std::string> ZstdCompress(std::span<const std::uint8_t> data,
                                 const ZstdCompressOptions& options,
                                 std::span<const std::uint8_t> prefix) {
  std::string out;
  ZstdCompressOptions pledged = options;
  pledged.pledged_size = data.size();
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<ZstdCompressor> compressor,
                       ZstdCompressor::Create(pledged, StringSink(out)));
  if (!prefix.empty()) BSI_TRY(compressor->RefPrefix(prefix));
  BSI_TRY(compressor->Write(data));
  BSI_TRY(compressor->Finish());
  return out;
}

Result<std::string> ZstdDecompress(std::span<const std::uint8_t> compressed,
                                   const ZstdDecompressOptions& options,
                                   std::span<const std::uint8_t> prefix) {
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<ZstdDecompressor> decompressor,
                       ZstdDecompressor::Create(options, SpanSource(compressed)));
  if (!prefix.empty()) BSI_TRY(decompressor->RefPrefix(prefix));
  std::string out;
  std::vector<std::uint8_t> buffer(ZSTD_DStreamOutSize());
  while (true) {
    BSI_ASSIGN_OR_RETURN(const std::size_t n, decompressor->Read(buffer));
    if (n == 0) break;
    out.append(reinterpret_cast<const char*>(buffer.data()), n);
  }
  return out;
}

Result<ZstdFrameInfo> ReadZstdFrameInfo(std::span<const std::uint8_t> data) {
  ZSTD_frameHeader header{};
  const std::size_t ret = ZSTD_getFrameHeader(&header, data.data(), data.size());
  if (ZSTD_isError(ret)) return ZstdError("bad frame header", ret);
  if (ret != 0) return Error(ErrorCode::kMalformed, "zstd: truncated frame header");
  if (header.frameType != ZSTD_frame) {
    return Error(ErrorCode::kMalformed, "zstd: a skippable frame where data was expected");
  }
  ZstdFrameInfo info;
  if (header.frameContentSize != ZSTD_CONTENTSIZE_UNKNOWN) {
    info.content_size = header.frameContentSize;
  }
  info.window_size = header.windowSize;
  return info;
}

}  // namespace bsi::payload
