#include "bsi/payload/bundle_apply.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bsi/crypto/hash.h"
#include "bsi/payload/bundle_apply_check.h"
#include "bsi/payload/bundle_reader.h"
#include "bsi/payload/zstd_stream.h"

namespace bsi::payload {
namespace {

constexpr std::size_t kBufferSize = std::size_t{64} * 1024;

// Directories are created owner-only and get their final mode once full.
constexpr unsigned kWorkingDirMode = 0700;
constexpr unsigned kWorkingFileMode = 0600;
constexpr unsigned kStagingRootMode = 0755;

// One file being written: counts and hashes what goes in, and refuses a
// single byte past the declared size (the zip-bomb guard for every kind of
// content, on top of the zstd wrapper's own cap).
class StagedFile {
 public:
  StagedFile(const ManifestEntry& entry, std::unique_ptr<WritableFile> file, crypto::Hasher hasher)
      : entry_(entry), file_(std::move(file)), hasher_(std::move(hasher)) {}

  Status Write(std::span<const std::uint8_t> data) {
    if (data.size() > entry_.size - written_) {
      return Error(ErrorCode::kTooLarge, entry_.path.str() + " grows past its declared " +
                                             std::to_string(entry_.size) + " bytes");
    }
    written_ += data.size();
    hasher_.Update(data);
    return file_->Append(data);
  }

  // Checks size and hash, sets the mode, syncs and closes.
  Status Finish(FileSystem& fs, const std::string& path) {
    if (written_ != entry_.size) {
      return Error(ErrorCode::kLengthMismatch,
                   entry_.path.str() + " has " + std::to_string(written_) +
                       " bytes, the manifest declares " + std::to_string(entry_.size));
    }
    const std::string actual = hasher_.FinishHex();
    if (!crypto::ConstantTimeEqual(actual, entry_.sha256)) {
      return Error(ErrorCode::kHashMismatch, entry_.path.str() + " has SHA-256 " + actual +
                                                 ", the manifest declares " + entry_.sha256);
    }
    BSI_TRY(fs.SetMode(path, entry_.mode));
    BSI_TRY(file_->Sync());
    return file_->Close();
  }

 private:
  const ManifestEntry& entry_;
  std::unique_ptr<WritableFile> file_;
  crypto::Hasher hasher_;
  std::uint64_t written_ = 0;
};

// Builds the target tree in the staging directory (steps 4 and 5 of
// bundle_apply.h).
class Stager {
 public:
  Stager(FileSystem& fs, const BundleReader& reader, const ApplyRequest& request,
         const BundleApplyOptions& options)
      : fs_(fs), reader_(reader), request_(request), options_(options) {}

  Status Build() {
    BSI_TRY(fs_.CreateDir(request_.staging_dir, kWorkingDirMode));
    created_ = true;
    const Manifest& manifest = reader_.manifest();
    for (std::size_t i = 0; i < manifest.entries.size(); ++i) {
      const ManifestEntry& entry = manifest.entries[i];
      const std::string path = StagedPath(entry);
      switch (entry.type) {
        case NodeType::kDirectory:
          BSI_TRY(fs_.CreateDir(path, kWorkingDirMode));
          break;
        case NodeType::kSymlink:
          BSI_TRY(fs_.CreateSymlink(entry.link_target, path));
          break;
        case NodeType::kFile: {
          Status written = WriteFile(entry, *reader_.RecordFor(i), path);
          if (!written.ok()) return written.error().WithContext(entry.path.str());
          break;
        }
      }
    }
    // Deepest first, so that a read-only directory is finished only after
    // everything inside it.
    for (auto it = manifest.entries.rbegin(); it != manifest.entries.rend(); ++it) {
      if (it->type != NodeType::kDirectory) continue;
      const std::string path = StagedPath(*it);
      BSI_TRY(fs_.SetMode(path, it->mode));
      BSI_TRY(fs_.SyncDir(path));
    }
    BSI_TRY(fs_.SetMode(request_.staging_dir, kStagingRootMode));
    BSI_TRY(fs_.SyncDir(request_.staging_dir));
    return fs_.SyncDir(ParentDir(request_.staging_dir));
  }

  // Removes whatever Build created.
  Status RemoveAll() {
    if (!created_) return Ok();
    return RemoveTree(fs_, request_.staging_dir);
  }

 private:
  std::string StagedPath(const ManifestEntry& entry) const {
    return JoinPath(request_.staging_dir, entry.path.str());
  }

