#include "bsi/payload/delta_diff_codec.h"

#include <algorithm>
#include <utility>

namespace bsi::payload {
namespace {

// The carry a change of `diff` to old byte `old` produces in the next byte.
int CarryOut(std::uint8_t old, std::uint8_t diff) {
  const int value = old + static_cast<std::int8_t>(diff);
  return value < 0 ? -1 : (value > 255 ? 1 : 0);
}

// One byte below 255, else 255 then a LEB128 varint of value - 255.
void AppendNumber(std::string& out, std::uint64_t value) {
  if (value < 255) {
    out += static_cast<char>(value);
    return;
  }
  out += static_cast<char>(255);
  value -= 255;
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

Error Malformed(std::string_view what) {
  return Error(ErrorCode::kMalformed, "diff streams: " + std::string(what));
}

struct Run {
  std::uint64_t start;
  std::uint64_t length;
};

// The two gap streams for one mask: walks every position outside runs,
// counting per class, and writes each run start's count.
std::pair<std::string, std::string> GapStreams(const ContextMask& mask, const std::string& contexts,
                                               const std::vector<Run>& runs) {
  std::string gaps[2];
  std::uint64_t counters[2] = {0, 0};
  std::size_t next = 0;
  for (std::uint64_t p = 0; p < contexts.size();) {
    const int c = ContextClass(mask, static_cast<std::uint8_t>(contexts[p]));
    if (next < runs.size() && runs[next].start == p) {
      AppendNumber(gaps[c], counters[c]);
      counters[c] = 0;
      p += runs[next].length;
      ++next;
    } else {
      ++counters[c];
      ++p;
    }
  }
  return {std::move(gaps[1]), std::move(gaps[0])};
}

}  // namespace

Result<EncodedDiff> EncodeDiff(
    std::span<const std::uint8_t> old_data, std::span<const ControlTuple> tuples, std::string diff,
    const std::function<Result<std::size_t>(const std::string&)>& compressed_size) {
  // Carry removal, in place, and each position's context byte.
  std::string contexts(diff.size(), '\0');
  std::size_t k = 0;
  std::uint64_t old_pos = 0;
  for (const ControlTuple& tuple : tuples) {
    int carry = 0;
    for (std::uint64_t j = 0; j < tuple.add; ++j, ++k) {
      const std::uint64_t at = old_pos + j;
      const auto raw = static_cast<std::uint8_t>(diff[k]);
      contexts[k] = static_cast<char>(at > 0 ? old_data[at - 1] : 0);
      diff[k] = static_cast<char>(raw - carry);
      carry = CarryOut(old_data[at], raw);
    }
    old_pos =
        static_cast<std::uint64_t>(static_cast<std::int64_t>(old_pos + tuple.add) + tuple.seek);
  }

  // Runs of non-zero bytes, and how often each context byte starts one.
  EncodedDiff out;
  std::vector<Run> runs;
  std::array<std::uint64_t, 256> positions{};
  std::array<std::uint64_t, 256> starts{};
  for (std::uint64_t p = 0; p < diff.size();) {
    const auto context = static_cast<std::uint8_t>(contexts[p]);
    ++positions[context];
    if (diff[p] == 0) {
      ++p;
      continue;
    }
    std::uint64_t end = p;
    while (end < diff.size() && diff[end] != 0) ++end;
    runs.push_back({p, end - p});
    ++starts[context];
    AppendNumber(out.run_lengths, end - p);
    out.run_bytes.append(diff, p, end - p);
    p = end;
  }
  diff.clear();
  diff.shrink_to_fit();

  // Masks of the 0, 2, 4, ... contexts most likely to start a run; keep
  // the one whose gap streams compress smallest.
  std::vector<int> order;
  for (int b = 0; b < 256; ++b) {
    if (starts[b] > 0) order.push_back(b);
  }
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return starts[a] * (positions[b] + 1) > starts[b] * (positions[a] + 1);  // by rate
  });
  std::size_t best_size = 0;
  for (std::size_t n = 0;; n = n == 0 ? 2 : 2 * n) {
    ContextMask mask{};
    for (std::size_t i = 0; i < std::min(n, order.size()); ++i) {
      mask[order[i] >> 3] |= static_cast<std::uint8_t>(1 << (order[i] & 7));
    }
    auto [in_mask, outside] = GapStreams(mask, contexts, runs);
    BSI_ASSIGN_OR_RETURN(const std::size_t a, compressed_size(in_mask));
    BSI_ASSIGN_OR_RETURN(const std::size_t b, compressed_size(outside));
    if (n == 0 || a + b < best_size) {
      best_size = a + b;
      out.mask = mask;
      out.gaps_in_mask = std::move(in_mask);
      out.gaps_outside = std::move(outside);
    }
    if (n >= order.size() || n >= 128) break;
  }
  return out;
}

// ---------------------------------------------------------------------------
// DiffDecoder

Result<bool> NumberReader::Next(std::uint8_t& byte) {
  if (pos_ == size_) {
    if (done_ || stream_ == nullptr) return false;
    constexpr std::size_t kSize = std::size_t{16} * 1024;
    if (buffer_ == nullptr) buffer_ = std::make_unique_for_overwrite<std::uint8_t[]>(kSize);
    BSI_ASSIGN_OR_RETURN(size_, stream_->Read(std::span<std::uint8_t>(buffer_.get(), kSize)));
    pos_ = 0;
    done_ = size_ < kSize;  // short only at the end
    if (size_ == 0) return false;
  }
  byte = buffer_[pos_++];
  return true;
}

