// ApplyBundle: turns a component bundle (docs/formats/payload.md) into the
// target tree it describes, in a fresh staging directory. The component
// store then activates that directory (not this module's job).
//
// Apply never trusts the bundle beyond what it checked, and checks all it can
// before it writes anything:
//  1. Open and check the whole structure (BundleReader::Open): header,
//     manifest (bounded, strict, canonical, validated: safe paths, parents
//     are directories, symlinks stay inside, no setuid/setgid/sticky), the
//     exact bundle length, every record header.
//  2. Check the caller's expectations (component, versions) and the caps of
//     BundleApplyOptions: entry count, each file's size, the total size;
//     then every zstd frame header and delta patch header against the sizes
//     and hashes the manifest declares.
//  3. For a delta bundle, check that every source file the bundle uses
//     (kDelta and kUnchanged) is a regular file with the declared size and
//     SHA-256. A tree that does not match is refused here, before writing.
//  4. Create the staging directory (it must not exist), then each entry in
//     manifest order: directories (owner-only at first), symlinks
//     (CreateSymlink), files streamed from the bundle (zstd, delta, or a copy
//     of the source file) into the staging file while counting and hashing:
//     a file may never grow past its declared size (the zip-bomb guard) and
//     must end with exactly its declared size and SHA-256. Each file is
//     given its mode, synced and closed.
//  5. Give each directory its final mode, deepest first, and sync it; then
//     the staging directory (mode 0755) and its parent.
// On ANY error everything apply created is removed (a directory's mode is
// relaxed first so that its content can go) and the first error is returned;
// nothing but the error is left. A crash mid-apply can leave a partial
// staging directory (its parent is synced only at the very end), so the
// caller (the component store) must remove stale staging directories when it
// starts.
//
// Memory: one 64 KiB buffer, the manifest (at most 16 MiB) and what the
// delta engine needs (zstd windows; for zstd-prefix patches the old file,
// capped by delta.max_prefix_bytes). Never a whole file or bundle otherwise.
//
// Thread-safety: ApplyBundle holds no state; the caller must own the staging
// directory's parent (no one else may create entries there meanwhile).
#ifndef BSI_PAYLOAD_BUNDLE_APPLY_H_
#define BSI_PAYLOAD_BUNDLE_APPLY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "bsi/core/file_system.h"
#include "bsi/core/result.h"
#include "bsi/payload/delta.h"
#include "bsi/payload/manifest.h"

namespace bsi::payload {

// Caps on what a bundle may make a device write. (The delta engine's own
// caps are ApplyOptions in delta.h, hence the name.)
struct BundleApplyOptions {
  // Manifest entries of any type (files, directories, symlinks).
  // Default: 200,000.
  std::uint64_t max_files = 200'000;
  // The declared size of any one file. Default: 2 GiB.
  std::uint64_t max_file_bytes = std::uint64_t{2} << 30;
  // The declared sizes of all files together. Default: 8 GiB.
  std::uint64_t max_total_bytes = std::uint64_t{8} << 30;
  // For delta patches and for the zstd frames of full content (its
  // max_window_log caps every zstd window).
  ApplyOptions delta;
};

struct ApplyRequest {
  // The bundle, already verified as a TUF target (length and hashes).
  std::string bundle_path;
  // The tree of the source version. Required for a delta bundle
  // (kInvalidArgument without); not read for a full bundle.
  std::optional<std::string> source_dir;
  // Where the target tree is built. REQUIRES: it does not exist
  // (kInvalidArgument otherwise); its parent does.
  std::string staging_dir;
  // When set, the bundle must be for this component and target version
  // (kInvalidArgument otherwise).
  std::optional<std::string> expected_component;
  std::optional<std::string> expected_target_version;
  // When set and the bundle is a delta bundle, its source version must be
  // this one (kInvalidArgument otherwise). A full bundle applies from any.
  std::optional<std::string> expected_source_version;
};

// Builds the target tree of the bundle in request.staging_dir and returns
// the bundle's manifest. Errors (nothing written for any of them):
// kInvalidArgument (see ApplyRequest); kTooLarge (over a cap, a file
// decompressing past its declared size, a zstd window over the cap);
// kLengthMismatch / kHashMismatch (a source file or a produced file other
// than declared); kFileNotFound (a source file missing); kMalformed,
// kUnsafePath, kUnsupported (a bad bundle, see BundleReader::Open); kIo,
// kNoSpace.
Result<Manifest> ApplyBundle(FileSystem& fs, const ApplyRequest& request,
                             const BundleApplyOptions& options = {});

}  // namespace bsi::payload

#endif  // BSI_PAYLOAD_BUNDLE_APPLY_H_
