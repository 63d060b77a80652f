// CreateDeltaFile and ApplyDeltaFile: the delta functions over a FileSystem,
// writing their result so that a crash leaves the old content or the new,
// never a partial file.
#include <memory>
#include <random>
#include <utility>

#include "bsi/payload/delta.h"

namespace bsi::payload {
namespace {

// Writes the result to tmp: applies, syncs and closes. Does not clean up.
Status ApplyToTemporary(FileSystem& fs, const std::string& old_path, const std::string& patch_path,
                        const std::string& tmp, const ApplyOptions& options, unsigned mode) {
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> old_file, fs.OpenRandomAccess(old_path));
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> patch, fs.OpenRandomAccess(patch_path));
  // Checked before the temporary file exists, so that a wrong old file or a
  // malformed header leaves no trace at all.
  BSI_ASSIGN_OR_RETURN(const DeltaHeader header, ReadDeltaHeader(*patch));
  if (old_file->size() != header.old_size) {
    return Error(ErrorCode::kLengthMismatch,
                 "old file " + old_path + " has " + std::to_string(old_file->size()) +
                     " bytes, the patch needs " + std::to_string(header.old_size));
  }
  BSI_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> out, fs.OpenWritable(tmp, mode));
  const ByteSink sink = [&out](std::span<const std::uint8_t> data) { return out->Append(data); };
  BSI_TRY(ApplyDelta(*old_file, *patch, sink, options));
  BSI_TRY(out->Sync());
  return out->Close();
}

}  // namespace

Status CreateDeltaFile(FileSystem& fs, const std::string& old_path, const std::string& new_path,
                       const std::string& patch_path, const DeltaOptions& options,
                       std::uint64_t max_input_bytes) {
  BSI_ASSIGN_OR_RETURN(const std::string old_data, fs.ReadFile(old_path, max_input_bytes));
  BSI_ASSIGN_OR_RETURN(const std::string new_data, fs.ReadFile(new_path, max_input_bytes));
  BSI_ASSIGN_OR_RETURN(const std::string patch, CreateDelta(old_data, new_data, options));
  return WriteFileAtomically(fs, patch_path, patch);
}

Status ApplyDeltaFile(FileSystem& fs, const std::string& old_path, const std::string& patch_path,
                      const std::string& out_path, const ApplyOptions& options, unsigned mode) {
  const std::string tmp = out_path + ".tmp." + UniqueTempSuffix();
  Status applied = ApplyToTemporary(fs, old_path, patch_path, tmp, options, mode);
  if (applied.ok()) applied = fs.Rename(tmp, out_path);
  if (!applied.ok()) {
    // Best effort: the file may not exist, or the file system may be failing.
    (void)fs.RemoveFile(tmp);
    return applied.error().WithContext("applying " + patch_path + " to " + old_path);
  }
  Status synced = fs.SyncDir(ParentDir(out_path));
  if (!synced.ok()) return synced.error().WithContext("writing " + out_path);
  return Ok();
}

}  // namespace bsi::payload
