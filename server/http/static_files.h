// StaticFiles: a Handler serving a directory of static files — a TUF
// repository (metadata/timestamp.json, metadata/3.root.json,
// targets/<sha256 hex>.<name>) — mounted on a Router:
//
//   BSI_ASSIGN_OR_RETURN(Handler files, StaticFiles("/srv/repo"));
//   BSI_TRY(router.Mount("/repo/", std::move(files)));
//
// The file is root_dir + request.MountPath(), percent-decoded.
//  - GET and HEAD only (405 otherwise). No directory listings: a directory,
//    or anything but a regular file, is 404.
//  - Paths that could leave root_dir are refused, never served: a "." or
//    ".." segment (also as %2e%2e), an encoded '/' (%2f), a backslash, NUL,
//    an empty segment or an absolute path get 400; a symbolic link that
//    resolves outside root_dir gets 404 (resolution is done by the kernel,
//    beneath root_dir: openat2 RESOLVE_BENEATH; where the kernel lacks it, a
//    realpath check). Symbolic links inside root_dir must be relative.
//  - Content-Type: .json application/json; .html text/html; charset=utf-8;
//    .md text/markdown; charset=utf-8; anything else
//    application/octet-stream. Also "X-Content-Type-Options: nosniff".
//  - ETag (strong): "<inode>-<size>-<mtime in ns>" in hex, from fstat of the
//    opened file. A file replaced by rename gets a new inode, so a new tag,
//    without hashing anything. Tags differ between hosts serving copies of
//    the same file (clients then refetch once; they never get a stale 304).
//    If-None-Match (weak comparison, "*") gives 304. If-Modified-Since is
//    not used (ETags are exact). Last-Modified is sent.
//  - Cache-Control: "max-age=31536000, immutable" for versioned metadata
//    ("N.<role>.json") and hash-prefixed targets ("<64 or 128 hex>.<name>"),
//    whose content never changes under one name; "no-cache" (revalidate
//    every time) for every other .json file (timestamp.json, root.json,
//    snapshot.json, targets.json, unversioned delegated roles); the
//    default_cache_control option for anything else.
//  - Range: one range, "bytes=a-b", "bytes=a-" or "bytes=-n", gives 206 with
//    Content-Range; a range starting past the end 416; several ranges or a
//    malformed header the whole file (200). If-Range with another ETag (or
//    a date) gives the whole file.
//  - Each request looks at the file afresh, so a file replaced by rename
//    while being served is sent whole, old or new, never torn. Files of at
//    most cache_max_file_bytes are kept in memory, keyed by path and by
//    (device, inode, size, mtime): a request whose stat of the path shows
//    the cached version is served from memory with that one system call
//    (the entry was loaded through the checked open above, so these bytes
//    were already found servable under this path); any other is opened
//    beneath the root and, if small, read and cached. A file modified in
//    place while being read is read again (503 if it keeps changing).
//    Larger files are sent from the descriptor opened for the request.
//
// Thread-safety: the handler may run on several threads at once (the cache
// is under a mutex held only for a lookup or an insertion).
#ifndef BSI_SERVER_HTTP_STATIC_FILES_H_
#define BSI_SERVER_HTTP_STATIC_FILES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bsi/core/result.h"

#include "server/http/router.h"

namespace bsi::http {

struct StaticFilesOptions {
  // Files up to this size are cached in memory. Default: 1 MiB.
  std::size_t cache_max_file_bytes = std::size_t{1} << 20;
  // Bound on the cache; when full, it is emptied. Default: 64 MiB.
  std::size_t cache_max_total_bytes = std::size_t{64} << 20;
  // Cache-Control for files that are neither .json nor immutable by name.
  // Default: "max-age=60".
  std::string default_cache_control = "max-age=60";
};

// A handler serving root_dir (see the file comment). root_dir itself is
// opened here, once: files in it may be replaced at any time, but a new
// directory put in its place (a symbolic link switched, say) needs a new
// handler. Errors: kFileNotFound or kIo when root_dir cannot be opened as a
// directory.
Result<Handler> StaticFiles(const std::string& root_dir, StaticFilesOptions options = {});

// The parts, exposed for tests.

// Content-Type for a file name.
std::string_view ContentTypeFor(std::string_view name);

// Cache-Control for a file name (see the file comment).
std::string_view CacheControlFor(std::string_view name, const StaticFilesOptions& options);

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t length = 0;
};
enum class RangeOutcome { kWhole, kPartial, kUnsatisfiable };

// Interprets a Range header for a file of size bytes; fills range on
// kPartial.
RangeOutcome ParseRange(std::string_view header, std::uint64_t size, ByteRange* range);

// Whether an If-None-Match header matches etag (weak comparison; "*").
bool IfNoneMatchMatches(std::string_view header, std::string_view etag);

}  // namespace bsi::http

#endif  // BSI_SERVER_HTTP_STATIC_FILES_H_
