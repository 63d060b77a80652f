// ApplyDelta against hostile and broken patches: every one is a clear error,
// and the ones the format lets us detect up front fail before any output.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/crypto/hash.h"
#include "bsi/payload/delta.h"
#include "bsi/payload/delta_diff_codec.h"
#include "bsi/payload/delta_test_util.h"

#include "testing/memory_file_system.h"

namespace bsi::payload {
namespace {

using testing::CodeLikeBytes;
using testing::CodeOf;
using testing::RandomBytes;

Sha256Digest Digest(std::string_view data) {
  const std::vector<std::uint8_t> digest = crypto::Sha256(data);
  Sha256Digest out{};
  std::copy(digest.begin(), digest.end(), out.begin());
  return out;
}

std::string Compress(const std::string& data) {
  if (data.empty()) return "";
  ZstdCompressOptions options;
  options.level = 3;
  return *ZstdCompress(AsBytes(data), options);
}

// The uncompressed streams of a bsdiff-zstd patch.
struct RawStreams {
  std::vector<ControlTuple> tuples;
  ContextMask mask{};
  std::string gaps_in_mask, gaps_outside, run_lengths, run_bytes, extra;
};

// Streams for tuples, a raw bsdiff diff and extra bytes. REQUIRES: when the
// diff has a non-zero byte, the tuples are valid for old_data.
RawStreams Streams(std::string_view old_data, std::vector<ControlTuple> tuples,
                   const std::string& diff, std::string extra) {
  RawStreams raw;
  raw.tuples = std::move(tuples);
  raw.extra = std::move(extra);
  if (diff.find_first_not_of('\0') == std::string::npos) return raw;  // no runs
  EncodedDiff encoded = *EncodeDiff(AsBytes(old_data), raw.tuples, diff, [](const std::string& s) {
    return Result<std::size_t>(s.size());
  });
  raw.mask = encoded.mask;
  raw.gaps_in_mask = encoded.gaps_in_mask;
  raw.gaps_outside = encoded.gaps_outside;
  raw.run_lengths = encoded.run_lengths;
  raw.run_bytes = encoded.run_bytes;
  return raw;
}

// A bsdiff-zstd patch from raw streams, with a header that claims whatever
// the test wants.
std::string BsdiffPatch(std::string_view old_data, std::string_view new_data,
                        const RawStreams& raw) {
  DeltaHeader header{DeltaMethod::kBsdiffZstd, old_data.size(), Digest(old_data), new_data.size(),
                     Digest(new_data)};
  std::string control;
  for (const ControlTuple& tuple : raw.tuples) AppendControlTuple(control, tuple);
  BsdiffPayloadHeader payload;
  payload.mask = raw.mask;
  std::string streams;
  const std::string* parts[] = {&control,         &raw.gaps_in_mask, &raw.gaps_outside,
                                &raw.run_lengths, &raw.run_bytes,    &raw.extra};
  for (std::size_t i = 0; i < kBsdiffStreamCount; ++i) {
    const std::string compressed = Compress(*parts[i]);
    payload.lengths[i] = compressed.size();
    streams += compressed;
  }
  return EncodeDeltaHeader(header) + EncodeBsdiffPayloadHeader(payload) + streams;
}

// A zstd-full patch around an arbitrary frame.
std::string FullPatch(std::string_view old_data, std::string_view new_data,
                      const std::string& frame) {
  DeltaHeader header{DeltaMethod::kZstdFull, old_data.size(), Digest(old_data), new_data.size(),
                     Digest(new_data)};
  return EncodeDeltaHeader(header) + frame;
}

// Applies, recording whether the sink was ever called.
struct Applied {
  Status status;
  std::uint64_t bytes_out = 0;
};
Applied Apply(std::string_view old_data, std::string_view patch, const ApplyOptions& options = {}) {
  Applied applied;
  applied.status = ApplyDelta(
      BufferFile(old_data), BufferFile(patch),
      [&](std::span<const std::uint8_t> data) {
        applied.bytes_out += data.size();
        return Ok();
      },
      options);
  return applied;
}

// Fails with `code` before writing anything.
void ExpectRefused(std::string_view old_data, std::string_view patch, ErrorCode code,
                   const ApplyOptions& options = {}) {
  const Applied applied = Apply(old_data, patch, options);
  EXPECT_EQ(CodeOf(applied.status), code)
      << (applied.status.ok() ? "ok" : applied.status.error().ToString());
  EXPECT_EQ(applied.bytes_out, 0u);
}

class DeltaApplyTest : public ::testing::Test {
 protected:
  const std::string old_ = CodeLikeBytes(1, 20'000);
  const std::string new_ = old_.substr(0, 10'000) + "fix" + old_.substr(10'000);
};

TEST_F(DeltaApplyTest, HandBuiltPatchApplies) {
  std::string diff(10'000, '\0');
  diff[5] = 1;
  std::string expected = new_;
  expected[5] = static_cast<char>(expected[5] + 1);
  const std::string patch = BsdiffPatch(
      old_, expected,
      Streams(old_, {{10'000, 3, 0}, {10'000, 0, 0}}, diff + std::string(10'000, '\0'), "fix"));
  Result<std::string> out = ApplyDeltaToString(old_, patch);
  ASSERT_OK(out);
  EXPECT_TRUE(*out == expected);
}

TEST_F(DeltaApplyTest, WrongOldFileIsRefusedBeforeWriting) {
  for (const DeltaMethod method :
       {DeltaMethod::kBsdiffZstd, DeltaMethod::kZstdPrefix, DeltaMethod::kZstdFull}) {
    SCOPED_TRACE(DeltaMethodName(method));
    DeltaOptions options;
    options.methods = {method};
    const std::string patch = *CreateDelta(old_, new_, options);
    std::string wrong = old_;
    wrong[19'999] ^= 0x80;
    ExpectRefused(wrong, patch, ErrorCode::kHashMismatch);
    ExpectRefused(old_ + "x", patch, ErrorCode::kLengthMismatch);
    ExpectRefused("", patch, ErrorCode::kLengthMismatch);
  }
}

TEST_F(DeltaApplyTest, ControlValuesOutOfRange) {
  const std::string zeros(new_.size(), '\0');
  struct Case {
    const char* name;
    std::vector<ControlTuple> tuples;
  };
  const std::vector<Case> cases = {
      {"seek before the old file", {{0, 0, -1}, {1, 0, 0}}},
      {"seek past the old file", {{0, 0, 20'001}, {1, 0, 0}}},
      {"add from past the old file", {{0, 0, 19'999}, {2, 0, 0}}},
      {"add past the new size", {{20'004, 0, 0}}},
      {"copy past the new size", {{20'000, 4, 0}}},
      {"too few bytes", {{20'000, 2, 0}}},
      {"a tuple moving nothing", {{10'000, 3, 0}, {0, 0, 5}, {10'000, 0, 0}}},
      {"huge seek", {{0, 0, INT64_MIN}, {1, 0, 0}}},
      {"huge add", {{~std::uint64_t{0}, 0, 0}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ExpectRefused(old_, BsdiffPatch(old_, new_, Streams(old_, c.tuples, zeros, "fix")),
                  ErrorCode::kMalformed);
  }
}

TEST_F(DeltaApplyTest, DeclaredSizesThatLie) {
  const RawStreams valid =
      Streams(old_, {{10'000, 3, 0}, {10'000, 0, 0}}, std::string(20'000, '\0'), "fix");
  ASSERT_OK(ApplyDeltaToString(old_, BsdiffPatch(old_, new_, valid)));
  const auto refused = [&](const char* name, auto change) {
    SCOPED_TRACE(name);
    RawStreams raw = valid;
    change(raw);
    ExpectRefused(old_, BsdiffPatch(old_, new_, raw), ErrorCode::kMalformed);
  };
  refused("extra longer than copied", [](RawStreams& r) { r.extra += "x"; });
  refused("extra shorter than copied", [](RawStreams& r) { r.extra.pop_back(); });
  refused("a run without a start", [](RawStreams& r) {
    r.run_lengths = "\x01";
    r.run_bytes = "\x07";
  });
  refused("a start without a run", [](RawStreams& r) { r.gaps_outside = "\x05"; });
  refused("run bytes longer than the runs", [](RawStreams& r) {
    r.gaps_outside = "\x05";
    r.run_lengths = "\x01";
    r.run_bytes = "\x07\x07";
  });
  refused("a run longer than the adds", [](RawStreams& r) {
    r.gaps_outside = "\x05";
    r.run_lengths = std::string("\xff\xa2\x9b\x01", 4);  // 20,129 > the 20,000 added
    r.run_bytes = std::string(20'129, '\x07');
  });
  refused("a zero-length run", [](RawStreams& r) {
    r.gaps_outside = "\x05";
    r.run_lengths = std::string(1, '\0');
  });
  // The stream lengths do not tile the patch.
  const std::string patch = BsdiffPatch(old_, new_, valid);
  ExpectRefused(old_, patch + "trailing", ErrorCode::kMalformed);
  std::string lengths_lie = patch;
  const std::size_t control_length_at = kDeltaHeaderSize + 32;
  lengths_lie[control_length_at] = static_cast<char>(lengths_lie[control_length_at] + 1);
  ExpectRefused(old_, lengths_lie, ErrorCode::kMalformed);
  // A zstd-full frame whose size differs from the header's new size.
  ExpectRefused(old_, FullPatch(old_, new_, Compress(new_ + "more")), ErrorCode::kMalformed);
  // A frame that does not record its size (streamed) is refused.
  std::string streamed;
  auto compressor = ZstdCompressor::Create({}, StringSink(streamed));
  ASSERT_OK((*compressor)->Write(AsBytes(new_)));
  ASSERT_OK((*compressor)->Finish());
  ExpectRefused(old_, FullPatch(old_, new_, streamed), ErrorCode::kMalformed);
  // The header's new size is above the applier's cap.
  ApplyOptions small;
  small.max_new_size = new_.size() - 1;
  ExpectRefused(old_, *CreateDelta(old_, new_), ErrorCode::kTooLarge, small);
}

TEST_F(DeltaApplyTest, ZstdBombStopsAtTheDeclaredSize) {
  // 64 MiB of zeros in a frame whose header was edited to claim 1 KiB: zstd
  // must stop at the declared size, not fill memory or disk.
  const std::string zeros(64 << 20, '\0');
  std::string frame = Compress(zeros);
  Result<ZstdFrameInfo> info = ReadZstdFrameInfo(AsBytes(frame));
  ASSERT_OK(info);
  ASSERT_EQ(static_cast<std::uint8_t>(frame[4]) >> 6, 2);  // 4-byte content size field
  ASSERT_EQ(frame[4] & 0x20, 0);                           // with a window descriptor
  const std::size_t fcs_at = 6;                            // magic, descriptor, window descriptor
  const std::uint32_t claimed = 1024;
  for (int i = 0; i < 4; ++i) frame[fcs_at + i] = static_cast<char>(claimed >> (8 * i));
  ASSERT_EQ(ReadZstdFrameInfo(AsBytes(frame))->content_size, claimed);
  const Applied applied = Apply(old_, FullPatch(old_, std::string(claimed, '\0'), frame));
  EXPECT_TRUE(CodeOf(applied.status) == ErrorCode::kTooLarge ||
              CodeOf(applied.status) == ErrorCode::kMalformed)
      << applied.status.error().ToString();
  EXPECT_LE(applied.bytes_out, claimed);
  // A bsdiff extra stream holding 64 MiB where the tuples copy 1 KiB: its
  // frame header gives it away before any output.
  ExpectRefused(
      old_,
      BsdiffPatch(old_, std::string(claimed, '\0'), Streams(old_, {{0, claimed, 0}}, "", zeros)),
      ErrorCode::kMalformed);
}

TEST_F(DeltaApplyTest, CapsOnWindowAndPrefix) {
  ApplyOptions small;
  ZstdCompressOptions big_window;
  big_window.level = 1;
  big_window.window_log = 28;
  std::string frame;
  auto compressor = ZstdCompressor::Create(big_window, StringSink(frame));
  ASSERT_OK(compressor);
  ASSERT_OK((*compressor)->Write(AsBytes(new_)));
  ASSERT_OK((*compressor)->Finish());
  // Streamed: no content size in the frame (and a 2^28 window): refused.
  ExpectRefused(old_, FullPatch(old_, new_, frame), ErrorCode::kMalformed);
  small.max_window_log = 12;  // the 20 KB frame's window is its size
  ExpectRefused(old_, FullPatch(old_, new_, Compress(new_)), ErrorCode::kTooLarge, small);
  DeltaOptions prefix_only;
  prefix_only.methods = {DeltaMethod::kZstdPrefix};
  small = ApplyOptions();
  small.max_prefix_bytes = old_.size() - 1;
  ExpectRefused(old_, *CreateDelta(old_, new_, prefix_only), ErrorCode::kTooLarge, small);
  small = ApplyOptions();
  small.max_window_log = 12;
  ExpectRefused(old_, *CreateDelta(old_, new_, prefix_only), ErrorCode::kTooLarge, small);
}

TEST_F(DeltaApplyTest, TruncatedPatchesFail) {
  for (const DeltaMethod method :
       {DeltaMethod::kBsdiffZstd, DeltaMethod::kZstdPrefix, DeltaMethod::kZstdFull}) {
    SCOPED_TRACE(DeltaMethodName(method));
    DeltaOptions options;
    options.methods = {method};
    const std::string patch = *CreateDelta(old_, new_, options);
    for (std::size_t cut = 0; cut < patch.size(); cut += 1 + cut / 8) {
      SCOPED_TRACE(cut);
      const Applied applied = Apply(old_, patch.substr(0, cut));
      EXPECT_FALSE(applied.status.ok());
      if (method == DeltaMethod::kBsdiffZstd) {
        EXPECT_EQ(applied.bytes_out, 0u);
      }
    }
  }
  ExpectRefused(old_, "", ErrorCode::kMalformed);
  ExpectRefused(old_, "BSIDELTA", ErrorCode::kMalformed);
}

// Flipping any byte of a patch never yields a wrong result: the apply fails,
// or (where the flip did not change what the streams decode to) the result
// is still exactly the new file.
TEST_F(DeltaApplyTest, CorruptPatchesNeverSucceedWithWrongOutput) {
  for (const DeltaMethod method :
       {DeltaMethod::kBsdiffZstd, DeltaMethod::kZstdPrefix, DeltaMethod::kZstdFull}) {
    SCOPED_TRACE(DeltaMethodName(method));
    DeltaOptions options;
    options.methods = {method};
    options.level = 3;
    const std::string patch = *CreateDelta(old_, new_, options);
    for (std::size_t at = 0; at < patch.size(); at += 1 + at / 64) {
      std::string corrupt = patch;
      corrupt[at] ^= static_cast<char>(1 << (at % 8));
      Result<std::string> out = ApplyDeltaToString(old_, corrupt);
      if (out.ok()) {
        EXPECT_TRUE(*out == new_) << "byte " << at;
      }
    }
  }
}

TEST_F(DeltaApplyTest, WrongNewHashAndFileHelperLeavesNothing) {
  std::string patch = *CreateDelta(old_, new_);
  patch[64] ^= 1;  // the new SHA-256
  const Applied applied = Apply(old_, patch);
  EXPECT_EQ(CodeOf(applied.status), ErrorCode::kHashMismatch);
  EXPECT_EQ(applied.bytes_out, new_.size());  // found only at the end
  bsi::testing::MemoryFileSystem fs;
  ASSERT_OK(WriteFileAtomically(fs, "/old", old_));
  ASSERT_OK(WriteFileAtomically(fs, "/patch", patch));
  EXPECT_EQ(CodeOf(ApplyDeltaFile(fs, "/old", "/patch", "/old")), ErrorCode::kHashMismatch);
  EXPECT_EQ(fs.AllFiles(), (std::vector<std::string>{"/old", "/patch"}));
  EXPECT_TRUE(*fs.ReadFile("/old", 1 << 20) == old_);
}

}  // namespace
}  // namespace bsi::payload
