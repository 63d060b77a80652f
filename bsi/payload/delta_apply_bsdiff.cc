// ApplyDelta for bsdiff-zstd patches: plan (every check that needs no old
// data), then stream: control tuples drive adds (old bytes plus the decoded
// diff) and copies (extra bytes).
#include <algorithm>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "bsi/payload/delta_apply_internal.h"
#include "bsi/payload/delta_diff_codec.h"

namespace bsi::payload::internal {
namespace {

constexpr std::string_view kStreamNames[kBsdiffStreamCount] = {
    "control", "gaps in mask", "gaps outside mask", "run lengths", "run bytes", "extra"};

// Tuples, decoded from a decompressed control stream (null: empty).
class ControlStream {
 public:
  explicit ControlStream(ZstdDecompressor* stream) : stream_(stream), done_(stream_ == nullptr) {}

  // The next tuple, nullopt at the end.
  Result<std::optional<ControlTuple>> Next() {
    if (size_ - pos_ < kMaxControlTupleSize && !done_) {
      std::copy(buffer_.begin() + static_cast<std::ptrdiff_t>(pos_),
                buffer_.begin() + static_cast<std::ptrdiff_t>(size_), buffer_.begin());
      size_ -= pos_;
      pos_ = 0;
      const std::span<std::uint8_t> free(buffer_.data() + size_, buffer_.size() - size_);
      Result<std::size_t> n = stream_->Read(free);
      if (!n.ok()) return n.error().WithContext("control stream");
      size_ += *n;
      done_ = *n < free.size();  // short only at the end
    }
    if (pos_ == size_) return std::optional<ControlTuple>();
    ControlTuple tuple;
    BSI_ASSIGN_OR_RETURN(
        const std::size_t used,
        DecodeControlTuple(std::span<const std::uint8_t>(buffer_.data() + pos_, size_ - pos_),
                           tuple));
    if (used == 0) return Malformed("control stream ends inside a tuple");
    pos_ += used;
    return std::optional<ControlTuple>(tuple);
  }

