#include "bsi/payload/delta_bsdiff.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>
#include <new>
#include <optional>

#include <divsufsort.h>
#include <divsufsort64.h>

#include "bsi/payload/delta_format.h"

namespace bsi::payload {
namespace {

// The length of the common prefix of a[0..a_size) and b[0..b_size).
std::int64_t MatchLength(const std::uint8_t* a, std::int64_t a_size, const std::uint8_t* b,
                         std::int64_t b_size) {
  const std::int64_t n = std::min(a_size, b_size);
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {  // a word at a time; the result is the same
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    if (x != y) return i + std::countr_zero(x ^ y) / 8;  // little-endian
  }
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

// bsdiff's search(): binary search of the suffix array sa[st..en] for the
// suffix of old sharing the longest prefix with new_data.
template <typename Index>
std::int64_t Search(const Index* sa, const std::uint8_t* old_data, std::int64_t old_size,
                    const std::uint8_t* new_data, std::int64_t new_size, std::int64_t st,
                    std::int64_t en, std::int64_t& pos) {
  while (en - st >= 2) {
    const std::int64_t x = st + (en - st) / 2;
    const std::int64_t at = sa[x];
    // memcmp(old + at, new, n) < 0, written out: sanitizers check memcmp's
    // whole range, which would make this loop quadratic.
    const std::int64_t n = std::min(old_size - at, new_size);
    const std::int64_t common = MatchLength(old_data + at, n, new_data, n);
    if (common < n && old_data[at + common] < new_data[common]) {
      st = x;
    } else {
      en = x;
    }
  }
  const std::int64_t x = MatchLength(old_data + sa[st], old_size - sa[st], new_data, new_size);
  const std::int64_t y = MatchLength(old_data + sa[en], old_size - sa[en], new_data, new_size);
  if (x > y) {
    pos = sa[st];
    return x;
  }
  pos = sa[en];
  return y;
}

// Collects tuples, folding one that moves no bytes into the previous seek.
class TupleWriter {
 public:
  explicit TupleWriter(std::string& out) : out_(out) {}
  void Add(const ControlTuple& tuple) {
    if (pending_.has_value() && tuple.add == 0 && tuple.copy == 0) {
      pending_->seek += tuple.seek;
      return;
    }
    Flush();
    pending_ = tuple;
  }
  void Flush() {
    if (pending_.has_value()) AppendControlTuple(out_, *pending_);
    pending_.reset();
  }
  // The last tuple's seek is never used; bsdiff leaves a stale value there.
  void Finish() {
    if (pending_.has_value()) pending_->seek = 0;
    Flush();
  }

 private:
  std::string& out_;
  std::optional<ControlTuple> pending_;
};

// bsdiff 4.3's main loop, with its variable names, over a suffix array of
// old (or none when old is empty).
template <typename Index>
void Scan(const Index* sa, const std::uint8_t* old_data, std::int64_t oldsize,
          const std::uint8_t* new_data, std::int64_t newsize, BsdiffStreams& out) {
  TupleWriter tuples(out.control);
  std::int64_t scan = 0, len = 0, pos = 0;
  std::int64_t lastscan = 0, lastpos = 0, lastoffset = 0;
  auto old_at = [&](std::int64_t i) { return i >= 0 && i < oldsize ? old_data[i] : -1; };
  while (scan < newsize) {
    std::int64_t oldscore = 0;
    std::int64_t scsc = scan += len;
    for (; scan < newsize; ++scan) {
      len = oldsize == 0 ? 0
                         : Search(sa, old_data, oldsize, new_data + scan, newsize - scan, 0,
                                  oldsize - 1, pos);
      for (; scsc < scan + len; ++scsc) {
        if (old_at(scsc + lastoffset) == new_data[scsc]) ++oldscore;
      }
      if ((len == oldscore && len != 0) || len > oldscore + 8) break;
      if (old_at(scan + lastoffset) == new_data[scan]) --oldscore;
    }
    if (len == oldscore && scan != newsize) continue;

    // Extend the previous match forwards while more than half agrees.
    std::int64_t s = 0, sf = 0, lenf = 0;
    for (std::int64_t i = 0; lastscan + i < scan && lastpos + i < oldsize;) {
      if (old_data[lastpos + i] == new_data[lastscan + i]) ++s;
      ++i;
      if (s * 2 - i > sf * 2 - lenf) {
        sf = s;
        lenf = i;
      }
    }
    // Extend the new match backwards likewise.
    std::int64_t lenb = 0;
    if (scan < newsize) {
      std::int64_t sb = 0;
      s = 0;
      for (std::int64_t i = 1; scan >= lastscan + i && pos >= i; ++i) {
        if (old_data[pos - i] == new_data[scan - i]) ++s;
        if (s * 2 - i > sb * 2 - lenb) {
          sb = s;
          lenb = i;
        }
      }
    }
    // Where the two extensions overlap, split at the best point.
    if (lastscan + lenf > scan - lenb) {
      const std::int64_t overlap = (lastscan + lenf) - (scan - lenb);
      std::int64_t ss = 0, lens = 0;
      s = 0;
      for (std::int64_t i = 0; i < overlap; ++i) {
        if (new_data[lastscan + lenf - overlap + i] == old_data[lastpos + lenf - overlap + i]) ++s;
        if (new_data[scan - lenb + i] == old_data[pos - lenb + i]) --s;
        if (s > ss) {
          ss = s;
          lens = i + 1;
        }
      }
      lenf += lens - overlap;
      lenb -= lens;
    }

    const std::size_t diff_start = out.diff.size();
    out.diff.resize(diff_start + static_cast<std::size_t>(lenf));
    for (std::int64_t i = 0; i < lenf; ++i) {
      out.diff[diff_start + static_cast<std::size_t>(i)] =
          static_cast<char>(new_data[lastscan + i] - old_data[lastpos + i]);
    }
    const std::int64_t extra_len = (scan - lenb) - (lastscan + lenf);
    out.extra.append(reinterpret_cast<const char*>(new_data + lastscan + lenf),
                     static_cast<std::size_t>(extra_len));
    tuples.Add(ControlTuple{static_cast<std::uint64_t>(lenf), static_cast<std::uint64_t>(extra_len),
                            (pos - lenb) - (lastpos + lenf)});

    lastscan = scan - lenb;
    lastpos = pos - lenb;
    lastoffset = pos - scan;
  }
  tuples.Finish();
}

template <typename Index>
Result<BsdiffStreams> SortAndScan(std::span<const std::uint8_t> old_data,
                                  std::span<const std::uint8_t> new_data) {
  const auto n = static_cast<std::int64_t>(old_data.size());
  std::unique_ptr<Index[]> sa;
  if (n > 0) {
    sa.reset(new (std::nothrow) Index[static_cast<std::size_t>(n)]);
    if (sa == nullptr) return Error(ErrorCode::kInternal, "out of memory for the suffix array");
    int ret = 0;
    if constexpr (sizeof(Index) == 4) {
      ret = divsufsort(old_data.data(), sa.get(), static_cast<saidx_t>(n));
    } else {
      ret = divsufsort64(old_data.data(), sa.get(), static_cast<saidx64_t>(n));
    }
    if (ret != 0) return Error(ErrorCode::kInternal, "suffix sorting failed");
  }
  BsdiffStreams out;
  out.diff.reserve(new_data.size());
  Scan<Index>(sa.get(), old_data.data(), n, new_data.data(),
              static_cast<std::int64_t>(new_data.size()), out);
  return out;
}

}  // namespace

Result<BsdiffStreams> ComputeBsdiff(std::span<const std::uint8_t> old_data,
                                    std::span<const std::uint8_t> new_data) {
  if (old_data.size() >= kBsdiff64BitThreshold) return SortAndScan<saidx64_t>(old_data, new_data);
  return SortAndScan<saidx_t>(old_data, new_data);
}

}  // namespace bsi::payload
