// Internal to ValidateManifest (manifest.h): the check that every symlink of
// a manifest stays inside the tree when all the other symlinks on its way
// are followed, as the kernel will once the tree is installed. Each link
// passing ResolveLinkTarget (lexically, on its own) is not enough: with
// a/x -> ".." and a/y -> "x/..", a/y climbs above the root.
//
// Linear in the size of the manifest: every symlink is resolved once and
// remembered, and a walk steps from node to node of a table of the tree
// (never by joining and looking up whole paths), so that a hostile manifest
// of many long, chained targets costs no more than reading it.
//
// Thread-safety: a pure function.
#ifndef BSI_PAYLOAD_MANIFEST_LINKS_H_
#define BSI_PAYLOAD_MANIFEST_LINKS_H_

#include "bsi/core/result.h"
#include "bsi/payload/manifest.h"

namespace bsi::payload {

// Linux follows at most 40 symlinks in one lookup (MAXSYMLINKS); a chain of
// more, or a loop, is refused.
inline constexpr int kMaxSymlinkHops = 40;

// REQUIRES: entries are strictly ascending and every parent is a kDirectory
// entry (the per-entry rules of ValidateManifest hold).
// Errors: kUnsafePath if a symlink leads outside the tree, or loops or
// chains through more than kMaxSymlinkHops links.
Status CheckSymlinksStayInside(const Manifest& manifest);

}  // namespace bsi::payload

#endif  // BSI_PAYLOAD_MANIFEST_LINKS_H_
