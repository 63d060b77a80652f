// Tests of the zstd stream wrapper (zstd_stream.h) that deltas build on.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/payload/delta_test_util.h"
#include "bsi/payload/zstd_stream.h"

namespace bsi::payload {
namespace {

using testing::CodeOf;
using testing::RandomBytes;

ZstdDecompressOptions Cap(std::uint64_t max_output_bytes) {
  ZstdDecompressOptions options;
  options.max_output_bytes = max_output_bytes;
  return options;
}

ZstdCompressOptions Level(int level) {
  ZstdCompressOptions options;
  options.level = level;
  return options;
}

// Compresses data in pieces of `piece` bytes, without pledging the size.
std::string CompressInPieces(const std::string& data, std::size_t piece,
                             const ZstdCompressOptions& options) {
  std::string out;
  auto compressor = ZstdCompressor::Create(options, StringSink(out));
  EXPECT_TRUE(compressor.ok());
  for (std::size_t i = 0; i < data.size(); i += piece) {
    EXPECT_TRUE((*compressor)->Write(AsBytes(std::string_view(data).substr(i, piece))).ok());
  }
  EXPECT_TRUE((*compressor)->Finish().ok());
  return out;
}

TEST(ZstdStreamTest, RoundTripsAtManySizes) {
  for (const std::size_t size : {0u, 1u, 1000u, 300'000u}) {
    SCOPED_TRACE(size);
    const std::string data = RandomBytes(size, size) + std::string(size, 'a');
    const std::string compressed = CompressInPieces(data, 7777, Level(3));
    Result<std::string> back = ZstdDecompress(AsBytes(compressed), Cap(data.size()));
    ASSERT_OK(back);
    EXPECT_EQ(*back, data);
  }
}

TEST(ZstdStreamTest, ReadFillsTheBufferUntilTheEnd) {
  const std::string data(100'000, 'x');
  Result<std::string> compressed = ZstdCompress(AsBytes(data), Level(19));
  ASSERT_OK(compressed);
  EXPECT_LT(compressed->size(), 100u);
  auto decompressor = ZstdDecompressor::Create(Cap(data.size()), SpanSource(AsBytes(*compressed)));
  ASSERT_OK(decompressor);
  std::vector<std::uint8_t> buffer(30'000);
  std::vector<std::size_t> counts;
  while (true) {
    Result<std::size_t> n = (*decompressor)->Read(buffer);
    ASSERT_OK(n);
    counts.push_back(*n);
    if (*n == 0) break;
  }
  EXPECT_EQ(counts, (std::vector<std::size_t>{30'000, 30'000, 30'000, 10'000, 0}));
  EXPECT_EQ((*decompressor)->total_out(), data.size());
  EXPECT_EQ(*(*decompressor)->Read(buffer), 0u);  // stays at the end
}

TEST(ZstdStreamTest, PrefixRoundTrip) {
  const std::string old_data = RandomBytes(1, 200'000);
  std::string new_data = old_data;
  new_data.replace(1000, 10, "patched!!!");
  ZstdCompressOptions options = Level(19);
  options.window_log = 19;
  Result<std::string> with_prefix = ZstdCompress(AsBytes(new_data), options, AsBytes(old_data));
  ASSERT_OK(with_prefix);
  EXPECT_LT(with_prefix->size(), 200u);  // the prefix holds nearly everything
  Result<std::string> back =
      ZstdDecompress(AsBytes(*with_prefix), Cap(new_data.size()), AsBytes(old_data));
  ASSERT_OK(back);
  EXPECT_EQ(*back, new_data);
  // Without the prefix the frame does not decode.
  EXPECT_EQ(CodeOf(ZstdDecompress(AsBytes(*with_prefix), Cap(new_data.size()))),
            ErrorCode::kMalformed);
}

// Reads a decompressor to its end.
Result<std::string> ReadAll(ZstdDecompressor& decompressor) {
  std::string out;
  std::vector<std::uint8_t> buffer(4096);
  while (true) {
    BSI_ASSIGN_OR_RETURN(const std::size_t n, decompressor.Read(buffer));
    out.append(reinterpret_cast<const char*>(buffer.data()), n);
    if (n < buffer.size()) return out;
  }
}

TEST(ZstdStreamTest, ResetReusesADecompressorAfterAPrefixAnErrorAndTheEnd) {
  const std::string old_data = RandomBytes(4, 100'000);
  std::string new_data = old_data;
  new_data.replace(500, 6, "fixed!");
  ZstdCompressOptions options = Level(19);
  options.window_log = 18;
  Result<std::string> with_prefix = ZstdCompress(AsBytes(new_data), options, AsBytes(old_data));
  ASSERT_OK(with_prefix);
  const std::string plain_data = RandomBytes(5, 30'000) + std::string(30'000, 'z');
  Result<std::string> plain = ZstdCompress(AsBytes(plain_data), Level(3));
  ASSERT_OK(plain);

  auto decompressor =
      ZstdDecompressor::Create(Cap(new_data.size()), SpanSource(AsBytes(*with_prefix)));
  ASSERT_OK(decompressor);
  ASSERT_OK((*decompressor)->RefPrefix(AsBytes(old_data)));
  EXPECT_EQ(ReadAll(**decompressor).value(), new_data);

  // The prefix is forgotten: the same frame no longer decodes.
  ASSERT_OK((*decompressor)->Reset(Cap(new_data.size()), SpanSource(AsBytes(*with_prefix))));
  EXPECT_EQ(CodeOf(ReadAll(**decompressor)), ErrorCode::kMalformed);

  // After an error, and with an input buffer far smaller than the stream
  // (a wrong hint costs reads, not correctness), a new stream decodes.
  ZstdDecompressOptions hinted = Cap(plain_data.size());
  hinted.input_size_hint = 10;
  ASSERT_OK((*decompressor)->Reset(hinted, SpanSource(AsBytes(*plain))));
  EXPECT_EQ(ReadAll(**decompressor).value(), plain_data);
  EXPECT_EQ((*decompressor)->total_out(), plain_data.size());

  // The new options hold: a lower cap is enforced, a bad window cap refused.
  ASSERT_OK((*decompressor)->Reset(Cap(plain_data.size() - 1), SpanSource(AsBytes(*plain))));
  EXPECT_EQ(CodeOf(ReadAll(**decompressor)), ErrorCode::kTooLarge);
  ZstdDecompressOptions bad = Cap(1);
  bad.max_window_log = 5;
  EXPECT_EQ(CodeOf((*decompressor)->Reset(bad, SpanSource({}))), ErrorCode::kInvalidArgument);
}

TEST(ZstdStreamTest, BombStopsAtTheCap) {
  const std::string zeros(10 << 20, '\0');
  Result<std::string> bomb = ZstdCompress(AsBytes(zeros), Level(19));
  ASSERT_OK(bomb);
  EXPECT_LT(bomb->size(), 2000u);
  EXPECT_EQ(CodeOf(ZstdDecompress(AsBytes(*bomb), Cap(zeros.size() - 1))), ErrorCode::kTooLarge);
  EXPECT_EQ(CodeOf(ZstdDecompress(AsBytes(*bomb), Cap(0))), ErrorCode::kTooLarge);
  EXPECT_OK(ZstdDecompress(AsBytes(*bomb), Cap(zeros.size())));
  // Streaming without a content size in the header: the cap still holds.
  const std::string streamed = CompressInPieces(zeros, 1 << 20, Level(1));
  EXPECT_EQ(CodeOf(ZstdDecompress(AsBytes(streamed), Cap(1 << 20))), ErrorCode::kTooLarge);
}

TEST(ZstdStreamTest, WindowAboveTheCapIsRefused) {
  const std::string data = RandomBytes(2, 3 << 20);
  ZstdCompressOptions options_4mib = Level(1);
  options_4mib.window_log = 22;  // the data fits: one segment, its window is its size
  Result<std::string> compressed = ZstdCompress(AsBytes(data), options_4mib);
  ASSERT_OK(compressed);
  ZstdDecompressOptions options = Cap(data.size());
  options.max_window_log = 20;
  EXPECT_EQ(CodeOf(ZstdDecompress(AsBytes(*compressed), options)), ErrorCode::kTooLarge);
  options.max_window_log = 22;
  EXPECT_OK(ZstdDecompress(AsBytes(*compressed), options));
  options.max_window_log = 40;
  EXPECT_EQ(CodeOf(ZstdDecompressor::Create(options, SpanSource({}))), ErrorCode::kInvalidArgument);
  Result<ZstdFrameInfo> info = ReadZstdFrameInfo(AsBytes(*compressed));
  ASSERT_OK(info);
  EXPECT_EQ(info->content_size, data.size());
  EXPECT_GE(info->window_size, data.size());
}

TEST(ZstdStreamTest, CorruptTruncatedAndTrailingData) {
  const std::string data = RandomBytes(3, 50'000) + std::string(50'000, 'q');
  ZstdCompressOptions options = Level(3);
  options.checksum = true;
  Result<std::string> compressed = ZstdCompress(AsBytes(data), options);
  ASSERT_OK(compressed);
  const auto decode = [&](const std::string& bytes, ZstdFrames frames = ZstdFrames::kExactlyOne) {
    ZstdDecompressOptions decode_options = Cap(2 * data.size());
    decode_options.frames = frames;
    return ZstdDecompress(AsBytes(bytes), decode_options);
  };
  for (const std::size_t cut :
       {std::size_t{0}, std::size_t{3}, compressed->size() / 2, compressed->size() - 1}) {
    SCOPED_TRACE(cut);
    EXPECT_EQ(CodeOf(decode(compressed->substr(0, cut))), ErrorCode::kMalformed);
  }
  std::string corrupt = *compressed;
  corrupt[corrupt.size() / 2] ^= 0x20;
  EXPECT_EQ(CodeOf(decode(corrupt)), ErrorCode::kMalformed);
  EXPECT_EQ(CodeOf(decode(*compressed + "x")), ErrorCode::kMalformed);
  EXPECT_EQ(CodeOf(decode(*compressed + *compressed)), ErrorCode::kMalformed);
  Result<std::string> both = decode(*compressed + *compressed, ZstdFrames::kAny);
  ASSERT_OK(both);
  EXPECT_EQ(*both, data + data);
  EXPECT_EQ(CodeOf(decode("not zstd at all")), ErrorCode::kMalformed);
  EXPECT_EQ(CodeOf(ReadZstdFrameInfo(AsBytes(std::string("nope")))), ErrorCode::kMalformed);
}

TEST(ZstdStreamTest, ErrorsFromSinkAndSourcePropagate) {
  auto compressor = ZstdCompressor::Create(Level(1), [](std::span<const std::uint8_t>) {
    return Status(Error(ErrorCode::kNoSpace, "disk full"));
  });
  ASSERT_OK(compressor);
  const std::string data = RandomBytes(4, 1 << 20);
  Status written = (*compressor)->Write(AsBytes(data));
  if (written.ok()) written = (*compressor)->Finish();
  EXPECT_EQ(CodeOf(written), ErrorCode::kNoSpace);
  EXPECT_EQ(CodeOf((*compressor)->Finish()), ErrorCode::kInternal);  // unusable after a failure

  auto decompressor = ZstdDecompressor::Create(Cap(10), [](std::span<std::uint8_t>) {
    return Result<std::size_t>(Error(ErrorCode::kIo, "read failed"));
  });
  ASSERT_OK(decompressor);
  std::uint8_t byte = 0;
  EXPECT_EQ(CodeOf((*decompressor)->Read(std::span<std::uint8_t>(&byte, 1))), ErrorCode::kIo);
  EXPECT_EQ(CodeOf((*decompressor)->Read(std::span<std::uint8_t>(&byte, 1))), ErrorCode::kIo);
}

TEST(ZstdStreamTest, PledgedSizeIsEnforcedAndBadOptionsRefused) {
  ZstdCompressOptions options = Level(3);
  options.pledged_size = 10;
  std::string out;
  auto compressor = ZstdCompressor::Create(options, StringSink(out));
  ASSERT_OK(compressor);
  ASSERT_OK((*compressor)->Write(AsBytes(std::string("short"))));
  EXPECT_FALSE((*compressor)->Finish().ok());
  options.window_log = 99;
  EXPECT_EQ(CodeOf(ZstdCompressor::Create(options, StringSink(out))), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace bsi::payload
