// BundleWriter: builds a component bundle (docs/formats/payload.md) from the
// tree of the target version and, for a delta bundle, the tree of the source
// version. For the vendor's release tooling (`bsi bundle create`).
//
// Both trees are scanned with ScanTree (tree_scan.h): the new tree strictly
// (anything a bundle cannot carry is a clear error), the old tree only for
// its regular files. For every regular file of the new tree the writer
// chooses:
//  - unchanged: the old tree has a regular file at the same path with the
//    same SHA-256 and mode (no data in the bundle);
//  - delta: a delta engine patch (delta.h) against the old file at the same
//    path, when it is smaller than the full blob (the engine picks its own
//    method by size);
//  - full: the file, zstd-compressed (new files, and when a delta does not
//    pay). A renamed file is a removal plus a new full file.
// The output is written to "<output>.tmp.<random>", checked by reading it
// back (BundleReader::Open), synced and renamed over output: a crash leaves
// either no bundle or the whole one. Content is spooled to a second
// temporary file next to the output, so memory holds one file (old and new)
// at a time, never the bundle.
//
// Thread-safety: a BundleWriter is used by one thread at a time.
#ifndef BSI_PAYLOAD_BUNDLE_WRITER_H_
#define BSI_PAYLOAD_BUNDLE_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "bsi/core/file_system.h"
#include "bsi/core/result.h"
#include "bsi/payload/bundle_reader.h"
#include "bsi/payload/delta.h"
#include "bsi/payload/manifest.h"

namespace bsi::payload {

struct BundleSpec {
  std::string component;
  // Both or neither: a delta bundle from the tree of source_version, or a
  // full bundle.
  std::optional<std::string> source_version;
  std::optional<std::string> old_tree;
  std::string target_version;
  std::string new_tree;
};

struct BundleWriterOptions {
  // zstd level of full blobs. Default: 19.
  int level = 19;
  // How deltas are made (methods, level, window caps); its caps must not
  // exceed the appliers' (BundleApplyOptions::delta).
  DeltaOptions delta;
  // Files are read whole; a larger one is refused (kTooLarge).
  // Default: 2 GiB, as BundleApplyOptions::max_file_bytes.
  std::uint64_t max_file_bytes = std::uint64_t{2} << 30;
};

class BundleWriter {
 public:
  // REQUIRES: fs outlives the writer.
  explicit BundleWriter(FileSystem& fs, BundleWriterOptions options = {})
      : fs_(fs), options_(std::move(options)) {}

  // Writes the bundle for spec to output_path (replacing it atomically) and
  // describes what it wrote. Errors: kInvalidArgument (spec inconsistent, a
  // tree entry a bundle cannot carry, see ScanPolicy::kRefuseUnsafe),
  // kUnsafePath (an unsafe name or symlink target in the new tree),
  // kMalformed (the manifest rules, e.g. a directory its owner cannot
  // read), kTooLarge, those of the file system. On error no temporary file
  // is left and output_path is unchanged — unless only the final directory
  // sync failed, when it may already hold the new bundle.
  Result<BundleInfo> Write(const BundleSpec& spec, const std::string& output_path);

 private:
  FileSystem& fs_;
  BundleWriterOptions options_;
};

// The container's fixed headers (docs/formats/payload.md), for the writer
// and for tests that build bundles by hand.
std::string EncodeBundleHeader(std::uint32_t format_version, std::uint32_t manifest_length);
std::string EncodeRecordHeader(ContentKind kind, std::uint32_t entry_index, std::uint64_t length);

}  // namespace bsi::payload

#endif  // BSI_PAYLOAD_BUNDLE_WRITER_H_
