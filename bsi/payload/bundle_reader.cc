#include "bsi/payload/bundle_reader.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "bsi/crypto/hash.h"
#include "bsi/json/fields.h"
#include "bsi/payload/delta.h"

namespace bsi::payload {
namespace {

using json::Malformed;

constexpr std::size_t kNoRecord = std::numeric_limits<std::size_t>::max();

std::uint64_t LoadLittleEndian(const std::uint8_t* p, std::size_t n) {
  std::uint64_t value = 0;
  for (std::size_t i = n; i > 0; --i) value = (value << 8) | p[i - 1];
  return value;
}

// A window [offset, offset + length) of another file, as a file.
class SliceFile final : public RandomAccessFile {
 public:
  SliceFile(const RandomAccessFile& base, std::uint64_t offset, std::uint64_t length)
      : base_(base), offset_(offset), length_(length) {}

  Result<std::size_t> ReadAt(std::uint64_t offset, std::span<std::uint8_t> buffer) const override {
    if (offset >= length_) return std::size_t{0};
    const std::uint64_t want = std::min<std::uint64_t>(buffer.size(), length_ - offset);
    std::span<std::uint8_t> part = buffer.first(static_cast<std::size_t>(want));
    BSI_TRY(ReadExactly(base_, offset_ + offset, part, "bundle content"));
    return part.size();
  }

  std::uint64_t size() const override { return length_; }

 private:
  const RandomAccessFile& base_;
  const std::uint64_t offset_;
  const std::uint64_t length_;
};

}  // namespace

Status ReadExactly(const RandomAccessFile& file, std::uint64_t offset,
                   std::span<std::uint8_t> buffer, std::string_view what) {
  std::size_t done = 0;
  while (done < buffer.size()) {
    BSI_ASSIGN_OR_RETURN(std::size_t n, file.ReadAt(offset + done, buffer.subspan(done)));
    if (n == 0) return Malformed(std::string(what) + " is truncated");
    done += n;
  }
  return Ok();
}

Result<BundleReader> BundleReader::Open(FileSystem& fs, const std::string& path) {
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, fs.OpenRandomAccess(path));
  const std::uint64_t size = file->size();
  const std::string where = "bundle " + path;
  if (size < kBundleHeaderSize) {
    return Malformed(where + " is truncated: " + std::to_string(size) +
                     " bytes, shorter than its header");
  }
  std::array<std::uint8_t, kBundleHeaderSize> header{};
  BSI_TRY(ReadExactly(*file, 0, header, where + " header"));
  if (std::memcmp(header.data(), kBundleMagic.data(), kBundleMagic.size()) != 0) {
    return Malformed(where + " is not a bsi bundle (bad magic)");
  }
  const std::uint64_t format = LoadLittleEndian(header.data() + 8, 4);
  if (format != kBundleFormatVersion) {
    return Error(ErrorCode::kUnsupported, where + " has format version " + std::to_string(format) +
                                              "; this build reads version " +
                                              std::to_string(kBundleFormatVersion));
  }
  const std::uint64_t manifest_length = LoadLittleEndian(header.data() + 12, 4);
  if (manifest_length > kMaxManifestBytes) {
    return Error(ErrorCode::kTooLarge,
                 where + " has a manifest of " + std::to_string(manifest_length) +
                     " bytes; the limit is " + std::to_string(kMaxManifestBytes));
  }
  if (manifest_length > size - kBundleHeaderSize) {
    return Malformed(where + " is truncated inside its manifest");
  }
  std::string manifest_bytes(static_cast<std::size_t>(manifest_length), '\0');
  BSI_TRY(
      ReadExactly(*file, kBundleHeaderSize,
                  std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(manifest_bytes.data()),
                                          manifest_bytes.size()),
                  where + " manifest"));
  Result<Manifest> manifest = ParseManifest(manifest_bytes);
  if (!manifest.ok()) return manifest.error().WithContext(where);
  BundleReader reader(std::move(file), std::move(*manifest));
  Status indexed = reader.IndexRecords(kBundleHeaderSize + manifest_length);
  if (!indexed.ok()) return indexed.error().WithContext(where);
  return reader;
}

