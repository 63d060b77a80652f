#include "bsi/payload/bundle_writer.h"

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bsi/crypto/hash.h"
#include "bsi/crypto/random.h"
#include "bsi/payload/tree_scan.h"
#include "bsi/payload/zstd_stream.h"

namespace bsi::payload {
namespace {

constexpr std::size_t kCopyBufferSize = std::size_t{64} * 1024;

void AppendLittleEndian(std::string& out, std::uint64_t value, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i) {
    out += static_cast<char>(value & 0xff);
    value >>= 8;
  }
}

// One file's chosen content: its kind and the record data.
struct Content {
  ContentKind kind = ContentKind::kFull;
  std::string data;
};

// Builds the manifest and the content records (spooled to a file) of one
// bundle. Does not clean up; Write does.
class Builder {
 public:
  Builder(FileSystem& fs, const BundleWriterOptions& options, const BundleSpec& spec)
      : fs_(fs), options_(options), spec_(spec) {}

  // Scans both trees, chooses each file's content and spools the records.
  Status Build(const std::string& spool_path) {
    manifest_.component = spec_.component;
    manifest_.source_version = spec_.source_version;
    manifest_.target_version = spec_.target_version;
    BSI_ASSIGN_OR_RETURN(std::vector<TreeEntry> new_entries,
                         ScanTree(fs_, spec_.new_tree, ScanPolicy::kRefuseUnsafe));
    std::vector<TreeEntry> old_entries;
    if (spec_.old_tree) {
      BSI_ASSIGN_OR_RETURN(old_entries, ScanTree(fs_, *spec_.old_tree, ScanPolicy::kSkipUnsafe));
    }
    std::map<std::string, const TreeEntry*> old_files;
    for (const TreeEntry& entry : old_entries) {
      if (entry.type == NodeType::kFile) old_files.emplace(entry.path.str(), &entry);
    }
    BSI_ASSIGN_OR_RETURN(spool_, fs_.OpenWritable(spool_path, 0600));
    for (TreeEntry& scanned : new_entries) {
      ManifestEntry entry(scanned.path);
      entry.type = scanned.type;
      entry.mode = scanned.type == NodeType::kSymlink ? 0 : scanned.mode;
      entry.link_target = std::move(scanned.link_target);
      if (entry.type == NodeType::kFile) {
        auto old = old_files.find(entry.path.str());
        BSI_TRY(AddFile(old == old_files.end() ? nullptr : old->second, entry));
      }
      manifest_.entries.push_back(std::move(entry));
    }
    BSI_TRY(spool_->Sync());
    return spool_->Close();
  }

  const Manifest& manifest() const { return manifest_; }

 private:
  Status AddFile(const TreeEntry* old, ManifestEntry& entry) {
    const std::string& path = entry.path.str();
    BSI_ASSIGN_OR_RETURN(const std::string data,
                         fs_.ReadFile(JoinPath(spec_.new_tree, path), options_.max_file_bytes));
    entry.size = data.size();
    entry.sha256 = crypto::Sha256Hex(data);
    Content content;
    if (old != nullptr) {
      BSI_ASSIGN_OR_RETURN(content, ChooseAgainstOld(*old, entry, data));
    } else {
      BSI_ASSIGN_OR_RETURN(content.data, Full(data));
    }
    entry.kind = content.kind;
    entry.content_length = content.kind == ContentKind::kUnchanged ? 0 : content.data.size();
    if (manifest_.entries.size() > UINT32_MAX) {
      return Error(ErrorCode::kTooLarge, "a bundle holds at most 2^32 entries");
    }
    BSI_TRY(spool_->Append(EncodeRecordHeader(
        entry.kind, static_cast<std::uint32_t>(manifest_.entries.size()), entry.content_length)));
    if (!content.data.empty()) BSI_TRY(spool_->Append(content.data));
    return Ok();
  }

  Result<Content> ChooseAgainstOld(const TreeEntry& old, ManifestEntry& entry,
                                   const std::string& data) {
    BSI_ASSIGN_OR_RETURN(
        const std::string old_data,
        fs_.ReadFile(JoinPath(*spec_.old_tree, old.path.str()), options_.max_file_bytes));
    const std::string old_sha256 = crypto::Sha256Hex(old_data);
    Content content;
    if (old_sha256 == entry.sha256 && old.mode == entry.mode) {
      content.kind = ContentKind::kUnchanged;
      return content;
    }
    BSI_ASSIGN_OR_RETURN(content.data, Full(data));
    // The full blob stands for the engine's zstd-full method: only ask it
    // for the methods that use the old file.
    DeltaOptions delta_options = options_.delta;
    std::erase(delta_options.methods, DeltaMethod::kZstdFull);
    if (delta_options.methods.empty()) return content;
    BSI_ASSIGN_OR_RETURN(std::string patch, CreateDelta(old_data, data, delta_options));
    if (patch.size() < content.data.size()) {
      content.kind = ContentKind::kDelta;
      content.data = std::move(patch);
      entry.source_size = old_data.size();
      entry.source_sha256 = old_sha256;
    }
    return content;
  }

