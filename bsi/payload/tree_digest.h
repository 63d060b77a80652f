// TreeDigest: one SHA-256 that names a component tree exactly — every
// entry's path, type and mode, each file's size and content SHA-256, each
// symlink's target. Two trees have the same digest if and only if a bundle
// would see them as the same tree (docs/formats/improvement.md, "Tree digest").
//
// The improvement record carries the digest of the tree each component
// starts from and of the tree it installs, so that a release can check
// that every letter of a base starts from the same base tree, and a device
// that its tree is the one a delta expects.
//
// Thread-safety: pure functions (the tree must not change while scanned).
#ifndef BSI_PAYLOAD_TREE_DIGEST_H_
#define BSI_PAYLOAD_TREE_DIGEST_H_

#include <string>

#include "bsi/core/file_system.h"
#include "bsi/core/result.h"
#include "bsi/payload/manifest.h"

namespace bsi::payload {

// The digest of the tree under root, scanned as a bundle's target tree is
// (ScanTree with kRefuseUnsafe); lowercase hex. Errors: those of ScanTree
// and of reading the files.
Result<std::string> TreeDigest(FileSystem& fs, const std::string& root);

// The digest of the tree a manifest describes (its target tree).
std::string TreeDigest(const Manifest& manifest);

}  // namespace bsi::payload

#endif  // BSI_PAYLOAD_TREE_DIGEST_H_
