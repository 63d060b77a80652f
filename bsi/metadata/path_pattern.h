// Which delegated roles are trusted for which target paths (TUF §4.5).
//
// A `paths` pattern matches a target path when both have the same number
// of '/'-separated parts and each pattern part matches the path part as a
// shell glob: '*' (any run of characters), '?' (one character), '[abc]',
// '[a-z]', '[!abc]'; no escapes, and '*' never crosses a '/'. This is the
// behaviour of the reference implementation (python fnmatch per part).
// `path_hash_prefixes` match when the hex SHA-256 of the target path
// starts with one of them.
#ifndef BSI_METADATA_PATH_PATTERN_H_
#define BSI_METADATA_PATH_PATTERN_H_

#include <string_view>

#include "bsi/metadata/metadata.h"

namespace bsi::metadata {

// One shell-glob part against one path part (no '/' handling).
bool GlobMatch(std::string_view pattern, std::string_view text);

// A whole pattern against a whole target path, part by part.
bool PathPatternMatches(std::string_view pattern, std::string_view target_path);

// Whether `role` is trusted for `target_path` (by paths or hash prefixes).
bool IsDelegatedPath(const DelegatedRole& role, std::string_view target_path);

}  // namespace bsi::metadata

#endif  // BSI_METADATA_PATH_PATTERN_H_