  std::string SourcePath(const ManifestEntry& entry) const {
    return JoinPath(*request_.source_dir, entry.path.str());
  }

  Status WriteFile(const ManifestEntry& entry, const ContentRecord& record,
                   const std::string& path) {
    BSI_ASSIGN_OR_RETURN(crypto::Hasher hasher,
                         crypto::Hasher::Create(crypto::HashAlgorithm::kSha256));
    BSI_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                         fs_.OpenWritable(path, kWorkingFileMode));
    StagedFile staged(entry, std::move(file), std::move(hasher));
    const ByteSink sink = [&staged](std::span<const std::uint8_t> data) {
      return staged.Write(data);
    };
    switch (entry.kind) {
      case ContentKind::kFull:
        BSI_TRY(Decompress(entry, record, sink));
        break;
      case ContentKind::kDelta: {
        BSI_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> old_file,
                             fs_.OpenRandomAccess(SourcePath(entry)));
        BSI_TRY(ApplyDelta(*old_file, *reader_.DataView(record), sink, options_.delta));
        break;
      }
      case ContentKind::kUnchanged: {
        BSI_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> source,
                             fs_.OpenSequential(SourcePath(entry)));
        BSI_TRY(
            Copy([&source](std::span<std::uint8_t> buffer) { return source->Read(buffer); }, sink));
        break;
      }
    }
    return staged.Finish(fs_, path);
  }

  Status Decompress(const ManifestEntry& entry, const ContentRecord& record, const ByteSink& sink) {
    ZstdDecompressOptions zstd;
    zstd.max_output_bytes = entry.size;
    zstd.max_window_log = options_.delta.max_window_log;
    zstd.frames = ZstdFrames::kExactlyOne;
    BSI_ASSIGN_OR_RETURN(std::unique_ptr<ZstdDecompressor> decompressor,
                         ZstdDecompressor::Create(zstd, reader_.DataSource(record)));
    return Copy(
        [&decompressor](std::span<std::uint8_t> buffer) { return decompressor->Read(buffer); },
        sink);
  }

  Status Copy(const ByteSource& source, const ByteSink& sink) {
    while (true) {
      BSI_ASSIGN_OR_RETURN(std::size_t n, source(buffer_));
      if (n == 0) return Ok();
      BSI_TRY(sink(std::span<const std::uint8_t>(buffer_.data(), n)));
    }
  }

  FileSystem& fs_;
  const BundleReader& reader_;
  const ApplyRequest& request_;
  const BundleApplyOptions& options_;
  std::vector<std::uint8_t> buffer_ = std::vector<std::uint8_t>(kBufferSize);
  bool created_ = false;
};

// Steps 1 to 3: everything that can be checked before writing.
Status CheckAll(FileSystem& fs, const BundleReader& reader, const ApplyRequest& request,
                const BundleApplyOptions& options) {
  const Manifest& manifest = reader.manifest();
  BSI_TRY(CheckRequestAndCaps(manifest, request, options));
  BSI_TRY(CheckContentHeaders(reader, options));
  if (!manifest.is_full()) BSI_TRY(CheckSourceTree(fs, manifest, *request.source_dir));
  Result<FileInfo> existing = fs.GetInfo(request.staging_dir);
  if (existing.ok()) {
    return Error(ErrorCode::kInvalidArgument,
                 "staging directory " + request.staging_dir + " already exists");
  }
  if (existing.error().code() != ErrorCode::kFileNotFound) return existing.error();
  return Ok();
}

}  // namespace

Result<Manifest> ApplyBundle(FileSystem& fs, const ApplyRequest& request,
                             const BundleApplyOptions& options) {
  const std::string context = "applying bundle " + request.bundle_path;
  Result<BundleReader> reader = BundleReader::Open(fs, request.bundle_path);
  if (!reader.ok()) return reader.error().WithContext(context);
  Status checked = CheckAll(fs, *reader, request, options);
  if (!checked.ok()) return checked.error().WithContext(context);

  Stager stager(fs, *reader, request, options);
  Status built = stager.Build();
  if (!built.ok()) {
    Error error = built.error().WithContext(context);
    Status removed = stager.RemoveAll();
    if (!removed.ok()) {
      return Error(error.code(), error.message() + " (and removing " + request.staging_dir +
                                     " failed: " + removed.error().message() + ")");
    }
    return error;
  }
  return reader->manifest();
}

}  // namespace bsi::payload
