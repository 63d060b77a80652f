// Reading component bundles (docs/formats/payload.md).
//
// A bundle is: a 16-byte header (magic, format version, manifest length),
// the manifest (manifest.h), then one content record per file entry of the
// manifest, in manifest order: a 16-byte record header (content kind,
// entry index, data length) and the data. Nothing follows the last record.
//
// BundleReader::Open() checks ALL of the structure before anything is
// produced from it: the header, the manifest (bounded by kMaxManifestBytes,
// parsed strictly and validated), that the bundle is exactly as long as the
// manifest says, and every record header. Afterwards the data of each record
// is read by offset, sequentially (DataSource) or at random (DataView), with
// at most one small buffer of the caller's in memory.
//
// The bundle as a whole is a TUF target: the updater has checked its length
// and hashes before it reaches this reader. The reader still treats it as
// hostile, and apply checks the SHA-256 of every file it produces.
//
// Thread-safety: a BundleReader is used by one thread at a time; the views
// and sources it hands out must not outlive it.
#ifndef BSI_PAYLOAD_BUNDLE_READER_H_
#define BSI_PAYLOAD_BUNDLE_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/file_system.h"
#include "bsi/core/result.h"
#include "bsi/payload/delta_format.h"
#include "bsi/payload/manifest.h"
#include "bsi/payload/zstd_stream.h"

namespace bsi::payload {

// The container format (docs/formats/payload.md).
inline constexpr std::string_view kBundleMagic = "BSIBUNDL";
inline constexpr std::uint32_t kBundleFormatVersion = 1;
inline constexpr std::size_t kBundleHeaderSize = 16;
inline constexpr std::size_t kRecordHeaderSize = 16;
inline constexpr std::uint64_t kMaxManifestBytes = std::uint64_t{16} << 20;

// Where one file's content lies in the bundle.
struct ContentRecord {
  std::size_t entry_index = 0;  // into Manifest::entries; a kFile entry
  ContentKind kind = ContentKind::kFull;
  std::uint64_t header_offset = 0;  // of the record header
  std::uint64_t data_offset = 0;    // of the data, right after the header
  std::uint64_t length = 0;         // of the data
};

class BundleReader {
 public:
  // Opens the bundle at path and checks its structure (see the file
  // comment). Errors: kMalformed (bad magic, truncated, trailing bytes, a
  // record header that disagrees with the manifest), kUnsupported (unknown
  // format version), kTooLarge (manifest over kMaxManifestBytes), those of
  // ParseManifest, kIo / kFileNotFound.
  static Result<BundleReader> Open(FileSystem& fs, const std::string& path);

  BundleReader(BundleReader&&) noexcept = default;
  BundleReader& operator=(BundleReader&&) noexcept = default;

  const Manifest& manifest() const { return manifest_; }
  std::uint64_t size() const { return file_->size(); }

  // One record per kFile entry, in manifest order.
  const std::vector<ContentRecord>& records() const { return records_; }

  // The record of manifest entry i, or nullptr if it is not a file.
  const ContentRecord* RecordFor(std::size_t entry_index) const;

  // Reads a record's data from its start; 0 at its end. A bundle that
  // shrank since Open reads as kMalformed.
  ByteSource DataSource(const ContentRecord& record) const;

  // A record's data as a file of its own (for a delta patch).
  std::unique_ptr<RandomAccessFile> DataView(const ContentRecord& record) const;

 private:
  BundleReader(std::unique_ptr<RandomAccessFile> file, Manifest manifest)
      : file_(std::move(file)), manifest_(std::move(manifest)) {}

  Status IndexRecords(std::uint64_t first_offset);

  std::unique_ptr<RandomAccessFile> file_;
  Manifest manifest_;
  std::vector<ContentRecord> records_;
  std::vector<std::size_t> record_of_entry_;  // index into records_, or SIZE_MAX
};

// Reads the header of a kDelta record's patch and checks that it names the
// entry's source and target: sizes and SHA-256. Errors: kMalformed (also
// when they disagree), kUnsupported, kIo.
Result<DeltaHeader> ReadCheckedDeltaHeader(const BundleReader& reader, const ContentRecord& record);

// Reads exactly buffer.size() bytes at offset. Errors: kMalformed ("what is
// truncated") if the file ends first; those of ReadAt.
Status ReadExactly(const RandomAccessFile& file, std::uint64_t offset,
                   std::span<std::uint8_t> buffer, std::string_view what);

// What `bsi bundle inspect` shows.
struct BundleEntryInfo {
  std::string path;
  NodeType type = NodeType::kFile;
  unsigned mode = 0;
  std::uint64_t size = 0;           // kFile: the file's size
  std::string link_target;          // kSymlink
  std::optional<ContentKind> kind;  // kFile only
  std::uint64_t content_length = 0;
  std::optional<DeltaMethod> delta_method;  // kDelta only, from the patch's header
};

struct BundleInfo {
  Manifest manifest;
  std::uint64_t bundle_size = 0;
  std::vector<BundleEntryInfo> entries;  // in manifest order
};

// Opens and checks a bundle (BundleReader::Open) and describes it. Reads the
// header, the manifest, the record headers and the header of each delta
// patch (which must agree with the manifest), no other content data.
Result<BundleInfo> ReadBundleInfo(FileSystem& fs, const std::string& path);

}  // namespace bsi::payload

#endif  // BSI_PAYLOAD_BUNDLE_READER_H_
