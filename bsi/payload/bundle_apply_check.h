// Internal to ApplyBundle (bundle_apply.h): the checks made before a single
// byte is written — steps 1 to 3 there, after BundleReader::Open. Kept in a
// header of its own so that each step can be tested on its own; not part of
// the module's interface.
//
// Thread-safety: pure functions of their arguments and the file system.
#ifndef BSI_PAYLOAD_BUNDLE_APPLY_CHECK_H_
#define BSI_PAYLOAD_BUNDLE_APPLY_CHECK_H_

#include <cstdint>
#include <string>

#include "bsi/core/file_system.h"
#include "bsi/core/result.h"
#include "bsi/payload/bundle_apply.h"
#include "bsi/payload/bundle_reader.h"

namespace bsi::payload {

// The caller's expectations (component, versions, source_dir present for a
// delta bundle) and the caps of options. Errors: kInvalidArgument, kTooLarge.
Status CheckRequestAndCaps(const Manifest& manifest, const ApplyRequest& request,
                           const BundleApplyOptions& options);

// The header of every content record's data against the manifest: zstd
// frame headers of kFull records (a declared content size other than the
// file's size, a window over options.delta.max_window_log) and delta patch
// headers of kDelta records. Errors: kMalformed, kTooLarge, kLengthMismatch,
// kUnsupported, kIo.
Status CheckContentHeaders(const BundleReader& reader, const BundleApplyOptions& options);

// Every source file the bundle uses (kDelta, kUnchanged) below source_dir:
// a regular file (not a symlink) of the declared size and SHA-256.
// Errors: kFileNotFound, kLengthMismatch, kHashMismatch, kIo.
Status CheckSourceTree(FileSystem& fs, const Manifest& manifest, const std::string& source_dir);

// The lowercase hex SHA-256 of a file, read in pieces.
Result<std::string> Sha256OfFile(FileSystem& fs, const std::string& path);

}  // namespace bsi::payload

#endif  // BSI_PAYLOAD_BUNDLE_APPLY_CHECK_H_