Result<bool> NumberReader::NextNumber(std::uint64_t& value) {
  std::uint8_t byte = 0;
  BSI_ASSIGN_OR_RETURN(const bool more, Next(byte));
  if (!more) return false;
  value = byte;
  if (byte < 255) return true;
  std::uint64_t rest = 0;
  for (int shift = 0;; shift += 7) {
    BSI_ASSIGN_OR_RETURN(const bool have, Next(byte));
    if (!have) return Malformed("number cut short");
    if (shift == 63 && byte > 1) return Malformed("number exceeds 64 bits");
    rest |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  if (rest > ~std::uint64_t{0} - 255) return Malformed("number exceeds 64 bits");
  value = 255 + rest;
  return true;
}

bool NumberReader::AtEnd() {
  std::uint8_t byte = 0;
  Result<bool> more = Next(byte);
  return more.ok() && !*more;
}

Result<std::uint64_t> CheckRunStreams(ZstdDecompressor* gaps_in_mask,
                                      ZstdDecompressor* gaps_outside, ZstdDecompressor* run_lengths,
                                      std::uint64_t total_add) {
  std::uint64_t runs = 0;
  std::uint64_t sum = 0;
  NumberReader lengths(run_lengths);
  for (std::uint64_t length = 0;;) {
    BSI_ASSIGN_OR_RETURN(const bool have, lengths.NextNumber(length));
    if (!have) break;
    if (length == 0 || length > total_add - sum) return Malformed("run length out of range");
    sum += length;
    ++runs;
  }
  std::uint64_t gaps = 0;
  for (ZstdDecompressor* stream : {gaps_in_mask, gaps_outside}) {
    NumberReader reader(stream);
    for (std::uint64_t gap = 0;;) {
      BSI_ASSIGN_OR_RETURN(const bool have, reader.NextNumber(gap));
      if (!have) break;
      ++gaps;
    }
  }
  if (gaps != runs) return Malformed("run starts and run lengths differ in number");
  return sum;
}

DiffDecoder::DiffDecoder(const ContextMask& mask, ZstdDecompressor* gaps_in_mask,
                         ZstdDecompressor* gaps_outside, ZstdDecompressor* run_lengths,
                         ZstdDecompressor* run_bytes, std::uint64_t total_add)
    : mask_(mask),
      gaps_{NumberReader(gaps_outside), NumberReader(gaps_in_mask)},  // indexed by ContextClass
      run_lengths_(run_lengths),
      run_bytes_(run_bytes),
      remaining_(total_add) {}

Status DiffDecoder::NextGap(int context_class) {
  BSI_ASSIGN_OR_RETURN(has_gap_[context_class],
                       gaps_[context_class].NextNumber(gap_[context_class]));
  // Without a next start, the count never reaches 0 (positions < 2^63).
  if (!has_gap_[context_class]) gap_[context_class] = ~std::uint64_t{0};
  return Ok();
}

Status DiffDecoder::Start() {
  BSI_TRY(NextGap(0));
  return NextGap(1);
}

void DiffDecoder::BeginAdd(std::uint8_t context) {
  context_ = context;
  carry_ = 0;
}

Status DiffDecoder::StartRun() {
  std::uint64_t length = 0;
  BSI_ASSIGN_OR_RETURN(const bool have, run_lengths_.NextNumber(length));
  if (!have) return Malformed("more runs than run lengths");
  if (length == 0 || length > remaining_) return Malformed("run length out of range");
  run_left_ = length;
  return Ok();
}

Status DiffDecoder::Decode(std::span<const std::uint8_t> old, std::span<std::uint8_t> out) {
  const std::size_t n = old.size();
  if (n > remaining_) return Malformed("more add bytes than declared");
  for (std::size_t i = 0; i < n;) {
    if (run_left_ == 0 && carry_ == 0) {
      // The common case: no run and no carry, so new bytes are old bytes
      // until the next run starts. Only the run-start counts move.
      std::size_t end = i;
      std::uint8_t context = context_;
      for (; end < n; ++end) {
        std::uint64_t& gap = gap_[ContextClass(mask_, context)];
        if (gap == 0) break;
        --gap;
        context = old[end];
      }
      std::copy(old.begin() + static_cast<std::ptrdiff_t>(i),
                old.begin() + static_cast<std::ptrdiff_t>(end),
                out.begin() + static_cast<std::ptrdiff_t>(i));
      remaining_ -= end - i;
      context_ = context;
      i = end;
      if (i == n) break;
    }
    // One position in a run, at a run start, or receiving a carry.
    std::uint8_t stored = 0;
    if (run_left_ == 0) {
      const int c = ContextClass(mask_, context_);
      if (gap_[c] > 0) {
        --gap_[c];
      } else {
        BSI_TRY(StartRun());
        BSI_TRY(NextGap(c));
      }
    }
    if (run_left_ > 0) {
      BSI_ASSIGN_OR_RETURN(const bool have, run_bytes_.Next(stored));
      if (!have) return Malformed("run bytes end early");
      if (stored == 0) return Malformed("zero byte inside a run");
      --run_left_;
    }
    const auto raw = static_cast<std::uint8_t>(stored + carry_);
    out[i] = static_cast<std::uint8_t>(old[i] + raw);
    carry_ = CarryOut(old[i], raw);
    context_ = old[i];
    --remaining_;
    ++i;
  }
  return Ok();
}

Status DiffDecoder::Finish() {
  if (remaining_ != 0 || run_left_ != 0) return Malformed("add regions end inside the diff");
  if (has_gap_[0] || has_gap_[1]) return Malformed("run starts past the end of the diff");
  if (!run_lengths_.AtEnd() || !run_bytes_.AtEnd()) return Malformed("unused runs");
  return Ok();
}

}  // namespace bsi::payload
