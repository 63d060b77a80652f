// ApplyDelta: checks a patch's structure and the old file, then streams the
// new file out. Order: header, method structure (stream lengths, frame
// headers, the whole control stream and the run streams), old size and
// SHA-256, and only then output; the new SHA-256 is checked at the end.
#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "bsi/crypto/hash.h"
#include "bsi/payload/delta.h"
#include "bsi/payload/delta_apply_internal.h"

namespace bsi::payload {
namespace internal {

Status ReadExactly(const RandomAccessFile& file, std::uint64_t offset, std::span<std::uint8_t> out,
                   std::string_view what) {
  BSI_ASSIGN_OR_RETURN(const std::size_t n, file.ReadAt(offset, out));
  if (n != out.size()) return Malformed("patch truncated in " + std::string(what));
  return Ok();
}

namespace {

// The bytes [begin, end) of a file, as a source.
ByteSource RangeSource(const RandomAccessFile& file, std::uint64_t begin, std::uint64_t end) {
  return [&file, pos = begin, end](std::span<std::uint8_t> buffer) mutable -> Result<std::size_t> {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), end - pos));
    if (n == 0) return std::size_t{0};
    BSI_ASSIGN_OR_RETURN(const std::size_t got, file.ReadAt(pos, buffer.first(n)));
    if (got != n) return Error(ErrorCode::kIo, "patch file shrank while reading");
    pos += n;
    return n;
  };
}

}  // namespace

Status CheckFrame(const RandomAccessFile& patch, Stream& stream, int max_window_log) {
  if (stream.length == 0) return Ok();
  std::uint8_t bytes[kZstdMaxFrameHeaderSize];
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof bytes, stream.length));
  BSI_TRY(ReadExactly(patch, stream.begin, std::span<std::uint8_t>(bytes, n), stream.name));
  Result<ZstdFrameInfo> info = ReadZstdFrameInfo(std::span<const std::uint8_t>(bytes, n));
  if (!info.ok()) return info.error().WithContext(std::string(stream.name) + " stream");
  if (!info->content_size.has_value()) {
    return Malformed(std::string(stream.name) + " stream does not record its size");
  }
  if (info->window_size > (std::uint64_t{1} << max_window_log)) {
    return Error(ErrorCode::kTooLarge, std::string(stream.name) + " stream needs a window of " +
                                           std::to_string(info->window_size) + " bytes");
  }
  stream.content = *info->content_size;
  return Ok();
}

Result<std::unique_ptr<ZstdDecompressor>> StreamOpener::Open(const Stream& stream) {
  if (stream.length == 0) return std::unique_ptr<ZstdDecompressor>();
  ZstdDecompressOptions options;
  options.max_output_bytes = stream.content;
  options.max_window_log = max_window_log_;
  options.input_size_hint = stream.length;
  ByteSource source = RangeSource(patch_, stream.begin, stream.begin + stream.length);
  if (spare_.empty()) return ZstdDecompressor::Create(options, std::move(source));
  std::unique_ptr<ZstdDecompressor> decompressor = std::move(spare_.back());
  spare_.pop_back();
  BSI_TRY(decompressor->Reset(options, std::move(source)));
  return decompressor;
}

void StreamOpener::Recycle(std::unique_ptr<ZstdDecompressor> decompressor) {
  if (decompressor != nullptr) spare_.push_back(std::move(decompressor));
}

Status ExpectEnd(ZstdDecompressor* stream, std::string_view name) {
  if (stream == nullptr) return Ok();
  std::uint8_t byte = 0;
  Result<std::size_t> n = stream->Read(std::span<std::uint8_t>(&byte, 1));
  if (!n.ok()) return n.error().WithContext(std::string(name) + " stream");
  if (*n != 0) return Malformed(std::string(name) + " stream holds more than the tuples use");
  return Ok();
}

Result<const std::uint8_t*> OldReader::Read(std::uint64_t pos, std::size_t n) {
  if (pos < start_ || pos + n > start_ + size_) {
    BSI_ASSIGN_OR_RETURN(size_,
                         file_.ReadAt(pos, std::span<std::uint8_t>(cache_.get(), capacity_)));
    start_ = pos;
    if (size_ < n) return Error(ErrorCode::kIo, "old file shrank while reading");
  }
  return cache_.get() + (pos - start_);
}

Output::Output(const ByteSink& sink, crypto::Hasher hasher)
    : sink_(sink),
      hasher_(std::move(hasher)),
      buffer_(std::make_unique_for_overwrite<std::uint8_t[]>(kChunk)) {}

Result<std::span<std::uint8_t>> Output::Reserve(std::size_t n) {
  if (used_ + n > kChunk) BSI_TRY(Flush());
  return std::span<std::uint8_t>(buffer_.get() + used_, n);
}

void Output::Commit(std::size_t n) {
  hasher_.Update(std::span<const std::uint8_t>(buffer_.get() + used_, n));
  used_ += n;
  written_ += n;
}

Status Output::Finish(const DeltaHeader& header) {
  BSI_TRY(Flush());
  if (written_ != header.new_size) {
    return Malformed("patch produced " + std::to_string(written_) + " bytes, not " +
                     std::to_string(header.new_size));
  }
  const std::vector<std::uint8_t> digest = hasher_.Finish();
  if (!std::equal(digest.begin(), digest.end(), header.new_sha256.begin())) {
    return Error(ErrorCode::kHashMismatch, "patched file does not match the patch's SHA-256");
  }
  return Ok();
}

Status Output::Flush() {
  if (used_ == 0) return Ok();
  const std::size_t n = std::exchange(used_, 0);
  return sink_(std::span<const std::uint8_t>(buffer_.get(), n));
}