  Result<std::string> Full(const std::string& data) const {
    ZstdCompressOptions zstd;
    zstd.level = options_.level;
    zstd.pledged_size = data.size();
    return ZstdCompress(AsBytes(data), zstd);
  }

  FileSystem& fs_;
  const BundleWriterOptions& options_;
  const BundleSpec& spec_;
  Manifest manifest_;
  std::unique_ptr<WritableFile> spool_;
};

// Writes header, manifest and the spooled records to tmp, and syncs it.
Status WriteBundleFile(FileSystem& fs, const std::string& tmp, const std::string& manifest_bytes,
                       const std::string& spool_path) {
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> out, fs.OpenWritable(tmp, 0644));
  BSI_TRY(out->Append(
      EncodeBundleHeader(kBundleFormatVersion, static_cast<std::uint32_t>(manifest_bytes.size()))));
  BSI_TRY(out->Append(manifest_bytes));
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> spool, fs.OpenSequential(spool_path));
  std::vector<std::uint8_t> buffer(kCopyBufferSize);
  while (true) {
    BSI_ASSIGN_OR_RETURN(std::size_t n, spool->Read(buffer));
    if (n == 0) break;
    BSI_TRY(out->Append(std::span<const std::uint8_t>(buffer.data(), n)));
  }
  BSI_TRY(out->Sync());
  return out->Close();
}

Result<BundleInfo> WriteFiles(FileSystem& fs, const BundleWriterOptions& options,
                              const BundleSpec& spec, const std::string& output_path,
                              const std::string& tmp, const std::string& spool_path) {
  Builder builder(fs, options, spec);
  BSI_TRY(builder.Build(spool_path));
  BSI_ASSIGN_OR_RETURN(const std::string manifest_bytes, SerializeManifest(builder.manifest()));
  if (manifest_bytes.size() > kMaxManifestBytes) {
    return Error(ErrorCode::kTooLarge,
                 "the manifest takes " + std::to_string(manifest_bytes.size()) +
                     " bytes; a bundle allows " + std::to_string(kMaxManifestBytes));
  }
  BSI_TRY(WriteBundleFile(fs, tmp, manifest_bytes, spool_path));
  BSI_TRY(fs.RemoveFile(spool_path));
  // What a device will do first, done here too: a writer bug shows up at
  // the vendor, not in the fleet.
  BSI_ASSIGN_OR_RETURN(BundleInfo info, ReadBundleInfo(fs, tmp));
  BSI_TRY(fs.Rename(tmp, output_path));
  BSI_TRY(fs.SyncDir(ParentDir(output_path)));
  return info;
}

}  // namespace

std::string EncodeBundleHeader(std::uint32_t format_version, std::uint32_t manifest_length) {
  std::string out(kBundleMagic);
  AppendLittleEndian(out, format_version, 4);
  AppendLittleEndian(out, manifest_length, 4);
  return out;
}

std::string EncodeRecordHeader(ContentKind kind, std::uint32_t entry_index, std::uint64_t length) {
  std::string out;
  out += static_cast<char>(kind);
  out.append(3, '\0');
  AppendLittleEndian(out, entry_index, 4);
  AppendLittleEndian(out, length, 8);
  return out;
}

Result<BundleInfo> BundleWriter::Write(const BundleSpec& spec, const std::string& output_path) {
  if (spec.source_version.has_value() != spec.old_tree.has_value()) {
    return Error(ErrorCode::kInvalidArgument,
                 "a bundle spec names both a source version and an old tree, or neither");
  }
  BSI_ASSIGN_OR_RETURN(const std::string suffix, crypto::RandomHex(8));
  const std::string tmp = output_path + ".tmp." + suffix;
  const std::string spool = output_path + ".records.tmp." + suffix;
  Result<BundleInfo> info = WriteFiles(fs_, options_, spec, output_path, tmp, spool);
  if (!info.ok()) {
    // Best effort: either may not exist, or the file system may be failing.
    (void)fs_.RemoveFile(spool);
    (void)fs_.RemoveFile(tmp);
    return info.error().WithContext("writing bundle " + output_path);
  }
  return info;
}

}  // namespace bsi::payload
