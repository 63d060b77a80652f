// Tests of the diff stream encoding (delta_diff_codec.h): carry removal,
// runs, context masks, and the decoder's checks.
#include "bsi/payload/delta_diff_codec.h"

#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bsi/payload/delta_test_util.h"

namespace bsi::payload {
namespace {

using testing::CodeOf;
using testing::RandomBytes;

Result<std::size_t> RawSize(const std::string& data) { return data.size(); }

// Decompressors over level-1 frames of the four diff streams.
class DecoderStreams {
 public:
  explicit DecoderStreams(const EncodedDiff& encoded) {
    for (const std::string* raw :
         {&encoded.gaps_in_mask, &encoded.gaps_outside, &encoded.run_lengths, &encoded.run_bytes}) {
      compressed_.push_back(*ZstdCompress(AsBytes(*raw), {}));
    }
    for (const std::string& frame : compressed_) {
      ZstdDecompressOptions options;
      options.max_output_bytes = 1 << 30;
      streams_.push_back(*ZstdDecompressor::Create(options, SpanSource(AsBytes(frame))));
    }
  }
  ZstdDecompressor* operator[](std::size_t i) { return streams_[i].get(); }

 private:
  std::vector<std::string> compressed_;  // outlives the sources reading it
  std::vector<std::unique_ptr<ZstdDecompressor>> streams_;
};

// Decodes encoded against old_data and tuples; returns the add regions' bytes.
Result<std::string> Decode(const EncodedDiff& encoded, const std::string& old_data,
                           const std::vector<ControlTuple>& tuples, std::size_t total_add) {
  DecoderStreams streams(encoded);
  DiffDecoder decoder(encoded.mask, streams[0], streams[1], streams[2], streams[3], total_add);
  BSI_TRY(decoder.Start());
  std::string out;
  std::uint64_t old_pos = 0;
  for (const ControlTuple& tuple : tuples) {
    decoder.BeginAdd(old_pos > 0 ? static_cast<std::uint8_t>(old_data[old_pos - 1]) : 0);
    std::string region(tuple.add, '\0');
    // In two pieces, to cross a Decode boundary inside a region.
    const std::size_t half = region.size() / 2;
    const auto old_bytes = AsBytes(std::string_view(old_data).substr(old_pos, tuple.add));
    auto* region_bytes = reinterpret_cast<std::uint8_t*>(region.data());
    BSI_TRY(decoder.Decode(old_bytes.first(half), std::span<std::uint8_t>(region_bytes, half)));
    BSI_TRY(decoder.Decode(old_bytes.subspan(half),
                           std::span<std::uint8_t>(region_bytes + half, region.size() - half)));
    out += region;
    old_pos =
        static_cast<std::uint64_t>(static_cast<std::int64_t>(old_pos + tuple.add) + tuple.seek);
  }
  BSI_TRY(decoder.Finish());
  return out;
}

// The bytes add regions produce: old + diff over each region.
std::string Expected(const std::string& old_data, const std::vector<ControlTuple>& tuples,
                     const std::string& diff) {
  std::string out;
  std::uint64_t old_pos = 0;
  for (const ControlTuple& tuple : tuples) {
    for (std::uint64_t j = 0; j < tuple.add; ++j) {
      out += static_cast<char>(old_data[old_pos + j] + diff[out.size()]);
    }
    old_pos =
        static_cast<std::uint64_t>(static_cast<std::int64_t>(old_pos + tuple.add) + tuple.seek);
  }
  return out;
}

TEST(DiffCodecTest, CarryRemovalLeavesOneByteRuns) {
  // 32-bit little-endian values, each moved by -16: in bsdiff's diff those
  // with a low byte below 16 change two bytes (F0 FF); stored, one.
  std::string old_data = RandomBytes(1, 4000);
  std::string new_data = old_data;
  for (std::size_t at = 8; at + 4 <= old_data.size(); at += 40) {
    old_data[at] = static_cast<char>(at % 32);  // half of them borrow
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i)
      value |= static_cast<std::uint32_t>(std::uint8_t(old_data[at + i])) << (8 * i);
    value -= 16;
    for (int i = 0; i < 4; ++i) new_data[at + i] = static_cast<char>(value >> (8 * i));
  }
  for (std::size_t i = 0; i < old_data.size(); ++i) {
    if (i % 40 < 8 || i % 40 >= 12) new_data[i] = old_data[i];
  }
  std::string diff(old_data.size(), '\0');
  for (std::size_t i = 0; i < diff.size(); ++i)
    diff[i] = static_cast<char>(new_data[i] - old_data[i]);
  const std::vector<ControlTuple> tuples = {{old_data.size(), 0, 0}};
  Result<EncodedDiff> encoded = EncodeDiff(AsBytes(old_data), tuples, diff, RawSize);
  ASSERT_OK(encoded);
  EXPECT_EQ(encoded->run_lengths, std::string(100, '\x01'));
  EXPECT_EQ(encoded->run_bytes, std::string(100, '\xf0'));
  Result<std::string> decoded = Decode(*encoded, old_data, tuples, diff.size());
  ASSERT_OK(decoded);
  EXPECT_TRUE(*decoded == new_data);
}

TEST(DiffCodecTest, MaskHoldsTheContextsBeforeChanges) {
  // Changes follow 0xe8 ("call rel32") and nothing else does.
  std::string old_data = RandomBytes(2, 100'000);
  for (char& c : old_data) {
    if (c == '\xe8') c = 0;
  }
  std::string diff(old_data.size(), '\0');
  std::size_t calls = 0;
  for (std::size_t at = 100; at + 5 < old_data.size(); at += 997, ++calls) {
    old_data[at] = '\xe8';
    diff[at + 1] = 3;
  }
  const std::vector<ControlTuple> tuples = {{old_data.size(), 0, 0}};
  Result<EncodedDiff> encoded = EncodeDiff(AsBytes(old_data), tuples, diff, RawSize);
  ASSERT_OK(encoded);
  EXPECT_EQ(ContextClass(encoded->mask, 0xe8), 1);
  EXPECT_TRUE(encoded->gaps_outside.empty());
  EXPECT_EQ(encoded->gaps_in_mask, std::string(calls, '\0'));  // every e8 starts a run
  Result<std::string> decoded = Decode(*encoded, old_data, tuples, diff.size());
  ASSERT_OK(decoded);
  EXPECT_TRUE(*decoded == Expected(old_data, tuples, diff));
}

TEST(DiffCodecTest, RandomRoundTrips) {
  std::mt19937_64 rng(3);
  for (int round = 0; round < 30; ++round) {
    SCOPED_TRACE(round);
    const std::string old_data = RandomBytes(round, 1 + rng() % 20'000);
    std::vector<ControlTuple> tuples;
    std::uint64_t old_pos = 0;
    std::size_t total_add = 0;
    for (int t = 0; t < 6; ++t) {
      const std::uint64_t add = rng() % (old_data.size() - old_pos + 1);
      const std::uint64_t next = rng() % (old_data.size() + 1);
      tuples.push_back(
          {add, rng() % 3,
           static_cast<std::int64_t>(next) - static_cast<std::int64_t>(old_pos + add)});
      old_pos = next;
      total_add += add;
    }
    std::string diff(total_add, '\0');
    const std::uint64_t density = 1 + rng() % 20;
    for (char& c : diff) {
      if (rng() % density == 0) c = static_cast<char>(rng());
    }
    Result<EncodedDiff> encoded = EncodeDiff(AsBytes(old_data), tuples, diff, RawSize);
    ASSERT_OK(encoded);
    Result<std::string> decoded = Decode(*encoded, old_data, tuples, total_add);
    ASSERT_OK(decoded);
    EXPECT_TRUE(*decoded == Expected(old_data, tuples, diff));
    DecoderStreams streams(*encoded);
    Result<std::uint64_t> run_bytes =
        CheckRunStreams(streams[0], streams[1], streams[2], total_add);
    ASSERT_OK(run_bytes);
    EXPECT_EQ(*run_bytes, encoded->run_bytes.size());
  }
}

TEST(DiffCodecTest, DecoderRefusesInconsistentStreams) {
  const std::string old_data = RandomBytes(4, 100);
  const std::vector<ControlTuple> tuples = {{100, 0, 0}};
  EncodedDiff valid;
  valid.gaps_outside = std::string("\x05\x10", 2);
  valid.run_lengths = std::string("\x02\x01", 2);
  valid.run_bytes = "abc";
  ASSERT_OK(Decode(valid, old_data, tuples, 100));
  const auto fails = [&](const char* name, auto change) {
    SCOPED_TRACE(name);
    EncodedDiff encoded = valid;
    change(encoded);
    EXPECT_EQ(CodeOf(Decode(encoded, old_data, tuples, 100)), ErrorCode::kMalformed);
  };
  fails("zero byte in a run", [](EncodedDiff& e) { e.run_bytes = std::string("a\0c", 3); });
  fails("too few run bytes", [](EncodedDiff& e) { e.run_bytes = "ab"; });
  fails("too many run bytes", [](EncodedDiff& e) { e.run_bytes = "abcd"; });
  fails("a start past the end",
        [](EncodedDiff& e) { e.gaps_outside = std::string("\x05\x70", 2); });
  fails("more starts than runs", [](EncodedDiff& e) { e.gaps_outside += '\x01'; });
  fails("more runs than starts", [](EncodedDiff& e) { e.run_lengths += '\x01'; });
  fails("a run past the end", [](EncodedDiff& e) { e.run_lengths = std::string("\x02\x60", 2); });
  fails("a number cut short",
        [](EncodedDiff& e) { e.run_lengths = std::string("\x02\xff\x80", 3); });
  fails("a number over 64 bits",
        [](EncodedDiff& e) { e.run_lengths = "\x02\xff" + std::string(9, '\xff') + "\x7f"; });
}

}  // namespace
}  // namespace bsi::payload