Status BundleReader::IndexRecords(std::uint64_t first_offset) {
  const std::uint64_t size = file_->size();
  // First where every record lies, from the manifest alone: a truncated
  // bundle or one with bytes after the last record is refused before any
  // record header is trusted.
  std::uint64_t offset = first_offset;
  record_of_entry_.assign(manifest_.entries.size(), kNoRecord);
  for (std::size_t i = 0; i < manifest_.entries.size(); ++i) {
    const ManifestEntry& entry = manifest_.entries[i];
    if (entry.type != NodeType::kFile) continue;
    if (entry.content_length > size || offset > size - entry.content_length ||
        size - entry.content_length - offset < kRecordHeaderSize) {
      return Malformed("is truncated: the content of " + entry.path.str() + " (" +
                       std::to_string(entry.content_length) + " bytes) does not fit in its " +
                       std::to_string(size) + " bytes");
    }
    record_of_entry_[i] = records_.size();
    records_.push_back(ContentRecord{.entry_index = i,
                                     .kind = entry.kind,
                                     .header_offset = offset,
                                     .data_offset = offset + kRecordHeaderSize,
                                     .length = entry.content_length});
    offset += kRecordHeaderSize + entry.content_length;
  }
  if (offset != size) {
    return Malformed("has " + std::to_string(size - offset) +
                     " bytes after its last content record");
  }
  // Then that every record header says what the manifest says.
  for (const ContentRecord& record : records_) {
    const ManifestEntry& entry = manifest_.entries[record.entry_index];
    std::array<std::uint8_t, kRecordHeaderSize> header{};
    BSI_TRY(ReadExactly(*file_, record.header_offset, header, "content record header"));
    const std::string where = "content record of " + entry.path.str();
    const std::uint8_t kind = header[0];
    if (kind < static_cast<std::uint8_t>(ContentKind::kFull) ||
        kind > static_cast<std::uint8_t>(ContentKind::kUnchanged)) {
      return Malformed(where + " has unknown content kind " + std::to_string(kind));
    }
    if (header[1] != 0 || header[2] != 0 || header[3] != 0) {
      return Malformed(where + " has non-zero reserved bytes");
    }
    if (kind != static_cast<std::uint8_t>(entry.kind)) {
      return Malformed(where + " is of kind " +
                       std::string(ContentKindName(static_cast<ContentKind>(kind))) +
                       " but the manifest says " + std::string(ContentKindName(entry.kind)));
    }
    const std::uint64_t index = LoadLittleEndian(header.data() + 4, 4);
    if (index != record.entry_index) {
      return Malformed(where + " names entry " + std::to_string(index) + ", expected " +
                       std::to_string(record.entry_index));
    }
    const std::uint64_t length = LoadLittleEndian(header.data() + 8, 8);
    if (length != record.length) {
      return Malformed(where + " holds " + std::to_string(length) +
                       " bytes but the manifest declares " + std::to_string(record.length));
    }
  }
  return Ok();
}

const ContentRecord* BundleReader::RecordFor(std::size_t entry_index) const {
  if (entry_index >= record_of_entry_.size() || record_of_entry_[entry_index] == kNoRecord) {
    return nullptr;
  }
  return &records_[record_of_entry_[entry_index]];
}

ByteSource BundleReader::DataSource(const ContentRecord& record) const {
  const RandomAccessFile* file = file_.get();
  std::uint64_t offset = record.data_offset;
  std::uint64_t remaining = record.length;
  return [file, offset, remaining](std::span<std::uint8_t> buffer) mutable -> Result<std::size_t> {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), remaining));
    BSI_TRY(ReadExactly(*file, offset, buffer.first(n), "bundle content"));
    offset += n;
    remaining -= n;
    return n;
  };
}

std::unique_ptr<RandomAccessFile> BundleReader::DataView(const ContentRecord& record) const {
  return std::make_unique<SliceFile>(*file_, record.data_offset, record.length);
}

Result<DeltaHeader> ReadCheckedDeltaHeader(const BundleReader& reader,
                                           const ContentRecord& record) {
  const ManifestEntry& entry = reader.manifest().entries[record.entry_index];
  const std::string where = "delta patch of " + entry.path.str();
  Result<DeltaHeader> header = ReadDeltaHeader(*reader.DataView(record));
  if (!header.ok()) return header.error().WithContext(where);
  if (header->old_size != entry.source_size ||
      crypto::HexEncode(header->old_sha256) != entry.source_sha256) {
    return Malformed(where + " is for another source file than the manifest names");
  }
  if (header->new_size != entry.size || crypto::HexEncode(header->new_sha256) != entry.sha256) {
    return Malformed(where + " makes another file than the manifest names");
  }
  return header;
}

Result<BundleInfo> ReadBundleInfo(FileSystem& fs, const std::string& path) {
  BSI_ASSIGN_OR_RETURN(BundleReader reader, BundleReader::Open(fs, path));
  BundleInfo info;
  info.bundle_size = reader.size();
  const Manifest& manifest = reader.manifest();
  info.entries.reserve(manifest.entries.size());
  for (const ManifestEntry& entry : manifest.entries) {
    BundleEntryInfo out;
    out.path = entry.path.str();
    out.type = entry.type;
    out.mode = entry.mode;
    out.size = entry.size;
    out.link_target = entry.link_target;
    if (entry.type == NodeType::kFile) {
      out.kind = entry.kind;
      out.content_length = entry.content_length;
    }
    if (entry.type == NodeType::kFile && entry.kind == ContentKind::kDelta) {
      const std::size_t index = static_cast<std::size_t>(&entry - manifest.entries.data());
      BSI_ASSIGN_OR_RETURN(DeltaHeader header,
                           ReadCheckedDeltaHeader(reader, *reader.RecordFor(index)));
      out.delta_method = header.method;
    }
    info.entries.push_back(std::move(out));
  }
  info.manifest = manifest;
  return info;
}

}  // namespace bsi::payload
