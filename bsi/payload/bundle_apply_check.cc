#include "bsi/payload/bundle_apply_check.h"

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "bsi/crypto/hash.h"
#include "bsi/json/fields.h"
#include "bsi/payload/zstd_stream.h"

namespace bsi::payload {
namespace {

constexpr std::size_t kHashBufferSize = std::size_t{64} * 1024;

Error Mismatch(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

Status CheckExpected(std::string_view what, const std::optional<std::string>& expected,
                     const std::string& actual) {
  if (expected && *expected != actual) {
    return Mismatch("the bundle's " + std::string(what) + " is " + QuoteForMessage(actual) +
                    ", expected " + QuoteForMessage(*expected));
  }
  return Ok();
}

Error OverCap(const std::string& what, std::uint64_t value, std::uint64_t cap) {
  return Error(ErrorCode::kTooLarge,
               what + " " + std::to_string(value) + " is over the cap of " + std::to_string(cap));
}

// A full record's zstd frame header against the declared size.
Status CheckFrameHeader(const BundleReader& reader, const ContentRecord& record,
                        const ManifestEntry& entry, int max_window_log) {
  std::array<std::uint8_t, kZstdMaxFrameHeaderSize> bytes{};
  const std::size_t n =
      static_cast<std::size_t>(std::min<std::uint64_t>(record.length, kZstdMaxFrameHeaderSize));
  BSI_TRY(ReadExactly(*reader.DataView(record), 0, std::span(bytes.data(), n), "zstd frame"));
  const std::string where = "full content of " + entry.path.str();
  Result<ZstdFrameInfo> frame = ReadZstdFrameInfo(std::span<const std::uint8_t>(bytes.data(), n));
  if (!frame.ok()) return frame.error().WithContext(where);
  if (frame->content_size && *frame->content_size > entry.size) {
    return Error(ErrorCode::kTooLarge, where + " declares " + std::to_string(*frame->content_size) +
                                           " bytes, more than the manifest's " +
                                           std::to_string(entry.size));
  }
  if (frame->content_size && *frame->content_size < entry.size) {
    return Error(ErrorCode::kLengthMismatch,
                 where + " declares " + std::to_string(*frame->content_size) +
                     " bytes, fewer than the manifest's " + std::to_string(entry.size));
  }
  if (frame->window_size > (std::uint64_t{1} << max_window_log)) {
    return Error(ErrorCode::kTooLarge,
                 where + " needs a zstd window of " + std::to_string(frame->window_size) +
                     " bytes, over the cap of 2^" + std::to_string(max_window_log));
  }
  return Ok();
}

}  // namespace

Status CheckRequestAndCaps(const Manifest& manifest, const ApplyRequest& request,
                           const BundleApplyOptions& options) {
  BSI_TRY(CheckExpected("component", request.expected_component, manifest.component));
  BSI_TRY(
      CheckExpected("target version", request.expected_target_version, manifest.target_version));
  if (!manifest.is_full()) {
    BSI_TRY(
        CheckExpected("source version", request.expected_source_version, *manifest.source_version));
    if (!request.source_dir) {
      return Mismatch("the bundle is a delta from " + *manifest.source_version +
                      " and needs a source tree");
    }
  }
  if (manifest.entries.size() > options.max_files) {
    return OverCap("the bundle's entry count", manifest.entries.size(), options.max_files);
  }
  for (const ManifestEntry& entry : manifest.entries) {
    if (entry.type == NodeType::kFile && entry.size > options.max_file_bytes) {
      return OverCap("the size of " + entry.path.str(), entry.size, options.max_file_bytes);
    }
  }
  BSI_ASSIGN_OR_RETURN(std::uint64_t total, TotalFileBytes(manifest));
  if (total > options.max_total_bytes) {
    return OverCap("the bundle's total file size", total, options.max_total_bytes);
  }
  return Ok();
}

Status CheckContentHeaders(const BundleReader& reader, const BundleApplyOptions& options) {
  for (const ContentRecord& record : reader.records()) {
    const ManifestEntry& entry = reader.manifest().entries[record.entry_index];
    switch (record.kind) {
      case ContentKind::kFull:
        BSI_TRY(CheckFrameHeader(reader, record, entry, options.delta.max_window_log));
        break;
      case ContentKind::kDelta: {
        Result<DeltaHeader> header = ReadCheckedDeltaHeader(reader, record);
        if (!header.ok()) return header.error();
        break;
      }
      case ContentKind::kUnchanged:
        break;
    }
  }
  return Ok();
}

Status CheckSourceTree(FileSystem& fs, const Manifest& manifest, const std::string& source_dir) {
  for (const ManifestEntry& entry : manifest.entries) {
    if (entry.type != NodeType::kFile || entry.kind == ContentKind::kFull) continue;
    const bool delta = entry.kind == ContentKind::kDelta;
    const std::uint64_t size = delta ? entry.source_size : entry.size;
    const std::string& sha256 = delta ? entry.source_sha256 : entry.sha256;
    const std::string path = JoinPath(source_dir, entry.path.str());
    const std::string where = "source tree does not match the bundle: " + entry.path.str();
    Result<FileInfo> info = fs.GetInfo(path);
    if (!info.ok()) return info.error().WithContext(where);
    if (info->type != FileType::kRegular) {
      return Error(ErrorCode::kHashMismatch, where + " is not a regular file");
    }
    if (info->size != size) {
      return Error(ErrorCode::kLengthMismatch, where + " has " + std::to_string(info->size) +
                                                   " bytes, the bundle needs " +
                                                   std::to_string(size));
    }
    BSI_ASSIGN_OR_RETURN(std::string actual, Sha256OfFile(fs, path));
    if (!crypto::ConstantTimeEqual(actual, sha256)) {
      return Error(ErrorCode::kHashMismatch,
                   where + " has SHA-256 " + actual + ", the bundle needs " + sha256);
    }
  }
  return Ok();
}

Result<std::string> Sha256OfFile(FileSystem& fs, const std::string& path) {
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file, fs.OpenSequential(path));
  BSI_ASSIGN_OR_RETURN(crypto::Hasher hasher,
                       crypto::Hasher::Create(crypto::HashAlgorithm::kSha256));
  std::vector<std::uint8_t> buffer(kHashBufferSize);
  while (true) {
    BSI_ASSIGN_OR_RETURN(std::size_t n, file->Read(buffer));
    if (n == 0) break;
    hasher.Update(std::span<const std::uint8_t>(buffer.data(), n));
  }
  return hasher.FinishHex();
}

}  // namespace bsi::payload
