// Binary deltas: a patch that turns one exact old file into one exact new
// file, for shipping security fixes of large binaries (shared libraries) in
// a fraction of their size. The format is docs/formats/delta.md.
//
// CreateDelta tries up to three encodings and keeps the smallest:
//  - bsdiff-zstd: the bsdiff 4.3 algorithm (delta_bsdiff.h) with its
//    streams compressed by zstd instead of bzip2, the diff stream first
//    re-encoded so that zstd compresses it well (delta_diff_codec.h);
//  - zstd-prefix: zstd with the old file as prefix (`zstd --patch-from`);
//  - zstd-full:   the new file alone, zstd-compressed.
// Every patch names the SHA-256 and size of the old and the new file.
//
// ApplyDelta streams: it checks the old file's size and SHA-256 before it
// writes a byte, then decodes the patch straight into a sink while hashing
// what it writes, and fails if the result is not the new file the header
// names. Data from the patch is distrusted throughout: every length and
// control value is checked (a seek outside the old file, bytes beyond the
// declared new size, streams that decompress to more than declared, windows
// above the cap: kMalformed or kTooLarge), and the control stream and the
// diff's run structure are checked completely before any output.
//
// Memory (details and measurements in docs/formats/delta.md):
//  - CreateDelta holds old + new + the suffix array (4 bytes per old byte)
//    + the raw streams (new) + zstd tables: about 5 x old + 2 x new, plus
//    up to 100 MB of zstd tables (64 MiB old and new: 451 MiB measured;
//    bsdiff 4.3 needs 577 MiB, 9 x old).
//  - ApplyDelta for bsdiff-zstd and zstd-full holds fixed buffers and one
//    zstd window per stream: at most 6 x 2^max_window_log, and no more than
//    the streams' sizes (64 MiB file: 5.7 MiB resident measured); it never
//    holds the whole old file, patch or new file. zstd-prefix is the
//    exception: zstd needs the old file in memory as its dictionary, so it
//    holds the old file (capped by max_prefix_bytes) plus the new file's
//    window.
//
// Thread-safety: all functions are thread-safe (they share no state).
#ifndef BSI_PAYLOAD_DELTA_H_
#define BSI_PAYLOAD_DELTA_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/file_system.h"
#include "bsi/core/result.h"
#include "bsi/payload/delta_format.h"
#include "bsi/payload/zstd_stream.h"

namespace bsi::payload {

// zstd-prefix is used only for old files up to this size (it holds them in
// memory at apply time). Default for both sides: 128 MiB.
inline constexpr std::uint64_t kDefaultMaxPrefixBytes = std::uint64_t{128} << 20;

struct DeltaOptions {
  // The methods CreateDelta may choose from; it takes the smallest result.
  // Default: all three.
  std::vector<DeltaMethod> methods = {DeltaMethod::kBsdiffZstd, DeltaMethod::kZstdPrefix,
                                      DeltaMethod::kZstdFull};
  // zstd level for every stream. Default: 19.
  int level = 19;
  // No stream needs a window above 2^max_window_log at apply time. Must not
  // exceed the appliers' ApplyOptions::max_window_log. Default: 27.
  int max_window_log = kDefaultMaxWindowLog;
  // zstd-prefix only for old files up to this size. Must not exceed the
  // appliers' ApplyOptions::max_prefix_bytes.
  std::uint64_t max_prefix_bytes = kDefaultMaxPrefixBytes;
  // zstd-prefix and zstd-full are first compressed at a fast level (6 and
  // 1) and again at `level` only if that estimate is within 5/4 (prefix) or
  // 3/2 (full) of the smallest patch so far: on real files level 19 never
  // gains more than that, and this keeps creation about as fast as bsdiff.
  // Set to compress every allowed method at `level`. Default: false.
  bool exhaustive = false;
};

// Creates a patch from old_data to new_data. Errors: kInvalidArgument (no
// method given, bad level); kInternal (out of memory).
Result<std::string> CreateDelta(std::string_view old_data, std::string_view new_data,
                                const DeltaOptions& options = {});

struct ApplyOptions {
  // A header declaring a larger new file is refused (kTooLarge).
  // Default: 16 GiB.
  std::uint64_t max_new_size = std::uint64_t{16} << 30;
  // zstd frames needing a larger window are refused (kTooLarge).
  int max_window_log = kDefaultMaxWindowLog;
  // zstd-prefix patches for larger old files are refused (kTooLarge).
  std::uint64_t max_prefix_bytes = kDefaultMaxPrefixBytes;
};

// Reads and checks the header of a patch. Errors: as ParseDeltaHeader,
// kIo from the file.
Result<DeltaHeader> ReadDeltaHeader(const RandomAccessFile& patch);

// Applies patch to old_file, handing the new file's bytes to sink in order.
// Errors, all before sink is called: kLengthMismatch / kHashMismatch if
// old_file is not the patch's old file; kMalformed if the header, stream
// lengths, frame headers, control tuples or run counts are invalid or
// disagree; kUnsupported for another format version;
// kTooLarge beyond the options' caps. Errors after output began (sink then
// has a prefix of wrong or partial output, which the caller must discard):
// kMalformed or kTooLarge for corrupt streams; kHashMismatch if the result
// is not the declared new file; any error from sink or the files.
Status ApplyDelta(const RandomAccessFile& old_file, const RandomAccessFile& patch,
                  const ByteSink& sink, const ApplyOptions& options = {});

// A RandomAccessFile over bytes in memory (for tests, fuzzing, and patches
// already held). REQUIRES: data outlives the file.
class BufferFile final : public RandomAccessFile {
 public:
  explicit BufferFile(std::span<const std::uint8_t> data) : data_(data) {}
  explicit BufferFile(std::string_view data) : data_(AsBytes(data)) {}
  Result<std::size_t> ReadAt(std::uint64_t offset, std::span<std::uint8_t> buffer) const override;
  std::uint64_t size() const override { return data_.size(); }

 private:
  std::span<const std::uint8_t> data_;
};

// Applies a patch held in memory to an old file held in memory.
Result<std::string> ApplyDeltaToString(std::string_view old_data, std::string_view patch,
                                       const ApplyOptions& options = {});

// CreateDelta on two files, writing the patch with WriteFileAtomically.
// Reads both files whole (up to max_input_bytes each: kTooLarge beyond).
Status CreateDeltaFile(FileSystem& fs, const std::string& old_path, const std::string& new_path,
                       const std::string& patch_path, const DeltaOptions& options = {},
                       std::uint64_t max_input_bytes = std::uint64_t{4} << 30);

// ApplyDelta from files to out_path (created with mode): writes
// "<out_path>.tmp.<random>", syncs it, renames it over out_path and syncs
// the directory. On any error the temporary file is removed and out_path is
// untouched. out_path may be old_path (replaced only once the result is
// complete and verified).
Status ApplyDeltaFile(FileSystem& fs, const std::string& old_path, const std::string& patch_path,
                      const std::string& out_path, const ApplyOptions& options = {},
                      unsigned mode = 0644);

}  // namespace bsi::payload

#endif  // BSI_PAYLOAD_DELTA_H_
