// SafeRelativePath: a path inside a component tree that cannot escape it, as
// a type. The only way to get one is Parse(), which refuses (kUnsafePath):
//  - the empty path, an absolute path ("/etc/x"), a trailing '/';
//  - empty parts ("a//b"), "." or ".." parts ("a/./b", "a/../../x");
//  - NUL, any other control character (0x01-0x1f) and DEL (0x7f);
//  - bytes that are not valid UTF-8 (the manifest is JSON);
//  - more than kMaxLength bytes, a part longer than kMaxPartLength, more than
//    kMaxDepth parts.
// So JoinPath(root, path.str()) always names an entry at or below root,
// provided no directory on the way is a symlink (bundle apply makes sure of
// that: every parent of a path is a directory it created itself).
//
// Symlink targets are checked by ResolveLinkTarget(): relative, made of safe
// parts and "..", and, resolved lexically relative to the link's directory,
// still inside the tree.
//
// Thread-safety: plain immutable value types; the functions are pure.
#ifndef BSI_PAYLOAD_SAFE_PATH_H_
#define BSI_PAYLOAD_SAFE_PATH_H_

#include <compare>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bsi/core/result.h"

namespace bsi::payload {

class SafeRelativePath {
 public:
  static constexpr std::size_t kMaxLength = 1024;
  static constexpr std::size_t kMaxPartLength = 255;
  static constexpr std::size_t kMaxDepth = 64;

  // Errors: kUnsafePath with a message that quotes the (escaped) text and
  // says what is wrong.
  static Result<SafeRelativePath> Parse(std::string_view text);

  // The path as given to Parse, e.g. "lib/libssl.so.3".
  const std::string& str() const { return text_; }

  // The '/'-separated parts, in order; never empty.
  std::vector<std::string_view> Parts() const;

  // The last part ("c" for "a/b/c").
  std::string_view BaseName() const;

  // The path without its last part, or nullopt for a one-part path.
  std::optional<SafeRelativePath> Parent() const;

  // Bytewise order of the text: the order of paths in a manifest. A parent
  // sorts before everything below it.
  friend bool operator==(const SafeRelativePath&, const SafeRelativePath&) = default;
  friend std::strong_ordering operator<=>(const SafeRelativePath& a, const SafeRelativePath& b) {
    return a.text_.compare(b.text_) <=> 0;
  }

 private:
  explicit SafeRelativePath(std::string text) : text_(std::move(text)) {}

  std::string text_;
};

// The longest symlink target accepted (PATH_MAX minus the terminating NUL).
inline constexpr std::size_t kMaxLinkTargetLength = 4095;

// Checks the target of a symlink at `link` and returns where it points,
// resolved lexically relative to the link's directory, as a relative path
// ("" for the tree's root). Errors: kUnsafePath if the target is empty,
// absolute, longer than kMaxLinkTargetLength, holds NUL, a control character,
// DEL, an empty part (also a trailing '/'), a "." part, a part that is not a
// safe name, or if it climbs above the tree's root.
Result<std::string> ResolveLinkTarget(const SafeRelativePath& link, std::string_view target);

// `text` with control characters, DEL, '"' and '\' escaped and cut to at most
// 80 bytes, in double quotes: for error messages about untrusted names.
std::string QuoteForMessage(std::string_view text);

}  // namespace bsi::payload

#endif  // BSI_PAYLOAD_SAFE_PATH_H_