 private:
  ZstdDecompressor* stream_;
  std::vector<std::uint8_t> buffer_ = std::vector<std::uint8_t>(std::size_t{16} * 1024);
  std::size_t pos_ = 0;
  std::size_t size_ = 0;
  bool done_;
};

// Opens the streams of a plan; only those in `which` (all by default).
Result<std::vector<std::unique_ptr<ZstdDecompressor>>> OpenStreams(
    StreamOpener& opener, const BsdiffPlan& plan,
    std::initializer_list<BsdiffStream> which = {kControlStream, kGapsInMaskStream,
                                                 kGapsOutsideStream, kRunLengthsStream,
                                                 kRunBytesStream, kExtraStream}) {
  std::vector<std::unique_ptr<ZstdDecompressor>> streams(kBsdiffStreamCount);
  for (const BsdiffStream i : which) {
    BSI_ASSIGN_OR_RETURN(streams[i], opener.Open(plan.streams[i]));
  }
  return streams;
}

// Hands every decompressor back to the opener.
void RecycleStreams(StreamOpener& opener, std::vector<std::unique_ptr<ZstdDecompressor>>& streams) {
  for (std::unique_ptr<ZstdDecompressor>& stream : streams) opener.Recycle(std::move(stream));
}

}  // namespace

Result<BsdiffPlan> PlanBsdiff(const RandomAccessFile& patch, const DeltaHeader& header,
                              const ApplyOptions& options, StreamOpener& opener) {
  constexpr std::uint64_t kFirstStream = kDeltaHeaderSize + kBsdiffPayloadHeaderSize;
  if (patch.size() < kFirstStream) return Malformed("patch truncated in its stream lengths");
  std::uint8_t bytes[kBsdiffPayloadHeaderSize];
  BSI_TRY(ReadExactly(patch, kDeltaHeaderSize, bytes, "stream lengths"));
  const BsdiffPayloadHeader payload = ParseBsdiffPayloadHeader(bytes);
  BsdiffPlan plan;
  plan.mask = payload.mask;
  std::uint64_t offset = kFirstStream;
  for (std::size_t i = 0; i < kBsdiffStreamCount; ++i) {
    const std::uint64_t length = payload.lengths[i];
    if (length > patch.size() - offset) {
      return Malformed("stream lengths exceed the patch size");
    }
    plan.streams[i] = Stream{kStreamNames[i], offset, length, 0};
    offset += length;
    BSI_TRY(CheckFrame(patch, plan.streams[i], options.max_window_log));
  }
  if (offset != patch.size()) return Malformed("stream lengths do not add up to the patch size");
  if (plan.streams[kControlStream].content > MaxControlBytes(header.new_size)) {
    return Malformed("control stream too large for the new size");
  }

  // Decode the small streams once, to check them before any output (the
  // control stream first; its decompressor then serves a run stream).
  BSI_ASSIGN_OR_RETURN(std::vector<std::unique_ptr<ZstdDecompressor>> streams,
                       OpenStreams(opener, plan, {kControlStream}));
  ControlChecker checker(header.old_size, header.new_size);
  ControlStream tuples(streams[kControlStream].get());
  while (true) {
    BSI_ASSIGN_OR_RETURN(const std::optional<ControlTuple> tuple, tuples.Next());
    if (!tuple.has_value()) break;
    BSI_TRY(checker.Check(*tuple));
  }
  RecycleStreams(opener, streams);
  BSI_TRY(checker.Finish());
  plan.total_add = checker.total_add();
  if (plan.streams[kExtraStream].content != checker.total_copy()) {
    return Malformed("extra stream size differs from what the control tuples copy");
  }
  BSI_ASSIGN_OR_RETURN(
      streams,
      OpenStreams(opener, plan, {kGapsInMaskStream, kGapsOutsideStream, kRunLengthsStream}));
  BSI_ASSIGN_OR_RETURN(
      const std::uint64_t run_bytes,
      CheckRunStreams(streams[kGapsInMaskStream].get(), streams[kGapsOutsideStream].get(),
                      streams[kRunLengthsStream].get(), plan.total_add));
  if (plan.streams[kRunBytesStream].content != run_bytes) {
    return Malformed("run bytes stream size differs from the run lengths");
  }
  RecycleStreams(opener, streams);
  return plan;
}

Status ApplyBsdiff(OldReader& old_reader, StreamOpener& opener, const DeltaHeader& header,
                   const BsdiffPlan& plan, Output& output) {
  BSI_ASSIGN_OR_RETURN(std::vector<std::unique_ptr<ZstdDecompressor>> streams,
                       OpenStreams(opener, plan));
  ControlStream tuples(streams[kControlStream].get());
  DiffDecoder diff(plan.mask, streams[kGapsInMaskStream].get(), streams[kGapsOutsideStream].get(),
                   streams[kRunLengthsStream].get(), streams[kRunBytesStream].get(),
                   plan.total_add);
  BSI_TRY(diff.Start());
  ZstdDecompressor* extra = streams[kExtraStream].get();
  // Checked again as we go: the patch file is read a second time.
  ControlChecker checker(header.old_size, header.new_size);
  std::uint64_t old_pos = 0;
  while (true) {
    BSI_ASSIGN_OR_RETURN(const std::optional<ControlTuple> tuple, tuples.Next());
    if (!tuple.has_value()) break;
    BSI_TRY(checker.Check(*tuple));
    if (tuple->add > 0) {
      std::uint8_t context = 0;
      if (old_pos > 0) {
        BSI_ASSIGN_OR_RETURN(const std::uint8_t* before, old_reader.Read(old_pos - 1, 1));
        context = *before;
      }
      diff.BeginAdd(context);
    }
    for (std::uint64_t left = tuple->add; left > 0;) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, kChunk));
      BSI_ASSIGN_OR_RETURN(const std::uint8_t* old_bytes, old_reader.Read(old_pos, n));
      BSI_ASSIGN_OR_RETURN(const std::span<std::uint8_t> out, output.Reserve(n));
      BSI_TRY(diff.Decode(std::span<const std::uint8_t>(old_bytes, n), out));
      output.Commit(n);
      old_pos += n;
      left -= n;
    }
    for (std::uint64_t left = tuple->copy; left > 0;) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, kChunk));
      if (extra == nullptr) return Malformed("extra stream is empty");
      BSI_ASSIGN_OR_RETURN(const std::span<std::uint8_t> out, output.Reserve(n));
      Result<std::size_t> got = extra->Read(out);
      if (!got.ok()) return got.error().WithContext("extra stream");
      if (*got != n) return Malformed("extra stream ends early");
      output.Commit(n);
      left -= n;
    }
    old_pos = static_cast<std::uint64_t>(static_cast<std::int64_t>(old_pos) + tuple->seek);
  }
  BSI_TRY(checker.Finish());
  BSI_TRY(diff.Finish());
  return ExpectEnd(extra, "extra");
}

}  // namespace bsi::payload::internal