Status CheckOldFile(OldReader& old_reader, const DeltaHeader& header,
                    std::vector<std::uint8_t>* keep) {
  BSI_ASSIGN_OR_RETURN(crypto::Hasher hasher,
                       crypto::Hasher::Create(crypto::HashAlgorithm::kSha256));
  if (keep != nullptr) keep->resize(static_cast<std::size_t>(header.old_size));
  for (std::uint64_t pos = 0; pos < header.old_size;) {
    const auto n =
        static_cast<std::size_t>(std::min<std::uint64_t>(kOldCache, header.old_size - pos));
    BSI_ASSIGN_OR_RETURN(const std::uint8_t* bytes, old_reader.Read(pos, n));
    hasher.Update(std::span<const std::uint8_t>(bytes, n));
    if (keep != nullptr) std::copy_n(bytes, n, keep->data() + pos);
    pos += n;
  }
  const std::vector<std::uint8_t> digest = hasher.Finish();
  if (!std::equal(digest.begin(), digest.end(), header.old_sha256.begin())) {
    return Error(ErrorCode::kHashMismatch, "old file is not the file this patch applies to");
  }
  return Ok();
}

}  // namespace internal

namespace {

using internal::CheckFrame;
using internal::Malformed;
using internal::Output;
using internal::Stream;

Status ApplyZstd(internal::StreamOpener& opener, const Stream& frame,
                 std::span<const std::uint8_t> prefix, Output& output) {
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<ZstdDecompressor> stream, opener.Open(frame));
  if (!prefix.empty()) BSI_TRY(stream->RefPrefix(prefix));
  while (true) {
    BSI_ASSIGN_OR_RETURN(const std::span<std::uint8_t> space, output.Reserve(internal::kChunk));
    Result<std::size_t> n = stream->Read(space);
    if (!n.ok()) return n.error().WithContext("zstd frame");
    if (*n == 0) return Ok();
    output.Commit(*n);
  }
}

}  // namespace

Result<std::size_t> BufferFile::ReadAt(std::uint64_t offset, std::span<std::uint8_t> buffer) const {
  if (offset >= data_.size()) return std::size_t{0};
  const std::size_t n = std::min(buffer.size(), data_.size() - static_cast<std::size_t>(offset));
  std::copy_n(data_.data() + offset, n, buffer.data());
  return n;
}

Result<DeltaHeader> ReadDeltaHeader(const RandomAccessFile& patch) {
  std::uint8_t bytes[kDeltaHeaderSize];
  BSI_ASSIGN_OR_RETURN(const std::size_t n, patch.ReadAt(0, bytes));
  return ParseDeltaHeader(std::span<const std::uint8_t>(bytes, n));
}

Status ApplyDelta(const RandomAccessFile& old_file, const RandomAccessFile& patch,
                  const ByteSink& sink, const ApplyOptions& options) {
  BSI_ASSIGN_OR_RETURN(const DeltaHeader header, ReadDeltaHeader(patch));
  if (header.new_size > options.max_new_size) {
    return Error(ErrorCode::kTooLarge,
                 "patch declares a new file of " + std::to_string(header.new_size) + " bytes");
  }
  if (old_file.size() != header.old_size) {
    return Error(ErrorCode::kLengthMismatch, "old file has " + std::to_string(old_file.size()) +
                                                 " bytes, the patch needs " +
                                                 std::to_string(header.old_size));
  }
  BSI_ASSIGN_OR_RETURN(crypto::Hasher hasher,
                       crypto::Hasher::Create(crypto::HashAlgorithm::kSha256));
  Output output(sink, std::move(hasher));
  internal::OldReader old_reader(old_file);
  internal::StreamOpener opener(patch, options.max_window_log);
  if (header.method == DeltaMethod::kBsdiffZstd) {
    BSI_ASSIGN_OR_RETURN(const internal::BsdiffPlan plan,
                         internal::PlanBsdiff(patch, header, options, opener));
    BSI_TRY(internal::CheckOldFile(old_reader, header, nullptr));
    BSI_TRY(internal::ApplyBsdiff(old_reader, opener, header, plan, output));
    return output.Finish(header);
  }
  Stream frame{"zstd", kDeltaHeaderSize, patch.size() - kDeltaHeaderSize};
  if (frame.length == 0) return Malformed("patch has no zstd frame");
  BSI_TRY(CheckFrame(patch, frame, options.max_window_log));
  if (frame.content != header.new_size) {
    return Malformed("zstd frame declares " + std::to_string(frame.content) +
                     " bytes, the header " + std::to_string(header.new_size));
  }
  std::vector<std::uint8_t> prefix;
  if (header.method == DeltaMethod::kZstdPrefix) {
    if (header.old_size > options.max_prefix_bytes) {
      return Error(ErrorCode::kTooLarge, "zstd-prefix patch needs the " +
                                             std::to_string(header.old_size) +
                                             "-byte old file in memory");
    }
    BSI_TRY(internal::CheckOldFile(old_reader, header, &prefix));
  } else {
    BSI_TRY(internal::CheckOldFile(old_reader, header, nullptr));
  }
  BSI_TRY(ApplyZstd(opener, frame, prefix, output));
  return output.Finish(header);
}

Result<std::string> ApplyDeltaToString(std::string_view old_data, std::string_view patch,
                                       const ApplyOptions& options) {
  std::string out;
  BSI_TRY(ApplyDelta(BufferFile(old_data), BufferFile(patch), StringSink(out), options));
  return out;
}

}  // namespace bsi::payload
